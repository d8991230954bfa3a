"""Layer 4: where a site comes from. A local folder is read in place; a Nextcloud or WebDAV
folder is mirrored into a local cache that only moves what changed. The kinds, by URL scheme,
are listed once in `kinds.SOURCE_KINDS`.

    source = open_source("nextcloud://alice@cloud.example.com/Website")
    result = source.sync()          # SyncResult(changes, requests, bytes, seconds)
    build(source.local_dir)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sitegen.sources.kinds import (
    SOURCE_KINDS,
    Source,
    SourceKind,
    SourceOptions,
    open_source,
    source_kind,
)
from sitegen.sources.limits import LimitError, SyncLimits
from sitegen.sources.local import LocalSource
from sitegen.sources.result import SyncResult
from sitegen.sources.url import LocalLocation, RemoteLocation, parse_location

if TYPE_CHECKING:
    from sitegen.sources.remote import RemoteSource


def __getattr__(name: str) -> Any:
    """RemoteSource on first use: it brings the HTTP and WebSocket stacks (about 0.25 s of
    imports) that building a local folder never needs."""
    if name == "RemoteSource":
        from sitegen.sources.remote import RemoteSource

        return RemoteSource
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "SOURCE_KINDS",
    "LimitError",
    "LocalLocation",
    "LocalSource",
    "RemoteLocation",
    "RemoteSource",
    "Source",
    "SourceKind",
    "SourceOptions",
    "SyncLimits",
    "SyncResult",
    "open_source",
    "parse_location",
    "source_kind",
]
