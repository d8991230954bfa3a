"""Layer 3, stage "render": one page's templates to its final HTML (its Markdown body comes
from the site's Bodies, compiler/bodies.py, through the page's view).

Each step is a function of the page and the assembled site, with no file writes, so it can run
in any order, in worker processes, or be skipped when a cache says its inputs did not change.
"""

from __future__ import annotations

import posixpath
import re
from typing import Any

from markupsafe import Markup

from sitegen.errors import SitegenError
from sitegen.model import Page, current_view
from sitegen.render.templates import Templates

from .bodies import Bodies
from .reads import note_collection
from .views import PageView

LAYOUT = "_layout.html"
LAYOUTS_DIR = "_layouts"
_FULL_DOCUMENT = re.compile(r"^\s*(?:<!doctype|<html)", re.IGNORECASE)


# --- which pages list other pages (compiler/reads.py) -------------------------------------

COLLECTIONS = frozenset({"pages", "sections", "tags", "taxonomies"})


class TrackedSite(dict[str, Any]):
    """`site` as templates see it, noting reads of its page collections (see collection_reads)."""

    def __getitem__(self, key: str) -> Any:
        if key in COLLECTIONS:
            note_collection()
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if key in self else default  # noqa: SIM401 - must go through __getitem__


class Layouts:
    """Which layout wraps a page: front matter `layout`, else the nearest `_layout.html`."""

    def __init__(self, templates: Templates) -> None:
        self.templates = templates
        self._nearest: dict[str, str | None] = {}

    def for_page(self, page: Page) -> str | None:
        folder = posixpath.dirname(page.source)
        if "layout" not in page.meta or page.meta["layout"] is None:
            return self.nearest(folder)
        spec = page.meta["layout"]
        if spec is False or spec in ("false", "none"):
            return None
        if spec is True:
            return self.nearest(folder)
        name = str(spec)
        for candidate in self._candidates(name, folder):
            if self.templates.exists(candidate):
                return candidate
        line = page.key_lines.get("layout", 1)
        raise SitegenError.at(
            page.source, line, f"unknown layout {name!r} (looked for {LAYOUTS_DIR}/{name}.html)"
        )

    def nearest(self, folder: str) -> str | None:
        if folder not in self._nearest:
            here = posixpath.join(folder, LAYOUT) if folder else LAYOUT
            if self.templates.exists(here):
                self._nearest[folder] = here
            else:
                self._nearest[folder] = self.nearest(posixpath.dirname(folder)) if folder else None
        return self._nearest[folder]

    @staticmethod
    def _candidates(name: str, folder: str) -> list[str]:
        file = name if name.endswith(".html") else name + ".html"
        out = [f"{LAYOUTS_DIR}/{file}"]
        d = folder
        while True:
            out.append(posixpath.join(d, "_" + file.lstrip("_")) if d else "_" + file.lstrip("_"))
            if not d:
                break
            d = posixpath.dirname(d)
        out.append(file)
        return out


def render_page(
    page: PageView, templates: Templates, layouts: Layouts, base: dict[str, Any], bodies: Bodies
) -> str:
    """The final HTML of one page. `base` holds site, data and the template functions. An HTML
    page's own template renders first: what it gives is its `content` (kept in `bodies`)."""
    layout = layouts.for_page(page.page)
    ctx = dict(base)
    ctx["page"] = page
    ctx["current"] = current_view(page.url, page.source)
    if page.kind == "html":
        ctx["content"] = ctx["yield"] = page.content
        body = templates.render(page.source, ctx)
        if _FULL_DOCUMENT.match(body) and "layout" not in page.meta:
            return body
        bodies.set_html(page.page, Markup(body))
    if layout is None:
        return str(page.content)
    ctx["content"] = ctx["yield"] = page.content
    return templates.render(layout, ctx)
