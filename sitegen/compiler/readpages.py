"""Layer 3, part of stage "load": the site's pages read into frozen Page values.

A page read by an earlier load of the same site (the preview keeps it in memory, `sitegen build`
on disk: compiler/modelcache.py) is taken over instead of read again when its file looks exactly
as it did then (size, modification and change times, inode; the change time cannot be set
back), and nothing else it was read with changed:
the effective settings, the list of files (a folder's Readme.md is its index only when the
folder has no index page) and the folders' `_data` files.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sitegen import frontmatter
from sitegen.config import SiteConfig
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

from .assemble import url_escape
from .stamp import InputStats
from .tree import SourceFile

_H1 = re.compile(r"^#[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
RACY_NS = 100_000_000  # a file changed this close to a read may have changed again unseen
FolderData = Mapping[str, Mapping[str, Mapping[str, Any]]]  # folder -> slug -> metadata
ParseFrontMatter = Callable[[str, str], frontmatter.FrontMatter]


@dataclass(frozen=True)
class PagesRead:
    """Every page a load read (drafts and held-back pages too), with what they were read from."""

    pages: Mapping[str, Page]  # source -> page
    signatures: Mapping[str, tuple[int, ...]]  # source -> its file's size, times and inode
    started_ns: int  # when the reading began
    folder_data: FolderData
    context: str = ""  # the settings and list of files they were read with


def read_text(sf: SourceFile) -> str:
    """A text file's content; a binary file or bad UTF-8 is an error at its line."""
    with open(sf.os_path, "rb") as f:  # by its text: a Path object would cost more than the read
        data = f.read()
    if b"\x00" in data[:8192]:
        raise SitegenError.at(sf.display, 1, "binary file, not text (it contains NUL bytes)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        msg = f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at column {col}); save it as UTF-8"
        raise SitegenError.at(sf.display, line, msg) from None


def folder_data(
    files: Mapping[str, SourceFile], problems: list[Diagnostic]
) -> dict[str, dict[str, dict[str, Any]]]:
    """folder -> slug -> metadata, from each folder's `_data.yaml|yml|json|toml`."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for rel, sf in files.items():
        folder, _, name = rel.rpartition("/")
        if not (name.startswith("_data.") and name.endswith(DATA_SUFFIXES)):
            continue
        try:
            out.setdefault(folder, {}).update(
                folder_metadata(parse_data(read_text(sf), sf.display), sf.display)
            )
        except SitegenError as exc:
            problems.extend(exc.diagnostics)
    return out


def read_pages(
    files: Mapping[str, SourceFile],
    config: SiteConfig,
    parse: ParseFrontMatter,
    problems: list[Diagnostic],
    earlier: PagesRead | None = None,
    read_all: ReadAll | None = None,
    stats: InputStats | None = None,
) -> PagesRead:
    """Every page source among `files`, read (or taken over from `earlier`); errors go to
    `problems`. `read_all` reads the pages not taken over (compiler/readworkers.py reads them
    in worker processes); by default, one after the other here. `stats`: the files' signatures
    taken already (when, too: a page is as it was then, or is read again by the next build)."""
    stats = stats if stats is not None and stats.taken_ns else None
    started = stats.taken_ns if stats is not None else time.time_ns()
    by_folder = folder_data(files, problems)
    context = repr((config, sorted(files)))
    if earlier is not None and (earlier.context != context or earlier.folder_data != by_folder):
        earlier = None
    pages: dict[str, Page] = {}
    signatures: dict[str, tuple[int, ...]] = {}
    sources: list[str] = []  # in the order of `files`
    to_read: list[SourceFile] = []
    for rel, sf in files.items():
        if not is_page(rel) or is_private(rel) or in_attachments(rel):
            continue
        sources.append(rel)
        signature = (stats.get(sf.display) if stats is not None else None) or _signature(sf)
        signatures[rel] = signature
        # Same file first: a page kept on disk (compiler/modelcache.py) reads its body when got.
        same = earlier is not None and _same(signature, rel, earlier)
        known = earlier.pages.get(rel) if earlier is not None and same else None
        if known is not None:
            pages[rel] = known
        else:
            to_read.append(sf)
    reader = PageReader(files, config, by_folder, parse)
    for rel, page, found in (read_all or read_serially)(reader, to_read):
        if page is None:
            del signatures[rel]
            problems.extend(found)
        else:
            pages[rel] = page
    pages = {rel: pages[rel] for rel in sources if rel in pages}
    return PagesRead(pages, signatures, started, by_folder, context)


@dataclass(frozen=True)
class PageReader:
    """Reads one page source with what every page is read with."""

    files: Mapping[str, SourceFile]
    config: SiteConfig
    folder_data: FolderData
    parse: ParseFrontMatter

    def __call__(self, sf: SourceFile, text: str | None = None) -> PageOutcome:
        """(source, page, no problem) or (source, None, its problems); `text`: the file's,
        read already."""
        try:
            page = read_page(self.files, self.config, sf, self.folder_data, self.parse, text)
        except SitegenError as exc:
            return sf.rel, None, list(exc.diagnostics)
        return sf.rel, page, []


PageOutcome = tuple[str, Page | None, list[Diagnostic]]
ReadAll = Callable[[PageReader, Sequence[SourceFile]], Iterable[PageOutcome]]


def read_serially(reader: PageReader, sources: Sequence[SourceFile]) -> Iterator[PageOutcome]:
    return (reader(sf) for sf in sources)


def _signature(sf: SourceFile) -> tuple[int, ...]:
    try:
        st = os.stat(sf.os_path)
    except OSError:
        return ()
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def _same(signature: tuple[int, ...], rel: str, earlier: PagesRead) -> bool:
    if not signature or earlier.signatures.get(rel) != signature:
        return False
    return max(signature[1], signature[2]) < earlier.started_ns - RACY_NS


def published(
    read: PagesRead, config: SiteConfig, now_local: dt.datetime, drafts: bool, future: bool
) -> tuple[tuple[Page, ...], dt.datetime | None]:
    """The pages this build publishes (no drafts, nothing held back or expired, unless asked)
    and when the next held-back or expiring one changes the site."""
    tz = ZoneInfo(config.timezone)
    due: list[dt.datetime] = []
    out: list[Page] = []
    for page in read.pages.values():
        publish, changes_at = publishing(page, tz, now_local, drafts, future)
        if changes_at is not None:
            due.append(changes_at)
        if publish:
            out.append(page)
    return tuple(out), min(due) if due else None


def publishing(
    page: Page, tz: ZoneInfo, now_local: dt.datetime, drafts: bool, future: bool
) -> tuple[bool, dt.datetime | None]:
    """Whether the build publishes `page`, and when that changes (held back, or expiring)."""
    publish = page.meta.get("publish_date") or page.date
    publish_at = _local(publish, tz) if publish else None
    expiry = page.meta.get("expiry_date")
    expiry_at = _local(expiry, tz) if expiry else None
    if page.draft and not drafts:
        return False, None
    if publish_at and publish_at > now_local and not future:
        return False, publish_at
    if expiry_at:
        if expiry_at <= now_local:
            return False, None
        return True, expiry_at
    return True, None


def _no_index(files: Mapping[str, SourceFile], folder: str) -> bool:
    prefix = folder + "/" if folder else ""
    return not any(prefix + f"index.{ext}" in files for ext in ("md", "html"))


def _local(value: Any, tz: ZoneInfo) -> dt.datetime:
    if isinstance(value, dt.datetime) and value.tzinfo:
        return value.astimezone(tz).replace(tzinfo=None)
    return as_datetime(value)


def read_page(
    files: Mapping[str, SourceFile],
    config: SiteConfig,
    sf: SourceFile,
    folder_data: FolderData,
    parse: ParseFrontMatter = frontmatter.parse,
    text: str | None = None,
) -> Page:
    text = read_text(sf) if text is None else text
    fm = parse(text, sf.display)
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
    if url is None and stem.lower() == "readme" and _no_index(files, folder):
        url = folder + "/"  # the Files app shows a folder's Readme.md above it: its index page
    placement = place_page(sf.rel, config.urls, meta.get("slug"), url)
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
