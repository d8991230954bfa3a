"""Layer 3: what pages written in Nextcloud Text link to, read from their sources before rendering.

- Pasted images live in `.attachments.<fileid>/` beside the page: only the files some published
  page links to are published; the rest of those folders stay private.
- Links by Nextcloud file ID (`…/f/<id>`, `path?fileId=<id>`) need the IDs the mirror's listing
  recorded (`index.json` beside the mirrored `site/` folder); a local folder has none.
- A link to a missing attachment, an unknown file ID or a file that is not in the site is a
  warning at the page's line: the build goes on (`sitegen check` reports broken links too).
"""

from __future__ import annotations

import json
import posixpath
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from sitegen.errors import Diagnostic
from sitegen.model import Page, in_attachments, is_private

from .assemble import FileIds, LinkTargets, file_link_id

MIRROR_INDEX = "index.json"  # sources/mirror.py: the mirror's listing, beside its site/ folder
# Links as written in Markdown: [text](target "title"), [ref]: target, and raw HTML attributes.
MD_LINKS = (
    re.compile(r"\]\(\s*<([^>]+)>"),
    re.compile(r"\]\(\s*([^)\s]+)"),
    re.compile(r"^\s{0,3}\[(?!\^)[^\]]+\]:\s*<?([^\s>]+)"),  # not a footnote ([^x]: …)
    re.compile(r"""\s(?:href|src)\s*=\s*["']([^"']+)"""),
)
# Files the build makes itself (feeds.py): a link to one is not a link to a missing file.
GENERATED = frozenset({"feed.xml", "sitemap.xml", "robots.txt"})
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+).+?\1")
_EXTERNAL = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|//|#)")
_FILE_ID_QUERY = re.compile(r"(?:^|&)fileId=(\d+)(?:&|$)")


def read_file_ids(site_dir: Path) -> FileIds:
    """File IDs from the mirror's index when `site_dir` is a mirror's `site/` folder; none
    otherwise (a local folder, or an index that cannot be read: links by ID then warn)."""
    if site_dir.name != "site":
        return FileIds()
    try:
        data = json.loads((site_dir.parent / MIRROR_INDEX).read_text(encoding="utf-8"))
        files = data["files"]
        host = urlsplit(str(data.get("source", ""))).netloc
        ids = {str(e["fileid"]): rel for rel, e in files.items() if e.get("fileid") is not None}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return FileIds()
    return FileIds(ids, host)


# A text each of MD_LINKS needs in a line to match there: a cheap test that spares most lines
# the regular expressions (per line, one costs more than all else links_in does).
_NEEDS = ("<", "](", "]:", "=")


def links_in(body: str) -> Iterator[tuple[int, str]]:
    """(line index in the body, link target as written), outside code blocks and code spans."""
    fence: str | None = None
    fenced = "```" in body or "~~~" in body  # else no line opens a fence
    for n, line in enumerate(body.split("\n")):
        if fence is not None:
            if line.strip().startswith(fence):
                fence = None
            continue
        if fenced and ("```" in line or "~~~" in line) and (fm := _FENCE.match(line)):
            fence = fm.group(1)[0] * len(fm.group(1))
            continue
        # Most lines link nothing: no pattern below can match them, unless taking a code span
        # out joins a "]" to what follows it ("[a]`x`(b)").
        marks = "](" in line or "]:" in line or "=" in line
        if not marks and ("]" not in line or "`" not in line):
            continue
        if line.startswith(("    ", "\t")) and not line.strip().startswith(("-", "*", "<")):
            continue  # an indented code block (or a list's continuation: rare for links)
        if "`" in line:
            line = _CODE_SPAN.sub("", line)
        for pattern, needs in zip(MD_LINKS, _NEEDS, strict=True):
            if needs in line:
                for m in pattern.finditer(line):
                    yield n, m.group(1)


