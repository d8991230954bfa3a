"""Layer 3: taxonomies (tags, and any listed in sitegen.toml) with a page per term and an index.

`taxonomies = ["tags", "categories"]` gives `/tags/`, `/tags/python/`, `/categories/`, … as
generated pages. They render with `_layouts/terms.html` (the index) and `_layouts/term.html` (one
term) from the site or its theme; without those, the nearest `_layout.html` wraps a plain list.
Terms that differ only in case or punctuation ("Python", "python") share one page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from html import escape

from sitegen.model import Page, tags_of
from sitegen.render.markdown import slugify

from .paginate import Paginator
from .views import PageView

TERM_LAYOUT = "_layouts/term.html"
TERMS_LAYOUT = "_layouts/terms.html"


@dataclass
class Term:
    """One term of a taxonomy, as templates see it: `site.taxonomies.tags["python"].url`."""

    taxonomy: str
    name: str
    slug: str
    url: str
    pages: list[PageView] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.pages)

    def __str__(self) -> str:
        return self.name


def group_by_term(newest: Iterable[PageView], taxonomy: str) -> dict[str, list[PageView]]:
    """term name -> the pages naming it newest first, names in the order they first appear
    (a page naming a term twice is there twice). `newest`: the pages newest first
    (assemble.newest_first_order). With "tags", what templates see as `site.tags`, unsorted."""
    out: dict[str, list[PageView]] = {}
    own_tags = taxonomy == "tags"  # the page's `tags`, read once; other taxonomies from meta
    for p in newest:
        page = p.page
        for name in page.tags if own_tags else tags_of(page.meta.get(taxonomy)):
            listed = out.get(name)
            if listed is None:
                out[name] = [p]
            else:
                listed.append(p)
    return out


def collect(
    grouped: Mapping[str, list[PageView]], taxonomy: str, urls: str, newest: Sequence[PageView]
) -> dict[str, Term]:
    """term name (as first written) -> Term, names sorted case-insensitively, pages newest first
    (each once). `grouped`: group_by_term(newest, taxonomy). Names that differ only in case or
    punctuation share one term, named as the first page naming it wrote it."""
    by_slug: dict[str, list[tuple[str, list[PageView]]]] = {}
    for name, pages in grouped.items():
        by_slug.setdefault(slugify(name), []).append((name, pages))
    terms = []
    for slug, named in by_slug.items():
        name = named[0][0]
        url = f"/{taxonomy}/{slug}.html" if urls == "html" else f"/{taxonomy}/{slug}/"
        terms.append(Term(taxonomy, name, slug, url, _newest_once(named, newest)))
    return {t.name: t for t in sorted(terms, key=lambda t: t.name.lower())}


def _newest_once(
    named: list[tuple[str, list[PageView]]], newest: Sequence[PageView]
) -> list[PageView]:
    """The pages of one term's names, newest first, each once."""
    if len(named) == 1:  # a page naming a term twice has its two places side by side
        return list(dict.fromkeys(named[0][1]))
    place = {p: i for i, p in enumerate(newest)}
    return sorted({p for _, pages in named for p in pages}, key=place.__getitem__)


def collect_all(
    newest: Sequence[PageView],
    taxonomies: Iterable[str],
    urls: str,
    grouped: Mapping[str, Mapping[str, list[PageView]]],
) -> dict[str, dict[str, Term]]:
    """`site.taxonomies`: taxonomy -> its terms (collect). `grouped`: group_by_term of the
    taxonomies already grouped (`site.tags` is), not grouped again."""
    return {
        name: collect(
            grouped[name] if name in grouped else group_by_term(newest, name), name, urls, newest
        )
        for name in taxonomies
    }


def term_pages(
    taxonomy: str, terms: dict[str, Term], layouts: Sequence[str], site_url: Callable[[str], str]
) -> dict[Page, Paginator | None]:
    """The generated index and term pages of one taxonomy (none when no page uses it), each
    with its paginator (term pages list their pages).

    `layouts` are the template files that exist; `site_url` makes links honour base_url.
    """
    if not terms:
        return {}
    title = taxonomy.replace("_", " ").replace("-", " ").capitalize()
    index_url = f"/{taxonomy}/"
    index_meta: dict[str, object] = {
        "title": title,
        "taxonomy": taxonomy,
        "terms": list(terms.values()),
    }
    index_content = ""
    if TERMS_LAYOUT in layouts:
        index_meta["layout"] = "terms"
    else:
        index_content = _terms_list(terms.values(), site_url)
    # a page's row, made once however many terms list it, when a term page's list is first
    # needed (a rebuild that keeps every term page's output needs none)
    rows = _Rows(list(terms.values()), site_url)
    index = _generated(
        f"{taxonomy}/index", index_url, f"{taxonomy}/index.html", title, index_meta, index_content
    )
    out: dict[Page, Paginator | None] = {index: None}
    for term in terms.values():
        meta: dict[str, object] = {
            "title": term.name,
            "taxonomy": taxonomy,
            "term": term.name,
            "pages": term.pages,
        }
        content: str | _TermList = ""
        if TERM_LAYOUT in layouts:
            meta["layout"] = "term"
        else:
            content = _TermList(term.pages, rows)
        output = term.url.lstrip("/") + ("index.html" if term.url.endswith("/") else "")
        page = _generated(f"{taxonomy}/{term.slug}", term.url, output, term.name, meta, content)
        n = len(term.pages)
        out[page] = Paginator(term.pages, 1, 1, max(n, 1), n, (term.url,))
    return out


