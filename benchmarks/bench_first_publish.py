"""Requests of a first publish of the shared corpus to the real Nextcloud (issue 14's goal: at most
one request per folder plus one per 100 small files), counted by a pass-through proxy.

    .venv/bin/python benchmarks/bench_first_publish.py -n 4000     # starts its own Nextcloud
    .venv/bin/python benchmarks/bench_first_publish.py --quick     # CI: 10 pages
    .venv/bin/python benchmarks/bench_first_publish.py --no-bulk   # a PUT a file
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sitegen.compiler.pipeline import BuildOptions, build_site  # noqa: E402
from sitegen.publish.davtarget import DavTarget  # noqa: E402
from sitegen.publish.manifest import walk_files  # noqa: E402
from sitegen.publish.runner import PublishOptions, publish_tree  # noqa: E402
from sitegen.webdav import Client  # noqa: E402
from tests.servers.faultproxy import FaultProxy  # noqa: E402
from tests.servers.nextcloud import find_home, start, stop  # noqa: E402

CORPUS = ROOT.parent / "shared" / "bench" / "make_corpus.py"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=4000)
    ap.add_argument("--quick", action="store_true", help="10 pages")
    ap.add_argument("--log", type=Path, help="write each request (method, status, path) here")
    ap.add_argument("--no-bulk", action="store_true", help="every file by its own PUT")
    args = ap.parse_args()
    n = 10 if args.quick else args.n
    home = find_home()
    if home is None or not CORPUS.is_file():
        print("../shared/nextcloud or ../shared/bench is absent: nothing to measure")
        return
    with tempfile.TemporaryDirectory(prefix="sitegen-bench-first-") as t:
        tmp = Path(t)
        cmd = [sys.executable, str(CORPUS), "-n", str(n), "--seed", "42", "--out", str(tmp / "c")]
        subprocess.run([*cmd, "--layout", "plain"], check=True, capture_output=True)
        pages = next(p for p in (tmp / "c").rglob("*") if p.is_dir() and p.name == "pages")
        out = tmp / "out"
        build_site(pages, out, BuildOptions())
        files = list(walk_files(out))
        folders = {f.rpartition("/")[0] for f in files} - {""}
        folders |= {"/".join(f.split("/")[:i]) for f in folders for i in range(1, f.count("/") + 1)}
        nc = start(home, tmp / "nc")
        try:
            with FaultProxy(nc.url) as proxy:
                client = Client(
                    f"{proxy.url}/remote.php/dav/files/{nc.user}/bench/site",
                    username=nc.user,
                    password=nc.app_password,
                )
                began = time.perf_counter()
                publish_tree(
                    out,
                    DavTarget(client, label="bench", workers=4, bulk=not args.no_bulk),
                    PublishOptions(),
                )
                took = time.perf_counter() - began
                log = proxy.log()
                methods = Counter(e.method for e in log)
        finally:
            stop(home, tmp / "nc")
    if args.log:
        args.log.write_text("".join(f"{e.method} {e.status} {e.path}\n" for e in log))
    total = sum(methods.values())
    goal = len(folders) + 3 + -(-len(files) // 100)  # the target, .sitegen, journal too
    print(
        f"| pages | files | folders | requests | by method | goal (folders + files/100) | s |\n"
        f"|---|---|---|---|---|---|---|\n"
        f"| {n} | {len(files)} | {len(folders)} | {total} | {dict(sorted(methods.items()))} "
        f"| {goal} | {took:.1f} |"
    )


if __name__ == "__main__":
    main()
