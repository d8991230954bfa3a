"""Layer 4: the only code that speaks WebDAV (a thin client on httpx written for sitegen)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from sitegen.webdav.errors import (
    AuthenticationError,
    ConflictError,
    ConnectionFailedError,
    ForbiddenError,
    InsufficientStorageError,
    LockedError,
    NotFoundError,
    PreconditionFailedError,
    ProtocolError,
    ServerError,
    UnsafePathError,
    WebDAVError,
)
from sitegen.webdav.multistatus import Resource
from sitegen.webdav.paths import decode_href, nfc, quote_segments, split_path
from sitegen.webdav.retry import NO_RETRY, RetryPolicy

if TYPE_CHECKING:
    from sitegen.webdav.chunked import chunked_upload
    from sitegen.webdav.client import Client, Downloaded, Timeouts

# Imported on first use: they bring httpx (about 0.15 s), which paths, errors and listings
# parsing (all a local build needs of this package) do not.
_LAZY = {
    "Client": "client",
    "Downloaded": "client",
    "Timeouts": "client",
    "chunked_upload": "chunked",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"sitegen.webdav.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "NO_RETRY",
    "AuthenticationError",
    "Client",
    "ConflictError",
    "ConnectionFailedError",
    "Downloaded",
    "ForbiddenError",
    "InsufficientStorageError",
    "LockedError",
    "NotFoundError",
    "PreconditionFailedError",
    "ProtocolError",
    "Resource",
    "RetryPolicy",
    "ServerError",
    "Timeouts",
    "UnsafePathError",
    "WebDAVError",
    "chunked_upload",
    "decode_href",
    "nfc",
    "quote_segments",
    "split_path",
]
