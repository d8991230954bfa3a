"""Listing a remote folder as cheaply as the server allows.

- Folder ETags propagate (Nextcloud: a folder's ETag changes when anything below it changes,
  up to the root; we trust this when the server reports `oc:fileid`): an unchanged root means
  nothing changed (one PROPFIND Depth 0), and only folders whose ETag changed are listed again.
- Right after a change a listing may look final and not be (sources/settle.py): folders
  and files it names as unsettled or fresh are checked again, ETag or not.
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
