"""Layer 3, stage "load": read a site folder (overlaid on its theme) into the site model.

Every read happens here, before anything is rendered or written. Problems are collected, not
raised one at a time, so a build reports all of them at once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import fnmatch
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
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
from sitegen.datafiles import DATA_SUFFIXES, folder_metadata, parse_data
from sitegen.errors import Diagnostic, SitegenError
from sitegen.model import (
    Page,
    as_datetime,
    in_attachments,
    is_page,
    is_private,
    place_page,
    section_of,
    split_date_prefix,
    tags_of,
)

from .assemble import FileIds, LinkTargets, url_escape
from .textlinks import links_in, read_file_ids, scan
from .tree import SourceFile, overlay, theme_applies, theme_chain, walk

DATA_DIR = "_data"


@dataclass
class LoadedSite:
    site_dir: Path
    config: SiteConfig
    config_text: str
    files: dict[str, SourceFile]
    themes: list[tuple[str, Path]]  # the theme and those it extends, nearest first
    pages: list[Page] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    problems: list[Diagnostic] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)  # the build goes on (textlinks.py)
    file_ids: FileIds = field(default_factory=FileIds)  # Nextcloud file IDs, from the mirror
    next_due: dt.datetime | None = None  # when a held-back or expiring page changes the site
    # frontmatter.parse, or a cache of its results (compiler/fmcache.py)
    parse_front_matter: Callable[[str, str], frontmatter.FrontMatter] = frontmatter.parse
    # textlinks.links_in, or a cache of its results (compiler/linkscache.py)
    find_links: Callable[[str], Iterable[tuple[int, str]]] = links_in


@dataclass(frozen=True)
class LoadOptions:
    drafts: bool = False
    future: bool = False
    now: dt.datetime | None = None
    base_url: str | None = None
    overrides: Overrides = NO_OVERRIDES  # --base-url, --set: over sitegen.toml's settings


def read_text(sf: SourceFile) -> str:
    """A text file's content; a binary file or bad UTF-8 is an error at its line."""
    data = sf.path.read_bytes()
    if b"\x00" in data[:8192]:
        raise SitegenError.at(sf.display, 1, "binary file, not text (it contains NUL bytes)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        msg = f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at column {col}); save it as UTF-8"
        raise SitegenError.at(sf.display, line, msg) from None


def load_site(site_dir: Path, options: LoadOptions, skip: Iterable[Path] = ()) -> LoadedSite:
    return read_site(discover_site(site_dir, options, skip), options)


def read_site(site: LoadedSite, options: LoadOptions) -> LoadedSite:
    """Read the data files and pages of a discovered site."""
    _load_data(site)
    _load_pages(site, options)
    _keep_linked_attachments(site)
    return site


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
    themes = []
    if theme_applies("theme" in config.explicit, site_files):
        themes = theme_chain(config.theme, site_dir, config_text)
    files = overlay(site_dir, site_files, themes)
    return LoadedSite(site_dir, config, config_text, files, themes)


def _keep_linked_attachments(site: LoadedSite) -> None:
    """Drop the attachment files no published page links to; warn of links that lead nowhere."""
    site.file_ids = read_file_ids(site.site_dir)
    targets = LinkTargets({p.source: p.url for p in site.pages}, site.files, site.file_ids)
    used, site.warnings = scan(site.pages, targets, bool(site.file_ids.host), site.find_links)
    site.files = {r: sf for r, sf in site.files.items() if r in used or not in_attachments(r)}


def excluded(rel: str, patterns: Iterable[str]) -> bool:
    """sitegen.toml `exclude`: glob patterns matched against the path and each of its folders
    (`drafts/*`, `*.docx`, `notes`)."""
    parts = rel.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    return any(fnmatch.fnmatchcase(p, pat) for pat in patterns for p in prefixes)


def _load_data(site: LoadedSite) -> None:
    prefix = DATA_DIR + "/"
    for rel, sf in site.files.items():
        if not rel.startswith(prefix) or not rel.endswith(DATA_SUFFIXES):
            continue
        try:
            value = parse_data(read_text(sf), sf.display)
        except SitegenError as exc:
            site.problems.extend(exc.diagnostics)
            continue
        keys = rel[len(prefix) :].rsplit(".", 1)[0].split("/")
        node = site.data
        for k in keys[:-1]:
            node = node.setdefault(k, {})
        node[keys[-1]] = value


def folder_data(site: LoadedSite) -> dict[str, dict[str, dict[str, Any]]]:
    """folder -> slug -> metadata, from each folder's `_data.yaml|yml|json|toml`."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for rel, sf in site.files.items():
        folder, _, name = rel.rpartition("/")
        if not (name.startswith("_data.") and name.endswith(DATA_SUFFIXES)):
            continue
        try:
            out.setdefault(folder, {}).update(
                folder_metadata(parse_data(read_text(sf), sf.display), sf.display)
            )
        except SitegenError as exc:
            site.problems.extend(exc.diagnostics)
    return out


_H1 = re.compile(r"^#[ \t]+(.+?)[ \t#]*$", re.MULTILINE)


def local_now(config: SiteConfig, options: LoadOptions) -> dt.datetime:
    """The build's time in the site's time zone, without one (as held-back pages compare it)."""
    tz = ZoneInfo(config.timezone)
    now = options.now or dt.datetime.now(tz)
    return now.astimezone(tz).replace(tzinfo=None) if now.tzinfo else now


def _load_pages(site: LoadedSite, options: LoadOptions) -> None:
    tz = ZoneInfo(site.config.timezone)
    now_local = local_now(site.config, options)
    by_folder = folder_data(site)
    due: list[dt.datetime] = []
    for rel, sf in site.files.items():
        if not is_page(rel) or is_private(rel) or in_attachments(rel):
            continue
        try:
            page = read_page(site, sf, by_folder)
        except SitegenError as exc:
            site.problems.extend(exc.diagnostics)
            continue
        publish = page.meta.get("publish_date") or page.date
        publish_at = _local(publish, tz) if publish else None
        expiry = page.meta.get("expiry_date")
        expiry_at = _local(expiry, tz) if expiry else None
        if page.draft and not options.drafts:
            continue
        if publish_at and publish_at > now_local and not options.future:
            due.append(publish_at)
            continue
        if expiry_at:
            if expiry_at <= now_local:
                continue
            due.append(expiry_at)
        site.pages.append(page)
    site.next_due = min(due) if due else None


def _no_index(site: LoadedSite, folder: str) -> bool:
    prefix = folder + "/" if folder else ""
    return not any(prefix + f"index.{ext}" in site.files for ext in ("md", "html"))


def _local(value: Any, tz: ZoneInfo) -> dt.datetime:
    if isinstance(value, dt.datetime) and value.tzinfo:
        return value.astimezone(tz).replace(tzinfo=None)
    return as_datetime(value)


def read_page(
    site: LoadedSite, sf: SourceFile, folder_data: dict[str, dict[str, dict[str, Any]]]
) -> Page:
    text = read_text(sf)
    fm = site.parse_front_matter(text, sf.display)
    folder, _, name = sf.rel.rpartition("/")
    stem = name.rsplit(".", 1)[0]
    file_date, slug = split_date_prefix(stem)
    entries = folder_data.get(folder, {})
    meta = {**entries.get(slug, {}), **entries.get(stem, {}), **fm.meta}
    for key in frontmatter.DATE_KEYS:  # set in the folder's _data file: front matter's were checked
        if meta.get(key) is not None and key not in fm.meta:
            where = f"{key} (from {folder + '/' if folder else ''}_data)"
            meta[key] = frontmatter.as_date(meta[key], sf.display, 1, where)
    for key in ("slug", "url", "title"):
        if key in meta and meta[key] is not None and not isinstance(meta[key], str):
            line = fm.line_of(key)
            raise SitegenError.at(sf.display, line, f"front matter: {key}: must be a string")
    slug = meta.get("slug") or slug
    url = meta.get("url")
    if url is None and stem.lower() == "readme" and _no_index(site, folder):
        url = folder + "/"  # the Files app shows a folder's Readme.md above it: its index page
    placement = place_page(sf.rel, site.config.urls, meta.get("slug"), url)
    kind = "md" if sf.rel.endswith(".md") else "html"
    title = meta.get("title")
    if title is None and kind == "md":
        m = _H1.search(fm.body)
        title = m.group(1) if m else None
    weight = meta.get("weight")
    if weight is not None and not isinstance(weight, int | float):
        raise SitegenError.at(
            sf.display, fm.line_of("weight"), "front matter: weight: must be a number"
        )
    return Page(
        source=sf.rel,
        url=url_escape(placement.url, keep_escapes=meta.get("url") is not None),
        output=placement.output,
        kind=kind,
        slug=slug,
        title=title if title is not None else slug.replace("-", " ").capitalize(),
        date=meta.get("date") or file_date,
        meta=meta,
        body=fm.body,
        body_line=fm.body_line,
        key_lines=fm.key_lines,
        updated=meta.get("updated"),
        tags=tags_of(meta.get("tags")),
        draft=bool(meta.get("draft")),
        weight=weight,
        section=section_of(sf.rel),
    )
