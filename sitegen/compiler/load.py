"""Layer 3, stage "load": read a site folder (overlaid on its theme) into the site model.

Every read happens here, before anything is rendered or written. Problems are collected, not
raised one at a time, so a build reports all of them at once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import fnmatch
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sitegen import frontmatter
from sitegen.config import (
    CONFIG_FILE,
    HARP_FILES,
    NO_OVERRIDES,
    Overrides,
    SiteConfig,
    harp_globals,
    parse_config,
    with_globals,
)
from sitegen.datafiles import DATA_SUFFIXES, parse_data
from sitegen.errors import Diagnostic, SitegenError
from sitegen.model import Page, in_attachments

from .assemble import FileIds, LinkTargets
from .readpages import PagesRead, published, publishing, read_pages, read_text
from .readworkers import WorkerReads
from .stamp import InputStats
from .textlinks import Scanned, links_in, read_file_ids, scan
from .tree import SourceFile, overlay, theme_applies, theme_chain, walk
from .usedentries import UsedEntries

if TYPE_CHECKING:
    from .cache import PageKeys

__all__ = ["LoadOptions", "LoadedSite", "Readers", "load_site", "read_site", "read_text"]

DATA_DIR = "_data"


@dataclass(frozen=True)
class Readers:
    """How the load stage parses front matter and finds links: the plain functions, or caches
    of their results kept by earlier builds (compiler/fmcache.py, compiler/linkscache.py)."""

    parse_front_matter: Callable[[str, str], frontmatter.FrontMatter] = frontmatter.parse
    find_links: Callable[[str], Iterable[tuple[int, str]]] = links_in
    stores: tuple[UsedEntries, ...] = ()  # those caches: worker processes send their use back
    jobs: int | None = 1  # processes reading pages (None: one per CPU), compiler/readworkers.py
    # Render-cache keys of the pages read, made by the read workers while they hold the page
    # (compiler/cache.py): the parent then need not hash every body again before rendering.
    keys: PageKeys | None = None


@dataclass(frozen=True)
class LoadedSite:
    """What the load stage read: a value. `discover_site` fills the settings, themes and file
    list; `read_site` returns a copy with the data files and pages."""

    site_dir: Path
    config: SiteConfig
    config_text: str
    files: Mapping[str, SourceFile]
    themes: tuple[tuple[str, Path], ...]  # the theme and those it extends, nearest first
    pages: tuple[Page, ...] = ()  # the pages this build publishes
    data: Mapping[str, Any] = field(default_factory=dict)
    problems: tuple[Diagnostic, ...] = ()
    warnings: tuple[Diagnostic, ...] = ()  # the build goes on (textlinks.py)
    file_ids: FileIds = field(default_factory=FileIds)  # Nextcloud file IDs, from the mirror
    next_due: dt.datetime | None = None  # when a held-back or expiring page changes the site
    read: PagesRead = field(default_factory=lambda: PagesRead({}, {}, 0, {}))
    links: Scanned = field(default_factory=Scanned)  # what each page's links reach


@dataclass(frozen=True)
class LoadOptions:
    drafts: bool = False
    future: bool = False
    now: dt.datetime | None = None
    base_url: str | None = None
    overrides: Overrides = NO_OVERRIDES  # --base-url, --set: over sitegen.toml's settings


def load_site(
    site_dir: Path,
    options: LoadOptions,
    skip: Iterable[Path] = (),
    readers: Readers | None = None,
    earlier: LoadedSite | None = None,
) -> LoadedSite:
    """Stage "load": the site in `site_dir` as a value, every file it needs read. With
    `earlier` (the last load of the same site), unchanged pages are taken over, not read."""
    return read_site(discover_site(site_dir, options, skip), options, readers, earlier)


def read_site(
    site: LoadedSite,
    options: LoadOptions,
    readers: Readers | None = None,
    earlier: LoadedSite | None = None,
    stats: InputStats | None = None,
) -> LoadedSite:
    """The discovered site with its data files and pages read. `stats`: its files' signatures
    as the no-change check took them (compiler/stamp.py), taken again from there."""
    readers = readers or Readers()
    problems = list(site.problems)
    data = _load_data(site.files, problems)
    now = local_now(site.config, options)
    tz = ZoneInfo(site.config.timezone)
    workers = WorkerReads(
        readers.jobs,
        readers.find_links,
        lambda page: publishing(page, tz, now, options.drafts, options.future)[0],
        readers.stores,
        readers.keys,
    )
    read = read_pages(
        site.files,
        site.config,
        readers.parse_front_matter,
        problems,
        earlier.read if earlier else None,
        workers,
        stats,
    )
    pages, next_due = published(read, site.config, now, options.drafts, options.future)
    file_ids = read_file_ids(site.site_dir)
    targets = LinkTargets({p.source: p.url for p in pages}, site.files, file_ids)
    # Attachment files no published page links to are dropped; links leading nowhere, warned of.
    before = earlier.links if earlier is not None else None
    scanned = scan(pages, targets, bool(file_ids.host), workers.find_links, before)
    used = scanned.used()
    files = {r: sf for r, sf in site.files.items() if r in used or not in_attachments(r)}
    return dataclasses.replace(
        site,
        files=files,
        pages=pages,
        data=data,
        problems=tuple(problems),
        warnings=tuple(scanned.warnings()),
        links=scanned,
        file_ids=file_ids,
        next_due=next_due,
        read=read,
    )


def discover_site(site_dir: Path, options: LoadOptions, skip: Iterable[Path] = ()) -> LoadedSite:
    """The site's settings, theme and files, with no page or data file read yet."""
    # A site's own themes/ folder holds themes, not pages.
    site_files = walk(site_dir, [*skip, site_dir / "themes"])
    config_text = ""
    if CONFIG_FILE in site_files:
        config_text = read_text(SourceFile(CONFIG_FILE, site_dir / CONFIG_FILE, CONFIG_FILE, False))
    config = parse_config(config_text, overrides=options.overrides.mapping())
    for harp in HARP_FILES:
        if harp in site_files:
            text = read_text(SourceFile(harp, site_dir / harp, harp, False))
            config = with_globals(config, harp_globals(text, harp))
    if options.base_url is not None:
        config = dataclasses.replace(config, base_url=options.base_url)
    if config.exclude:
        site_files = [f for f in site_files if not excluded(f, config.exclude)]
    themes: list[tuple[str, Path]] = []
    if theme_applies("theme" in config.explicit, site_files):
        themes = theme_chain(config.theme, site_dir, config_text)
    files = overlay(site_dir, site_files, themes)
    return LoadedSite(site_dir, config, config_text, files, tuple(themes))


