"""Layer 3, stages "render" and "write" of an assembled site.

- `render_pages(job, which, ...)`: the pages whose outputs are in `which` (all of them: None),
  each written to the staging folder by the process that rendered it (forked workers write
  their own pages, so nothing but diagnostics crosses a process boundary);
- `other_files(site, look, now)`: every other output as a value (stylesheets, feeds, the search
  index, redirects) or the file it copies;
- `write(files, stage)`: those into the staging folder (compiler/output.py puts them in place).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

from sitegen import __version__
from sitegen.config import SiteConfig
from sitegen.errors import Diagnostic, SitegenError
from sitegen.render.limits import TemplateLimits
from sitegen.render.markdown import MarkdownEngine, make_engine

from . import aliases, cachekey, fingerprint, generate, moved, pagejob, searchindex
from .highlightstore import HighlightStore
from .look import Look, asset_paths
from .output import StagingDir
from .pagejob import PageJob, Progress
from .site import Site


@dataclass(frozen=True)
class RenderContext:
    """What every page of one build renders with, apart from the site itself."""

    now: dt.datetime  # the templates' `now`, and the feeds' update time
    highlights: HighlightStore | None = None  # code blocks highlighted by earlier builds
    bytecode_dir: Path | None = None  # compiled templates kept between builds


def markdown_engine(config: SiteConfig, highlights: HighlightStore | None) -> MarkdownEngine:
    try:
        return make_engine(
            config.markdown_engine,
            highlight=config.highlight,
            highlight_cache=highlights,
            raw_html=config.raw_html,
        )
    except ImportError as exc:
        msg = f"markdown_engine {config.markdown_engine!r} is not installed: {exc}"
        raise SitegenError(msg) from None


def page_job(site: Site, look: Look, stage: StagingDir, context: RenderContext) -> PageJob:
    """The job that renders the site's pages (and its generated ones) into `stage`."""
    config = site.loaded.config
    template_globals = {
        "url": config.url,
        "asset": fingerprint.asset_function(config, look.prints.names),
        "now": context.now,
        "sitegen_version": __version__,
    }
    base = {"site": site.template_site, "data": site.loaded.data, "paginator": None}
    limits = TemplateLimits(config.template_seconds, config.page_output_chars)
    job = PageJob(
        list(site.to_render),
        site.bodies,
        list(look.roots),
        config.strict,
        template_globals,
        base,
        stage,
        context.highlights,
        limits,
    )
    job.bytecode_dir = context.bytecode_dir
    if context.bytecode_dir is not None:  # a build that keeps caches: the theme's in the user's
        job.bytecode_key = cachekey.secret_key()
        job.shipped_bytecode_dir = cachekey.key_file().parent
    return job


def render_pages(
    job: PageJob,
    which: Collection[str] | None = None,
    jobs: int | None = None,
    progress: Progress | None = None,
    meanwhile: Callable[[], None] | None = None,
) -> list[Diagnostic]:
    """Stage "render": the job's pages whose outputs are in `which` (None: every page).
    `meanwhile`: this process's own work, done while workers render (pagejob.render_pages)."""
    if which is None:
        return pagejob.render_pages(job, jobs, progress, meanwhile)
    if meanwhile is not None:
        meanwhile()
    return job.run_outputs(which)


def load_lexers(site: Site, skip: Collection[str]) -> None:
    """Compile the code lexers the pages to render need, before workers fork: only for those
    pages, so a build that renders none compiles none."""
    if not site.loaded.config.highlight:
        return
    bodies = [v.body for v in site.pages if v.kind == "md" and v.output not in skip]
    if any("```" in body or "~~~" in body for body in bodies):  # else Pygments is not imported
        from sitegen.render.highlight import load_lexers as load

        load(bodies)


def index_files(site: Site, now: dt.datetime) -> dict[str, bytes]:
    """Feeds, sitemap, robots.txt and the search index: they read page bodies, so made in the
    main process before workers fork (the bodies are rendered once and inherited)."""
    pages = site.to_render
    made = generate.index_files(site.plan, pages, site.sections, site.loaded.config, now)
    return {**made, **searchindex.index_files(site.loaded, pages)}


def other_files(
    site: Site,
    look: Look,
    indexes: Mapping[str, bytes],
    problems: list[Diagnostic],
    history: moved.OutputHistory | None = None,
) -> dict[str, str | bytes | Path]:
    """Every output but the pages: stylesheets, copied files, fingerprinted copies, `indexes`,
    redirect pages for aliases (whose problems go to `problems`) and, from a publish `history`
    (file ID -> output paths its page was published at), for pages moved since."""
    assets = asset_paths(site)
    files: dict[str, str | bytes | Path] = look.files(assets)
    files.update(assets)
    files.update(indexes)
    taken = {*site.plan.pages, *files}
    pages, config = [v.page for v in site.pages], site.loaded.config
    files.update(aliases.alias_pages(pages, config, taken, problems))
    ids = site.loaded.file_ids
    files.update(moved.moved_pages(pages, ids, history or {}, config, {*taken, *files}))
    return files


def write(files: Mapping[str, str | bytes | Path], stage: StagingDir) -> None:
    """Stage "write": values into the staging folder, files copied."""
    for out, content in files.items():
        if isinstance(content, str):
            stage.write_text(out, content)
        elif isinstance(content, bytes):
            stage.write_bytes(out, content)
        else:
            stage.copy_file(out, content)
