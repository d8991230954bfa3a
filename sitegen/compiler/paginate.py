"""Layer 3: pagination. A listing page with `paginate: SECTION` becomes pages 1..N of that section.

Page 1 is the listing page itself (`/posts/`); pages 2..N are copies of it at `/posts/page/2/`
(`/posts/page/2.html` with `urls = "html"`). Every copy sees `paginator` (its items, its number,
the URLs of all pages), so one template renders them all.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sitegen.errors import Diagnostic
from sitegen.model import Page

from .views import PageView

PAGINATE = "paginate"
PER_PAGE = "per_page"


@dataclass(frozen=True)
class Paginator:
    """What a paginated template sees as `paginator`."""

    items: Sequence[Any]  # the pages on this page
    page: int  # 1-based number of this page
    pages: int  # how many pages there are (at least 1)
    per_page: int
    total: int  # items on all pages
    urls: Sequence[str] = field(default_factory=tuple)  # URL of every page, urls[0] is page 1

    @property
    def prev_url(self) -> str | None:
        return self.urls[self.page - 2] if self.page > 1 else None

    @property
    def next_url(self) -> str | None:
        return self.urls[self.page] if self.page < self.pages else None

    @property
    def first_url(self) -> str:
        return self.urls[0]

    @property
    def last_url(self) -> str:
        return self.urls[-1]


def page_url(first_url: str, n: int, urls: str) -> tuple[str, str]:
    """(URL, output path) of page n >= 2 of a listing whose first page is at `first_url`."""
    base = first_url
    if base.endswith("/index.html"):
        base = base[: -len("index.html")]
    elif base.endswith(".html"):
        base = base[: -len(".html")] + "/"
    elif not base.endswith("/"):
        base += "/"
    if urls == "html":
        url = f"{base}page/{n}.html"
        return url, url.lstrip("/")
    url = f"{base}page/{n}/"
    return url, url.lstrip("/") + "index.html"


def paginators(items: Sequence[Any], per_page: int, first_url: str, urls: str) -> list[Paginator]:
    """One Paginator per page; no items still make one (empty) page."""
    pages = max(1, math.ceil(len(items) / per_page))
    all_urls = [first_url] + [page_url(first_url, n, urls)[0] for n in range(2, pages + 1)]
    return [
        Paginator(
            items[(n - 1) * per_page : n * per_page],
            n,
            pages,
            per_page,
            len(items),
            tuple(all_urls),
        )
        for n in range(1, pages + 1)
    ]


def paginate_listings(
    pages: Sequence[Page],
    sections: Mapping[str, Sequence[PageView]],
    default_per_page: int,
    urls: str,
    problems: list[Diagnostic],
) -> dict[Page, Paginator]:
    """listing page -> its paginator, for every listing page; pages 2..N of each listing are new
    pages (copies at their own URLs), in the result with theirs. `sections` hold what templates
    list (page views)."""
    out: dict[Page, Paginator] = {}
    for page in pages:
        name = page.meta.get(PAGINATE)
        if name is None or name is False:
            continue
        where = page.key_lines.get(PAGINATE, 1)
        own_folder = page.source.rpartition("/")[0]
        if isinstance(name, str) and name.strip("/") == own_folder and own_folder not in sections:
            sections = {**sections, own_folder: []}  # its own folder, with no pages yet
        if not isinstance(name, str) or name.strip("/") not in sections:
            known = ", ".join(sorted(sections)) or "none"
            problems.append(
                Diagnostic(page.source, where, f"paginate: no section {name!r} (sections: {known})")
            )
            continue
        per_page = page.meta.get(PER_PAGE, default_per_page)
        if isinstance(per_page, bool) or not isinstance(per_page, int) or per_page < 1:
            line = page.key_lines.get(PER_PAGE, where)
            problems.append(
                Diagnostic(page.source, line, "per_page: must be a whole number above 0")
            )
            continue
        items = [p for p in sections[name.strip("/")] if p.page is not page]
        pags = paginators(items, per_page, page.url, urls)
        out[page] = pags[0]
        for pag in pags[1:]:
            url, output = page_url(page.url, pag.page, urls)
            out[dataclasses.replace(page, url=url, output=output)] = pag
    return out
