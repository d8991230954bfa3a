"""Layer 3, stage "assemble": a loaded site's pages placed, ordered, listed and given their views.

`assemble(loaded, engine)` is a pure function of its arguments (apart from reading image
headers for their sizes): it returns a Site, a value the render stage reads and never changes.
Given the Site assembled before (the preview keeps it), the rendered bodies of the pages that
did not change carry over, when nothing a body is rendered with (link targets, settings,
images) changed either.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sitegen.errors import Diagnostic
from sitegen.model import Page
from sitegen.render.images import Size
from sitegen.render.markdown import MarkdownEngine

from . import generate, searchindex, taxonomy
from .assemble import (
    LinkTargets,
    OutputPlan,
    neighbours,
    newest_first_order,
    plan_outputs,
    sections,
)
from .bodies import Bodies
from .imagesizes import image_sizes
from .load import LoadedSite
from .render import TrackedSite
from .taxonomy import Term
from .views import PageView, SiteLinks


@dataclass(frozen=True)
class Site:
    """What the render stage renders: every page's view, the output plan, `site` as templates
    see it, and the problems found so far."""

    loaded: LoadedSite
    plan: OutputPlan  # every output path, generated pages included
    pages: tuple[PageView, ...]  # the site's own pages (`site.pages`)
    made: tuple[PageView, ...]  # taxonomy terms and pages 2..N of listings
    sections: Mapping[str, list[PageView]]
    taxonomies: Mapping[str, dict[str, Term]]
    targets: LinkTargets
    sizes: Mapping[str, Size]
    bodies: Bodies
    template_site: TrackedSite  # `site` in templates
    problems: tuple[Diagnostic, ...]

    @property
    def to_render(self) -> tuple[PageView, ...]:
        return (*self.pages, *self.made)

    def by_output(self) -> dict[str, PageView]:
        return {v.output: v for v in self.to_render}


def assemble(loaded: LoadedSite, engine: MarkdownEngine, earlier: Site | None = None) -> Site:
    """Stage "assemble": the site as the render stage needs it."""
    config = loaded.config
    problems = list(loaded.problems)
    plan = plan_outputs(loaded.pages, loaded.files, problems)
    own = list(plan.pages.values())
    targets = LinkTargets({p.source: p.url for p in own}, loaded.files, loaded.file_ids)
    sizes = image_sizes(plan.assets, config)
    bodies = Bodies(engine, targets, config, sizes)
    if earlier is not None and _same_body_inputs(earlier, targets, sizes, loaded):
        bodies.carry_over(earlier.bodies, own)
    links = SiteLinks()
    views = _views(own, bodies, links)
    newest = newest_first_order(own)
    by_section = sections(own, {p: i for i, p in enumerate(newest)})
    section_views = {name: [views[p] for p in members] for name, members in by_section.items()}
    links.neighbours.update(neighbours(by_section, section_views))
    page_views = tuple(views.values())
    newest_views = [views[p] for p in newest]
    tagged = taxonomy.group_by_term(newest_views, "tags")
    taxonomies = taxonomy.collect_all(
        newest_views, config.taxonomies, config.urls, {"tags": tagged}
    )
    made = generate.generated_pages(
        plan, page_views, section_views, taxonomies, config, loaded.files, problems
    )
    links.paginators.update((p, pag) for p, pag in made.items() if pag is not None)
    made_views = tuple(PageView(p, bodies, links) for p in made if p not in views)
    made_outputs = {v.output: v.page for v in made_views}
    plan = OutputPlan({**plan.pages, **made_outputs}, plan.styles, plan.assets)
    template_site = _template_site(loaded, page_views, tagged, section_views, taxonomies)
    return Site(
        loaded,
        plan,
        page_views,
        made_views,
        section_views,
        taxonomies,
        targets,
        sizes,
        bodies,
        template_site,
        tuple(problems),
    )


def _views(pages: Iterable[Page], bodies: Bodies, links: SiteLinks) -> dict[Page, PageView]:
    return {p: PageView(p, bodies, links) for p in pages}


def _template_site(
    loaded: LoadedSite,
    pages: Sequence[PageView],
    tagged: Mapping[str, list[PageView]],
    section_views: dict[str, list[PageView]],
    taxonomies: dict[str, dict[str, Term]],
) -> TrackedSite:
    """`site` in templates; `tagged`: taxonomy.group_by_term of the pages' tags."""
    view: dict[str, Any] = loaded.config.template_view()
    view["pages"] = list(pages)
    view["sections"] = section_views
    view["tags"] = dict(sorted(tagged.items(), key=lambda kv: kv[0].lower()))
    view["search"] = searchindex.search_page(loaded, pages)  # the themes' search box
    view["taxonomies"] = taxonomies
    return TrackedSite(view)


def _same_body_inputs(
    earlier: Site, targets: LinkTargets, sizes: Mapping[str, Size], loaded: LoadedSite
) -> bool:
    """Whether a body rendered for `earlier` is what rendering it now gives."""
    return (
        earlier.targets.key() == targets.key()
        and earlier.sizes == sizes
        and earlier.loaded.config == loaded.config
    )
