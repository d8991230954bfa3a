"""Layer 4: a Nextcloud (or any WebDAV) folder as a publish target: a `StoreTarget` over a
`DavStore`. The publish logic lives in `storetarget`, `ledger` and `lease`; the WebDAV side in
`davstore`."""

from __future__ import annotations

from pathlib import Path

from sitegen.publish.davstore import CHUNKED_THRESHOLD, ChunkedUploader, DavStore
from sitegen.publish.ledger import COMPACT_MAX_RECORDS, COMPACT_MIN_BYTES, COMPACT_RATIO
from sitegen.publish.plan import DEFAULT_KEEP
from sitegen.publish.share import OCS_SHARES, public_link
from sitegen.publish.storetarget import StoreTarget
from sitegen.webdav import Client


# Named like the class it replaced, so callers and tests read as before.
def DavTarget(
    client: Client,
    *,
    label: str,
    nextcloud: bool = True,
    cache_dir: Path | None = None,
    workers: int = 4,
    overwrite_conflicts: bool = False,
    repair: bool = False,
    keep: tuple[str, ...] = DEFAULT_KEEP,
    atomic_put: bool | None = None,
    chunked: ChunkedUploader | None = None,
    bulk: bool = True,
    compact_ratio: float = COMPACT_RATIO,
    compact_min_bytes: int = COMPACT_MIN_BYTES,
    compact_max_records: int = COMPACT_MAX_RECORDS,
) -> StoreTarget:
    store = DavStore(client, label=label, nextcloud=nextcloud)
    if chunked is not None:
        store._chunked = chunked
    if not bulk:
        store._bulk = None
    if atomic_put is not None:
        store.atomic_put = atomic_put
    return StoreTarget(
        store,
        nextcloud=nextcloud,
        cache_dir=cache_dir,
        workers=workers,
        overwrite_conflicts=overwrite_conflicts,
        repair=repair,
        keep=keep,
        compact_ratio=compact_ratio,
        compact_min_bytes=compact_min_bytes,
        compact_max_records=compact_max_records,
    )


__all__ = ["CHUNKED_THRESHOLD", "OCS_SHARES", "DavTarget", "public_link"]
