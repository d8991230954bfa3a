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
from typing import TYPE_CHECKING

from sitegen.config import NO_OVERRIDES, Overrides
from sitegen.errors import SitegenError

from .keptfile import keep
from .load import LoadedSite, LoadOptions, Readers, discover_site, local_now, read_site
from .ownership import check_output, is_owned
from .stamp import InputStats, Stamp, inputs_key
from .tree import disk_paths

if TYPE_CHECKING:
    from .cache import PageKeys
    from .fmcache import FrontMatterCache
    from .linkscache import LinksCache
    from .moved import OutputHistory

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
    discovered = discover_site(site_dir, load_options, skip=[out_dir])
    stats = InputStats()
    key = _inputs_key(discovered, options, stats)
    last = Stamp.load(out_dir)
    now = local_now(discovered.config, load_options)
    if (
        last is not None
        and not options.clean
        and last.still_holds(key, out_dir, now)
        and is_owned(out_dir)
    ):
        kept = last.files
        seconds = time.perf_counter() - started
        return BuildResult(
            out_dir, last.pages, last.assets, seconds, kept, last.next_due, None, True
        )
    # The heavy stages, not needed by a no-change build (it ended above); imported before the
    # model is made, so the collections their imports trigger do not walk it.
    from .cliwrite import render_and_write
    from .gcpause import collector_paused
    from .modelcache import ModelCache
    from .moved import page_outputs

    with collector_paused():
        model = ModelCache(out_dir, site_dir, read=not options.clean)
        earlier = model.earlier(discovered)  # the last build's pages, where it kept them
        caches = ReadCaches.load(out_dir, options.clean)
        readers = caches.readers(options.jobs, model.keys, taking_over=earlier is not None)
        loaded = read_site(discovered, load_options, readers, earlier, stats)
    # What the next build takes over from this one's reading, made while the pages render
    # (this process only waits for the workers then) and kept once the build succeeded.
    to_keep: list[tuple[Path, str | bytes]] = []

    def encode_reads() -> None:
        to_keep.extend(caches.encoded(prune=not model.took_over))
        if (data := model.encoded(loaded)) is not None:
            to_keep.append((model.file, data))

    pages, outputs, untouched = render_and_write(
        loaded, out_dir, options, last, progress, model.keys, encode_reads
    )
    for path, data in to_keep:
        keep(path, data)
    assets = len(outputs) - pages
    Stamp.write(
        out_dir, key, outputs, pages, assets, loaded.next_due, untouched.files, untouched.folders
    )
    return BuildResult(
        out_dir=out_dir,
        pages=pages,
        assets=len(outputs) - pages,
        seconds=time.perf_counter() - started,
        outputs=tuple(sorted(outputs)),
        next_due=loaded.next_due,
        site=loaded,
        page_outputs=page_outputs(loaded.pages, loaded.file_ids),
    )


@dataclass(frozen=True)
class ReadCaches:
    """Front matter and links found by earlier builds of the same output (none with --clean)."""

    front_matter: FrontMatterCache | None
    links: LinksCache | None

    @classmethod
    def load(cls, out_dir: Path, clean: bool) -> ReadCaches:
        if clean:
            return cls(None, None)
        from .fmcache import FrontMatterCache
        from .linkscache import LinksCache

        return cls(FrontMatterCache.load(out_dir), LinksCache.load(out_dir))

    def readers(
        self, jobs: int | None, keys: PageKeys | None = None, taking_over: bool = False
    ) -> Readers:
        """The readers of a build's load. Without cached front matter, pages are parsed in
        `jobs` processes (None: one per CPU), which also make the pages' render-cache `keys`;
        with it, parsing is cheap: forking processes would cost more than it saves (a
        one-page-edit rebuild took 14 % longer). A build `taking_over` the last build's pages
        reads few, and the caches only if it needs them."""
        if self.front_matter is None or self.links is None:
            return Readers(jobs=jobs, keys=keys)
        stores = (self.front_matter, self.links)
        jobs = jobs if not taking_over and self.front_matter.empty else 1
        return Readers(self.front_matter.parse, self.links.links, stores, jobs, keys)

    def encoded(self, prune: bool = True) -> list[tuple[Path, str]]:
        """The files to keep and their texts; `prune`: keep only the entries this build used
        (not after taking pages over: it did not look theirs up)."""
        found = []
        for store in (self.front_matter, self.links):
            text = store.encoded(prune) if store is not None else None
            if store is not None and text is not None:
                found.append((store.file, text))
        return found


def _inputs_key(site: LoadedSite, options: BuildOptions, stats: InputStats) -> str | None:
    """What the no-change check compares (compiler/stamp.py): every file the build reads, the
    options that change what it makes, and the day."""
    paths = disk_paths(site.files)
    overrides = json.dumps(options.overrides.mapping(), sort_keys=True, default=str)
    settings = repr((options.drafts, options.future, options.base_url, options.now, overrides))
    if options.history is not None:  # the redirects it adds are outputs too
        settings += json.dumps(options.history, sort_keys=True, default=list)
    return inputs_key(paths, settings, dt.datetime.now(dt.timezone.utc), stats)
