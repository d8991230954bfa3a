"""Layer 3: pages renamed or moved in Nextcloud keep their old URLs, by redirect pages.

A rename or move in the Files app keeps a file's Nextcloud file ID, so the publish history
(kept by the target, passed in as plain data: file ID -> every output path the page was
published at) tells where a page used to be. Each old place whose page now lives elsewhere gets
the same redirect page as an `aliases:` entry. A real output there wins, and so does a
hand-made alias, silently: the history only fills places nothing else claims. Pages whose file ID
is gone (deleted) get no redirect. A local folder has no file IDs: there, `aliases:` it is.
"""

from __future__ import annotations

import posixpath
import unicodedata
from collections.abc import Iterable, Mapping, Sequence

from sitegen.config import SiteConfig
from sitegen.model import Page

from .aliases import redirect_html
from .assemble import FileIds

# File ID -> the output paths (`a/index.html`) its page was published at, oldest first.
OutputHistory = Mapping[str, Sequence[str]]


def page_outputs(pages: Iterable[Page], ids: FileIds) -> dict[str, str]:
    """File ID -> output path of every page that has a Nextcloud file ID."""
    id_of = {unicodedata.normalize("NFC", rel): fid for fid, rel in ids.paths.items()}
    out: dict[str, str] = {}
    for page in pages:
        fid = id_of.get(unicodedata.normalize("NFC", page.source))
        if fid is not None:
            out[fid] = page.output
    return out


def moved_pages(
    pages: Iterable[Page],
    ids: FileIds,
    history: OutputHistory,
    config: SiteConfig,
    taken: set[str],
) -> dict[str, bytes]:
    """Output path -> redirect page for every old place of a page that now lives elsewhere."""
    if not history:
        return {}
    by_output = {p.output: p for p in pages}
    out: dict[str, bytes] = {}
    for fid, output in sorted(page_outputs(by_output.values(), ids).items()):
        target = config.origin + config.url(by_output[output].url)
        for old in history.get(fid, ()):
            if old != output and old not in taken and old not in out and is_page_output(old):
                out[old] = redirect_html(target).encode()
    return out


def is_page_output(path: str) -> bool:
    """An HTML file inside the output folder, outside any hidden folder (the output's and the
    target's own state): the history is read from the target, which others may write to, so
    nothing in it may lead a redirect page out of the site or over bookkeeping."""
    parts = path.split("/")
    return (
        path.endswith((".html", ".htm"))
        and posixpath.normpath(path) == path
        and all(part and not part.startswith(".") for part in parts)
        and "\\" not in path
        and "\0" not in path
    )