def _generated(
    source: str,
    url: str,
    output: str,
    title: str,
    meta: dict[str, object],
    content: str | _TermList,
) -> Page:
    page = (Page if isinstance(content, str) else GeneratedPage)(
        source=source,
        url=url,
        output=output,
        kind="generated",
        slug=source.rsplit("/", 1)[-1],
        title=title,
        date=None,
        meta=meta,
        body=content if isinstance(content, str) else "",  # its HTML (compiler/bodies.py)
        body_line=1,
    )
    if not isinstance(content, str):
        del page.__dict__["body"]  # made from `content` when first asked for
        page.__dict__[_CONTENT] = content
    return page


_CONTENT = "_content"


class GeneratedPage(Page):
    """A term page whose HTML list of pages is made when first asked for. Its render-cache key
    never asks (compiler/cache.py: what the list shows of each page is in the site key)."""

    @cached_property
    def body(self) -> str:  # Page's field, here made when first asked for
        made: str = self.__dict__.pop(_CONTENT).html()
        return made

    def __getstate__(self) -> dict[str, object]:
        self.body  # noqa: B018  # made before it goes to another process: the list is a value
        return {k: v for k, v in self.__dict__.items() if k != _CONTENT}


class _Rows:
    """Each listed page's row, made for every page of the taxonomy once, when first needed."""

    def __init__(self, terms: list[Term], site_url: Callable[[str], str]) -> None:
        self._terms, self._site_url = terms, site_url
        self._rows: dict[PageView, str] | None = None

    def __getitem__(self, page: PageView) -> str:
        if self._rows is None:
            self._rows = _page_rows(self._terms, self._site_url)
        return self._rows[page]


@dataclass(frozen=True)
class _TermList:
    pages: Sequence[PageView]
    rows: _Rows

    def html(self) -> str:
        return _pages_list(self.pages, self.rows)


def _terms_list(terms: Iterable[Term], site_url: Callable[[str], str]) -> str:
    items = "".join(
        f'<li><a href="{escape(site_url(t.url))}">{escape(t.name)}</a>'
        f' <span class="count">({t.count})</span></li>\n'
        for t in terms
    )
    return f'<ul class="term-list">\n{items}</ul>\n'


def _pages_list(pages: Sequence[PageView], rows: _Rows) -> str:
    return f'<ul class="post-list">\n{"".join([rows[p] for p in pages])}</ul>\n'


def _page_rows(terms: Iterable[Term], site_url: Callable[[str], str]) -> dict[PageView, str]:
    """The row of each page the terms list, in a term page's list of pages."""
    listed = list(dict.fromkeys([p for term in terms for p in term.pages]))
    pages = [v.page for v in listed]  # the page's own fields: a view's are read through it
    hrefs = _escaped([site_url(p.url) for p in pages])
    titles = _escaped([p.title for p in pages])
    times: dict[dt.date, str] = {}  # of each day: pages share days
    rows = {}
    for v, p, href, title in zip(listed, pages, hrefs, titles, strict=True):
        day = p.date
        if type(day) is dt.date:  # exactly: equal datetimes may be in different zones
            time = times.get(day)
            if time is None:
                time = times[day] = _time(day)
        else:
            time = _time(day) if day else ""
        rows[v] = f'<li><a href="{href}">{title}</a>{time}</li>\n'
    return rows


def _time(day: dt.date) -> str:
    iso = day.isoformat()
    return f' <time datetime="{iso}">{iso[:10]}</time>'


def _escaped(texts: list[str]) -> list[str]:
    """Each text HTML-escaped: joined and escaped at once, thousands of short titles cost a
    tenth of escaping each, unless a text holds the joining character itself."""
    joined = "\0".join(texts)
    if joined.count("\0") != len(texts) - 1:
        return [escape(t) for t in texts]
    return escape(joined).split("\0")
