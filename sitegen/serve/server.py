"""Layer 5: the preview, wired: a private output folder, one build queue, a watcher or a poller,
the WebSocket hub and the starlette app under uvicorn. It holds no build logic of its own."""

from __future__ import annotations

import secrets
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from sitegen.compiler.incremental import IncrementalBuilder
from sitegen.compiler.pipeline import BuildOptions
from sitegen.compiler.tree import bundled_themes_dir
from sitegen.config import NO_OVERRIDES, Overrides
from sitegen.errors import Diagnostic, SitegenError, format_html, format_text
from sitegen.sources import Source
from sitegen.sources.notify_push import PushListener

from .app import SiteView, make_app
from .builds import BuildQueue, Outcome, SiteBuilder, UpdateLike
from .guard import HostGuard, allowed_hosts
from .http import HttpServer
from .inject import overlay
from .reload import Hub, Message
from .watch import LocalWatcher, RemotePoller, listen_for_pushes

BuilderFactory = Callable[[Path, Path, BuildOptions], SiteBuilder]
Log = Callable[[str], None]


@dataclass(frozen=True)
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 8000  # 0: any free port
    drafts: bool = False
    future: bool = False
    poll: float = 1.0  # seconds between polls of a remote source (without push)
    push: bool = True  # listen to Nextcloud's notify_push where the server offers it
    jobs: int | None = None  # render processes for a full build
    allow_hosts: tuple[str, ...] = ()  # names besides loopback and `host` it answers for
    overrides: Overrides = NO_OVERRIDES  # --base-url, --set: over sitegen.toml's settings


def incremental_builder(site_dir: Path, out_dir: Path, options: BuildOptions) -> SiteBuilder:
    """The build engine's incremental builder (sitegen.compiler.incremental)."""
    return IncrementalBuilder(site_dir, out_dir, options)


