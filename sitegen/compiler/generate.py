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

from . import feeds, taxonomy
from .assemble import OutputPlan
from .paginate import paginate_listings
from .tree import SourceFile


def generated_pages(
    plan: OutputPlan,
    pages: Sequence[Page],
    sections: dict[str, list[Page]],
    config: SiteConfig,
    files: Mapping[str, SourceFile],
    problems: list[Diagnostic],
) -> tuple[list[Page], dict[str, dict[str, taxonomy.Term]]]:
    """The generated pages (already claimed in `plan.pages`) and `site.taxonomies`."""
    taxonomies = {name: taxonomy.collect(pages, name, config.urls) for name in config.taxonomies}
    layouts = [rel for rel in (taxonomy.TERM_LAYOUT, taxonomy.TERMS_LAYOUT) if rel in files]
    made: list[Page] = []
    for name, terms in taxonomies.items():
        made.extend(taxonomy.term_pages(name, terms, layouts, config.url))
    made.extend(paginate_listings(pages, sections, config.per_page, config.urls, problems))
    display = {rel: sf.display for rel, sf in files.items()}
    claimed: list[Page] = []
    for page in made:
        owner = plan.pages.get(page.output)
        if owner is not None or page.output in plan.assets or page.output in plan.styles:
            mine = owner.source if owner is not None else page.output
            why = (
                f"the {page.meta['taxonomy']} taxonomy"
                if "taxonomy" in page.meta
                else f"pagination of {page.source}"
            )
            problems.append(
                Diagnostic(
                    display.get(mine, mine),
                    1,
                    f"output collision: writes {page.output}, which {why} writes too",
                )
            )
            continue
        plan.pages[page.output] = page
        claimed.append(page)
    return claimed, taxonomies


def index_files(
    plan: OutputPlan,
    pages: Sequence[Page],
    sections: dict[str, list[Page]],
    config: SiteConfig,
    now: dt.datetime,
) -> dict[str, bytes]:
    """output path -> bytes of the feeds, sitemap and robots.txt this site gets."""
    out: dict[str, bytes] = {}
    if config.feeds_on:
        for spec in feeds.feed_specs(config, pages, sections):
            out[spec.output] = feeds.atom_feed(config, spec, now)
        site_map = feeds.sitemap(config, pages)
        if site_map is not None:
            out[feeds.SITEMAP] = site_map
        out[feeds.ROBOTS] = feeds.robots_txt(config).encode("utf-8")
    taken = plan.pages.keys() | plan.assets.keys() | plan.styles.keys()
    return {rel: data for rel, data in out.items() if rel not in taken}
