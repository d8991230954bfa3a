"""Republish the 4000-page corpus after one page changed, against wsgidav on 127.0.0.1.

    .venv/bin/python benchmarks/bench_publish.py [-n 4000]

Reports requests and bytes sent to the target for (1) the first publish, (2) a republish after
one page changed, (3) a no-change publish, and (4) a no-change scheduled tick, counted on the
servers (source and target are two servers, so each count is unambiguous). Budgets (issue 5):
requests <= changed files + 3, bytes <= 2x the changed files' size, and a no-change tick costs
1 request to the source and none to the target.
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

from sitegen.build.pipeline import BuildOptions, build_site  # noqa: E402
from sitegen.publish.davtarget import DavTarget  # noqa: E402
from sitegen.publish.manifest import STATE_DIR  # noqa: E402
from sitegen.publish.runner import PublishOptions, publish_tree  # noqa: E402
from sitegen.schedule import Every, RunOutcome, Scheduler, status_path  # noqa: E402
from sitegen.webdav import Client  # noqa: E402
from tests.publish.helpers import NEXTCLOUD_ROOT, PASSWORD, USER, wsgidav_app  # noqa: E402


class Meter:
    """WSGI middleware counting requests and request-body bytes, split payload / bookkeeping."""

    def __init__(self, app: Any) -> None:
        self.app, self.lock = app, threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.requests, self.payload, self.bookkeeping = 0, 0, 0
        self.methods: dict[str, int] = {}

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        n = int(environ.get("CONTENT_LENGTH") or 0)
        with self.lock:
            self.requests += 1
            m = environ["REQUEST_METHOD"]
            self.methods[m] = self.methods.get(m, 0) + 1
            if f"/{STATE_DIR}/" in environ.get("PATH_INFO", ""):
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=4000)
    args = ap.parse_args()
    os.environ["SITEGEN_PASSWORD"] = PASSWORD
    with tempfile.TemporaryDirectory(prefix="sitegen-bench-publish-") as tmp:
        base = Path(tmp)
        subprocess.run([sys.executable, "/work/shared/bench/make_corpus.py", "-n", str(args.n),
                        "--seed", "42", "--out", str(base / "corpus"), "--layout", "plain"],
                       check=True, stdout=subprocess.DEVNULL)
        site = base / "corpus" / "pages"
        (base / "dav").mkdir()
        target_meter = Meter(wsgidav_app(base / "dav"))
        with serve(target_meter) as target_base:
            url = f"{target_base}{NEXTCLOUD_ROOT}/"

            def target() -> DavTarget:
                client = Client(url, username=USER, password=PASSWORD, max_connections=10)
                return DavTarget(client, label=url, cache_dir=base / "cache", workers=8)

            def build_and_publish(label: str) -> None:
                out = base / "out"
                t0 = time.perf_counter()
                build_site(site, out, BuildOptions(now=datetime(2026, 6, 1, tzinfo=timezone.utc)))
                t1 = time.perf_counter()
                target_meter.reset()
                outcome = publish_tree(out, target(), PublishOptions())
                t2 = time.perf_counter()
                p = outcome.plan
                changed = p.new_bytes + p.changed_bytes
                files = len(p.new) + len(p.changed)
                print(f"{label}: {files} files changed ({changed} B); "
                      f"target: {target_meter.requests} requests {target_meter.methods}, "
                      f"payload {target_meter.payload} B, bookkeeping "
                      f"{target_meter.bookkeeping} B; build {t1 - t0:.1f} s, "
                      f"publish {t2 - t1:.2f} s")

            build_and_publish("first publish")
            page = sorted(site.rglob("*.md"))[len(list(site.rglob("*.md"))) // 2]
            page.write_text(page.read_text() + "\nOne more sentence.\n")
            build_and_publish("one page changed")
            build_and_publish("no change")

            src_app = nextcloud_like_source(site)
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

                sched = Scheduler(url, Every(600), lambda: src.stat("").etag, job,
                                  status_path(base / "state", url))
                sched.tick()  # first tick: the source is new to this scheduler, so it runs
                source_meter.reset()
                target_meter.reset()
                result = sched.tick()
                print(f"no-change tick: {result}; source {source_meter.requests} request(s), "
                      f"target {target_meter.requests} request(s), pipeline runs {len(runs)}")


if __name__ == "__main__":
    main()
