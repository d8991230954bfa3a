"""A thin WebDAV client on httpx: one connection pool, explicit timeouts, careful retries,
validated hrefs, streamed downloads, and every response closed. Sending requests is
transport.py's job, reading reader.py's; this module adds writing.

Paths given to the client are relative to its root folder, `/`-separated ("posts/a b.md");
the client quotes each segment itself. Credentials live only inside httpx's auth object: they
are never part of a URL, a repr or an error message.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from sitegen.webdav.errors import UnsafePathError, WebDAVError
from sitegen.webdav.multistatus import normalize_etag
from sitegen.webdav.paths import split_path
from sitegen.webdav.reader import MAX_MULTISTATUS_BYTES, Depth, Downloaded, Reader
from sitegen.webdav.transport import Body, Timeouts

__all__ = ["MAX_MULTISTATUS_BYTES", "Client", "Depth", "Downloaded", "Timeouts"]


class Client(Reader):
    """WebDAV operations on the folder at `root_url` (no userinfo in it)."""

    def sibling(self, root_url: str) -> Client:
        """A client for another folder on the same server, sharing the pool, credentials and
        request counter (Nextcloud's chunked uploads live outside the files folder)."""
        other = Client(
            root_url,
            username=self.username,
            server_name=self.server_name,
            retry=self.retry,
            _shared=self,
        )
        other.has_password = self.has_password
        if (other.scheme, other.host, other.port) != (self.scheme, self.host, self.port):
            raise WebDAVError("a sibling client must be on the same server")
        return other

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Client({self.root_url!r}, username={self.username!r})"

    # -- writing ------------------------------------------------------------------------------

    def put(
        self,
        path: str,
        data: Body,
        *,
        if_match: str | None = None,
        if_none_match: bool = False,
        sha256: str | None = None,
        mtime: float | None = None,
        content_type: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> str | None:
        """Upload bytes or a file to `path`; returns the new ETag when the server sends one.
        `if_match` overwrites only that version (412 otherwise); `if_none_match` creates only;
        `sha256` sends Nextcloud's `OC-Checksum`; `mtime` sends `X-OC-MTime`. Retried like any
        idempotent request: the body is re-read for each try."""
        h: dict[str, str] = dict(headers or {})
        if if_match is not None:
            h["If-Match"] = f'"{normalize_etag(if_match)}"'
        if if_none_match:
            h["If-None-Match"] = "*"
        if sha256 is not None:
            h["OC-Checksum"] = f"SHA256:{sha256}"
        if mtime is not None:
            h["X-OC-MTime"] = str(int(mtime))
        if content_type is not None:
            h["Content-Type"] = content_type
        got = self._simple("PUT", path, headers=h, body=data)
        return normalize_etag(got.get("OC-ETag") or got.get("ETag"))

    def mkcol(self, path: str, *, headers: Mapping[str, str] | None = None) -> None:
        """Create a folder (its parent must exist: 409 otherwise; 405 if it already exists).
        Retried like an idempotent request: a retry whose first try landed answers 405, which
        callers take as success."""
        self._simple("MKCOL", path, headers=headers, repeatable=True)

    def makedirs(self, path: str) -> None:
        """Create `path` and any missing parents (one PROPFIND per level that may exist)."""
        segments = split_path(path)
        for i in range(1, len(segments) + 1):
            sub = "/".join(segments[:i])
            try:
                if self.stat(sub).is_dir:
                    continue
            except WebDAVError as e:
                if e.status != 404:
                    raise
            self.mkcol(sub)

    def delete(self, path: str, *, if_match: str | None = None) -> None:
        if not split_path(path):
            raise UnsafePathError("refusing to DELETE the root folder")
        h = {"If-Match": f'"{normalize_etag(if_match)}"'} if if_match else {}
        self._simple("DELETE", path, headers=h)

    def move(
        self,
        src: str,
        dst: str,
        *,
        overwrite: bool = False,
        if_match: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self._transfer("MOVE", src, dst, overwrite=overwrite, if_match=if_match, headers=headers)

    def copy(self, src: str, dst: str, *, overwrite: bool = False) -> None:
        self._transfer("COPY", src, dst, overwrite=overwrite, if_match=None, headers=None)

    def _transfer(
        self,
        method: str,
        src: str,
        dst: str,
        *,
        overwrite: bool,
        if_match: str | None,
        headers: Mapping[str, str] | None,
    ) -> None:
        h = dict(headers or {})
        h["Destination"] = self.url(dst)
        h["Overwrite"] = "T" if overwrite else "F"
        if if_match:
            h["If-Match"] = f'"{normalize_etag(if_match)}"'
        # Retried: a MOVE whose first try landed answers 404 on the retry; the caller checks
        # the destination. A COPY simply copies again.
        self._simple(method, src, headers=h, repeatable=True)

    def raw(
        self,
        method: str,
        path: str,
        *,
        url: str | None = None,
        headers: Mapping[str, str] | None = None,
        body: Body | None = None,
        repeatable: bool | None = None,
    ) -> httpx.Headers:
        """Any other request (used for Nextcloud's chunked uploads); retried if idempotent or
        if the caller says a repeat is safe (`repeatable`)."""
        return self._simple(
            method, path, headers=headers, body=body, url=url, repeatable=repeatable
        )