def excluded(rel: str, patterns: Iterable[str]) -> bool:
    """sitegen.toml `exclude`: glob patterns matched against the path and each of its folders
    (`drafts/*`, `*.docx`, `notes`)."""
    parts = rel.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    return any(fnmatch.fnmatchcase(p, pat) for pat in patterns for p in prefixes)


def _load_data(files: Mapping[str, SourceFile], problems: list[Diagnostic]) -> dict[str, Any]:
    """`data` in templates: each file below `_data/`, by its path (`_data/team/a.yaml` is
    `data.team.a`)."""
    prefix = DATA_DIR + "/"
    data: dict[str, Any] = {}
    for rel, sf in files.items():
        if not rel.startswith(prefix) or not rel.endswith(DATA_SUFFIXES):
            continue
        try:
            value = parse_data(read_text(sf), sf.display)
        except SitegenError as exc:
            problems.extend(exc.diagnostics)
            continue
        keys = rel[len(prefix) :].rsplit(".", 1)[0].split("/")
        node = data
        for k in keys[:-1]:
            node = node.setdefault(k, {})
        node[keys[-1]] = value
    return data


def local_now(config: SiteConfig, options: LoadOptions) -> dt.datetime:
    """The build's time in the site's time zone, without one (as held-back pages compare it)."""
    tz = ZoneInfo(config.timezone)
    now = options.now or dt.datetime.now(tz)
    return now.astimezone(tz).replace(tzinfo=None) if now.tzinfo else now
