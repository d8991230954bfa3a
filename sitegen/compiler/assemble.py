"""Layer 3, stage "assemble": what the pages are to each other, and where every file goes.

Pure functions over the loaded model: sections, tags, prev/next, the link resolver, and the
output map (with collisions reported, naming both sources).
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import quote, unquote

from sitegen.config import SiteConfig
from sitegen.errors import Diagnostic
from sitegen.model import SETTINGS_FILES, Page, is_page, is_private, newest_first

from .tree import SourceFile

STYLE_SUFFIXES = (".scss", ".sass")
_URL_SAFE = "/:#?&=%~+-_.!*'(),;@$"
_EXTERNAL = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|//|/)")


@dataclass(frozen=True)
class OutputPlan:
    pages: dict[str, Page]  # output path -> page
    styles: dict[str, SourceFile]  # output .css path -> Sass source
    assets: dict[str, SourceFile]  # output path -> file copied as is


def plan_outputs(
    pages: Iterable[Page], files: Mapping[str, SourceFile], problems: list[Diagnostic]
) -> OutputPlan:
    pages = list(pages)
    out_pages = {p.output: p for p in pages}
    claimed: dict[str, str] = {}  # output -> the file writing it, pages' outputs aside

    def owner(out: str) -> str | None:
        page = out_pages.get(out)
        return page.source if page is not None else claimed.get(out)

    def collision(out: str, rel: str, first_owner: str) -> None:
        first, second = sorted((first_owner, rel))
        problems.append(
            Diagnostic(
                display_name(files, second),
                1,
                f"output collision: writes {out}, which {display_name(files, first)} writes too",
            )
        )

    if len(out_pages) < len(pages):  # pages collide: the first of each output keeps it
        out_pages = {}
        for p in pages:
            if p.output in out_pages:
                collision(p.output, p.source, out_pages[p.output].source)
            else:
                out_pages[p.output] = p
    styles: dict[str, SourceFile] = {}
    assets: dict[str, SourceFile] = {}
    for rel in files:  # by name: `files` may make each SourceFile when first asked for it
        if is_page(rel) or is_private(rel) or rel in SETTINGS_FILES:
            continue  # pages first: the cheapest test, and most files are pages
        style = rel.endswith(STYLE_SUFFIXES)
        out = rel.rsplit(".", 1)[0] + ".css" if style else rel
        first_owner = owner(out)
        if first_owner is not None:
            collision(out, rel, first_owner)
            continue
        claimed[out] = rel
        (styles if style else assets)[out] = files[rel]
    return OutputPlan(out_pages, styles, assets)


def display_name(files: Mapping[str, SourceFile], rel: str) -> str:
    """How messages name the file at `rel` (a theme's as themes/NAME/rel), else `rel`."""
    sf = files.get(rel)
    return sf.display if sf is not None else rel


def newest_first_order(pages: Iterable[Page]) -> list[Page]:
    """`pages` newest first (model.newest_first; ties in the order given), sorted once: the
    sections, tags and taxonomies all list pages in this order."""
    pages = list(pages)
    seconds: dict[dt.date, float] = {}  # of each day: pages share days, and local time is slow
    newest: list[float] = []  # newest_first's first part; its second is the title
    for p in pages:
        day = p.date
        if type(day) is dt.date:  # exactly: equal datetimes may be in different zones
            s = seconds.get(day)
            if s is None:
                s = seconds[day] = newest_first(p)[0]
            newest.append(s)
        else:
            newest.append(newest_first(p)[0])
    # By title, then (stable) by date: newest_first's order, with numbers and texts compared
    # by the sort's own fast paths instead of a tuple per page.
    by_title = sorted(range(len(pages)), key=[p.title for p in pages].__getitem__)
    return [pages[i] for i in sorted(by_title, key=newest.__getitem__)]


def newest_order(pages: Iterable[Page]) -> dict[Page, int]:
    """Each page's place among `pages` newest first: the sorts of sections compare these
    instead of working out dates again."""
    return {p: i for i, p in enumerate(newest_first_order(pages))}


def sections(
    pages: Iterable[Page], order: Mapping[Page, int] | None = None
) -> dict[str, list[Page]]:
    """Every folder is a section: its pages (not its own index), by weight, then newest first.
    `order`: newest_order of `pages`."""
    pages = list(pages)
    rank = order if order is not None else newest_order(pages)

    def order_key(p: Page) -> tuple[Any, ...]:
        return (p.weight is None, p.weight or 0, rank[p])

    out: dict[str, list[Page]] = {}
    weighted: set[str] = set()
    for p in pages:
        folder, _, name = p.source.rpartition("/")
        if (
            not folder
            or (name.startswith("index") and name.rsplit(".", 1)[0] == "index")
            or p.output == folder + "/index.html"
        ):
            continue  # the folder's own index (index.md, or a Readme.md standing in for it)
        members = out.get(folder)
        if members is None:
            out[folder] = [p]
        else:
            members.append(p)
        if p.weight is not None:
            weighted.add(folder)
    for folder, members in out.items():
        if folder in weighted:
            members.sort(key=order_key)
        else:  # the same order as order_key's, with no key tuple made per page
            members.sort(key=rank.__getitem__)
    return dict(sorted(out.items()))


Item = TypeVar("Item")


def neighbours(
    sections: Mapping[str, list[Page]], shown: Mapping[str, Sequence[Item]]
) -> dict[Page, tuple[Item | None, Item | None]]:
    """page -> (prev, next) in reading order: by weight where the section has weights, else
    oldest first. `shown`: what each section's members are shown as (their views), by place."""
    out: dict[Page, tuple[Item | None, Item | None]] = {}
    for name, members in sections.items():
        items = shown[name]
        weighted = any(p.weight is not None for p in members)
        pages, reading = (members, items) if weighted else (members[::-1], items[::-1])
        before: list[Item | None] = [None, *reading[:-1]]
        after: list[Item | None] = [*reading[1:], None]
        out.update(zip(pages, zip(before, after, strict=True), strict=True))
    return out


LinkResolver = Callable[[str], "str | None"]
# Characters a URL path cannot hold as they are (RFC 3986); non-ASCII letters stay (IRIs).
_NOT_IN_URL = re.compile(r'[\x00-\x20"#<>?\\^`{|}\x7f]|%(?![0-9A-Fa-f]{2})')
_NOT_IN_URL_STRICT = re.compile(r'[\x00-\x20"#%<>?\\^`{|}\x7f]')
_FILE_ID_QUERY = re.compile(r"(?:^|&)fileId=(\d+)(?:&|$)")


def url_escape(path: str, *, keep_escapes: bool = False) -> str:
    """A path made from file names as a valid URL path: `100%` -> `100%25`, a space -> `%20`.
    `keep_escapes` leaves `%XX` alone (a URL someone wrote, not a file name)."""
    pattern = _NOT_IN_URL if keep_escapes else _NOT_IN_URL_STRICT
    return pattern.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), path)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@dataclass(frozen=True)
