"""Layer 3: the stages after "load" for a build in a new process (`sitegen build`): assemble,
look, render and write, with the render cache of the last build of the same output deciding
which pages need rendering at all (compiler/cache.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
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
    meanwhile: Callable[[], None] | None = None,
) -> tuple[int, list[str], Untouched]:
    """Render the loaded site into `out_dir` (or raise BuildError, the output left as it was);
    returns how many pages it has, every output file, and the files and folders it found and
    did not touch, with their signatures (the stamp need not look at them again). `known`:
    render-cache keys of pages already known (taken over from the last build's model).
    `meanwhile`: work that needs the loaded site only, done while the pages render."""
    use_caches = not options.clean
    config = loaded.config
    highlights = HighlightStore.load(out_dir) if config.highlight and use_caches else None
    with collector_paused():
        site = assemble(loaded, markdown_engine(config, highlights))
    with model_frozen():
        return _render_and_write(
            site, out_dir, options, last, progress, known, highlights, meanwhile
        )


def _render_and_write(
    site: Site,
    out_dir: Path,
    options: BuildOptions,
    last: Stamp | None,
    progress: Progress | None,
    known: PageKeys | None,
    highlights: HighlightStore | None,
    meanwhile: Callable[[], None] | None,
) -> tuple[int, list[str], Untouched]:
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
        problems += render_pages(job, None, options.jobs, progress, meanwhile)
        files = other_files(site, appearance, indexes, problems, options.history)
        write(files, stage)
        if problems:
            raise BuildError(problems)
        outputs = [*site.plan.pages, *files]
        Stamp.forget(out_dir)
        folders: dict[str, list[int]] = {}
        stage.commit(keep=outputs, present=last.listing(out_dir, folders) if last else None)
    except BaseException:
        stage.discard()
        raise
    _remember(keys, previous, job, out_dir)
    appearance.keep()
    return len(site.plan.pages), outputs, _untouched(previous, stage, folders)


def _previous(out_dir: Path, last: Stamp | None) -> RenderCache:
    """What the last build of `out_dir` rendered, and which of its outputs are still intact."""
    if last is None:
        return RenderCache()
    previous = RenderCache.load(out_dir)
    previous.intact = last.intact(out_dir)
    return previous


def _untouched(
    previous: RenderCache, stage: StagingDir, folders: dict[str, list[int]]
) -> Untouched:
    """The signatures, found before the commit, of the output files it did not write and of
    the folders it wrote nothing in and removed nothing from (Stamp.write need not look)."""
    if not stage.update:
        return Untouched({}, {})
    touched = {""}
    for rel in (*stage.written, *stage.removed):
        folder = rel.rpartition("/")[0]
        while folder not in touched:
            touched.add(folder)
            folder = folder.rpartition("/")[0]
    kept = {f: sig for f, sig in folders.items() if f not in touched}
    if not isinstance(previous.intact, dict):
        return Untouched({}, kept)
    written = set(stage.written)
    return Untouched({rel: s for rel, s in previous.intact.items() if rel not in written}, kept)


@dataclass(frozen=True)
class Untouched:
    """Output files and folders a build left as it found them, with their signatures."""

    files: dict[str, list[int]]
    folders: dict[str, list[int]]


def _remember(keys: RenderCache, previous: RenderCache, job: PageJob, out_dir: Path) -> None:
    """What the next build of this output may keep (after a build that succeeded)."""
    # Kept pages were not rendered: they read what they read last time.
    readers = job.readers | (previous.readers & job.reuse)
    body_readers = job.body_readers | (previous.body_readers & job.reuse)
    RenderCache(keys.site_key, keys.lists_key, keys.pages, readers, body_readers).save(out_dir)
    job.save_caches()
