"""Layer 4: the folders a publish makes, and how.

A folder the target lacks is made before any file goes into it: by MKCOL, shallowest first, the
folders of one depth in parallel. On Nextcloud (32 and later) a PUT carrying
`X-NC-WebDAV-Auto-Mkcol: 1` makes the missing folders of its path itself, so a missing folder
with no missing folder below it (a page's own folder, typically) can be made by the upload of
its first file instead, its "opener": one request where MKCOL and PUT took two. Bulk upload
makes no folders (Nextcloud 34 answers "Could not create path" for such a file), and a small
file costs the server less in bulk than in a PUT of its own, so openers are files that would go
by their own PUT anyway (no bulk upload, or too large for it: publish/newfiles.py).

Two requests making the same folder at once race (the loser gets 403), so each such folder has
one opener, sent before the folder's other files, whose parent exists (made by MKCOL) before it
is sent. A server that ignores the header answers the first opener 404 (409 elsewhere): every
folder left is then made by MKCOL, as before, at the cost of that one request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from itertools import groupby

from sitegen.publish.store import Stat, Store

Opener = Callable[[str], bool]  # sends a file making its folder; False: the server made none


def folders_of(paths: Iterable[str]) -> set[str]:
    """Every folder the files of `paths` live in, with their ancestors."""
    out: set[str] = set()
    for path in paths:
        parts = path.split("/")[:-1]
        out |= {"/".join(parts[:i]) for i in range(1, len(parts) + 1)}
    return out


def choose_openers(
    order: Sequence[str], missing: set[str], may_open: Callable[[str], bool]
) -> dict[str, str]:
    """path -> folder: the file (of `order`, the files in the order they are sent) whose upload
    makes its folder, for each folder of `missing` with no missing folder below it whose first
    file `may_open` (new, and sent by a PUT of its own)."""
    above_missing = {f.rpartition("/")[0] for f in missing}
    openers: dict[str, str] = {}
    seen: set[str] = set()
    for path in order:
        folder = path.rpartition("/")[0]
        if folder in seen:
            continue
        seen.add(folder)
        if folder in missing and folder not in above_missing and may_open(path):
            openers[path] = folder
    return openers


class FolderMaker:
    """Makes the folders a publish needs, recording them in `listing` (the target's, None when
    the target folder itself is missing) as they are made."""

    def __init__(self, store: Store, listing: dict[str, Stat] | None, workers: int) -> None:
        self.store, self.workers = store, workers
        self.listing = listing

    def missing(self, wanted: Iterable[str]) -> set[str]:
        have = {p for p, st in (self.listing or {}).items() if st.is_dir}
        return set(wanted) - have

    def make(self, wanted: Iterable[str]) -> list[str]:
        """MKCOL each folder of `wanted` not yet there, shallowest first (a missing target
        folder first, with its parents); the folders made."""
        if self.listing is None:
            self.store.make_folder("")
            self.listing = {}
        missing = sorted(self.missing(wanted), key=lambda d: (d.count("/"), d))
        # Folders of one depth do not depend on each other: made in parallel, level by level.
        for _, level in groupby(missing, key=lambda d: d.count("/")):
            folders = list(level)
            with ThreadPoolExecutor(self.workers) as pool:
                list(pool.map(self.store.make_folder, folders))
            self.made(folders)
        return missing

    def made(self, folders: Iterable[str]) -> None:
        assert self.listing is not None
        for folder in folders:
            self.listing[folder] = Stat(None, 0, True)

    def open_folders(self, paths: Sequence[str], openers: dict[str, str], send: Opener) -> set[str]:
        """Send the openers among `paths` (`openers`: path -> the folder its upload makes) with
        `send`, which answers False where the server made no folder; the paths sent. The first
        goes alone: if the server makes no folder for it, every folder of `openers` not made yet
        is made by MKCOL and nothing is sent."""
        mine = [p for p in paths if p in openers]
        if not mine:
            return set()
        if not send(mine[0]):  # a server without X-NC-WebDAV-Auto-Mkcol
            self.make(openers.values())
            openers.clear()
            return set()
        self.made([openers[mine[0]]])
        with ThreadPoolExecutor(self.workers) as pool:
            outcomes = list(pool.map(send, mine[1:]))
        sent = {mine[0], *(p for p, ok in zip(mine[1:], outcomes, strict=True) if ok)}
        self.made(openers[p] for p in sent)
        self.make(openers[p] for p in mine if p not in sent)  # unexpected: a MKCOL, then as usual
        return sent
