"""A Nextcloud or WebDAV folder as a source, read through a local mirror."""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import platformdirs

from sitegen.errors import SourceError
from sitegen.sources.auth import find_credentials
from sitegen.sources.limits import SyncLimits
from sitegen.sources.mirror import Mirror
from sitegen.sources.result import NO_CHANGES, SyncResult
from sitegen.sources.url import RemoteLocation
from sitegen.webdav import Client, RetryPolicy, Timeouts


def default_cache_root() -> Path:
    return platformdirs.user_cache_path("sitegen") / "sources"


def mirror_folder_name(location: RemoteLocation) -> str:
    """Readable and unique: `cloud.example.com-alice-Website-1a2b3c4d5e6f`."""
    readable = "-".join(
        p
        for p in (
            location.origin,
            location.user or "",
            location.folder[-1] if location.folder else "",
        )
        if p
    )
    readable = re.sub(r"[^A-Za-z0-9._-]+", "_", readable)[:80]
    digest = hashlib.sha256(location.root_url.encode()).hexdigest()[:12]
    return f"{readable}-{digest}"


class RemoteSource:
    def __init__(
        self,
        location: RemoteLocation,
        *,
        cache_dir: Path | None = None,
        jobs: int = 8,
        offline: bool = False,
        retry: RetryPolicy | None = None,
        timeouts: Timeouts | None = None,
        limits: SyncLimits | None = None,
    ) -> None:
        self.location = location
        self.label = location.label
        self.jobs = max(1, jobs)
        self.offline = offline
        self.retry = retry
        self.limits = limits or SyncLimits()
        self.timeouts = replace(timeouts or Timeouts(), total=self.limits.request_seconds)
        folder = (
            cache_dir
            if cache_dir is not None
            else (default_cache_root() / mirror_folder_name(location))
        )
        self.mirror = Mirror(folder, location.root_url, limits=self.limits, label=self.label)
        self.local_dir = self.mirror.files_dir

    def __repr__(self) -> str:
        return f"RemoteSource({self.label!r}, local_dir={str(self.local_dir)!r})"

    def client(self) -> Client:
        """A new client (one connection pool); the caller closes it."""
        creds = find_credentials(self.location.origin, self.location.user)
        server = "Nextcloud" if self.location.kind == "nextcloud" else "The WebDAV server"
        return Client(
            self.location.root_url,
            username=creds.user,
            password=creds.password,
            server_name=server,
            retry=self.retry,
            timeouts=self.timeouts,
            max_connections=self.jobs + 2,
        )

    def _need_mirror(self) -> None:
        if self.mirror.index() is None:
            raise SourceError(
                f"there is no mirror of {self.label} yet: run "
                f"`sitegen sync {self.label}` while online"
            )

    def sync(self, progress: Callable[[int, int], None] | None = None) -> SyncResult:
        start = time.monotonic()
        if self.offline:
            self._need_mirror()
            return SyncResult(NO_CHANGES, 0, 0, 0.0)
        with self.client() as client:
            done = self.mirror.sync(client, jobs=self.jobs, progress=progress)
            return SyncResult(
                done.changes, client.request_count, done.bytes, time.monotonic() - start
            )

    def fingerprint(self) -> str | None:
        """The root folder's ETag where folder ETags propagate (one request); elsewhere a digest
        of the full listing (a server without folder ETags offers nothing cheaper)."""
        if self.offline:
            self._need_mirror()
            index = self.mirror.index()
            return index.root_etag if index else None
        with self.client() as client:
            root = client.stat("")
            if root.etag is not None and root.fileid is not None:
                return root.etag
            digest = hashlib.sha256()
            for r in sorted(client.propfind("", "infinity"), key=lambda r: r.key):
                digest.update(f"{r.key}\0{r.is_dir}\0{r.etag}\0{r.size}\0{r.mtime}\n".encode())
            return "listing:" + digest.hexdigest()