class _Site:
    """What links can reach: files and pages by path, and the folders that hold them."""

    def __init__(self, targets: LinkTargets, has_ids: bool) -> None:
        self.targets, self.has_ids = targets, has_ids
        self.folders = {""}
        for rel in (*targets.files, *targets.pages):
            while "/" in rel:
                rel = rel.rsplit("/", 1)[0]
                self.folders.add(rel)

    def exists(self, target: str) -> bool:
        return (
            self.targets.exists(target)
            or target in self.folders
            or posixpath.basename(target) in GENERATED  # made by the build itself
        )


@dataclass(frozen=True)
class Scanned:
    """What the links of each page reach (attachment files) and where they lead nowhere, found
    against link targets with this key."""

    targets_key: tuple[object, ...] = ()
    pages: Mapping[Page, tuple[frozenset[str], tuple[Diagnostic, ...]]] = field(
        default_factory=dict
    )

    def used(self) -> set[str]:
        return {rel for found, _ in self.pages.values() for rel in found}

    def warnings(self) -> list[Diagnostic]:
        return [w for _, found in self.pages.values() for w in found]


def scan(
    pages: Iterable[Page],
    targets: LinkTargets,
    has_ids: bool,
    find: Callable[[str], Iterable[tuple[int, str]]] = links_in,
    earlier: Scanned | None = None,
) -> Scanned:
    """The attachment files published pages link to, and warnings for links that lead nowhere;
    a page `earlier` scanned against the same targets is not scanned again."""
    key = (targets.key(), has_ids)
    known = earlier.pages if earlier is not None and earlier.targets_key == key else {}
    site: _Site | None = None
    out: dict[Page, tuple[frozenset[str], tuple[Diagnostic, ...]]] = {}
    for page in pages:
        found = known.get(page)
        if found is None:
            site = site or _Site(targets, has_ids)
            found = _scan_page(page, site, find)
        out[page] = found
    return Scanned(key, out)


def _scan_page(
    page: Page, site: _Site, find: Callable[[str], Iterable[tuple[int, str]]]
) -> tuple[frozenset[str], tuple[Diagnostic, ...]]:
    used: set[str] = set()
    warnings: list[Diagnostic] = []
    here = posixpath.dirname(page.source)
    for n, written in find(page.body):
        problem = _check(written, here, site, used)
        if problem:
            warnings.append(Diagnostic(page.source, page.body_line + n, problem))
    return frozenset(used), tuple(warnings)


def _check(written: str, here: str, site: _Site, used: set[str]) -> str:
    path, _, query = written.partition("#")[0].partition("?")
    targets = site.targets
    file_id = file_link_id(path, targets.ids.host)
    if file_id is not None:
        if not site.has_ids:
            return (
                f"link to Nextcloud file ID {file_id} ({written}): a local folder has no "
                "file IDs; link to the file by its path"
            )
        target = targets.by_id(file_id)
        if target is None:
            return f"link to Nextcloud file ID {file_id} ({written}): no file of the site has it"
        return _reach(target, written, site, used)
    if not path or _EXTERNAL.match(path) or path.startswith("/"):
        return ""
    target = posixpath.normpath(posixpath.join(here, unquote(path)))
    target = unicodedata.normalize("NFC", target)
    idm = _FILE_ID_QUERY.search(query)
    if idm is not None and not site.exists(target):
        moved = targets.by_id(idm.group(1))
        if moved is not None:
            return _reach(moved, written, site, used)
        why = "no file of the site has ID " + idm.group(1)
        if not site.has_ids:
            why = "a local folder has no file IDs to find it by"
        return f"link to {written}: no such file, and {why}"
    if target == ".." or target.startswith("../"):
        return f"link to {written} leads outside the site"
    return _reach(target, written, site, used)


def _reach(target: str, written: str, site: _Site, used: set[str]) -> str:
    """Why a link to `target` (site-relative) leads nowhere on the site, or ''."""
    target = "" if target == "." else target
    attachment = in_attachments(target)
    if attachment:
        used.add(site.targets.file(target))
    if not site.exists(target):
        kind = "attachment" if attachment else "file"
        return f"link to {written}: the {kind} {target} is not in the site"
    if is_private(target):
        return f"link to {written}: {target} is private (a name starting with _), not published"
    return ""
