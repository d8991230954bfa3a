"""Source and target locations, by URL (the forms in SITE-FORMAT.md).

    path/to/folder                            a local folder
    nextcloud://alice@cloud.example.com/Site  https://cloud.example.com/remote.php/dav/files/alice/Site
    nextcloud+http://alice@127.0.0.1:8080/Site  the same over plain HTTP (local test servers)
    nextcloud://alice@host/nextcloud:/Site    a Nextcloud installed under https://host/nextcloud/
    nextcloud://host/nextcloud/remote.php/dav/files/alice/Site  the WebDAV address the Files app
                                              shows, pasted as is (sub-path and user read from it)
    webdav+https://host/some/path             any WebDAV server (webdav+http:// too)

In a nextcloud:// path, `:/` ends the sub-path the server is installed under (write a `:` that
ends a folder name as `%3A`).

A password in the URL is refused: it would end up in shell history and process lists.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal
from urllib.parse import quote, unquote, urlsplit

from sitegen.errors import SourceError
from sitegen.webdav.errors import UnsafePathError
from sitegen.webdav.paths import Segments, check_segment, quote_segments

_SCHEMES: dict[str, tuple[Literal["nextcloud", "webdav"], Literal["http", "https"]]] = {
    "nextcloud": ("nextcloud", "https"),
    "nextcloud+https": ("nextcloud", "https"),
    "nextcloud+http": ("nextcloud", "http"),
    "webdav+https": ("webdav", "https"),
    "webdav+http": ("webdav", "http"),
}


@dataclass(frozen=True)
class LocalLocation:
    path: Path

    @property
    def label(self) -> str:
        return str(self.path)


@dataclass(frozen=True)
class RemoteLocation:
    kind: Literal["nextcloud", "webdav"]
    scheme: Literal["http", "https"]
    host: str
    port: int | None
    user: str | None
    folder: Segments  # the folder inside the user's files (Nextcloud) or the server path (WebDAV)
    base: Segments = ()  # the path Nextcloud is installed under (`nextcloud` for host/nextcloud/)

    @property
    def netloc(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}" if self.port else host

    @property
    def origin(self) -> str:
        """`host` or `host:port`, for messages and credential look-ups."""
        return f"{self.host}:{self.port}" if self.port else self.host

    @property
    def server_url(self) -> str:
        """Where the server is installed (Nextcloud's own URL, without a trailing slash)."""
        base = f"/{quote_segments(self.base)}" if self.base else ""
        return f"{self.scheme}://{self.netloc}{base}"

    def with_user(self, user: str) -> RemoteLocation:
        return replace(self, user=user)

    @property
    def root_url(self) -> str:
        """The WebDAV URL of the folder, with a trailing slash and no userinfo."""
        prefix: Segments = ()
        if self.kind == "nextcloud":
            if not self.user:
                raise SourceError(
                    f"{self.label}: a Nextcloud source needs a user "
                    "(nextcloud://USER@host/Folder or --user)"
                )
            prefix = ("remote.php", "dav", "files", self.user)
        segments = prefix + self.folder
        path = quote_segments(segments) + "/" if segments else ""
        return f"{self.server_url}/{path}"

    @property
    def where(self) -> str:
        """The folder, as named in messages: `folder /Website of alice at https://host/nc`."""
        folder = "/" + "/".join(self.folder)
        who = f" of {self.user}" if self.kind == "nextcloud" and self.user else ""
        return f"folder {folder}{who} at {self.server_url}"

    @property
    def label(self) -> str:
        """The URL as the user wrote it, normalized, never with a password."""
        scheme = (
            "nextcloud"
            if self.kind == "nextcloud" and self.scheme == "https"
            else f"{self.kind}+{self.scheme}"
        )
        user = f"{quote(self.user, safe='')}@" if self.user else ""
        base = f"{quote_segments(self.base)}:/" if self.base else ""
        return f"{scheme}://{user}{self.netloc}/{base}{quote_segments(self.folder)}"


Location = LocalLocation | RemoteLocation


def dav_kind(spec: str) -> Literal["nextcloud", "webdav"] | None:
    """The server a nextcloud:// or webdav+http(s):// URL names; None for anything else."""
    entry = _SCHEMES.get(spec.split("://", 1)[0].lower()) if "://" in spec else None
    return entry[0] if entry else None


def parse_location(spec: str, *, user: str | None = None) -> Location:
    """Parse a source or target. `user` (from `--user`) fills in or must match the URL's user."""
    if "://" not in spec:
        if user:
            raise SourceError(f"--user makes no sense for the local folder {spec}")
        return LocalLocation(Path(spec).expanduser())
    scheme_text = spec.split("://", 1)[0].lower()
    if scheme_text not in _SCHEMES:
        known = ", ".join(f"{s}://" for s in _SCHEMES)
        raise SourceError(f"unknown source scheme {scheme_text}:// (use a folder path or {known})")
    kind, scheme = _SCHEMES[scheme_text]
    try:
        parts = urlsplit(spec)
        port = parts.port
    except ValueError:
        raise SourceError(f"not a valid URL: {scheme_text}://…") from None
    if parts.password is not None:
        raise SourceError(
            f"{scheme_text}://{parts.hostname}: do not put a password in the URL; use "
            "SITEGEN_PASSWORD, netrc, the keyring, or `sitegen login`"
        )
    if not parts.hostname:
        raise SourceError(f"{scheme_text}:// URL without a host")
    if parts.query or parts.fragment:
        raise SourceError(
            f"{scheme_text}://{parts.hostname}: a source URL has no ?query or "
            "#fragment (quote # and ? in folder names as %23 and %3F)"
        )
    url_user = unquote(parts.username) if parts.username else None
    if user and url_user and user != url_user:
        raise SourceError(f"the URL names the user {url_user} but --user says {user}")
    try:
        if kind == "nextcloud":
            base, folder = _nextcloud_path(parts.path)
        else:
            base, folder = (), _folder_segments(parts.path)
    except UnsafePathError as e:
        raise SourceError(f"{scheme_text}://{parts.hostname}: {e}") from None
    if kind == "webdav":
        return RemoteLocation(kind, scheme, parts.hostname, port, user or url_user, folder)
    dav_user, base, folder = _dav_address(base, folder)
    for named in (user, url_user):
        if dav_user and named and named != dav_user:
            raise SourceError(
                f"{scheme_text}://{parts.hostname}: the WebDAV path holds the files of "
                f"{dav_user}, but the user is given as {named}"
            )
    return RemoteLocation(
        kind, scheme, parts.hostname, port, user or url_user or dav_user, folder, base
    )


_DAV_FILES = ("remote.php", "dav", "files")


def _nextcloud_path(path: str) -> tuple[Segments, Segments]:
    """(sub-path, folder): `/nextcloud:/Site` -> (("nextcloud",), ("Site",))."""
    head, sep, tail = path.partition(":/")
    if not sep and path.endswith(":"):
        head, sep, tail = path[:-1], ":", ""
    if not sep:
        return (), _folder_segments(path)
    return _folder_segments(head), _folder_segments(tail)


def _dav_address(base: Segments, folder: Segments) -> tuple[str | None, Segments, Segments]:
    """A pasted WebDAV address, `sub/path/remote.php/dav/files/USER/Site`: (USER, sub-path, Site).
    Anything else is returned as it is, with no user."""
    n = len(_DAV_FILES)
    for i in range(len(folder) - n):
        if folder[i : i + n] == _DAV_FILES:
            return folder[i + n], base + folder[:i], folder[i + n + 1 :]
    return None, base, folder


def _folder_segments(path: str) -> Segments:
    """Split on literal slashes before unquoting, so a quoted `%2F` stays inside one name (and is
    then refused)."""
    inner = path[1:] if path.startswith("/") else path
    inner = inner[:-1] if inner.endswith("/") else inner
    return tuple(check_segment(unquote(s), context=path) for s in inner.split("/")) if inner else ()
