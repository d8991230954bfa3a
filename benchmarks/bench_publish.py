"""Republish the 4000-page corpus after one page changed, against wsgidav on 127.0.0.1.

    .venv/bin/python benchmarks/bench_publish.py [-n 4000] [--no-compaction]

Reports requests and bytes sent to the target for (1) the first publish, (2) a republish after
one page changed (the steady state: one record added to the journal), (3) the publish that
compacts (a fresh base and a closed log segment, once the journal outgrows a fifth of the base;
reached by publishing one-file changes of the built tree until it happens), (4) a no-change
publish, and (5) a no-change scheduled tick, counted on the servers (source and target are two
servers, so each count is unambiguous). Budgets (issue 5): requests <= changed files + 3, bytes
<= 2x the changed files' size, and a no-change tick costs 1 request to the source and none to
the target.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sitegen.compiler.pipeline import BuildOptions, build_site  # noqa: E402
from sitegen.publish.davtarget import DavTarget  # noqa: E402
from sitegen.publish.manifest import STATE_DIR  # noqa: E402
from sitegen.publish.runner import PublishOptions, publish_tree  # noqa: E402
from sitegen.schedule import Every, RunOutcome, Scheduler, status_path  # noqa: E402
from sitegen.webdav import Client  # noqa: E402
from tests.webdav.webdav_servers import NEXTCLOUD_ROOT, PASSWORD, USER, wsgidav_app  # noqa: E402


class Meter:
    """WSGI middleware counting requests and request-body bytes, split payload / bookkeeping."""

    def __init__(self, app: Any) -> None:
        self.app, self.lock = app, threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.requests, self.payload, self.bookkeeping = 0, 0, 0
        self.methods: dict[str, int] = {}
        self.compacted = False  # the journal folder was emptied (a compaction)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        n = int(environ.get("CONTENT_LENGTH") or 0)
        with self.lock:
            self.requests += 1
            m = environ["REQUEST_METHOD"]
            self.methods[m] = self.methods.get(m, 0) + 1
            path = environ.get("PATH_INFO", "")
            self.compacted |= m == "DELETE" and path.rstrip("/").endswith(f"/{STATE_DIR}/journal")
            if f"/{STATE_DIR}/" in path or path.rstrip("/").endswith(f"/{STATE_DIR}"):
                self.bookkeeping += n
            else:
                self.payload += n
        return self.app(environ, start_response)


@contextmanager
def serve(app: Any) -> Iterator[str]:
    from cheroot import wsgi

    server = wsgi.Server(("127.0.0.1", 0), app, numthreads=8)
    server.prepare()
    t = threading.Thread(target=server.serve, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{server.bind_addr[1]}"
    finally:
        server.stop()
        t.join(5)


def nextcloud_like_source(root: Path) -> Any:
    """The WebDAV engineer's wsgidav with Nextcloud-style folder ETags, when available."""
    try:
        from tests.webdav.webdav_servers import wsgidav_app as nc_app
    except ImportError:
        return None
    return nc_app(root, nextcloud_like=True)


def out_touch(page: Path) -> Path:
    """Change one built page in place; the output folder holding it."""
    page.write_bytes(page.read_bytes() + b"<!-- touched -->\n")
    root = page
    while not root.name.startswith("out"):
        root = root.parent
    return root


