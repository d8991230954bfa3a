"""Layer 3: width, height and `loading="lazy"` for the site's own images in rendered Markdown.

Every image's header is read once, in the main process before pages render (every read before
any write); the sizes then travel with the site's Bodies (compiler/bodies.py) into the workers.
"""

from __future__ import annotations

from collections.abc import Mapping

from sitegen.config import SiteConfig
from sitegen.render.images import Size, image_size

from .tree import SourceFile

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg")
HEAD_BYTES = 64 * 1024  # enough for PNG, GIF, WebP, SVG and most JPEGs (EXIF comes first)


def image_sizes(assets: Mapping[str, SourceFile], config: SiteConfig) -> dict[str, Size]:
    """image URL as rendered (`/img/a.png`, or under base_url's folder) -> (width, height)."""
    sizes: dict[str, Size] = {}
    for rel, sf in assets.items():
        if rel.lower().endswith(IMAGE_SUFFIXES):
            size = _read_size(sf)
            if size is not None:
                sizes[config.url(rel)] = size
    return sizes


def _read_size(sf: SourceFile) -> Size | None:
    try:
        with open(sf.path, "rb") as f:
            size = image_size(f.read(HEAD_BYTES))
            if size is None and sf.rel.lower().endswith((".jpg", ".jpeg")):
                f.seek(0)
                size = image_size(f.read())  # a JPEG whose metadata outgrew the first read
    except OSError:
        return None
    return size
