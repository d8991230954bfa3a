"""Reading from a WebDAV folder: validated listings and streamed, size-checked downloads."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

import httpx

from sitegen.webdav.errors import ProtocolError, UnsafePathError
from sitegen.webdav.multistatus import PROPFIND_BODY, Resource, normalize_etag, parse_multistatus
from sitegen.webdav.paths import Segments, decode_href, nfc, split_path
from sitegen.webdav.retry import Transient
from sitegen.webdav.transport import Transport

Depth = Literal[0, 1, "infinity"]

MAX_MULTISTATUS_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True)
class Downloaded:
    etag: str | None
    size: int
    sha256: str


class Reader(Transport):
    """The reading operations of `Client`."""

    def propfind(self, path: str = "", depth: Depth = 1) -> list[Resource]:
        """The resource at `path` and, for Depth 1 / infinity, everything below it. The first
        entry is `path` itself. Every href is validated: inside the folder, exactly one level
        below it for Depth 1, no duplicates (compared in NFC)."""
        want = split_path(path)

        def attempt() -> bytes:
            headers = {"Depth": str(depth), "Content-Type": "application/xml; charset=utf-8"}
            ends = self._ends()
            with self._response("PROPFIND", path, headers=headers, body=PROPFIND_BODY) as r:
                if r.status_code != 207:
                    raise ProtocolError(
                        f"PROPFIND {path or '/'}: expected 207, got {r.status_code}",
                        status=r.status_code,
                        path=path,
                    )
                data = bytearray()
                try:
                    for chunk in r.iter_bytes():
                        self._in_time("PROPFIND", path, ends)
                        data += chunk
                        if len(data) > MAX_MULTISTATUS_BYTES:
                            raise ProtocolError(
                                f"PROPFIND {path or '/'}: listing too large", path=path
                            )
                except httpx.TransportError as e:
                    raise Transient(self._connection_error("PROPFIND", path, e)) from None
                return bytes(data)

        body = self._run("PROPFIND", path, attempt, repeatable=True)
        return self._resources(body, path, want, depth)

    def _resources(self, body: bytes, path: str, want: Segments, depth: Depth) -> list[Resource]:
        full_root = self.root + want
        self_entry: Resource | None = None
        children: list[Resource] = []
        seen: set[tuple[str, ...]] = set()
        for raw in parse_multistatus(body, path=path):
            rel, slash = decode_href(
                raw.href, scheme=self.scheme, host=self.host, port=self.port, root=full_root
            )
            if slash and not raw.is_dir:
                raise ProtocolError(f"{raw.href!r} ends in / but is not a collection", path=path)
            if depth == 0 and rel:
                raise UnsafePathError(f"Depth 0 PROPFIND of {path!r} listed {raw.href!r}")
            if depth == 1 and len(rel) > 1:
                raise UnsafePathError(
                    f"Depth 1 PROPFIND of {path!r} listed {raw.href!r}, more than one level below",
                    path=path,
                )
            key = tuple(nfc(s) for s in rel)
            if key in seen:
                raise ProtocolError(f"PROPFIND of {path!r} listed {raw.href!r} twice", path=path)
            seen.add(key)
            resource = Resource(
                segments=want + rel,
                is_dir=raw.is_dir,
                etag=raw.etag,
                size=raw.size,
                mtime=raw.mtime,
                fileid=raw.fileid,
                checksums=raw.checksums,
                permissions=raw.permissions,
            )
            if not rel:
                self_entry = resource
            else:
                children.append(resource)
        if self_entry is None:
            raise ProtocolError(
                f"PROPFIND of {path!r} did not describe the folder itself", path=path
            )
        if children and not self_entry.is_dir:
            raise ProtocolError(f"PROPFIND of the file {path!r} listed children", path=path)
        return [self_entry, *children]

    def stat(self, path: str = "") -> Resource:
        return self.propfind(path, 0)[0]

    def list_folder(self, path: str = "") -> tuple[Resource, list[Resource]]:
        """(the folder, its direct children)."""
        this, *children = self.propfind(path, 1)
        return this, children

    def download(
        self,
        path: str,
        dest: Path,
        *,
        expected_size: int | None = None,
        expected_etag: str | None = None,
        temp_dir: Path | None = None,
        max_size: int | None = None,
    ) -> Downloaded:
        """GET `path` into `dest`: streamed to a temporary file beside it (or in `temp_dir`, on
        the same file system), size checked, then renamed into place. A body shorter than its
        Content-Length, or than `expected_size` when the ETag says the file did not change,
        is an error and `dest` is left untouched. Reading stops as soon as the body is larger
        than `expected_size` or `max_size`."""
        folder = temp_dir or dest.parent
        limit = min((n for n in (expected_size, max_size) if n is not None), default=None)

        def attempt() -> Downloaded:
            fd, tmp_name = tempfile.mkstemp(prefix=".sitegen-", suffix=".part", dir=folder)
            tmp = Path(tmp_name)
            ends = self._ends()
            try:
                # identity: the byte count must be comparable with Content-Length and the listing
                with (
                    os.fdopen(fd, "wb") as out,
                    self._response("GET", path, headers={"Accept-Encoding": "identity"}) as r,
                ):
                    size, digest = self._receive(r, out, path, ends, limit, expected_size)
                    etag = normalize_etag(r.headers.get("ETag"))
                    declared = r.headers.get("Content-Length")
                    if (
                        declared is not None
                        and declared.isdigit()
                        and int(declared) != size
                        and "Content-Encoding" not in r.headers
                    ):
                        raise Transient(
                            ProtocolError(f"GET {path}: got {size} of {declared} bytes", path=path)
                        )
                    unchanged = etag is None or expected_etag is None or etag == expected_etag
                    if expected_size is not None and size != expected_size and unchanged:
                        raise ProtocolError(
                            f"GET {path}: got {size} bytes, the listing said {expected_size}",
                            path=path,
                        )
                os.replace(tmp, dest)
                return Downloaded(etag or expected_etag, size, digest)
            finally:
                tmp.unlink(missing_ok=True)

        return self._run("GET", path, attempt, repeatable=True)

    def _receive(
        self,
        r: httpx.Response,
        out: BinaryIO,
        path: str,
        ends: float,
        limit: int | None,
        listed: int | None,
    ) -> tuple[int, str]:
        """Write a GET body to `out` as it arrives (so the clock is checked): (size, sha256)."""
        digest = hashlib.sha256()
        size = 0
        try:
            for chunk in r.iter_bytes():
                self._in_time("GET", path, ends)
                if limit is not None and size + len(chunk) > limit:
                    raise self._too_large(path, limit, listed)
                out.write(chunk)
                digest.update(chunk)
                size += len(chunk)
        except httpx.TransportError as e:
            raise Transient(self._connection_error("GET", path, e)) from None
        return size, digest.hexdigest()

    def _too_large(self, path: str, limit: int, listed: int | None) -> ProtocolError:
        why = "the size the listing gave" if limit == listed else "the space left in the limit"
        return ProtocolError(
            f"GET {path} on {self.origin}: the body is larger than {limit} bytes ({why}); "
            "stopped reading",
            path=path,
        )

    def get_bytes(self, path: str) -> bytes:
        def attempt() -> bytes:
            with self._response("GET", path) as r:
                try:
                    return r.read()
                except httpx.TransportError as e:
                    raise Transient(self._connection_error("GET", path, e)) from None

        return self._run("GET", path, attempt, repeatable=True)

    def post_bytes(
        self, url: str, body: bytes, *, headers: Mapping[str, str], max_answer: int = 1 << 20
    ) -> bytes:
        """POST `body` to `url` on this server and return the answer (at most `max_answer`
        bytes). Retried: only for requests whose repeat is harmless (Nextcloud's bulk upload
        writes the same files again)."""

        def attempt() -> bytes:
            with self._response("POST", "bulk", headers=headers, body=body, url=url) as r:
                data = bytearray()
                try:
                    for chunk in r.iter_bytes():
                        data += chunk
                        if len(data) > max_answer:
                            raise ProtocolError(f"POST {url}: answer too large")
                except httpx.TransportError as e:
                    raise Transient(self._connection_error("POST", "bulk", e)) from None
                return bytes(data)

        return self._run("POST", "bulk", attempt, repeatable=True)
