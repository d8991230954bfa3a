"""Layer 4: a Nextcloud or WebDAV folder as a publish `Store`.

Every request goes through the client's retry loop (connection resets, 408/423/429/5xx with
`Retry-After` and backoff, within a deadline), including MKCOL and MOVE: a retried MKCOL that
finds its folder made (405) and a retried MOVE that finds its source gone but its destination in
place both count as success here. A folder whose parent is missing (409) gets its parents made
first, up to and above the target folder itself, so a first publish into `Public/site` on a
fresh account works.

Readers must never see part of a file. Nextcloud writes each PUT to a part file and renames it
(atomic); other servers (wsgidav, rclone) write in place, so there a file is sent under a
temporary name beside its destination and MOVEd over it. Temporary names start with
`store.TEMP_PREFIX`; one left by a killed run is recognised as ours and removed by the next publish.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from sitegen.errors import PublishError
from sitegen.publish.bulk import BulkFile, BulkUploader
from sitegen.publish.store import (
    TEMP_PREFIX,
    Body,
    FolderMissing,
    Stat,
    StoreConflict,
    StoreMissing,
)
from sitegen.webdav import (
    Client,
    NotFoundError,
    PreconditionFailedError,
    Resource,
    WebDAVError,
    chunked_upload,
)
from sitegen.webdav.paths import split_path

CHUNKED_THRESHOLD = 10 * 1024 * 1024  # Nextcloud's chunked upload v2 from this size on
# Nextcloud 32+: a PUT with this header makes the missing folders of its path (not WebDAV).
AUTO_MKCOL = {"X-NC-WebDAV-Auto-Mkcol": "1"}


class ChunkedUploader(Protocol):
    def __call__(
        self, client: Client, path: str, source: Path, *, mtime: float | None, if_match: str | None
    ) -> str | None: ...


# Statuses with which servers refuse PROPFIND Depth infinity (Nextcloud can be set to refuse it).
_NO_INFINITY = (400, 403, 405, 501)


class DavStore:
    def __init__(
        self,
        client: Client,
        *,
        label: str,
        nextcloud: bool = True,
        chunked: ChunkedUploader = chunked_upload,
    ) -> None:
        self.client = client
        self._chunked = chunked
        self._label = label
        self.nextcloud = nextcloud
        self.atomic_put = nextcloud  # Nextcloud assembles a PUT aside and renames it
        self._bulk = BulkUploader.for_client(client) if nextcloud else None
        self._run = secrets.token_hex(4)

    @property
    def label(self) -> str:
        return self._label

    @property
    def request_count(self) -> int:
        return self.client.request_count

    # -- reading -------------------------------------------------------------------------------

    def list_all(self) -> dict[str, Stat] | None:
        try:
            resources = self.client.propfind("", "infinity")[1:]
        except WebDAVError as e:
            if e.status == 404:
                return None
            if e.status not in _NO_INFINITY:
                raise
            resources = self._walk()
        return {r.path: Stat(r.etag, r.size or 0, r.is_dir) for r in resources}

    def _walk(self) -> list[Resource]:  # Depth 1, folder by folder, where infinity is refused
        out: list[Resource] = []
        todo = [""]
        while todo:
            _, children = self.client.list_folder(todo.pop())
            out += children
            todo += [c.path for c in children if c.is_dir]
        return out

    def read(self, path: str) -> bytes:
        try:
            return self.client.get_bytes(path)
        except WebDAVError as e:
            if e.status == 404:
                raise StoreMissing(f"{self.label}: {path}: not found") from None
            raise

    # -- writing -------------------------------------------------------------------------------

    def write(
        self,
        path: str,
        body: Body,
        *,
        if_match: str | None = None,
        create_only: bool = False,
        sha256: str | None = None,
        mtime: float | None = None,
    ) -> str | None:
        try:
            big = isinstance(body, Path) and body.stat().st_size >= CHUNKED_THRESHOLD
            if self.nextcloud and big and isinstance(body, Path):
                return self._chunked(self.client, path, body, mtime=mtime, if_match=if_match)
            if self.atomic_put:
                return self.client.put(
                    path,
                    body,
                    if_match=if_match,
                    if_none_match=create_only,
                    sha256=sha256,
                    mtime=mtime,
                )
            return self._put_then_move(path, body, if_match, create_only, sha256, mtime)
        except PreconditionFailedError:
            raise StoreConflict(f"{self._label}: {path}: changed on the target") from None

    @property
    def opens_folders(self) -> bool:
        """Whether to try `write_opening_folder` (Nextcloud, whose PUT is atomic)."""
        return self.nextcloud and self.atomic_put

    @property
    def sends_in_bulk(self) -> bool:
        """Whether small new files go in bulk (until the server refuses the endpoint)."""
        return self._bulk is not None and self._bulk.enabled

    def write_opening_folder(
        self, path: str, source: Path, *, sha256: str | None = None, mtime: float | None = None
    ) -> str | None:
        """PUT a new small file and, in the same request, its missing folders (Nextcloud 32+);
        FolderMissing where the server made none (older Nextcloud 404, other servers 409)."""
        try:
            return self.client.put(path, source, sha256=sha256, mtime=mtime, headers=AUTO_MKCOL)
        except WebDAVError as e:
            if e.status in (404, 409):
                raise FolderMissing(f"{self._label}: {path}: its folder is missing") from None
            raise

    def write_new_many(self, files: Sequence[BulkFile]) -> dict[str, str | None]:
        """Create many small files in few requests where the server offers a bulk upload
        (Nextcloud); path -> ETag of those written, the others are left to `write`."""
        if self._bulk is None:
            return {}
        written: dict[str, str | None] = {}
        for batch in self._bulk.batches(files):
            written |= self._bulk.send(batch)
        return written

    def _put_then_move(
        self,
        path: str,
        body: Body,
        if_match: str | None,
        create_only: bool,
        sha256: str | None,
        mtime: float | None,
    ) -> str | None:
        folder, _, _ = path.rpartition("/")
        token = hashlib.sha256(path.encode()).hexdigest()[:12]
        temp = f"{folder}/{TEMP_PREFIX}{self._run}-{token}".lstrip("/")
        self.client.put(temp, body, sha256=sha256, mtime=mtime)
        if if_match is not None or create_only:  # WebDAV's MOVE has no condition on its target
            held = self._stat(path)
            if (create_only and held is not None) or (
                if_match is not None and (held is None or held.etag != if_match)
            ):
                self.delete(temp)
                raise PreconditionFailedError(f"{path}: changed", status=412, path=path)
        try:
            self.client.move(temp, path, overwrite=True)
        except NotFoundError:  # a retried MOVE whose first try landed: is the file in place?
            if self._stat(temp) is not None or self._stat(path) is None:
                raise
        held = self._stat(path)
        return held.etag if held else None

    def _stat(self, path: str) -> Stat | None:
        try:
            r = self.client.stat(path)
        except NotFoundError:
            return None
        return Stat(r.etag, r.size or 0, r.is_dir)

    def make_folder(self, path: str) -> None:
        """MKCOL `path`; on 409 (parent missing) make the parent first, also above the root."""
        segments = split_path(path)
        url = self.client.url(segments) if segments else self.client.root_url
        self._mkcol_url(url, depth=0)

    def _mkcol_url(self, url: str, depth: int) -> None:
        if depth > 64:
            raise PublishError(f"{self._label}: cannot create the folders above {url}")
        try:
            self.client.raw("MKCOL", "", url=url, repeatable=True)
        except WebDAVError as e:
            if e.status == 405:  # exists (made by an earlier or a retried request)
                return
            if e.status != 409:
                raise
            parent = url.rstrip("/").rpartition("/")[0] + "/"
            self._mkcol_url(parent, depth + 1)
            self._mkcol_url(url, depth + 1)

    def delete(self, path: str, *, if_match: str | None = None) -> None:
        try:
            self.client.delete(path, if_match=if_match)
        except PreconditionFailedError:
            raise StoreConflict(f"{self._label}: {path}: changed on the target") from None
        except NotFoundError:
            return  # already gone: an earlier, interrupted run (or a retried DELETE) got there
