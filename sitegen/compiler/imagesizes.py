"""Layer 3: width, height and `loading="lazy"` for the site's own images in rendered Markdown.

Every image's header is read once, in the main process before pages render (every read before
any write); the sizes then travel with each page's body renderer into the worker processes.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Mapping
from urllib.parse import unquote

from markupsafe import Markup

from sitegen.config import SiteConfig
from sitegen.model import Page, RenderedBody
from sitegen.render.images import Size, add_dimensions, image_size

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


def with_image_sizes(
    render: Callable[[Page], RenderedBody], sizes: Mapping[str, Size]
) -> Callable[[Page], RenderedBody]:
    """Wrap a page's body renderer so its local images get their sizes and lazy loading."""

    def size_of(src: str) -> Size | None:
        return sizes.get(unquote(html.unescape(src)))  # links are written quoted and escaped

    def render_with_sizes(page: Page) -> RenderedBody:
        body = render(page)
        if "<img" not in body.content:
            return body
        return RenderedBody(Markup(add_dimensions(str(body.content), size_of)), body.toc)

    return render_with_sizes


def add_image_sizes(pages: Iterable[Page], sizes: Mapping[str, Size]) -> None:
    """Attach image sizes to every page whose body is rendered from Markdown."""
    if not sizes:
        return
    for p in pages:
        if p.kind == "md" and p.body_renderer is not None:
            p.body_renderer = with_image_sizes(p.body_renderer, sizes)
