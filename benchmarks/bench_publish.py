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
        subprocess.run(
            [
                sys.executable,
                "/work/shared/bench/make_corpus.py",
                "-n",
                str(args.n),
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
        site = base / "corpus" / "pages"
        (base / "dav").mkdir()
        target_meter = Meter(wsgidav_app(base / "dav"))
        with serve(target_meter) as target_base:
            url = f"{target_base}{NEXTCLOUD_ROOT}/"

            def target() -> DavTarget:
                client = Client(url, username=USER, password=PASSWORD, max_connections=10)
                return DavTarget(client, label=url, cache_dir=base / "cache", workers=8)

            builds = [0]
            rows = [
                "| run | changed files | requests | budget | payload B | bookkeeping B "
                "| total B | budget B |",
                "|---|---|---|---|---|---|---|---|",
            ]

            def build() -> Path:
                # A fresh output folder per build: the benchmark measures publishing, and
                # rebuilding into the same folder within one process races the background
                # removal of the previous output (reported to the build engine).
                builds[0] += 1
                out = base / f"out{builds[0]}"
                build_site(site, out, BuildOptions(now=datetime(2026, 6, 1, tzinfo=timezone.utc)))
                return out

            def publish(label: str, out: Path, quiet: bool = False) -> bool:
                target_meter.reset()
                t0 = time.perf_counter()
                outcome = publish_tree(out, target(), PublishOptions())
                t1 = time.perf_counter()
                p = outcome.plan
                changed = p.new_bytes + p.changed_bytes
                files = len(p.new) + len(p.changed)
                compacted = target_meter.compacted
                if not quiet or compacted:
                    # the listing, the lease taken and released, the record
                    budget_r, budget_b = files + 4, 2 * changed
                    sent = target_meter.payload + target_meter.bookkeeping
                    rows.append(
                        f"| {label} | {files} ({changed} B) | {target_meter.requests} "
                        f"| {budget_r} | {target_meter.payload} | "
                        f"{target_meter.bookkeeping} | {sent} | {budget_b} |"
                    )
                    print(
                        f"{label}: {files} files changed ({changed} B); target: "
                        f"{target_meter.requests} requests {dict(target_meter.methods)}, "
                        f"payload {target_meter.payload} B, bookkeeping "
                        f"{target_meter.bookkeeping} B, total {sent} B "
                        f"(budget {budget_r} requests, {budget_b} B); "
                        f"publish {t1 - t0:.2f} s"
                    )
                return compacted

            t0 = time.perf_counter()
            out = build()
            print(f"built {args.n} pages in {time.perf_counter() - t0:.1f} s")
            publish("first publish", out)
            page = sorted(site.rglob("*.md"))[len(list(site.rglob("*.md"))) // 2]
            page.write_text(page.read_text() + "\nOne more sentence.\n")
            out = build()
            publish("one page changed (steady state)", out)
            if not args.no_compaction:
                # One-file changes of the built tree (no rebuild) until a publish compacts.
                pages = sorted(out.rglob("*.html"))
                for n in range(1, 100_000):
                    victim = pages[n % len(pages)]
                    victim.write_bytes(victim.read_bytes() + b"\n")
                    if publish(f"compaction publish (after {n} steady publishes)", out, quiet=True):
                        break
                publish("one page changed (after compaction)", out_touch(pages[0]))
            publish("no change", out)

            src_app = nextcloud_like_source(site)
            if src_app is None:
                print("no-change tick: skipped (tests/webdav/webdav_servers.py not importable)")
                print("\n" + "\n".join(rows))
                return
            source_meter = Meter(src_app)
            with serve(source_meter) as source_base:
                src = Client(f"{source_base}{NEXTCLOUD_ROOT}/", username=USER, password=PASSWORD)
                runs: list[int] = []

                def job(_: Callable[[], bool]) -> RunOutcome:
                    runs.append(1)
                    return RunOutcome("published")

                sched = Scheduler(
                    url,
                    Every(600),
                    lambda: src.stat("").etag,
                    job,
                    status_path(base / "state", url),
                )
                sched.tick()  # first tick: the source is new to this scheduler, so it runs
                source_meter.reset()
                target_meter.reset()
                result = sched.tick()
                print(
                    f"no-change tick: {result}; source {source_meter.requests} request(s), "
                    f"target {target_meter.requests} request(s), pipeline runs {len(runs)}"
                )
                rows.append(
                    f"| no-change scheduled tick | - | source {source_meter.requests}, "
                    f"target {target_meter.requests} | source 1, target 0 | 0 | 0 | 0 "
                    "| 0 |"
                )
            print("\n" + "\n".join(rows))


if __name__ == "__main__":
    main()
