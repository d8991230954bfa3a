"""Typed WebDAV errors. Each carries the HTTP status, the path (relative to the client's root)
and Nextcloud's X-Request-Id, so a report to an admin can point at the server's log line.

Messages never contain credentials: they are built from the path and host only."""

from __future__ import annotations

from sitegen.errors import SourceError


class WebDAVError(SourceError):
    """A WebDAV request failed."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        path: str | None = None,
        request_id: str | None = None,
    ) -> None:
        if request_id:
            message = f"{message} (request id {request_id})"
        super().__init__(message)
        self.status = status
        self.path = path
        self.request_id = request_id


class AuthenticationError(WebDAVError):
    """401: the server rejected the credentials (never retried)."""


class ForbiddenError(WebDAVError):
    """403: authenticated, but not allowed (never retried)."""


class NotFoundError(WebDAVError):
    """404: no such file or folder."""


class ConflictError(WebDAVError):
    """409: usually a missing parent folder."""


class PreconditionFailedError(WebDAVError):
    """412: If-Match / If-None-Match / Overwrite: F did not hold."""


class LockedError(WebDAVError):
    """423: the resource is locked (retried for idempotent requests)."""


class InsufficientStorageError(WebDAVError):
    """507: over quota or out of disk."""


class ServerError(WebDAVError):
    """5xx, 429 and other failures that are the server's, not the request's."""


class ConnectionFailedError(WebDAVError):
    """The server could not be reached, or the connection broke mid-response."""


class ProtocolError(WebDAVError):
    """The server answered something malformed, unexpected or unsafe (a bad href, a short body)."""


class UnsafePathError(ProtocolError):
    """A path with `.`, `..`, an empty segment, a backslash or NUL; an href outside the folder."""


_BY_STATUS: dict[int, type[WebDAVError]] = {
    401: AuthenticationError,
    403: ForbiddenError,
    404: NotFoundError,
    409: ConflictError,
    412: PreconditionFailedError,
    423: LockedError,
    507: InsufficientStorageError,
}


def error_class_for(status: int) -> type[WebDAVError]:
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if status >= 500 or status in (408, 429):
        return ServerError
    return ProtocolError
