"""Time from saving one Markdown file to the reloaded page's `load` event, on the 4000-page corpus.

    .venv/bin/python benchmarks/bench_reload.py [-n 4000] [--runs 20] [--corpus DIR] [--quick]

`--quick`: a 40-page corpus and one save: that the benchmark still runs (CI), no figures.

Copies the corpus (~/.cache/sitegen-bench/sites/nN/plain/pages, or writes it with
/work/shared/bench/make_corpus.py) to a temp folder, starts `sitegen serve` on it (a subprocess on
a free 127.0.0.1 port), opens one page in headless Chromium (Debian's), then N times saves that
page's Markdown file and measures save -> `load` event of the reloaded page: the browser's clock
(performance.timeOrigin + the navigation entry's loadEventEnd, epoch ms on this machine) against
time.time() just before the save. Prints median and p90; the target (issue 4) is median <= 300 ms.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
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
MAKE_CORPUS = Path("/work/shared/bench/make_corpus.py")


def corpus(n: int, given: Path | None, dest: Path) -> Path:
    """A private copy of the corpus' pages folder (the preview edits it)."""
    source = given or Path.home() / f".cache/sitegen-bench/sites/n{n}/plain/pages"
    if not source.is_dir():
        made = dest.parent / "corpus"
        subprocess.run(
            [
                sys.executable,
                str(MAKE_CORPUS),
                "-n",
                str(n),
                "--seed",
                "42",
                "--out",
                str(made),
                "--layout",
                "plain",
            ],
            check=True,
        )
        source = made / "pages"
    shutil.copytree(source, dest)
    return dest


def start_serve(site: Path, log: list[str]) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "sitegen", "serve", str(site), "--port", "0"],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    ready = threading.Event()
    url: list[str] = []

    def read() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            log.append(line.rstrip())
            m = re.match(r"serving .* at (\S+)", line)
            if m:
                url.append(m.group(1))
                ready.set()

    threading.Thread(target=read, daemon=True).start()
    started = time.monotonic()
    while not ready.wait(0.5):
        if proc.poll() is not None or time.monotonic() - started > 600:
            raise SystemExit("sitegen serve did not start:\n" + "\n".join(log))
    return proc, url[0]


def output_url(base: str, rel: str) -> str:
    """The URL of a page (pretty URLs: dir/name.md -> dir/name/)."""
    return base + rel[: -len(".md")] + "/"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=4000)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--corpus", type=Path, default=None, help="a pages folder to copy")
    ap.add_argument("--page", default=None, help="the page to edit (site-relative .md path)")
    ap.add_argument("--quick", action="store_true", help="40 pages, one save")
    args = ap.parse_args()
    if args.quick:
        args.n, args.runs = 40, 1

    work = Path(tempfile.mkdtemp(prefix="sitegen-bench-reload-"))
    log: list[str] = []
    proc: subprocess.Popen[str] | None = None
    try:
        site = corpus(args.n, args.corpus, work / "pages")
        rel = args.page or sorted(p.relative_to(site).as_posix() for p in site.rglob("*.md"))[0]
        t0 = time.monotonic()
        proc, base = start_serve(site, log)
        print(
            f"corpus: {args.n} pages; serve ready in {time.monotonic() - t0:.1f} s; editing {rel}",
            flush=True,
        )
        latencies = measure_saves(output_url(base, rel), site / rel, args.runs)
    finally:
        if proc is not None:
            stop_serve(proc)
        shutil.rmtree(work, ignore_errors=True)
    report(latencies, log)


def measure_saves(url: str, md: Path, runs: int) -> list[float]:
    """Open `url` in Chromium, then `runs` times save `md` and wait for the reloaded page: the
    seconds from each save to the reloaded page's `load` event."""
    from playwright.sync_api import sync_playwright

    original = md.read_text(encoding="utf-8")
    latencies: list[float] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.set_default_timeout(60_000)
        page.goto(url)
        for i in range(runs):
            page.wait_for_function("() => window.__sitegenConnected === true")
            marker = f"reload-mark-{i}-{time.time_ns()}"
            saved = time.time()
            save_as_editors_do(md, original.rstrip("\n") + f"\n\n{marker}\n")
            page.wait_for_function(
                "m => document.body.textContent.includes(m) && performance"
                ".getEntriesByType('navigation')[0]?.loadEventEnd > 0",
                arg=marker,
            )
            # Navigation Timing 2: loadEventEnd is relative to timeOrigin (epoch ms).
            # (performance.timing.loadEventEnd, the old API, is epoch ms by itself.)
            loaded_ms = page.evaluate(
                "() => performance.timeOrigin"
                " + performance.getEntriesByType('navigation')[0].loadEventEnd"
            )
            latencies.append(loaded_ms / 1000 - saved)
            print(f"  run {i + 1:>2}: {latencies[-1] * 1000:6.0f} ms", flush=True)
        browser.close()
    return latencies


def save_as_editors_do(md: Path, text: str) -> None:
    """Write a temporary file beside `md` and rename it over `md`."""
    tmp = md.with_name("." + md.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, md)


def stop_serve(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()


def report(latencies: list[float], log: list[str]) -> None:
    """Median and p90 of save -> load, and the server's own rebuild times from its log."""
    ms = sorted(x * 1000 for x in latencies)
    p90 = ms[min(len(ms) - 1, round(0.9 * (len(ms) - 1)))]
    builds = [float(m.group(1)) for line in log if (m := re.match(r"rebuilt in (\d+) ms", line))]
    print(
        f"save -> load event over {len(ms)} saves: median {statistics.median(ms):.0f} ms, "
        f"p90 {p90:.0f} ms, min {ms[0]:.0f} ms, max {ms[-1]:.0f} ms (target: median <= 300 ms)"
    )
    if builds:
        print(
            f"server-side rebuild: median {statistics.median(builds):.0f} ms "
            f"(of {len(builds)} rebuilds)"
        )


if __name__ == "__main__":
    main()
