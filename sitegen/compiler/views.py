"""Layer 3: a page as templates see it. The page itself is a frozen value (model.Page); its view
adds what the assembled site knows of it: the rendered body, summary and table of contents
(from the site's Bodies, made on first use), its neighbours in its section, and the paginator of
a listing. A build makes one view per page, so templates can compare pages by identity."""

from __future__ import annotations

import dataclasses
import operator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol

from markupsafe import Markup

from sitegen.model import Page, RenderedBody

from .reads import note_body, note_listed

# What a page shows of its body besides content and toc (its summary counts as list-visible:
# compiler/cache.py keys it with the page's listing).
FROM_BODY = frozenset({"body", "word_count", "reading_time", "body_line"})


class BodyLookup(Protocol):
    """What renders (and remembers) page bodies: compiler/bodies.py."""

    def body(self, page: Page) -> RenderedBody: ...
    def summary(self, page: Page) -> Markup | str: ...


@dataclass(frozen=True)
class SiteLinks:
    """What the assembled site knows of each page beyond itself, filled as it is assembled."""

    neighbours: dict[Page, tuple[PageView | None, PageView | None]] = field(default_factory=dict)
    paginators: dict[Page, Any] = field(default_factory=dict)  # listing and term pages


class PageView:
    """`page` in templates: the page's own fields, plus content, toc, summary, prev, next and
    paginator."""

    __slots__ = ("_bodies", "_links", "page")

    def __init__(self, page: Page, bodies: BodyLookup, links: SiteLinks) -> None:
        self.page = page
        self._bodies = bodies
        self._links = links

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if name in FROM_BODY:
            note_body(self.page)
        return getattr(self.page, name)

    @property
    def content(self) -> Markup:
        note_body(self.page)
        return self._bodies.body(self.page).content

    @property
    def toc(self) -> list[dict[str, Any]]:
        note_body(self.page)
        return self._bodies.body(self.page).toc

    @property
    def summary(self) -> Markup | str:
        """Front matter `summary`, else what stands before `<!-- more -->`, else the first
        paragraph."""
        note_listed(self.page)
        return self._bodies.summary(self.page)

    @property
    def prev(self) -> PageView | None:
        return self._links.neighbours.get(self.page, (None, None))[0]

    @property
    def next(self) -> PageView | None:
        return self._links.neighbours.get(self.page, (None, None))[1]

    @property
    def paginator(self) -> Any:
        """Set on listings (`paginate: SECTION`), their pages 2..N, and taxonomy term pages."""
        return self._links.paginators.get(self.page)

    def __repr__(self) -> str:
        return repr(self.page)

    def __str__(self) -> str:
        return str(self.page)


def _read_through(name: str) -> property:
    """A view's property for the page's own `name`: templates read ~45 page fields a page, and
    a property costs a fifth of a failed lookup that ends in __getattr__."""
    if name not in FROM_BODY:
        return property(operator.attrgetter(f"page.{name}"))

    def read(view: PageView) -> Any:
        note_body(view.page)
        return getattr(view.page, name)

    return property(read)


def _page_names() -> set[str]:
    """The page's public fields and properties, which a view reads through."""
    own = {f.name for f in dataclasses.fields(Page)}
    own |= {n for n, v in vars(Page).items() if isinstance(v, property | cached_property)}
    return {n for n in own if not n.startswith("_") and n not in vars(PageView)}


for _name in sorted(_page_names()):
    setattr(PageView, _name, _read_through(_name))
