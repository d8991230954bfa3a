"""Layer 3: the stages after "load" for a build in a new process (`sitegen build`): assemble,
look, render and write, with the render cache of the last build of the same output deciding
which pages need rendering at all (compiler/cache.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sitegen.errors import BuildError, Diagnostic

from . import cache
from .cache import PageKeys, RenderCache
from .gcpause import collector_paused, model_frozen
from .highlightstore import HighlightStore
from .load import LoadedSite
from .look import look
from .output import StagingDir
from .pagejob import PARALLEL_MIN_PAGES, PageJob, Progress
from .pipeline import BuildOptions
from .rendersite import (
    RenderContext,
    index_files,
    load_lexers,
    markdown_engine,
    other_files,
    page_job,
    render_pages,
    write,
)
from .site import Site, assemble
from .stamp import Stamp


def render_and_write(
    loaded: LoadedSite,
    out_dir: Path,
    options: BuildOptions,
    last: Stamp | None,
    progress: Progress | None,
    known: PageKeys | None = None,
) -> tuple[int, list[str], dict[str, list[int]]]:
    """Render the loaded site into `out_dir` (or raise BuildError, the output left as it was);
    returns how many pages it has, every output file, and the signatures of those it found
    intact and did not touch (the stamp need not look at them again). `known`: render-cache
    keys of pages already known (taken over from the last build's model)."""
    use_caches = not options.clean
    config = loaded.config
    highlights = HighlightStore.load(out_dir) if config.highlight and use_caches else None
    with collector_paused():
        site = assemble(loaded, markdown_engine(config, highlights))
    with model_frozen():
        return _render_and_write(site, out_dir, options, last, progress, known, highlights)


def _render_and_write(
    site: Site,
    out_dir: Path,
    options: BuildOptions,
    last: Stamp | None,
    progress: Progress | None,
    known: PageKeys | None,
    highlights: HighlightStore | None,
) -> tuple[int, list[str], dict[str, list[int]]]:
    loaded, config, use_caches = site.loaded, site.loaded.config, not options.clean
    appearance = look(site, out_dir, kept=use_caches)
    stage = StagingDir(out_dir, loaded.site_dir, replace=options.replace_output, update=use_caches)
    now = dt.datetime.now(dt.timezone.utc)
    bytecode = out_dir.parent / ".sitegen" if use_caches else None
    job = page_job(site, appearance, stage, RenderContext(now, highlights, bytecode))
    known = known or PageKeys()
    own = [v.page for v in site.pages]
    site_key = cache.site_key(loaded.files, own, repr(config), now.date(), known)
    keys = cache.keys_now(site_key, [v.page for v in site.to_render], known)
    previous = _previous(out_dir, None if options.clean else last)
    job.reuse = previous.reusable(keys, [v.page for v in site.to_render], out_dir)
    try:
        load_lexers(site, job.reuse)
        if highlights is not None and len(site.to_render) - len(job.reuse) >= PARALLEL_MIN_PAGES:
            highlights.load_all()  # once here, not once per render worker
        indexes = index_files(site, now)
        problems: list[Diagnostic] = [*site.problems, *appearance.problems]
        problems += render_pages(job, None, options.jobs, progress)
        files = other_files(site, appearance, indexes, problems, options.history)
        write(files, stage)
        if problems:
            raise BuildError(problems)
        outputs = [*site.plan.pages, *files]
        Stamp.forget(out_dir)
        stage.commit(keep=outputs, present=last.listing(out_dir) if last else None)
    except BaseException:
        stage.discard()
        raise
    _remember(keys, previous, job, out_dir)
    return len(site.plan.pages), outputs, _untouched(previous, stage)


def _previous(out_dir: Path, last: Stamp | None) -> RenderCache:
    """What the last build of `out_dir` rendered, and which of its outputs are still intact."""
    if last is None:
        return RenderCache()
    previous = RenderCache.load(out_dir)
    previous.intact = last.intact(out_dir)
    return previous


def _untouched(previous: RenderCache, stage: StagingDir) -> dict[str, list[int]]:
    if not stage.update or not isinstance(previous.intact, dict):
        return {}
    written = set(stage.written)
    return {rel: sig for rel, sig in previous.intact.items() if rel not in written}


def _remember(keys: RenderCache, previous: RenderCache, job: PageJob, out_dir: Path) -> None:
    """What the next build of this output may keep (after a build that succeeded)."""
    # Kept pages were not rendered: they read what they read last time.
    readers = job.readers | (previous.readers & job.reuse)
    body_readers = job.body_readers | (previous.body_readers & job.reuse)
    RenderCache(keys.site_key, keys.lists_key, keys.pages, readers, body_readers).save(out_dir)
    job.save_caches()
