"""Layer 4: the only code that speaks WebDAV (a thin client on httpx written for sitegen)."""

from __future__ import annotations

from sitegen.webdav.chunked import chunked_upload
from sitegen.webdav.client import Client, Downloaded, Timeouts
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
