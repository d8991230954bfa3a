"""Layer 3: what the templates of one page read of other pages, noted while it renders.

A page whose templates read one of the site's page collections (`site.pages`, `.sections`,
`.tags`, `.taxonomies`) lists other pages: it renders again when what a list shows of a page
(URL, title, dates, tags, front matter, summary) changes. A page whose templates read another
page's body (its content, table of contents, word count: through a list, `page.prev`, or a
paginator) renders again when any page's body changes. Every other page depends on its own
source only, apart from what the whole site shares (templates, settings, data).
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

from sitegen.model import Page


class Reads:
    def __init__(self, page: Page | None) -> None:
        self.page = page  # the page rendering
        self.seen = False  # it read a page collection
        self.bodies = False  # it read another page's body


_current: contextvars.ContextVar[Reads | None] = contextvars.ContextVar(
    "sitegen_page_reads", default=None
)


@contextmanager
def page_reads(page: Page | None = None) -> Iterator[Reads]:
    """Notes what the template code run inside (rendering `page`) reads of other pages."""
    reads = Reads(page)
    token = _current.set(reads)
    try:
        yield reads
    finally:
        _current.reset(token)


def note_collection() -> None:
    reads = _current.get()
    if reads is not None:
        reads.seen = True


def note_listed(page: Page) -> None:
    """A read of what lists show of `page` (its summary): a list, when `page` is another."""
    reads = _current.get()
    if reads is not None and reads.page is not page:
        reads.seen = True


def note_body(page: Page) -> None:
    reads = _current.get()
    if reads is not None and reads.page is not page:
        reads.bodies = True
