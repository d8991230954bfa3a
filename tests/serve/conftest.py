"""Fixtures for the preview: a small site, a running preview (in-process, on a free 127.0.0.1
port), and a headless Chromium (Debian's, through Playwright)."""

from __future__ import annotations

import hashlib
import importlib
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from sitegen.compiler.pipeline import BuildOptions, build_site
from sitegen.serve import Preview, ServeOptions
from sitegen.serve.builds import SiteBuilder
from sitegen.sources import LocalSource, Source
from tests.conftest import NOW
from tests.trees import write_tree

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "webdav"))

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

LAYOUT = """<!doctype html>
<html><head><meta charset="utf-8"><title>{{ page.title }}</title>
<link rel="stylesheet" href="{{ url('css/site.css') }}"></head>
<body><main>{{ content }}</main></body></html>
"""

SITE = {
    "sitegen.toml": 'title = "Preview test"\n',
    "_layout.html": LAYOUT,
    "index.md": "---\ntitle: Home\n---\n# Welcome home\n\n[About](about.md)\n",
    "about.md": "---\ntitle: About\n---\n# About us\n\nThe first version.\n",
    "404.md": "---\ntitle: Not here\n---\n# Nothing to see here\n",
    "css/site.scss": "$accent: rgb(10, 20, 30);\nh1 { color: $accent; }\n",
    "notes.txt": "plain text\n",
    "img/dot.svg": '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>',
}


# --- the builder: the engine's incremental one when it is there, else a stand-in ---------------


@dataclass(frozen=True)
class Update:
    written: tuple[str, ...]
    removed: tuple[str, ...]
    css_only: bool
    full: bool
    seconds: float
    base_path: str = "/"


def _digests(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha1(p.read_bytes()).hexdigest()
        for p in root.rglob("*")
        if p.is_file()
    }


class FullBuilder:
    """Stand-in for sitegen.compiler.incremental.IncrementalBuilder: builds everything each time and
    reports the outputs whose bytes changed."""

    def __init__(self, site_dir: Path, out_dir: Path, options: BuildOptions) -> None:
        self.site_dir, self.out_dir, self.options = site_dir, out_dir, options

    def build(self, changed: Iterable[str] | None = None) -> Update:
        started = time.perf_counter()
        before = _digests(self.out_dir) if self.out_dir.exists() else {}
        build_site(self.site_dir, self.out_dir, self.options)
        after = _digests(self.out_dir)
        written = tuple(sorted(p for p, d in after.items() if before.get(p) != d))
        removed = tuple(sorted(p for p in before if p not in after))
        styles = (".scss", ".sass", ".css")
        css_only = (
            changed is not None and bool(changed) and all(c.endswith(styles) for c in changed)
        )
        return Update(written, removed, css_only, changed is None, time.perf_counter() - started)


def engine_builder() -> Callable[[Path, Path, BuildOptions], SiteBuilder]:
    try:
        module: Any = importlib.import_module("sitegen.compiler.incremental")
    except ImportError:
        return FullBuilder

    def make(site_dir: Path, out_dir: Path, options: BuildOptions) -> SiteBuilder:
        builder: SiteBuilder = module.IncrementalBuilder(site_dir, out_dir, options)
        return builder

    return make


class GatedBuilder:
    """Wraps a builder; while `gate` is closed, a build waits for it (to catch requests that
    arrive during a build)."""

    def __init__(self, inner: SiteBuilder) -> None:
        self.inner = inner
        self.gate = threading.Event()
        self.gate.set()
        self.entered = threading.Event()

    def build(self, changed: Iterable[str] | None = None) -> Any:
        self.entered.set()
        assert self.gate.wait(30), "the test never opened the gate"
        return self.inner.build(changed)


# --- a running preview ---------------------------------------------------------------------------


class Running:
    def __init__(self, preview: Preview, url: str, site: Path) -> None:
        self.preview, self.url, self.site = preview, url, site
        self.lines: list[str] = []

    @property
    def origin(self) -> str:
        return self.url.split("/", 3)[0] + "//" + self.url.split("/", 3)[2]

    def write(self, rel: str, text: str) -> None:
        """Save a file the way an editor does: write a temp file, rename it over the old one."""
        path = self.site / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)

    def wait_for(
        self, predicate: Callable[[], bool], timeout: float = 15.0, what: str = "condition"
    ) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                log = "\n".join(self.lines)
                raise AssertionError(f"timed out waiting for {what}; log:\n{log}")
            time.sleep(0.02)

    def builds(self) -> int:
        return len(self.preview.builds)


StartPreview = Callable[..., Running]


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "site", SITE)


@pytest.fixture
def start_preview(tmp_path: Path) -> Iterator[StartPreview]:
    """start_preview(source=None, files=None, wrap=None, **options) -> Running; stops them all."""
    started: list[Preview] = []

    def start(
        source: Source | None = None,
        *,
        site_dir: Path | None = None,
        wrap: Callable[[SiteBuilder], SiteBuilder] | None = None,
        **options: Any,
    ) -> Running:
        if source is None:
            source = LocalSource(site_dir or tmp_path / "site")
        factory = engine_builder()

        def make(s: Path, o: Path, opts: BuildOptions) -> SiteBuilder:
            builder = factory(s, o, replace(opts, now=NOW))
            return wrap(builder) if wrap else builder

        lines: list[str] = []
        options.setdefault("port", 0)
        preview = Preview(source, ServeOptions(**options), builder_factory=make, log=lines.append)
        started.append(preview)
        url = preview.start()
        running = Running(preview, url, Path(source.local_dir))
        running.lines = lines
        return running

    yield start
    for p in started:
        p.close()


# --- the browser (`chromium` is in tests/conftest.py: one per test process) ----------------------


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield page
    finally:
        context.close()
