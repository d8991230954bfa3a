"""A Nextcloud or WebDAV folder as a source, read through a local mirror."""

from __future__ import annotations

import contextlib
import hashlib
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

import platformdirs

from sitegen.errors import SourceError
from sitegen.sources.auth import Credentials, find_credentials
from sitegen.sources.limits import SyncLimits
from sitegen.sources.mirror import Mirror
from sitegen.sources.nextcloud import http_client, is_nextcloud, push_endpoints, user_id
from sitegen.sources.notify_push import Log, PushListener
from sitegen.sources.result import NO_CHANGES, SyncResult
from sitegen.sources.url import RemoteLocation
from sitegen.webdav import Client, Resource, RetryPolicy, Timeouts
from sitegen.webdav.errors import ConnectionFailedError, NotFoundError

T = TypeVar("T")


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
    remote = True

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
        self._user_id: str | None = None  # resolved from a login name, once
        self._watch_client: Client | None = None  # fingerprint's kept-open connection
        self._root_hint: Resource | None = None  # the root entry the last fingerprint read

    def __repr__(self) -> str:
        return f"RemoteSource({self.label!r}, local_dir={str(self.local_dir)!r})"

    def _credentials(self) -> Credentials:
        return find_credentials(self.location.origin, self.location.user)

    def _dav_location(self) -> RemoteLocation:
        """The location with the user ID in its WebDAV path: a login name with an `@` (an
        e-mail address) is looked up first (one OCS request, once per source)."""
        loc = self.location
        if loc.kind == "nextcloud" and loc.user and "@" in loc.user and self._user_id is None:
            self._user_id = self._lookup_user_id()
        return loc.with_user(self._user_id) if self._user_id else loc

    def _lookup_user_id(self) -> str:
        creds = self._credentials()
        with http_client(creds.user, creds.password) as http:
            try:
                return user_id(http, self.location.server_url)
            except SourceError as e:
                raise SourceError(f"{self.label}: cannot look up the user ID ({e})") from None

    def client(self) -> Client:
        """A new client (one connection pool); the caller closes it."""
        creds = self._credentials()
        server = "Nextcloud" if self.location.kind == "nextcloud" else "The WebDAV server"
        return Client(
            self._dav_location().root_url,
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

        def once() -> SyncResult:
            with self.client() as client:
                hint, self._root_hint = self._root_hint, None
                done = self.mirror.sync(client, jobs=self.jobs, progress=progress, root=hint)
                return SyncResult(
                    done.changes, client.request_count, done.bytes, time.monotonic() - start
                )

        return self._run(once)

    def fingerprint(self) -> str | None:
        """The root folder's ETag where folder ETags propagate (one request on a connection kept
        open between calls); elsewhere a digest of the full listing (a server without folder
        ETags offers nothing cheaper)."""
        if self.offline:
            self._need_mirror()
            index = self.mirror.index()
            return index.root_etag if index else None
        return self._run(self._root_fingerprint)

    def _root_fingerprint(self) -> str | None:
        if self._watch_client is None:
            self._watch_client = self.client()
        client = self._watch_client
        root = client.stat("")
        if root.etag is not None and root.fileid is not None:
            self._root_hint = root  # the sync that may follow need not ask again
            # Right after a change the listing can lag behind the content: no fingerprint (so
            # the caller syncs) until a sync has seen the folders and fresh files settle.
            return None if self.mirror.unsettled() else root.etag
        if self.mirror.unsettled():
            return None
        digest = hashlib.sha256()
        for r in sorted(client.propfind("", "infinity"), key=lambda r: r.key):
            digest.update(f"{r.key}\0{r.is_dir}\0{r.etag}\0{r.size}\0{r.mtime}\n".encode())
        return "listing:" + digest.hexdigest()

    def push_listener(self, on_change: Callable[[], None], log: Log) -> PushListener | None:
        """A (not yet started) listener to the server's notify_push, or None where the source is
        not a Nextcloud that offers it."""
        if self.offline or self.location.kind != "nextcloud":
            return None
        creds = self._credentials()
        if creds.user is None or creds.password is None:
            return None
        with http_client(creds.user, creds.password) as http:
            try:
                endpoints = push_endpoints(http, self.location.server_url)
            except SourceError:
                return None
        if endpoints is None:
            return None
        return PushListener(endpoints.websocket, creds.user, creds.password, on_change, log)

    def close(self) -> None:
        """Close the connection that `fingerprint` keeps open."""
        if self._watch_client is not None:
            self._watch_client.close()
            self._watch_client = None

    def _run(self, step: Callable[[], T]) -> T:
        """`step`, explained on failure; a Nextcloud folder missing under a login name that is
        not the user ID is tried once more under the ID."""
        with self._explained():
            try:
                return step()
            except NotFoundError as e:
                if e.path or not self._switch_to_user_id():
                    raise
            return step()

    def _switch_to_user_id(self) -> bool:
        if self.location.kind != "nextcloud" or self._user_id is not None:
            return False
        with contextlib.suppress(SourceError):
            found = self._lookup_user_id()
            if found != self.location.user:
                self._user_id = found
                self.close()  # its URL names the login name
                return True
        return False

    @contextlib.contextmanager
    def _explained(self) -> Iterator[None]:
        """A failure at the folder itself says which URL and folder (the error keeps its class
        and status): the server's `PROPFIND /: 404` alone does not tell a wrong folder from a
        wrong host or sub-path."""
        try:
            yield
        except NotFoundError as e:
            if e.path in ("", None):
                e.args = (f"{self.label}: {self._missing_reason()}",)
            raise
        except ConnectionFailedError as e:
            if e.path in ("", None):
                why = str(e).split(": connection failed ", 1)[-1].strip("()")
                e.args = (f"{self.label}: connection failed to {self.location.server_url} ({why})",)
            raise

    def _missing_reason(self) -> str:
        loc = self._dav_location()
        if loc.kind != "nextcloud":
            return f"there is no folder at {loc.root_url} (HTTP 404)"
        creds = self._credentials()
        with http_client(creds.user, creds.password) as http:
            if not is_nextcloud(http, loc.server_url):
                return (
                    f"there is no Nextcloud at {loc.server_url} (no status.php there); if it is "
                    "installed under a sub-path, write nextcloud://USER@HOST/SUB/PATH:/FOLDER"
                )
        return f"there is no {loc.where} (HTTP 404)"
