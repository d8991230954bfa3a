"""Layer 3: the build as named stages: load -> assemble -> render -> write.

Every read happens before any write, every problem is collected before the build stops, and the
output folder is replaced only by a complete build. A build whose inputs did not change since
the last build of the same output stops after looking at them (compiler/stamp.py), before the
render stages (compiler/rendersite.py, Markdown, Jinja2, Pygments) are even imported.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sitegen.config import NO_OVERRIDES, Overrides
from sitegen.errors import BuildError, SitegenError

from .cache import RenderCache
from .fmcache import FrontMatterCache
from .linkscache import LinksCache
from .load import LoadedSite, LoadOptions, discover_site, local_now, read_site
from .moved import OutputHistory
from .output import StagingDir
from .ownership import check_output, is_owned
from .stamp import Stamp, inputs_key

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
    overrides: Overrides = NO_OVERRIDES  # --base-url, --set: over sitegen.toml's settings
    # The target's publish history (file ID -> output paths its page was published at): pages
    # moved since get redirects at their old places (compiler/moved.py). None: no history.
    history: OutputHistory | None = None

    def load_options(self) -> LoadOptions:
        return LoadOptions(self.drafts, self.future, self.now, self.base_url, self.overrides)


@dataclass(frozen=True)
class BuildResult:
    out_dir: Path
    pages: int
    assets: int
    seconds: float
    outputs: tuple[str, ...]
    next_due: dt.datetime | None  # when a scheduled build would change the site by itself
    site: LoadedSite | None = field(default=None, repr=False, compare=False)  # what was built
    unchanged: bool = False  # nothing changed since the last build: nothing was read or written
    # File ID -> output path of each page with one (what the publish history records next);
    # None when the build stopped early (unchanged) and did not look.
    page_outputs: dict[str, str] | None = None


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
    load_options = options.load_options()
    site = discover_site(site_dir, load_options, skip=[out_dir])
    key = _inputs_key(site, options)
    last = Stamp.load(out_dir)
    now = local_now(site.config, load_options)
    if (
        last is not None
        and not options.clean
        and last.still_holds(key, out_dir, now)
        and is_owned(out_dir)
    ):
        seconds = time.perf_counter() - started
        outputs = tuple(sorted(last.outputs))
        return BuildResult(
            out_dir, last.pages, last.assets, seconds, outputs, last.next_due, None, True
        )
    front_matter = FrontMatterCache.load(out_dir) if not options.clean else None
    links = LinksCache.load(out_dir) if not options.clean else None
    if front_matter is not None and links is not None:
        site.parse_front_matter, site.find_links = front_matter.parse, links.links
    read_site(site, load_options)
    from .rendersite import render_site  # the heavy stages: not needed by a no-change build

    stage = StagingDir(out_dir, site_dir, replace=options.replace_output, update=not options.clean)
    previous = RenderCache() if options.clean or last is None else RenderCache.load(out_dir)
    previous.intact = last.intact(out_dir) if last is not None else set()
    try:
        rendered = render_site(
            site, stage, options.jobs, progress, previous, not options.clean, options.history
        )
        if rendered.problems:
            raise BuildError(rendered.problems)
        Stamp.forget(out_dir)
        stage.commit(keep=rendered.outputs, present=last.listing(out_dir) if last else None)
    except BaseException:
        stage.discard()
        raise
    if rendered.cache is not None:
        rendered.cache.save(out_dir)
    if rendered.job is not None:
        rendered.job.save_caches()
    if front_matter is not None and links is not None:
        front_matter.save()
        links.save()
    Stamp.write(out_dir, key, rendered.outputs, rendered.pages, rendered.assets, site.next_due)
    return BuildResult(
        out_dir=out_dir,
        pages=rendered.pages,
        assets=rendered.assets,
        seconds=time.perf_counter() - started,
        outputs=tuple(sorted(rendered.outputs)),
        next_due=site.next_due,
        site=site,
        page_outputs=rendered.page_outputs,
    )


def _inputs_key(site: LoadedSite, options: BuildOptions) -> str | None:
    """What the no-change check compares (compiler/stamp.py): every file the build reads, the
    options that change what it makes, and the day."""
    paths = [(sf.display, sf.path) for sf in site.files.values()]
    overrides = json.dumps(options.overrides.mapping(), sort_keys=True, default=str)
    settings = repr((options.drafts, options.future, options.base_url, options.now, overrides))
    if options.history is not None:  # the redirects it adds are outputs too
        settings += json.dumps(options.history, sort_keys=True, default=list)
    return inputs_key(paths, settings, dt.datetime.now(dt.timezone.utc))
