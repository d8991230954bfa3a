"""Layer 3: what the build makes beside the site's own files.

Pages: taxonomy terms and indexes, and pages 2..N of paginated listings. They are Page objects
like any other, so they render through the same templates and their outputs take part in the
collision check. Files: feeds, sitemap.xml, and robots.txt; a site that has its
own file at one of those paths keeps it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from sitegen.config import SiteConfig
from sitegen.errors import Diagnostic
from sitegen.model import Page

from . import taxonomy
from .assemble import OutputPlan, display_name
from .paginate import Paginator, paginate_listings
from .tree import SourceFile
from .views import PageView


def generated_pages(
    plan: OutputPlan,
    pages: Sequence[PageView],
    sections: Mapping[str, Sequence[PageView]],
    taxonomies: Mapping[str, dict[str, taxonomy.Term]],
    config: SiteConfig,
    files: Mapping[str, SourceFile],
    problems: list[Diagnostic],
) -> dict[Page, Paginator | None]:
    """The paginators of listing pages, and the generated pages of `taxonomies` and of listings
    (each with its paginator, none of them colliding with `plan`'s outputs)."""
    layouts = [rel for rel in (taxonomy.TERM_LAYOUT, taxonomy.TERMS_LAYOUT) if rel in files]
    made: dict[Page, Paginator | None] = {}
    for name, terms in taxonomies.items():
        made.update(taxonomy.term_pages(name, terms, layouts, config.url))
    own = [v.page for v in pages]
    made.update(paginate_listings(own, sections, config.per_page, config.urls, problems))
    out: dict[Page, Paginator | None] = {}
    claimed: dict[str, Page] = {}
    for page, pag in made.items():
        owner = plan.pages.get(page.output) or claimed.get(page.output)
        if owner is page:  # a listing's own first page
            out[page] = pag
        elif owner is not None or page.output in plan.assets or page.output in plan.styles:
            _collision(page, owner, files, problems)
        else:
            claimed[page.output] = page
            out[page] = pag
    return out


def _collision(
    page: Page, owner: Page | None, files: Mapping[str, SourceFile], problems: list[Diagnostic]
) -> None:
    mine = owner.source if owner is not None else page.output
    why = (
        f"the {page.meta['taxonomy']} taxonomy"
        if "taxonomy" in page.meta
        else f"pagination of {page.source}"
    )
    problems.append(
        Diagnostic(
            display_name(files, mine),
            1,
            f"output collision: writes {page.output}, which {why} writes too",
        )
    )


def index_files(
    plan: OutputPlan,
    pages: Sequence[PageView],
    sections: Mapping[str, list[PageView]],
    config: SiteConfig,
    now: dt.datetime,
) -> dict[str, bytes]:
    """output path -> bytes of the feeds, sitemap and robots.txt this site gets."""
    out: dict[str, bytes] = {}
    if config.feeds_on:
        # imported here: ElementTree and the feeds cost a build without feeds ~2 ms to import
        from . import feeds

        for spec in feeds.feed_specs(config, pages, sections):
            out[spec.output] = feeds.atom_feed(config, spec, now)
        site_map = feeds.sitemap(config, pages)
        if site_map is not None:
            out[feeds.SITEMAP] = site_map
        out[feeds.ROBOTS] = feeds.robots_txt(config).encode("utf-8")
    taken = plan.pages.keys() | plan.assets.keys() | plan.styles.keys()
    return {rel: data for rel, data in out.items() if rel not in taken}
