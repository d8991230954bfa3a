"""Layer 3: the render stages of a loaded site: assemble it, render its pages and stylesheets,
and stage every output file."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sitegen import __version__
from sitegen.errors import Diagnostic, SitegenError
from sitegen.render.limits import TemplateLimits
from sitegen.render.markdown import make_engine
from sitegen.render.sass import compile_scss
from sitegen.render.templates import TemplateRoot

from . import aliases, assemble, cache, fingerprint, generate, moved, searchindex
from .cache import HighlightStore, RenderCache
from .imagesizes import add_image_sizes, image_sizes
from .load import LoadedSite
from .output import StagingDir
from .pagejob import PageJob, Progress, render_pages
from .render import TrackedSite, markdown_body, markdown_summary
from .tree import SourceFile, bundled_themes_dir


@dataclass
class RenderedSite:
    outputs: list[str]
    problems: list[Diagnostic]
    pages: int
    assets: int
    job: PageJob | None = None  # what rendered the pages, kept for incremental re-renders
    cache: RenderCache | None = None  # what to remember for the next build of this output
    reindex: Callable[[], dict[str, bytes]] | None = None  # feeds, search index again
    page_outputs: dict[str, str] = field(default_factory=dict)  # file ID -> a page's output


def render_site(
    site: LoadedSite,
    stage: StagingDir,
    jobs: int | None = None,
    progress: Progress | None = None,
    previous: RenderCache | None = None,
    use_caches: bool = True,
    history: moved.OutputHistory | None = None,
) -> RenderedSite:
    """Assemble and render a loaded site into the staging folder; collect every problem.
    `history` (file ID -> output paths it was published at) adds redirects for moved pages."""
    problems = list(site.problems)
    config = site.config
    plan = assemble.plan_outputs(site.pages, site.files, problems)
    pages = list(plan.pages.values())
    link_targets = assemble.LinkTargets({p.source: p.url for p in pages}, site.files, site.file_ids)
    site_view = config.template_view()
    site_view["pages"] = pages
    site_view["sections"] = assemble.sections(pages)
    site_view["tags"] = assemble.tags(pages)
    site_view["search"] = searchindex.search_page(site, pages)  # the themes' search box

    try:
        highlights = HighlightStore.load(stage.out) if config.highlight and use_caches else None
        engine = make_engine(
            config.markdown_engine,
            highlight=config.highlight,
            highlight_cache=highlights,
            raw_html=config.raw_html,
        )
    except ImportError as exc:
        msg = f"markdown_engine {config.markdown_engine!r} is not installed: {exc}"
        raise SitegenError(msg) from None
    for p in pages:
        if p.kind == "md":
            resolve = assemble.link_resolver(p.source, link_targets, config)
            p.body_renderer = markdown_body(engine, resolve, config.heading_ids)
            p.summary_renderer = markdown_summary(engine, resolve)
    add_image_sizes(pages, image_sizes(plan.assets, config))
    # Taxonomy terms and pages 2..N of listings: rendered like the others, not in site.pages.
    made, site_view["taxonomies"] = generate.generated_pages(
        plan, pages, site_view["sections"], config, site.files, problems
    )
    to_render = [*pages, *made]
    now = dt.datetime.now(dt.timezone.utc)

    # Feeds and the search index read page bodies: rendered here, before the workers fork,
    # they are rendered once and inherited.
    def reindex() -> dict[str, bytes]:
        made = generate.index_files(plan, to_render, site_view["sections"], config, now)
        return {**made, **searchindex.index_files(site, to_render)}

    index_files = reindex()

    roots = [TemplateRoot(site.site_dir, "")]
    shipped = bundled_themes_dir().resolve()
    roots += [
        TemplateRoot(folder, f"themes/{name}/", trusted=folder.resolve().is_relative_to(shipped))
        for name, folder in site.themes
    ]
    # Stylesheets compile before pages render: fingerprinted names must be known to asset().
    styles = compile_styles(plan.styles, roots, problems)
    asset_files = {out: sf.path for out, sf in plan.assets.items()}
    prints = fingerprint.Fingerprints()
    if config.fingerprint:
        prints = fingerprint.fingerprint(asset_files, styles, config)
    template_globals = {
        "url": config.url,
        "asset": fingerprint.asset_function(config, prints.names),
        "now": now,
        "sitegen_version": __version__,
    }
    base = {"site": TrackedSite(site_view), "data": site.data, "paginator": None}
    limits = TemplateLimits(config.template_seconds, config.page_output_chars)
    job = PageJob(
        to_render, roots, config.strict, template_globals, base, stage, highlights, limits
    )
    if use_caches:
        job.bytecode_dir = stage.out.parent / ".sitegen"
    key = cache.site_key(site.files, pages, repr(config), now.date())
    if previous is not None:
        job.reuse = previous.reusable(key, pages, stage.out)
    if config.highlight:
        from sitegen.render.highlight import load_lexers

        # only for the pages that will render: a no-change build compiles no lexer
        load_lexers(p.body for p in pages if p.kind == "md" and p.output not in job.reuse)
    problems.extend(render_pages(job, jobs, progress))
    page_keys = {p.output: cache.page_key(p) for p in pages}
    remembered = RenderCache(key, page_keys, set(job.readers))

    for out, css in styles.items():
        stage.write_text(out, prints.css.get(out, css))
    for out, sf in plan.assets.items():
        stage.copy_file(out, sf.path)
    extra: dict[str, bytes | Path] = {
        **fingerprint.hashed_copies(prints, asset_files),
        **index_files,
    }
    taken = {*plan.pages, *plan.styles, *plan.assets, *extra, *(p.output for p in made)}
    extra.update(aliases.alias_pages(pages, config, taken, problems))
    extra.update(moved.moved_pages(pages, site.file_ids, history or {}, config, {*taken, *extra}))
    for out, content in extra.items():
        if isinstance(content, bytes):
            stage.write_bytes(out, content)
        else:
            stage.copy_file(out, content)
    outputs = [*plan.pages, *plan.styles, *plan.assets, *extra]
    return RenderedSite(
        outputs,
        problems,
        len(plan.pages),
        len(outputs) - len(plan.pages),
        job,
        remembered,
        reindex,
        moved.page_outputs(pages, site.file_ids),
    )


def compile_styles(
    sources: dict[str, SourceFile], roots: list[TemplateRoot], problems: list[Diagnostic]
) -> dict[str, str]:
    """Output .css path -> CSS for each Sass source; errors go to `problems`."""
    sass_roots = [(r.path, r.display_prefix) for r in roots]
    # Sass looks beside the file, then in each root and its `_sass/` folder (Jekyll's convention).
    include_paths = [p for r in roots for p in (r.path, r.path / "_sass")]
    styles: dict[str, str] = {}
    for out, sf in sources.items():
        try:
            styles[out] = compile_scss(
                sf.path, sf.display, [sf.path.parent, *include_paths], sass_roots
            )
        except SitegenError as exc:
            problems.extend(exc.diagnostics)
    return styles
