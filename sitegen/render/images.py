"""Layer 2: image sizes from file headers, and `width`/`height`/`loading="lazy"` on local images.

Explicit sizes let the browser reserve space before an image loads (no layout shift); lazy
loading spares readers the images below the fold. The headers of PNG, GIF, JPEG, WebP and SVG are
read here directly: a few dozen lines instead of an imaging library.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Callable

Size = tuple[int, int]
SizeLookup = Callable[[str], "Size | None"]  # image URL (as in the page) -> its size

# JPEG start-of-frame markers carry the size; C4 (DHT), C8 (JPG) and CC (DAC) do not.
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def image_size(data: bytes) -> Size | None:
    """(width, height) from the start of an image file, or None when it cannot be told."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
        w, h = struct.unpack(">II", data[16:24])
        return int(w), int(h)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        w, h = struct.unpack("<HH", data[6:10])
        return int(w), int(h)
    if data[:2] == b"\xff\xd8":
        return _jpeg_size(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp_size(data)
    head = data[:4096].lstrip()
    if head.startswith((b"<?xml", b"<svg", b"<!--", b"<!DOCTYPE svg")) and b"<svg" in head:
        return _svg_size(head.decode("utf-8", "replace"))
    return None


def _jpeg_size(data: bytes) -> Size | None:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):  # markers without a length
            i += 2
            continue
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        if marker in _SOF:
            h, w = struct.unpack(">HH", data[i + 5 : i + 9])
            return int(w), int(h)
        i += 2 + length
    return None


def _webp_size(data: bytes) -> Size | None:
    chunk = data[12:16]
    if chunk == b"VP8 " and len(data) >= 30:
        w, h = struct.unpack("<HH", data[26:30])
        return int(w) & 0x3FFF, int(h) & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X" and len(data) >= 30:
        return int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1
    return None


_SVG_TAG = re.compile(r"<svg\b[^>]*>", re.DOTALL)
_LENGTH = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(px)?\s*$")


def _svg_size(head: str) -> Size | None:
    m = _SVG_TAG.search(head)
    if not m:
        return None
    tag = m.group(0)

    def attr(name: str) -> str | None:
        a = re.search(rf'\s{name}\s*=\s*["\']([^"\']*)["\']', tag)
        return a.group(1) if a else None

    w, h = attr("width"), attr("height")
    wm, hm = _LENGTH.match(w or ""), _LENGTH.match(h or "")
    if wm and hm:
        return round(float(wm.group(1))), round(float(hm.group(1)))
    box = (attr("viewBox") or "").replace(",", " ").split()
    if len(box) == 4:
        try:
            bw, bh = float(box[2]), float(box[3])
        except ValueError:
            return None
        if bw > 0 and bh > 0:
            return round(bw), round(bh)
    return None


_IMG = re.compile(r"<img\b[^>]*>")
_SRC = re.compile(r'\ssrc="([^"]*)"')


def add_dimensions(out: str, size_of: SizeLookup) -> str:
    """Give local `<img>` tags their width and height and `loading="lazy"` (unless already set)."""
    if "<img" not in out:
        return out

    def fix(m: re.Match[str]) -> str:
        tag = m.group(0)
        src = _SRC.search(tag)
        if src is None:
            return tag
        size = size_of(src.group(1))
        if size is None:
            return tag
        extra = ""
        if " width=" not in tag and " height=" not in tag:
            extra += f' width="{size[0]}" height="{size[1]}"'
        if " loading=" not in tag:
            extra += ' loading="lazy"'
        if tag.endswith("/>"):
            return tag[:-2].rstrip() + extra + " />"
        return tag[:-1] + extra + ">"

    return _IMG.sub(fix, out)
