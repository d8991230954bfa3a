"""Readers during web-root publishes: failed page loads while `current` switches (goal: 0).

    .venv/bin/python benchmarks/bench_webroot_readers.py [--quick] [--server nginx|stdlib]

Publishes 20 times (`--quick`: 6) into a release-mode web root, alternating two versions of a
site built with `fingerprint = true` (each version links its own content-hashed stylesheet),
while reader threads load a page and then every file it links, as a browser does, through
Debian's nginx (the default when installed) or a stdlib HTTP server serving `current`. A load
fails when the page or any of its files is not a 200. A browser fetching the stylesheet of a page
it got just before a switch is the case that failed about 1 % of the time before releases kept
the fingerprinted assets of earlier ones.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sitegen.compiler.pipeline import BuildOptions, build_site  # noqa: E402
from sitegen.publish.plan import DeleteCap  # noqa: E402
from sitegen.publish.runner import PublishOptions, publish_tree  # noqa: E402
from sitegen.publish.webroot import WebRoot  # noqa: E402
from tests.publish.conftest import NGINX_CONF  # noqa: E402
from tests.servers.static import serve_folder  # noqa: E402
from tests.webdav.webdav_servers import free_port  # noqa: E402

_LINK = re.compile(r"""(?:href|src)=['"](/[^'"#?]+)""")
LAYOUT = (
    "<html><head><link rel='stylesheet' href='{{ asset(\"css/site.css\") }}'>"
    "<script src='{{ asset(\"js/site.js\") }}'></script></head><body>{{ content }}</body></html>"
)


def build_version(work: Path, version: int, pages: int) -> Path:
    src, out = work / f"src{version}", work / f"out{version}"
    (src / "css").mkdir(parents=True)
    (src / "js").mkdir()
    (src / "sitegen.toml").write_text("fingerprint = true\n")
    (src / "_layout.html").write_text(LAYOUT)
    (src / "css/site.css").write_text(f"body {{ --version: {version} }}\n" * 50)
    (src / "js/site.js").write_text(f"window.version = {version};\n")
    for i in range(pages):
        (src / f"page{i}.md").write_text(f"# Page {i}\n\nversion {version}\n")
    build_site(src, out, BuildOptions())
    return out


@contextmanager
def nginx_server(site: Path, work: Path) -> Iterator[str]:
    exe = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
    assert exe, "nginx is not installed"
    prefix, port = work / "nginx", free_port()
    (prefix / "tmp").mkdir(parents=True)
    conf = prefix / "nginx.conf"
    user = "user root;" if os.geteuid() == 0 else ""  # else workers could not read a 0700 tmp
    conf.write_text(
        NGINX_CONF.format(user=user, prefix=prefix, port=port, docroot=site / "current")
    )
    args = ["-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log")]
    proc = subprocess.Popen([exe, *args, "-g", "daemon off;"], stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(200):  # until it listens
            try:
                urllib.request.urlopen(url + "/", timeout=1)
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


def reader(url: str, pages: int, stop: threading.Event, counts: dict[str, int]) -> None:
    i = 0
    while not stop.is_set():
        i += 1
        ok = True
        try:
            page = urllib.request.urlopen(f"{url}/page{i % pages}/", timeout=10).read().decode()
            for link in _LINK.findall(page):
                urllib.request.urlopen(url + link, timeout=10).read()
        except (urllib.error.HTTPError, OSError):
            ok = False
        key = "ok" if ok else "failed"
        counts[key] = counts.get(key, 0) + 1


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="6 publishes of a 20-page site")
    ap.add_argument("--server", choices=["nginx", "stdlib"], default=None)
    ap.add_argument("--readers", type=int, default=4)
    a = ap.parse_args()
    server = a.server or ("nginx" if shutil.which("nginx", path="/usr/sbin:/sbin") else "stdlib")
    publishes, pages = (6, 20) if a.quick else (20, 200)
    with tempfile.TemporaryDirectory(prefix="bench-webroot-") as tmp:
        work = Path(tmp)
        outs = [build_version(work, v, pages) for v in (1, 2)]
        site = work / "site"
        target = WebRoot(site, keep_releases=5)
        options = PublishOptions(max_delete=DeleteCap(percent=100))
        publish_tree(outs[0], target, options)
        serve = nginx_server(site, work) if server == "nginx" else serve_folder(site / "current")
        with serve as url:
            stop, counts = threading.Event(), [dict[str, int]() for _ in range(a.readers)]
            threads = [threading.Thread(target=reader, args=(url, pages, stop, c)) for c in counts]
            for t in threads:
                t.start()
            started = time.perf_counter()
            for n in range(1, publishes + 1):
                publish_tree(outs[n % 2], target, options)
            seconds = time.perf_counter() - started
            stop.set()
            for t in threads:
                t.join()
    ok = sum(c.get("ok", 0) for c in counts)
    failed = sum(c.get("failed", 0) for c in counts)
    print(
        f"{server}: {publishes} publishes in {seconds:.1f} s; {ok + failed} page loads "
        f"(page + stylesheet + script), {failed} failed"
    )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
