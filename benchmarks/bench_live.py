"""How soon an edit saved in Nextcloud reaches an open preview (`sitegen serve`), and what an
open preview costs the server while nothing changes.

- polling: the real Nextcloud of ../shared/nextcloud (it has no notify_push): a page is saved
  over WebDAV (PUT), then the time until the preview has rebuilt it; the default poll interval.
- push: the test suite's notify_push server and imitation Nextcloud (tests/live/imitation.py):
  the page is written on the server's disk and the push sent, then the same wait.
- idle cost: requests the preview sent to the real Nextcloud per minute (its request log).

    .venv/bin/python benchmarks/bench_live.py [--quick] [--edits 20] [--nextcloud DIR]

--nextcloud DIR reuses a running instance of start.sh (DIR/env); otherwise one is started in a
temporary folder and stopped at the end.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sitegen.serve import Preview, ServeOptions  # noqa: E402
from sitegen.sources import RemoteSource, parse_location  # noqa: E402
from sitegen.sources.url import RemoteLocation  # noqa: E402
from tests.live.imitation import PASSWORD, PushServer, nextcloud_app, ws  # noqa: E402
from tests.servers import nextcloud as nc  # noqa: E402

SITE = {"sitegen.toml": 'title = "Bench"\n', "about.md": "# About\n"}


def page(n: int) -> str:
    return f"---\ntitle: Home\n---\n# Home\n\nEdit number {n}.\n"


def open_preview(spec: str, cache: Path, lines: list[str]) -> Preview:
    location = parse_location(spec)
    assert isinstance(location, RemoteLocation)
    source = RemoteSource(location, cache_dir=cache)
    preview = Preview(source, ServeOptions(port=0), log=lines.append)
    preview.start()
    return preview


def time_edits(preview: Preview, edits: int, save: Callable[[int], None]) -> list[float]:
    """Seconds from each save until the preview's page shows it."""
    out = preview.out_dir / "index.html"
    seconds = []
    for n in range(1, edits + 1):
        # An author does not save twice within a second (and wsgidav, the imitation server, makes
        # its ETags from whole-second times: two saves in one second would look like one, the
        # first edit and the upload before it included).
        time.sleep(1.1)
        save(n)
        began = time.monotonic()
        marker = f"Edit number {n}."
        while marker not in (out.read_text(encoding="utf-8") if out.exists() else ""):
            if time.monotonic() - began > 30:
                raise SystemExit(f"edit {n} never reached the preview")
            time.sleep(0.005)
        seconds.append(time.monotonic() - began)
    return seconds


def requests(log: Path) -> int:
    """Requests in php -S's log (one `[STATUS]: METHOD path` line each)."""
    return sum(1 for line in log.read_text(errors="replace").splitlines() if "]: " in line)


def report(name: str, seconds: list[float]) -> None:
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    print(
        f"{name:8} {len(seconds):3} edits: median {statistics.median(seconds):.2f} s, "
        f"p95 {p95:.2f} s, max {ordered[-1]:.2f} s"
    )


def bench_polling(server: nc.NextcloudServer, edits: int, idle: float, tmp: Path) -> None:
    folder = f"bench-{uuid.uuid4().hex[:8]}"
    server.upload(folder, {**SITE, "index.md": page(0)})
    os.environ["SITEGEN_PASSWORD"] = server.app_password
    lines: list[str] = []
    preview = open_preview(server.sitegen_url(folder), tmp / "poll-cache", lines)
    try:
        with server.client() as http:
            url = server.dav_url(f"{folder}/index.md")
            report("polling", time_edits(preview, edits, lambda n: http.put(url, content=page(n))))
        log = server.dir / "server.log"
        before = requests(log)
        time.sleep(idle)
        sent = requests(log) - before
        print(f"idle     {sent} requests in {idle:.0f} s: {sent * 60 / idle:.0f} requests a minute")
    finally:
        preview.close()


def bench_push(edits: int, tmp: Path) -> None:
    files = tmp / "served"
    site = files / "Website"
    site.mkdir(parents=True)
    for name, text in {**SITE, "index.md": page(0)}.items():
        (site / name).write_text(text)
    os.environ["SITEGEN_PASSWORD"] = PASSWORD
    push = PushServer()
    lines: list[str] = []
    with ws.serve_wsgi(nextcloud_app(files, "nextcloud", push)) as server:
        spec = f"nextcloud+http://alice@{server.base.split('//')[1]}/nextcloud:/Website"
        preview = open_preview(spec, tmp / "push-cache", lines)
        try:
            assert preview.push is not None and preview.push.connected.is_set(), lines

            def save(n: int) -> None:
                (site / "index.md").write_text(page(n))
                push.notify([n])

            report("push", time_edits(preview, edits, save))
        finally:
            preview.close()
            push.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="5 edits, a 10 s idle window")
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--nextcloud", type=Path, help="a running start.sh instance folder")
    args = parser.parse_args()
    edits, idle = (5, 10.0) if args.quick else (args.edits, 60.0)
    os.environ["NETRC"] = os.devnull
    with tempfile.TemporaryDirectory(prefix="bench-live-") as tmp_name:
        tmp = Path(tmp_name)
        bench_push(edits, tmp)
        home = nc.find_home()
        if args.nextcloud:
            bench_polling(nc.read_env(args.nextcloud, 0.0), edits, idle, tmp)
        elif home is None:
            print("polling: skipped (no ../shared/nextcloud)")
        else:
            server = nc.start(home, tmp / "nc")
            try:
                bench_polling(server, edits, idle, tmp)
            finally:
                nc.stop(home, tmp / "nc")


if __name__ == "__main__":
    main()
