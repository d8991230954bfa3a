#!/usr/bin/env python3
"""Build a site and take full-page screenshots of it in headless Chromium.

    python scripts/screenshots.py [SITE] [--out docs/screenshots] [--page /about/ ...]
    python scripts/screenshots.py --readme     # both examples (blog and docs themes), small

The site is built with `sitegen build SITE -o TMP`, served with `python -m http.server` on
127.0.0.1 (a free port), and every page is shot in light and dark, at desktop (1280 px) and
mobile (390 px) widths, as PNG files named PAGE-WIDTH-SCHEME.png.

Screenshots use Playwright's Python package driving Debian's /usr/bin/chromium (no browser
download). Without Playwright it falls back to `chromium --headless --screenshot`, which can only
capture a fixed window, not the full page.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SIZES = {"desktop": (1280, 900), "mobile": (390, 844)}
SCHEMES = ("light", "dark")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def build(site: Path, out: Path) -> None:
    cmd = [sys.executable, "-m", "sitegen", "build", str(site), "-o", str(out)]
    print("$", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, cwd=REPO)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serve(root: Path) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "http.server",
            str(port),
            "--bind",
            "127.0.0.1",
            "--directory",
            str(root),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/", timeout=1).close()
                break
            except urllib.error.HTTPError:
                break  # the server answers, even if there is no index page
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError(f"http.server did not start on {base}")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def discover_pages(root: Path, limit: int) -> list[str]:
    """URL paths of the HTML pages in the output: home first, then by path."""
    paths = []
    for f in sorted(root.rglob("*.html")):
        rel = f.relative_to(root).as_posix()
        paths.append("/" + rel.removesuffix("index.html"))
    paths.sort(key=lambda p: (p != "/", p.count("/"), p))
    return paths[:limit]


def page_name(path: str) -> str:
    path, _, query = path.partition("?")  # /search/?q=word -> search-word
    name = path.strip("/").removesuffix(".html").replace("/", "-")
    return "-".join(filter(None, [name or "home", query.partition("=")[2]]))


def shoot_playwright(
    base: str,
    pages: list[str],
    out: Path,
    sizes: list[str],
    prefix: str = "",
    full_page: bool = True,
) -> list[Path]:
    from playwright.sync_api import sync_playwright

    written = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS[1:])
        try:
            for size in sizes:
                width, height = SIZES[size]
                for scheme in SCHEMES:
                    context = browser.new_context(
                        viewport={"width": width, "height": height},
                        color_scheme=scheme,  # type: ignore[arg-type]
                        is_mobile=size == "mobile",
                        has_touch=size == "mobile",
                        reduced_motion="reduce",
                    )
                    page = context.new_page()
                    for path in pages:
                        page.goto(base + path, wait_until="networkidle")
                        target = out / f"{prefix}{page_name(path)}-{size}-{scheme}.png"
                        page.screenshot(path=str(target), full_page=full_page)
                        written.append(target)
                        print(
                            "wrote",
                            target.relative_to(REPO) if target.is_relative_to(REPO) else target,
                            flush=True,
                        )
                    context.close()
        finally:
            browser.close()
    return written


def shoot_cli(base: str, pages: list[str], out: Path, sizes: list[str]) -> list[Path]:
    """Fallback: chromium's own --screenshot (fixed window, not the full page)."""
    written = []
    for size in sizes:
        width, _ = SIZES[size]
        height = 2400 if size == "desktop" else 2000
        for scheme in SCHEMES:
            for path in pages:
                target = out / f"{page_name(path)}-{size}-{scheme}.png"
                with tempfile.TemporaryDirectory(prefix="sitegen-chromium-") as profile:
                    cmd = [
                        CHROMIUM,
                        *CHROMIUM_FLAGS,
                        f"--user-data-dir={profile}",
                        f"--screenshot={target}",
                        f"--window-size={width},{height}",
                    ]
                    if scheme == "dark":
                        cmd.append("--force-dark-mode")  # sets prefers-color-scheme: dark
                    cmd.append(base + path)
                    subprocess.run(cmd, check=True, capture_output=True, timeout=120)
                written.append(target)
                print("wrote", target, flush=True)
    return written


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("site", nargs="?", default="content-example", help="site folder to build")
    ap.add_argument("--out", default=str(REPO / "docs" / "screenshots"), help="PNG folder")
    ap.add_argument(
        "--built", metavar="DIR", help="serve this already-built output; skip the build"
    )
    ap.add_argument(
        "--page",
        action="append",
        dest="pages",
        metavar="PATH",
        help="URL path to shoot (repeatable); default: every page, up to --max-pages",
    )
    ap.add_argument("--max-pages", type=int, default=8)
    ap.add_argument("--size", action="append", choices=sorted(SIZES), dest="sizes")
    ap.add_argument("--cli", action="store_true", help="use chromium --screenshot, not Playwright")
    ap.add_argument(
        "--readme",
        action="store_true",
        help="the README's few small shots of both examples (blog and docs theme), one window each",
    )
    args = ap.parse_args()
    if args.readme:
        return readme_shots(Path(args.out))

    if not Path(CHROMIUM).exists():
        print(
            f"{CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium) "
            "or set CHROMIUM=/path/to/chromium",
            file=sys.stderr,
        )
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    sizes = args.sizes or list(SIZES)

    with tempfile.TemporaryDirectory(prefix="sitegen-shots-") as tmp:
        if args.built:
            root = Path(args.built)
        else:
            root = Path(tmp) / "site"
            build(Path(args.site), root)
        pages = args.pages or discover_pages(root, args.max_pages)
        use_cli = args.cli
        if not use_cli:
            try:
                import playwright  # noqa: F401
            except ImportError:
                print(
                    "Playwright is not installed: falling back to chromium --screenshot "
                    "(fixed window height, not full page)",
                    file=sys.stderr,
                )
                use_cli = True
        with serve(root) as base:
            shoot = shoot_cli if use_cli else shoot_playwright
            written = shoot(base, pages, out, sizes)
    print(f"{len(written)} screenshots in {out}")
    return 0


# The README's screenshots: few and small (one window, not the full page; each under 200 KB).
README_SHOTS = {
    "blog": ("content-example", ["/", "/posts/publishing-on-a-schedule/", "/search/?q=nextcloud"]),
    "docs": ("docs-example", ["/guide/assets/", "/search/?q=theme"]),
}


def readme_shots(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for prefix, (site, pages) in README_SHOTS.items():
        with tempfile.TemporaryDirectory(prefix="sitegen-shots-") as tmp:
            root = Path(tmp) / "site"
            build(REPO / site, root)
            with serve(root) as base:
                written += shoot_playwright(base, pages, out, ["desktop"], f"{prefix}-", False)
                written += shoot_playwright(base, pages[:1], out, ["mobile"], f"{prefix}-", False)
    big = [p for p in written if p.stat().st_size > 200_000]
    for p in big:
        print(
            f"warning: {p.name} is {p.stat().st_size // 1000} KB (keep README shots under 200 KB)"
        )
    print(f"{len(written)} screenshots in {out}")
    return 1 if big else 0


if __name__ == "__main__":
    sys.exit(main())