class FileIds:
    """Nextcloud file IDs of the site's files (from the mirror's listing; empty for a local
    folder) and the server's host, so `https://HOST/index.php/f/ID` links can be resolved."""

    paths: Mapping[str, str] = field(default_factory=dict)  # file ID -> site-relative path
    host: str = ""


_F_LINK = re.compile(r"^(?:https?://(?P<host>[^/?#]+))?(?:/[^?#]*)?/f/(?P<id>\d+)/?$")


def file_link_id(path: str, host: str) -> str | None:
    """The file ID of a Nextcloud `/f/<id>` link (Text's "Link to file") to `host` or to no
    host (to any host when `host` is '': a local folder); None for any other link."""
    m = _F_LINK.match(path) if "/f/" in path else None
    if m is None or (host and m.group("host") and m.group("host") != host):
        return None
    return m.group("id")


class LinkTargets:
    """What relative links can point at, found by name in NFC: a Mac writes `café.md` decomposed
    (NFD), a link typed elsewhere is composed (NFC), and both mean the same file."""

    def __init__(
        self, page_urls: Mapping[str, str], files: Iterable[str] = (), ids: FileIds | None = None
    ) -> None:
        # most names are ASCII, which NFC leaves as they are (and isascii answers at once)
        self.pages = {
            (source if source.isascii() else _nfc(source)): url for source, url in page_urls.items()
        }
        self.files = {(rel if rel.isascii() else _nfc(rel)): rel for rel in files}
        self.ids = ids or FileIds()

    def key(self) -> tuple[object, ...]:
        """What links resolve by: equal keys, equal URLs for every link."""
        return (self.pages, self.files, self.ids)

    def page_url(self, target: str) -> str | None:
        return self.pages.get(target)

    def file(self, target: str) -> str:
        """The file's own name on disk (and so in the output), where one is known."""
        return self.files.get(target, target)

    def exists(self, target: str) -> bool:
        return target in self.pages or target in self.files

    def by_id(self, file_id: str) -> str | None:
        rel = self.ids.paths.get(file_id)
        return _nfc(rel) if rel is not None else None


def link_resolver(
    page_source: str, targets: LinkTargets | Mapping[str, str], config: SiteConfig
) -> LinkResolver:
    """Rewrite a relative link in a page to the URL of what it points at (page, folder or file);
    Nextcloud's links by file ID (`…/f/<id>`, `path?fileId=<id>`) too, where the ID is known."""
    here = posixpath.dirname(page_source)
    if not isinstance(targets, LinkTargets):
        targets = LinkTargets(targets)
    found = targets

    def url_for(target: str, folder: bool) -> str:
        url = found.page_url(target)
        if url is None:
            for index in ("index.md", "index.html"):
                url = found.page_url(posixpath.join(target, index)) if url is None else url
        if url is None:
            target = found.file(target)
            if target.endswith(STYLE_SUFFIXES):
                target = target.rsplit(".", 1)[0] + ".css"
            url = "/" + url_escape(target) + ("/" if folder and target else "")
        return quote(config.url(url), safe=_URL_SAFE)

    def resolve(href: str) -> str | None:
        path, hash_, frag = href.partition("#")
        path, q, query = path.partition("?")
        file_id = file_link_id(path, found.ids.host)
        if file_id is not None:
            rel = found.by_id(file_id)
            return None if rel is None else url_for(rel, False) + hash_ + frag
        if not path or _EXTERNAL.match(path):
            return None
        target = _nfc(posixpath.normpath(posixpath.join(_nfc(here), unquote(path))))
        idm = _FILE_ID_QUERY.search(query)
        if idm is not None:  # Nextcloud Text's `path?fileId=N`: the path, else the file's new place
            q = query = ""
            if not found.exists(target) and found.by_id(idm.group(1)) is not None:
                target = found.by_id(idm.group(1)) or target
        if target == ".." or target.startswith("../"):
            return None
        target = "" if target == "." else target
        return url_for(target, path.endswith("/")) + q + query + hash_ + frag

    return resolve
