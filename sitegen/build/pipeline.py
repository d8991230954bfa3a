"""Layer 3: the build as named stages: load -> assemble -> render -> write.

Every read happens before any write, every problem is collected before the build stops, and the
output folder is replaced only by a complete build.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing as mp
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sitegen import __version__
from sitegen.errors import BuildError, Diagnostic, SitegenError
from sitegen.model import Page
from sitegen.render.limits import TemplateLimits
from sitegen.render.markdown import make_engine
from sitegen.render.sass import compile_scss
from sitegen.render.templates import TemplateRoot, Templates

from . import assemble, cache, fingerprint, generate, searchindex
from .cache import HighlightStore, RenderCache
from .imagesizes import add_image_sizes, image_sizes
from .load import LoadedSite, LoadOptions, load_site
from .output import StagingDir
from .ownership import check_output
from .render import (
    Layouts,
    TrackedSite,
    collection_reads,
    markdown_body,
    markdown_summary,
    render_page,
)
from .tree import SourceFile

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class BuildOptions:
    drafts: bool = False
    future: bool = False
    clean: bool = False
    now: dt.datetime | None = None
    base_url: str | None = None  # overrides sitegen.toml's (the preview serves at /)
    jobs: int | None = None  # processes rendering pages; None: one per CPU
    replace_output: bool = False  # the output may be a non-empty folder sitegen did not make

    def load_options(self) -> LoadOptions:
        return LoadOptions(self.drafts, self.future, self.now, self.base_url)


@dataclass(frozen=True)
class BuildResult:
    out_dir: Path
    pages: int
    assets: int
    seconds: float
    outputs: tuple[str, ...]
    next_due: dt.datetime | None  # when a scheduled build would change the site by itself
    site: LoadedSite | None = field(default=None, repr=False, compare=False)  # what was built


@dataclass
class RenderedSite:
    outputs: list[str]
    problems: list[Diagnostic]
    pages: int
    assets: int
    job: _PageJob | None = None  # what rendered the pages, kept for incremental re-renders
    cache: RenderCache | None = None  # what to remember for the next build of this output
    reindex: Callable[[], dict[str, bytes]] | None = None  # feeds, search index again


def build_site(
    site_dir: Path,
    out_dir: Path,
    options: BuildOptions | None = None,
    progress: Progress | None = None,
) -> BuildResult:
    """Build the site in `site_dir` into `out_dir`; raise BuildError and leave out_dir as it was."""
    options = options or BuildOptions()
    started = time.perf_counter()
    if not site_dir.is_dir():
        raise SitegenError(f"{site_dir}: no such folder")
    check_output(site_dir, out_dir, replace=options.replace_output)  # named as the user gave it
    site_dir, out_dir = site_dir.resolve(), out_dir.resolve()
    site = load_site(site_dir, options.load_options(), skip=[out_dir])
    stage = StagingDir(out_dir, site_dir, replace=options.replace_output)
    previous = RenderCache() if options.clean else RenderCache.load(out_dir)
    try:
        rendered = render_site(site, stage, options.jobs, progress, previous, not options.clean)
        if rendered.problems:
            raise BuildError(rendered.problems)
        stage.commit()
    except BaseException:
        stage.discard()
        raise
    if rendered.cache is not None:
        rendered.cache.save(out_dir)
    if rendered.job is not None and rendered.job.highlights is not None:
        rendered.job.highlights.save()
    return BuildResult(
        out_dir=out_dir,
        pages=rendered.pages,
        assets=rendered.assets,
        seconds=time.perf_counter() - started,
        outputs=tuple(sorted(rendered.outputs)),
        next_due=site.next_due,
        site=site,
    )


def render_site(
    site: LoadedSite,
    stage: StagingDir,
    jobs: int | None = None,
    progress: Progress | None = None,
    previous: RenderCache | None = None,
    use_caches: bool = True,
) -> RenderedSite:
    """Assemble and render a loaded site into the staging folder; collect every problem."""
    problems = list(site.problems)
    config = site.config
    plan = assemble.plan_outputs(site.pages, site.files, problems)
    pages = list(plan.pages.values())
    link_targets = assemble.LinkTargets({p.source: p.url for p in pages}, site.files)
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
            p.body_renderer = markdown_body(engine, resolve)
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
    roots += [TemplateRoot(folder, f"themes/{name}/") for name, folder in site.themes]
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
    job = _PageJob(
        to_render, roots, config.strict, template_globals, base, stage, highlights, limits
    )
    key = cache.site_key(site.files, pages, repr(config), now.date())
    if previous is not None:
        job.reuse = previous.reusable(key, pages, stage.out)
    if config.highlight:
        from sitegen.render.highlight import load_lexers

        load_lexers(p.body for p in pages if p.kind == "md")
    problems.extend(_render_pages(job, jobs, progress))
    page_keys = {p.output: cache.page_key(p) for p in pages}
    remembered = RenderCache(key, page_keys, set(job.readers))

    for out, css in styles.items():
        stage.write_text(out, prints.css.get(out, css))
    for out, sf in plan.assets.items():
        stage.copy_file(out, sf.path)
    extra = {**fingerprint.hashed_copies(prints, asset_files), **index_files}
    for out, content in extra.items():
        if isinstance(content, bytes):
            stage.write_bytes(out, content)
        else:
            stage.copy_file(out, content)
    outputs = [*plan.pages, *plan.styles, *plan.assets, *extra]
    return RenderedSite(
        outputs, problems, len(plan.pages), len(outputs) - len(plan.pages), job, remembered, reindex
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


# --- rendering pages, in this process or in forked workers ------------------------------------

PARALLEL_MIN_PAGES = 400  # below this, starting workers costs more than it saves
CHUNK = 50


@dataclass
class _PageJob:
    pages: list[Page]
    roots: list[TemplateRoot]
    strict: bool
    globals: dict[str, Any]
    base: dict[str, Any]
    stage: StagingDir
    highlights: HighlightStore | None = None  # code blocks highlighted by earlier builds
    limits: TemplateLimits | None = None  # time and size a page's templates may take
    _compiled: tuple[Templates, Layouts] | None = None
    # Pages whose templates read site.pages, .sections, .tags ...: they list other pages, so
    # an incremental build re-renders them when any page changes.
    readers: set[str] = field(default_factory=set)
    # Outputs the previous build holds as they would render now (see build/cache.py).
    reuse: set[str] = field(default_factory=set)

    def templates(self) -> tuple[Templates, Layouts]:
        if self._compiled is None:  # once per process: templates and layout lookups
            templates = Templates(
                self.roots, strict=self.strict, globals=self.globals, limits=self.limits
            )
            self._compiled = (templates, Layouts(templates))
        return self._compiled

    def run_outputs(self, outputs: Iterable[str]) -> list[Diagnostic]:
        """Render the pages that write these output paths (an incremental build)."""
        wanted = set(outputs)
        return self.run(i for i, p in enumerate(self.pages) if p.output in wanted)

    def run(self, indices: Iterable[int]) -> list[Diagnostic]:
        templates, layouts = self.templates()
        problems: list[Diagnostic] = []
        for i in indices:
            page = self.pages[i]
            if page.output in self.reuse:
                self.stage.link_file(page.output, self.stage.out / page.output)
                continue
            base = (
                self.base if page.paginator is None else {**self.base, "paginator": page.paginator}
            )
            try:
                with collection_reads() as reads:
                    html = render_page(page, templates, layouts, base)
                self.stage.write_text(page.output, html)
            except SitegenError as exc:
                problems.extend(exc.diagnostics or [Diagnostic(page.source, 1, str(exc))])
            else:
                if reads.seen or page.paginator is not None:  # lists other pages
                    self.readers.add(page.output)
        return problems


_forked_job: _PageJob | None = None  # what forked workers inherit


_Drained = tuple[dict[str, str], set[str]] | None


def _run_chunk(indices: range) -> tuple[list[Diagnostic], int, set[str], _Drained]:
    assert _forked_job is not None
    found = _forked_job.run(indices)
    highlights = _forked_job.highlights
    drained = highlights.drain() if highlights is not None else None
    return found, len(indices), _forked_job.readers, drained


def _render_pages(job: _PageJob, jobs: int | None, progress: Progress | None) -> list[Diagnostic]:
    total = len(job.pages)
    chunks = [range(i, min(i + CHUNK, total)) for i in range(0, total, CHUNK)]
    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    problems: list[Diagnostic] = []
    if workers <= 1 or total < PARALLEL_MIN_PAGES or "fork" not in mp.get_all_start_methods():
        for n, chunk in enumerate(chunks):
            problems.extend(job.run(chunk))
            if progress:
                progress("render", min((n + 1) * CHUNK, total), total)
        return problems
    global _forked_job
    _forked_job = job
    try:
        # fork: workers share the loaded site copy-on-write and write their pages themselves,
        # so nothing but diagnostics crosses the process boundary.
        with mp.get_context("fork").Pool(workers) as pool:
            done = 0
            for found, n, readers, drained in pool.imap_unordered(_run_chunk, chunks):
                problems.extend(found)
                job.readers |= readers
                if drained is not None and job.highlights is not None:
                    job.highlights.merge(*drained)
                done += n
                if progress:
                    progress("render", done, total)
    finally:
        _forked_job = None
    return problems
