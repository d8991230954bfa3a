"""Layer 3: taxonomies (tags, and any listed in sitegen.toml) with a page per term and an index.

`taxonomies = ["tags", "categories"]` gives `/tags/`, `/tags/python/`, `/categories/`, … as
generated pages. They render with `_layouts/terms.html` (the index) and `_layouts/term.html` (one
term) from the site or its theme; without those, the nearest `_layout.html` wraps a plain list.
Terms that differ only in case or punctuation ("Python", "python") share one page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
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


def terms_of(page: Page, taxonomy: str) -> list[str]:
    return page.tags if taxonomy == "tags" else tags_of(page.meta.get(taxonomy))


def collect(newest: Iterable[PageView], taxonomy: str, urls: str) -> dict[str, Term]:
    """term name (as first written) -> Term, names sorted case-insensitively, pages newest first.
    `newest`: the pages newest first (assemble.newest_first_order), as every term lists them."""
    by_slug: dict[str, Term] = {}
    slugs: dict[str, str] = {}  # most names recur on many pages
    for p in newest:
        for name in terms_of(p.page, taxonomy):
            slug = slugs.get(name)
            if slug is None:
                slug = slugs[name] = slugify(name)
            term = by_slug.get(slug)
            if term is None:
                url = f"/{taxonomy}/{slug}.html" if urls == "html" else f"/{taxonomy}/{slug}/"
                term = by_slug[slug] = Term(taxonomy, name, slug, url)
            if not term.pages or term.pages[-1] is not p:
                term.pages.append(p)
    return {t.name: t for t in sorted(by_slug.values(), key=lambda t: t.name.lower())}


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
    rows: dict[int, str] = {}  # a page's row, made once however many terms list it
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
        content = ""
        if TERM_LAYOUT in layouts:
            meta["layout"] = "term"
        else:
            content = _pages_list(term.pages, site_url, rows)
        output = term.url.lstrip("/") + ("index.html" if term.url.endswith("/") else "")
        page = _generated(f"{taxonomy}/{term.slug}", term.url, output, term.name, meta, content)
        n = len(term.pages)
        out[page] = Paginator(term.pages, 1, 1, max(n, 1), n, (term.url,))
    return out


def _generated(
    source: str, url: str, output: str, title: str, meta: dict[str, object], content: str
) -> Page:
    return Page(
        source=source,
        url=url,
        output=output,
        kind="generated",
        slug=source.rsplit("/", 1)[-1],
        title=title,
        date=None,
        meta=meta,
        body=content,  # a generated page's body is its HTML (compiler/bodies.py)
        body_line=1,
    )


def _terms_list(terms: Iterable[Term], site_url: Callable[[str], str]) -> str:
    items = "".join(
        f'<li><a href="{escape(site_url(t.url))}">{escape(t.name)}</a>'
        f' <span class="count">({t.count})</span></li>\n'
        for t in terms
    )
    return f'<ul class="term-list">\n{items}</ul>\n'


def _pages_list(
    pages: Iterable[PageView], site_url: Callable[[str], str], rows: dict[int, str]
) -> str:
    for p in pages:
        if id(p) not in rows:
            rows[id(p)] = _page_row(p.page, site_url)
    return f'<ul class="post-list">\n{"".join(rows[id(p)] for p in pages)}</ul>\n'


def _page_row(p: Page, site_url: Callable[[str], str]) -> str:
    date = ""
    if p.date:
        iso = p.date.isoformat()
        date = f' <time datetime="{iso}">{iso[:10]}</time>'
    return f'<li><a href="{escape(site_url(p.url))}">{escape(p.title)}</a>{date}</li>\n'
