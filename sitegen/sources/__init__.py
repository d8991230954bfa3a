"""Layer 4: where a site comes from. A local folder is read in place; a Nextcloud or WebDAV
folder is mirrored into a local cache that only moves what changed.

    source = open_source("nextcloud://alice@cloud.example.com/Website")
    result = source.sync()          # SyncResult(changes, requests, bytes, seconds)
    build(source.local_dir)
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from sitegen.sources.limits import LimitError, SyncLimits
from sitegen.sources.local import LocalSource
from sitegen.sources.remote import RemoteSource
from sitegen.sources.result import SyncResult
from sitegen.sources.url import LocalLocation, RemoteLocation, parse_location

__all__ = [
    "LimitError",
    "LocalLocation",
    "LocalSource",
    "RemoteLocation",
    "RemoteSource",
    "Source",
    "SyncLimits",
    "SyncResult",
    "open_source",
    "parse_location",
]


class Source(Protocol):
    label: str  # for messages, never containing a password
    local_dir: Path  # the folder the build reads (the local folder itself, or the mirror)

    def sync(self, progress: Callable[[int, int], None] | None = None) -> SyncResult:
        """Bring local_dir up to date. `progress(done, total)` counts files to download."""
        ...

    def fingerprint(self) -> str | None:
        """A cheap change check: the root ETag (one request), or None for a local folder."""
        ...


def open_source(
    spec: str,
    *,
    user: str | None = None,
    cache_dir: Path | None = None,
    jobs: int = 8,
    offline: bool = False,
    limits: SyncLimits | None = None,
) -> Source:
    """A source from a folder path or a nextcloud:// / webdav+http(s):// URL."""
    location = parse_location(spec, user=user)
    if isinstance(location, LocalLocation):
        return LocalSource(location.path)
    return RemoteSource(location, cache_dir=cache_dir, jobs=jobs, offline=offline, limits=limits)
