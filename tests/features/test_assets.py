"""Fingerprinted assets through asset(), CSS url() rewriting, image sizes and lazy loading."""

from __future__ import annotations

import hashlib
import re
import struct
import zlib

from sitegen.render.images import image_size
from tests.conftest import SiteBuilder


def png(w: int, h: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (
        b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk))
    )


def jpeg(w: int, h: int) -> bytes:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, h, w, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof + b"\xff\xd9"


def test_image_headers() -> None:
    assert image_size(png(640, 480)) == (640, 480)
    assert image_size(jpeg(1200, 800)) == (1200, 800)
    assert image_size(b"GIF89a" + struct.pack("<HH", 3, 5) + b"\x00" * 10) == (3, 5)
    assert image_size(
        b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="120px" height="40">'
    ) == (120, 40)
    assert image_size(b'<svg viewBox="0 0 300 150"></svg>') == (300, 150)
    vp8l = b"RIFF\x00\x00\x00\x00WEBPVP8L\x00\x00\x00\x00\x2f" + ((99) | (49 << 14)).to_bytes(
        4, "little"
    )
    assert image_size(vp8l) == (100, 50)
    vp8x = (
        b"RIFF\x00\x00\x00\x00WEBPVP8X"
        + b"\x00" * 8
        + (799).to_bytes(3, "little")
        + (599).to_bytes(3, "little")
    )
    assert image_size(vp8x) == (800, 600)
    assert image_size(b"not an image") is None


def test_local_images_get_size_and_lazy_loading(sb: SiteBuilder) -> None:
    sb.build(
        {
            "sitegen.toml": 'base_url = "/sub/"',
            "_layout.html": "{{ content }}",
            "posts/a.md": "![a](../img/a%20b.png) ![j](/img/j.jpg) ![w](https://x.org/i.png) ![m](nope.png)",
            "img/a b.png": png(64, 32),
            "img/j.jpg": jpeg(10, 20),
        }
    )
    html = sb.read("posts/a/index.html")
    assert '<img src="/sub/img/a%20b.png" alt="a" width="64" height="32" loading="lazy" />' in html
    assert '<img src="/img/j.jpg" alt="j" />' in html  # outside base_url: not the site's file
    assert '<img src="https://x.org/i.png" alt="w" />' in html
    assert '<img src="/sub/posts/nope.png" alt="m" />' in html


def test_fingerprinted_assets_and_css_references(sb: SiteBuilder) -> None:
    logo = png(8, 8)
    sb.build(
        {
            "sitegen.toml": "fingerprint = true",
            "_layout.html": "{{ asset('css/site.css') }} {{ asset('/img/logo.png') }} {{ asset('doc.pdf') }}",
            "index.md": "x",
            "css/site.scss": '.a { background: url("../img/logo.png"); } .b { background: url(/img/logo.png#x); }\n'
            ".c { background: url(data:image/png;base64,AAAA); }",
            "img/logo.png": logo,
            "doc.pdf": "%PDF",
        }
    )
    logo_name = f"img/logo.{hashlib.sha256(logo).hexdigest()[:8]}.png"
    css_url, logo_url, pdf_url = sb.read("index.html").split()
    assert logo_url == "/" + logo_name and pdf_url == "/doc.pdf"
    assert re.fullmatch(r"/css/site\.[0-9a-f]{8}\.css", css_url)
    css = sb.read(css_url.lstrip("/"))
    assert f'url("../{logo_name}")' in css and f"url(/{logo_name}#x)" in css
    assert "url(data:image/png;base64,AAAA)" in css
    assert hashlib.sha256(css.encode()).hexdigest()[:8] in css_url
    assert (sb.out / logo_name).read_bytes() == logo
    assert sb.read("css/site.css") == css  # the plain name is kept for links from elsewhere
    assert (sb.out / "img/logo.png").exists()


def test_without_fingerprint_asset_is_the_plain_url(sb: SiteBuilder) -> None:
    sb.build(
        {
            "sitegen.toml": 'base_url = "/sub/"',
            "_layout.html": "{{ asset('css/site.scss') }}",
            "index.md": "x",
            "css/site.scss": "a{b:c}",
        }
    )
    assert sb.read("index.html") == "/sub/css/site.css"
