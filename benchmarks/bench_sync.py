"""Sync speed against real servers on loopback: 1000 files of 2 KB (10 folders of 100), served
by wsgidav (plain: no folder ETags), wsgidav Nextcloud-like (folder ETags propagate) and
`rclone serve webdav`. For each: a cold sync, a no-change sync and a one-file-changed sync
(requests and seconds, median of --repeat runs), and `rclone copy` from the same server in the
same run as the reference for the cold sync.

    .venv/bin/python benchmarks/bench_sync.py [--repeat 3] [--jobs 8] [--quick]

`--quick`: 40 files (4 folders of 10), one run, wsgidav only: that the benchmark still runs
(CI), no figures.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "webdav"))

import webdav_servers as ws

from sitegen.sources import RemoteSource, parse_location
from sitegen.sources.url import RemoteLocation
from tests.webdav import process_servers

FOLDERS, PER_FOLDER = 10, 100  # --quick: 4 and 10


def make_site(root: Path) -> None:
    payload = os.urandom(2048)
    for d in range(FOLDERS):
        folder = root / f"section{d:02d}"
        folder.mkdir(parents=True)
        for f in range(PER_FOLDER):
            (folder / f"page {f:03d}.md").write_bytes(payload[:-4] + f"{d:02d}{f:02d}".encode())


def median_of(runs: int, fn: Callable[[], tuple[int, float]]) -> tuple[int, float]:
    results = [fn() for _ in range(runs)]
    return results[0][0], statistics.median(r[1] for r in results)


def rclone_copy(url: str, dest: Path, jobs: int) -> float:
    exe = process_servers.rclone_path()
    assert exe
    obscured = subprocess.run(
        [exe, "obscure", ws.PASSWORD], capture_output=True, text=True, check=True
    ).stdout.strip()
    env = {
        **os.environ,
        "RCLONE_CONFIG": str(dest.parent / "rclone.conf"),
        "RCLONE_WEBDAV_URL": url,
        "RCLONE_WEBDAV_USER": ws.USER,
        "RCLONE_WEBDAV_PASS": obscured,
        "RCLONE_WEBDAV_VENDOR": "other",
    }
    start = time.perf_counter()
    subprocess.run(
        [
            exe,
            "copy",
            ":webdav:",
            str(dest),
            "--transfers",
            str(jobs),
            "--checkers",
            str(jobs),
            "--log-level",
            "ERROR",
        ],
        env=env,
        check=True,
    )
    return time.perf_counter() - start


Result = tuple[int, float]


def measure(
    srv: ws.RunningServer, number: int, site: Path, work: Path, repeat: int, jobs: int
) -> tuple[Result, Result, Result, float | None]:
    port = srv.base.rsplit(":", 1)[1]
    scheme = "nextcloud+http" if srv.url_prefix else "webdav+http"
    location = parse_location(f"{scheme}://{ws.USER}@127.0.0.1:{port}/Website")
    assert isinstance(location, RemoteLocation)
    fresh = iter(range(10**6))

    def cold() -> Result:
        cache = work / f"cache-{number}-{next(fresh)}"
        r = RemoteSource(location, cache_dir=cache, jobs=jobs).sync()
        assert len(r.changes.added) == FOLDERS * PER_FOLDER
        return r.requests, r.seconds

    warm = RemoteSource(location, cache_dir=work / f"cache-{number}-warm", jobs=jobs)
    warm.sync()

    def unchanged() -> Result:
        r = warm.sync()
        assert r.changes.empty
        return r.requests, r.seconds

    bump = iter(range(1, 10**6))

    def one_changed() -> Result:
        page = site / f"section{FOLDERS * 7 // 10:02d}" / f"page {PER_FOLDER * 42 // 100:03d}.md"
        page.write_bytes(os.urandom(2048))
        later = time.time() + 10 * next(bump)  # a new mtime even within one second
        os.utime(page, (later, later))
        r = warm.sync()
        assert r.changes.changed == (page.relative_to(site).as_posix(),), r.changes
        return r.requests, r.seconds

    results = median_of(repeat, cold), median_of(repeat, unchanged), median_of(repeat, one_changed)
    ref = None
    if process_servers.rclone_path():
        times = []
        for i in range(repeat):
            dest = work / f"rclone-{number}-{i}" / "out"
            dest.parent.mkdir()
            times.append(rclone_copy(srv.base + srv.url_prefix + "/Website", dest, jobs))
        ref = statistics.median(times)
    return (*results, ref)


def servers(served: Path) -> Iterator[tuple[str, AbstractContextManager[ws.RunningServer]]]:
    yield "wsgidav", ws.serve_wsgidav(served)
    yield "wsgidav (Nextcloud-like ETags)", ws.serve_wsgidav(served, nextcloud_like=True)
    if process_servers.rclone_path():
        yield "rclone serve webdav", process_servers.serve_rclone(served)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=8)
    parser.add_argument("--quick", action="store_true", help="40 files, one run, wsgidav only")
    args = parser.parse_args()
    global FOLDERS, PER_FOLDER
    if args.quick:
        FOLDERS, PER_FOLDER, args.repeat = 4, 10, 1
    os.environ["SITEGEN_PASSWORD"] = ws.PASSWORD
    os.environ["NETRC"] = os.devnull
    work = Path(tempfile.mkdtemp(prefix="sitegen-bench-"))
    try:
        served = work / "served"
        site = served / "Website"
        make_site(site)
        rows = []
        for number, (name, cm) in enumerate(servers(served)):
            if args.quick and number:
                break
            with cm as srv:
                row = measure(srv, number, site, work, args.repeat, args.jobs)
            rows.append((name, *row))
            print(
                f"{name}: cold {row[0]}, no change {row[1]}, one changed {row[2]}, "
                f"rclone copy {row[3]}",
                file=sys.stderr,
            )
        files = FOLDERS * PER_FOLDER
        print(f"\n{files} files x 2 KB, jobs={args.jobs}, median of {args.repeat} runs\n")
        head = (
            f"{'server':32} {'cold':>16} {'no change':>16} {'one changed':>16} "
            f"{'rclone copy':>12} {'cold/rclone':>11}"
        )
        print(head)
        print("-" * len(head))
        for name, c, s, o, ref in rows:

            def cell(x: tuple[int, float]) -> str:
                return f"{x[0]:>5} req {x[1]:6.3f}s"

            ratio = f"{c[1] / ref:10.2f}x" if ref else "         -"
            reftext = f"{ref:11.3f}s" if ref else "           -"
            print(f"{name:32} {cell(c):>16} {cell(s):>16} {cell(o):>16} {reftext} {ratio}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
