"""What a listing taken right after a change cannot show, and how sitegen makes up for it.

Nextcloud (34, seen on the real server) has two ways of showing a listing that looks final but is
not (docs/sources.md, "Saves caught mid-write"):
- during a PUT, a folder's ETag can move on before the file's own entry does;
- a file rewritten with the same size within the second of its mtime keeps its ETag, size and
  mtime (its scanner reuses the ETag while the storage mtime is unchanged); only folder ETags move.
So folders seen changing stay `unsettled` (listed again, ETag or not, until a listing made
SETTLE_SECONDS after the change confirms them), and files downloaded before their mtime was
SETTLE_SECONDS old stay `fresh` (downloaded once more when old enough, if their folder's ETag
moved meanwhile, and compared).
"""

from __future__ import annotations

from pathlib import Path

from sitegen.sources.index import FileEntry, Index

SETTLE_SECONDS = 2.0  # far longer than one PUT's last steps inside the server


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


def same_bytes(a: Path, b: Path) -> bool:
    try:
        return a.stat().st_size == b.stat().st_size and a.read_bytes() == b.read_bytes()
    except OSError:
        return False


def to_recheck(
    old_fresh: dict[str, str | None],
    seen: dict[str, str | None],
    files: dict[str, FileEntry],
    started: float,
) -> set[str]:
    """Files fresh at their last download may have been rewritten since without a trace in the
    listing: downloaded once more when old enough if their folder changed meanwhile (not at every
    poll: a download holds Nextcloud's lock, and a save then fails with 423)."""
    young = set(fresh_files(files, started))
    return to_download_again(old_fresh, seen, young) & files.keys()
