"""Layer 4: where a site comes from. A local folder is read in place; a Nextcloud or WebDAV
folder is mirrored into a local cache that only moves what changed. The kinds, by URL scheme,
are listed once in `kinds.SOURCE_KINDS`.

    source = open_source("nextcloud://alice@cloud.example.com/Website")
    result = source.sync()          # SyncResult(changes, requests, bytes, seconds)
    build(source.local_dir)
"""

from __future__ import annotations

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
from sitegen.sources.remote import RemoteSource
from sitegen.sources.result import SyncResult
from sitegen.sources.url import LocalLocation, RemoteLocation, parse_location

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
