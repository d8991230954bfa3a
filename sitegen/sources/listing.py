"""Listing a remote folder as cheaply as the server allows.

- Folder ETags propagate (Nextcloud: a folder's ETag changes when anything below it changes,
  up to the root; we trust this when the server reports `oc:fileid`): an unchanged root means
  nothing changed (one PROPFIND Depth 0), and only folders whose ETag changed are listed again.
- Nextcloud changes a folder's ETag before the new file is in place: a PUT moves the folder's ETag
  on to its final value a moment before the file's own entry (seen on Nextcloud 34: a listing
  with the final root ETag and the old file). So a listing taken right after a change may be
  stale while its ETags look final. Folders seen changing stay `unsettled` and are listed again,
  ETag or not, until a listing made SETTLE_SECONDS after the change confirms them.
- Nextcloud also keeps a file's ETag when the file is rewritten with the same size within the
  second of its mtime (its scanner reuses the ETag while the storage mtime is unchanged; only the
  folder ETags move): such a rewrite leaves the file's listing exactly as it was. So a file
  downloaded before its mtime is SETTLE_SECONDS old stays `fresh`; once old enough it is
  downloaded once more (its content compared) if its folder's ETag moved since its download.
- Otherwise everything is listed: one PROPFIND Depth infinity if the server allows it, else
  Depth 1 folder by folder, `jobs` at a time.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

from sitegen.sources.index import FileEntry, Index
from sitegen.sources.limits import SyncGuard, SyncLimits
from sitegen.webdav import Client, Resource, WebDAVError

SETTLE_SECONDS = 2.0  # far longer than one PUT's last steps inside the server
RECHECK_FOLDER_BY_FOLDER = 8  # more unsettled folders than this: one Depth-infinity listing

# Statuses with which servers refuse Depth infinity (Nextcloud can be configured to refuse it).
_NO_INFINITY = (400, 403, 405, 501)


@dataclass
class Listing:
    files: dict[str, FileEntry]
    dirs: dict[str, str | None]
    infinity: bool | None


def propagates(root: Resource) -> bool:
    return root.etag is not None and root.fileid is not None


def list_remote(
    client: Client,
    root: Resource,
    old: Index | None,
    *,
    jobs: int,
    guard: SyncGuard | None = None,
) -> Listing:
    """The full listing below the root, reusing `old` where folder ETags prove it still holds.
    Every entry the server sends passes `guard` (names, depth, count, time) as it arrives."""
    guard = guard or SyncGuard(SyncLimits(), client.root_url)
    usable = old is not None and old.propagates and propagates(root)
    if usable and old is not None:
        recheck = set(old.unsettled)
        if old.root_etag == root.etag and not recheck:
            return Listing(dict(old.files), dict(old.dirs), old.infinity)
        if len(recheck) <= RECHECK_FOLDER_BY_FOLDER or old.infinity is False:
            return _walk(client, old, guard, jobs=jobs, infinity=old.infinity, recheck=recheck)
    if old is None or old.infinity is not False:
        try:
            found = client.propfind("", "infinity")[1:]
            return _from_resources(found, guard, infinity=True)
        except WebDAVError as e:
            if e.status not in _NO_INFINITY:
                raise
    return _walk(client, None, guard, jobs=jobs, infinity=False)


def _from_resources(
    resources: list[Resource], guard: SyncGuard, *, infinity: bool | None
) -> Listing:
    listing = Listing({}, {}, infinity)
    for r in resources:
        guard.entry(r.path, r.is_dir)
        if r.is_dir:
            listing.dirs[r.key] = r.etag
        else:
            listing.files[r.key] = FileEntry.of(r)
    return listing


def unsettled_after(
    old: Index | None, root_etag: str | None, dirs: dict[str, str | None], now: float
) -> dict[str, float]:
    """The folders the next sync must list again: those whose ETag this sync saw change (all of
    them on a first sync), and those seen changing less than SETTLE_SECONDS ago."""
    before = {"": old.root_etag, **old.dirs} if old is not None else {}
    after = {"": root_etag, **dirs}
    changed = {k: now for k, etag in after.items() if old is None or before.get(k) != etag}
    recent = {
        k: t
        for k, t in (old.unsettled if old is not None else {}).items()
        if k in after and abs(now - t) < SETTLE_SECONDS
    }
    return {**recent, **changed}


def fresh_files(files: dict[str, FileEntry], downloaded_after: float) -> list[str]:
    """The files whose content, downloaded after `downloaded_after` (time.time()), may still be
    overwritten without a trace in the listing: their mtime is not SETTLE_SECONDS older (the
    margin covers the second's rounding and a small clock difference with the server)."""
    limit = downloaded_after - SETTLE_SECONDS
    return sorted(k for k, e in files.items() if e.mtime is not None and e.mtime > limit)


def folder_of(key: str) -> str:
    return key.rpartition("/")[0]


def to_download_again(
    fresh: dict[str, str | None], folder_etags: dict[str, str | None], young: set[str]
) -> set[str]:
    """The fresh files old enough now whose folder ETag moved since their download (a trace-less
    rewrite moves it too); where folder ETags do not propagate (None), every one of them."""
    return {
        k
        for k, etag in fresh.items()
        if k not in young and (etag is None or folder_etags.get(folder_of(k)) != etag)
    }


def _walk(
    client: Client,
    old: Index | None,
    guard: SyncGuard,
    *,
    jobs: int,
    infinity: bool | None,
    recheck: AbstractSet[str] = frozenset(),
) -> Listing:
    """Depth 1 folder by folder, in parallel; a folder whose ETag is unchanged since `old`
    keeps its old subtree without a request, unless it is to be checked again."""
    listing = Listing({}, {}, infinity)

    def keep_subtree(key: str) -> None:
        assert old is not None
        prefix = key + "/"
        listing.files.update((k, v) for k, v in old.files.items() if k.startswith(prefix))
        listing.dirs.update((k, v) for k, v in old.dirs.items() if k.startswith(prefix))

    pool = ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="sitegen-list")
    try:

        def submit(path: str) -> Future[tuple[Resource, list[Resource]]]:
            guard.clock(path)
            return pool.submit(client.list_folder, path)

        pending = {submit("")}
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                _, children = future.result()
                for child in children:
                    guard.entry(child.path, child.is_dir)
                    if not child.is_dir:
                        listing.files[child.key] = FileEntry.of(child)
                        continue
                    listing.dirs[child.key] = child.etag
                    was = old.dirs.get(child.key) if old is not None else None
                    unchanged = child.etag is not None and was == child.etag
                    if old is not None and unchanged and child.key not in recheck:
                        keep_subtree(child.key)
                    else:
                        pending.add(submit(child.path))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return listing