def make_corpus(base: Path, n: int) -> Path:
    """The shared benchmark corpus of `n` pages (seed 42) below `base`; its pages folder."""
    subprocess.run(
        [
            sys.executable,
            "/work/shared/bench/make_corpus.py",
            "-n",
            str(n),
            "--seed",
            "42",
            "--out",
            str(base / "corpus"),
            "--layout",
            "plain",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return base / "corpus" / "pages"


ROWS_HEADER = [
    "| run | changed files | requests | budget | payload B | bookkeeping B | total B | budget B |",
    "|---|---|---|---|---|---|---|---|",
]


class Bench:
    """Builds of the corpus published to the metered target, one table row per publish."""

    def __init__(self, base: Path, site: Path, url: str, meter: Meter) -> None:
        self.base, self.site, self.url, self.meter = base, site, url, meter
        self.builds = 0
        self.rows = list(ROWS_HEADER)

    def target(self) -> DavTarget:
        client = Client(self.url, username=USER, password=PASSWORD, max_connections=10)
        return DavTarget(client, label=self.url, cache_dir=self.base / "cache", workers=8)

    def build(self) -> Path:
        # A fresh output folder per build: the benchmark measures publishing, and rebuilding
        # into the same folder within one process races the background removal of the
        # previous output (reported to the build engine).
        self.builds += 1
        out = self.base / f"out{self.builds}"
        build_site(self.site, out, BuildOptions(now=datetime(2026, 6, 1, tzinfo=timezone.utc)))
        return out

    def publish(self, label: str, out: Path, quiet: bool = False) -> bool:
        """Publish `out` and report what the target saw; whether this publish compacted."""
        self.meter.reset()
        t0 = time.perf_counter()
        plan = publish_tree(out, self.target(), PublishOptions()).plan
        seconds = time.perf_counter() - t0
        if not quiet or self.meter.compacted:
            files = len(plan.new) + len(plan.changed)
            self.report(label, files, plan.new_bytes + plan.changed_bytes, seconds)
        return self.meter.compacted

    def report(self, label: str, files: int, changed: int, seconds: float) -> None:
        m = self.meter
        # Requests: the files, the listing, the lease taken and released, the record.
        budget_r, budget_b = files + 4, 2 * changed
        sent = m.payload + m.bookkeeping
        self.rows.append(
            f"| {label} | {files} ({changed} B) | {m.requests} | {budget_r} | {m.payload} | "
            f"{m.bookkeeping} | {sent} | {budget_b} |"
        )
        print(
            f"{label}: {files} files changed ({changed} B); target: {m.requests} requests "
            f"{dict(m.methods)}, payload {m.payload} B, bookkeeping {m.bookkeeping} B, "
            f"total {sent} B (budget {budget_r} requests, {budget_b} B); publish {seconds:.2f} s"
        )


def publish_runs(bench: Bench, n: int, compaction: bool) -> None:
    """The first publish, one page changed, the compaction (when asked), no change."""
    t0 = time.perf_counter()
    out = bench.build()
    print(f"built {n} pages in {time.perf_counter() - t0:.1f} s")
    bench.publish("first publish", out)
    pages_md = sorted(bench.site.rglob("*.md"))
    page = pages_md[len(pages_md) // 2]
    page.write_text(page.read_text() + "\nOne more sentence.\n")
    out = bench.build()
    bench.publish("one page changed (steady state)", out)
    if compaction:
        # One-file changes of the built tree (no rebuild) until a publish compacts.
        pages = sorted(out.rglob("*.html"))
        for i in range(1, 100_000):
            victim = pages[i % len(pages)]
            victim.write_bytes(victim.read_bytes() + b"\n")
            if bench.publish(f"compaction publish (after {i} steady publishes)", out, quiet=True):
                break
        bench.publish("one page changed (after compaction)", out_touch(pages[0]))
    bench.publish("no change", out)


def no_change_tick(bench: Bench) -> None:
    """A scheduled tick when the source has not changed: one request to the source only."""
    src_app = nextcloud_like_source(bench.site)
    if src_app is None:
        print("no-change tick: skipped (tests/webdav/webdav_servers.py not importable)")
        return
    source_meter = Meter(src_app)
    with serve(source_meter) as source_base:
        src = Client(f"{source_base}{NEXTCLOUD_ROOT}/", username=USER, password=PASSWORD)
        runs: list[int] = []

        def job(_: Callable[[], bool]) -> RunOutcome:
            runs.append(1)
            return RunOutcome("published")

        status_file = status_path(bench.base / "state", bench.url)
        sched = Scheduler(bench.url, Every(600), lambda: src.stat("").etag, job, status_file)
        sched.tick()  # first tick: the source is new to this scheduler, so it runs
        source_meter.reset()
        bench.meter.reset()
        result = sched.tick()
    print(
        f"no-change tick: {result}; source {source_meter.requests} request(s), "
        f"target {bench.meter.requests} request(s), pipeline runs {len(runs)}"
    )
    bench.rows.append(
        f"| no-change scheduled tick | - | source {source_meter.requests}, "
        f"target {bench.meter.requests} | source 1, target 0 | 0 | 0 | 0 | 0 |"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=4000)
    ap.add_argument(
        "--no-compaction",
        action="store_true",
        help="skip the publishes that fill the journal until it compacts",
    )
    args = ap.parse_args()
    os.environ["SITEGEN_PASSWORD"] = PASSWORD
    with tempfile.TemporaryDirectory(prefix="sitegen-bench-publish-") as tmp:
        base = Path(tmp)
        site = make_corpus(base, args.n)
        (base / "dav").mkdir()
        target_meter = Meter(wsgidav_app(base / "dav"))
        with serve(target_meter) as target_base:
            bench = Bench(base, site, f"{target_base}{NEXTCLOUD_ROOT}/", target_meter)
            publish_runs(bench, args.n, compaction=not args.no_compaction)
            no_change_tick(bench)
        print("\n" + "\n".join(bench.rows))


if __name__ == "__main__":
    main()
