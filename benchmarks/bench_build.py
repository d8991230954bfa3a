#!/usr/bin/env python3
"""Full-build speed of sitegen on the shared 4000-page corpus, next to Hugo in the same run.

    python benchmarks/bench_build.py [-n 4000] [-r 3] [--no-hugo]

Makes the corpus with ../shared/bench/make_corpus.py (once, under ~/.cache/sitegen-bench), then
times clean builds, interleaving sitegen and Hugo so the drift of a shared machine hits both alike.
Prints pages per second, peak memory, and the ratio to Hugo (ratios, not seconds, are comparable
between runs on these machines). For the full peer table use ../shared/bench/run_peers.sh.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared" / "bench"
LAB = Path(os.environ.get("BENCH_LAB", Path.home() / ".cache" / "sitegen-bench"))


def corpus(n: int) -> Path:
    site = LAB / "sites" / f"n{n}"
    if not (site / "plain" / "pages").is_dir():
        subprocess.run(["bash", str(SHARED / "prepare.sh"), str(n)], check=True)
    return site


def timed(cmd: list[str], cwd: Path) -> tuple[float, int]:
    """Wall seconds and peak RSS (KB) of one run, measured by GNU time."""
    with tempfile.NamedTemporaryFile("r") as tf:
        subprocess.run(
            ["/usr/bin/time", "-f", "%e %M", "-o", tf.name, *cmd],
            cwd=cwd,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wall, rss = tf.read().split()[-2:]
    return float(wall), int(rss)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("-n", type=int, default=4000)
    ap.add_argument("-r", "--runs", type=int, default=3)
    ap.add_argument("--no-hugo", action="store_true")
    ap.add_argument("--sitegen", default=shutil.which("sitegen") or f"{sys.executable} -m sitegen")
    a = ap.parse_args()
    site = corpus(a.n)
    tools = {
        "sitegen": (
            site / "plain",
            [*a.sitegen.split(), "build", "pages", "-o", "out-sitegen", "-q"],
        )
    }
    if not a.no_hugo and shutil.which("hugo"):
        tools["hugo"] = (site / "hugo", ["hugo", "--quiet"])
    outs = {"sitegen": "out-sitegen", "hugo": "public"}
    results: dict[str, list[tuple[float, int]]] = {t: [] for t in tools}
    for rep in range(a.runs + 1):  # the first round warms the file cache and is not counted
        for tool, (cwd, cmd) in tools.items():
            shutil.rmtree(cwd / outs[tool], ignore_errors=True)
            wall, rss = timed(cmd, cwd)
            if rep:
                results[tool].append((wall, rss))
                print(f"  {tool:8} run {rep}: {wall:6.2f} s  {rss / 1024:6.0f} MB", file=sys.stderr)
    print(f"\n{a.n} pages, median of {a.runs} clean builds")
    print(f"{'tool':8} {'wall s':>8} {'pages/s':>9} {'peak MB':>8} {'x Hugo':>7}")
    hugo = statistics.median(w for w, _ in results["hugo"]) if "hugo" in results else None
    for tool, rows in results.items():
        wall = statistics.median(w for w, _ in rows)
        rss = max(r for _, r in rows) / 1024
        ratio = f"{wall / hugo:7.2f}" if hugo else "      -"
        print(f"{tool:8} {wall:8.2f} {a.n / wall:9.0f} {rss:8.0f} {ratio}")


if __name__ == "__main__":
    main()
