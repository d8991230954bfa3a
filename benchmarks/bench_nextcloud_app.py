"""Figures for the Nextcloud external app (issue 13), against ../shared/nextcloud.

    .venv/bin/python benchmarks/bench_nextcloud_app.py [--nc INSTANCE_DIR] [--quick]

Registers the app (a fresh app id), then reports (1) a first publish of content-example/
through AppAPI's proxy: seconds and requests back into Nextcloud (the app's own count, and the
lines server.log gained), (2) a public page through the proxy: median latency over 100 requests,
3 at a time (the server has 4 PHP workers), (3) save → republished page, by webhook (the
webhook job run with occ, as cron would) and by the root-ETag fallback (polling every 2 s).
--quick: a small site, 12 page requests. Without --nc a server is started in a temp folder.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.nextcloud_app.exapp import ExApp  # noqa: E402
from tests.servers import nextcloud as ncserver  # noqa: E402

SMALL = {"index.md": "# Small\n", "about.md": "# About\n", "css/site.css": "body{}\n"}


def site_files(quick: bool) -> dict[str, bytes | str | None]:
    if quick:
        return dict(SMALL)
    base = ROOT / "content-example"
    return {str(p.relative_to(base)): p.read_bytes() for p in base.rglob("*") if p.is_file()}


def publish(app: ExApp, body: dict[str, object]) -> dict[str, object]:
    with httpx.Client(auth=(app.nc.user, app.nc.app_password), timeout=600) as http:
        answer = http.post(app.proxy_url("api/publish"), json=body)
        answer.raise_for_status()
        return dict(answer.json())


def log_lines(nc: ncserver.NextcloudServer) -> int:
    """Requests php -S answered so far (one `[STATUS]: METHOD path` line each)."""
    text = (nc.dir / "server.log").read_text(errors="replace")
    return len(re.findall(r"\[\d{3}\]: [A-Z]+ ", text))


def until(text: str, url: str, limit: float = 120) -> float:
    start = time.monotonic()
    while time.monotonic() - start < limit:
        if text in httpx.get(url, timeout=30).text:
            return time.monotonic() - start
        time.sleep(0.1)
    raise RuntimeError(f"{url} never showed {text!r}")


def measure(nc: ncserver.NextcloudServer, work: Path, quick: bool) -> None:
    app = ExApp(nc, work)
    app.env["SITEGEN_APP_POLL_SECONDS"] = "2"
    app.start()
    try:
        app.register()
        source, target = nc.new_folder("bench"), nc.new_folder("benchpub")
        nc.upload(source, site_files(quick))
        before, start = log_lines(nc), time.monotonic()
        doc = publish(app, {"source": source, "target": target, "public": True, "watch": True})
        seconds = time.monotonic() - start
        print(
            f"publish through the proxy: {seconds:.1f} s, {doc['requests']} requests from the "
            f"app into Nextcloud, {log_lines(nc) - before} in server.log ({doc['pages']} pages)"
        )
        url = str(doc["public_url"])
        n = 12 if quick else 100

        def one(_: int) -> float:
            t = time.monotonic()
            httpx.get(url, timeout=60).raise_for_status()
            return time.monotonic() - t

        with ThreadPoolExecutor(3) as pool:
            times = list(pool.map(one, range(n)))
        print(f"public page: median {1000 * statistics.median(times):.0f} ms over {n}, 3 at once")
        with nc.client() as http:
            http.put(nc.dav_url(f"{source}/index.md"), content=b"# Webhook edit\n")
            nc.occ(
                "background-job:worker",
                "--once",
                "OCA\\WebhookListeners\\BackgroundJobs\\WebhookCall",
            )
            waited = until("Webhook edit", url)
            print(f"save -> republished (webhook): {waited:.1f} s after the webhook job ran")
            # the fallback: a save whose webhook job is never run
            http.put(nc.dav_url(f"{source}/index.md"), content=b"# Polled edit\n")
            polled = until("Polled edit", url)
            print(f"save -> republished (ETag check every 2 s, no webhook job): {polled:.1f} s")
        app.unregister()
    finally:
        app.stop()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--nc", type=Path, help="a running instance folder (start.sh's DIR)")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-exapp-") as tmp:
        if args.nc:
            measure(ncserver.read_env(args.nc, 0.0), Path(tmp), args.quick)
            return
        home = ncserver.find_home()
        if home is None:
            print("no ../shared/nextcloud: skipped")
            return
        nc = ncserver.start(home, Path(tmp) / "nc")
        try:
            measure(nc, Path(tmp), args.quick)
        finally:
            ncserver.stop(home, Path(tmp) / "nc")


if __name__ == "__main__":
    main()