def _stderr(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def page_urls(base: str, update: UpdateLike) -> list[str] | None:
    """The URL paths whose pages changed, or None when every open page should reload (a changed
    image or script, a full rebuild)."""
    if update.full:
        return None
    urls: list[str] = []
    for out in (*update.written, *update.removed):
        if not out.endswith(".html"):
            return None
        if out == "index.html" or out.endswith("/index.html"):
            urls.append(base + out[: -len("index.html")])
        else:
            urls.append(base + out[: -len(".html")])
        urls.append(base + out)
    return [quote(u, safe="/") for u in urls]


class Preview:
    """`sitegen serve` as an object: `start()` serves on a thread (tests), `run()` blocks (CLI)."""

    def __init__(
        self,
        source: Source,
        options: ServeOptions | None = None,
        *,
        builder_factory: BuilderFactory = incremental_builder,
        log: Log = _stderr,
    ) -> None:
        self.source = source
        self.options = options or ServeOptions()
        self.log = log
        self.site_dir = Path(source.local_dir)
        self._tmp = Path(tempfile.mkdtemp(prefix="sitegen-serve-"))
        self.out_dir = self._tmp / "site"
        self.out_dir.mkdir()
        self._instance = secrets.token_hex(4)
        self._generation = 0
        self._factory = builder_factory
        self.view = SiteView(self.out_dir, self._wait_idle, self._idle, token=self._token())
        self.hub = Hub(self._hello)
        hosts = allowed_hosts(self.options.host, self.options.allow_hosts)
        self.app = HostGuard(make_app(self.view, self.hub), hosts)
        self.queue: BuildQueue | None = None
        self.watcher: LocalWatcher | None = None
        self.poller: RemotePoller | None = None
        self.push: PushListener | None = None
        self.builds: list[Outcome] = []  # every finished build, for tests and reports
        self.http = HttpServer(self.app, self.options.host, self.options.port)
        self._closed = False

    # --- state the app and the hub read -------------------------------------------------------

    def _token(self) -> str:
        return f"{self._instance}-{self._generation}"

    def _wait_idle(self, timeout: float) -> bool:
        return self.queue.wait_idle(timeout) if self.queue else True

    def _idle(self) -> bool:
        return self.queue.idle if self.queue else True

    def _hello(self) -> Message:
        return {"type": "hello", "token": self.view.token, "error": self.view.error_overlay}

    @property
    def url(self) -> str:
        return self.http.url(self.view.base_path)

    # --- building -------------------------------------------------------------------------------

    def prepare(self) -> None:
        """Sync a remote source, build once, and start watching or polling (no server yet)."""
        fingerprint = None
        remote, offline = self.source.remote, self.source.offline
        if remote and not offline:
            fingerprint = self.source.fingerprint()
            result = self.source.sync()
            self.log(
                f"synced {self.source.label}: {len(result.changes)} changed, "
                f"{result.requests} requests, {result.seconds:.2f} s"
            )
        options = BuildOptions(
            drafts=self.options.drafts,
            future=self.options.future,
            base_url=None,
            jobs=self.options.jobs,
            overrides=self.options.overrides,
        )
        builder = self._factory(self.site_dir, self.out_dir, options)
        self.queue = BuildQueue(builder, self._on_build)
        self.queue.build_now(None)
        self.queue.start()
        if not remote:
            self.watcher = LocalWatcher(self.site_dir, self.queue.request, ignore=[self._tmp])
            self.watcher.start()
            self.watcher.wait_ready(5.0)
        elif not offline:
            self.poller = RemotePoller(
                self.source,
                self.options.poll,
                self.queue.request,
                self.log,
                self.queue.exclusive,
                fingerprint,
            )
            self.poller.start()
            if self.options.push:
                self.push = listen_for_pushes(self.source, self.poller, self.log)

    def _on_build(self, outcome: Outcome) -> None:
        self.builds.append(outcome)
        update = outcome.update
        if update is None:
            self._report_failure(outcome)
            return
        self.view.base_path = update.base_path  # the settings the build used (a failed one: kept)
        had_error = self.view.error_overlay is not None
        first = outcome.generation == 1
        if not (update.written or update.removed or had_error or first):
            self.log(f"no output changed ({update.seconds * 1000:.0f} ms)")
            return
        self._generation += 1
        self.view.token = self._token()
        self.view.error_overlay = None
        what = f"{len(update.written)} written, {len(update.removed)} removed"
        if first:
            self.log(f"built in {update.seconds:.2f} s ({what})")
            return
        if had_error:
            self.log("fixed: build succeeded")
        if update.css_only and not had_error:
            self.hub.publish({"type": "css", "token": self.view.token})
            kind = "stylesheets swapped"
        else:
            pages = None if had_error else page_urls(self.view.base_path, update)
            self.hub.publish({"type": "reload", "token": self.view.token, "pages": pages})
            kind = "reload"
        self.log(f"rebuilt in {update.seconds * 1000:.0f} ms ({what}; {kind})")

    def _report_failure(self, outcome: Outcome) -> None:
        diagnostics = outcome.diagnostics or (Diagnostic("", None, outcome.error),)
        sources = [(d, self._source_text(d)) for d in diagnostics]
        self.view.error_overlay = overlay(format_html(sources), len(diagnostics))
        self.hub.publish({"type": "error", "html": self.view.error_overlay})
        color = sys.stderr.isatty()
        for d, text in sources:
            self.log(format_text(d, text, color=color))
        n = len(diagnostics)
        self.log(f"build failed: {n} error{'s' if n != 1 else ''} (serving the last good build)")

    def _source_text(self, d: Diagnostic) -> str | None:
        """The text of the file a diagnostic names: in the site, else in a bundled theme."""
        if not d.path:
            return None
        candidates = [self.site_dir / d.path]
        if d.path.startswith("themes/"):
            candidates.append(bundled_themes_dir() / d.path[len("themes/") :])
        for path in candidates:
            try:
                if path.is_file():
                    return path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                return None
        return None

    # --- serving ----------------------------------------------------------------------------------

    def start(self, timeout: float = 30.0) -> str:
        """Build, then serve on a background thread; returns the URL."""
        self.prepare()
        try:
            self.http.start(timeout)
        except SitegenError:
            self.close()
            raise
        return self.url

    def run(self, on_ready: Callable[[str], None] | None = None) -> None:
        """Build and serve in this thread until Ctrl-C."""
        try:
            self.prepare()
            self.http.run(self.view.base_path, on_ready)
        finally:
            self.close()

    def close(self) -> None:
        """Stop everything this preview started and remove its output folder."""
        if self._closed:
            return
        self._closed = True
        self.http.stop()
        for part in (self.push, self.watcher, self.poller, self.queue):
            if part is not None:
                part.stop()
        self.source.close()  # the connection the polls kept open
        self.http.close()
        shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self) -> Preview:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
