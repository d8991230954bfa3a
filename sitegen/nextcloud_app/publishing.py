"""One publish for a Nextcloud user: sync the source folder, build, publish to the target folder
(the command line's pipeline, over a WebDAV client that acts as the user through AppAPI), and
refresh the site's public copy when it is marked public."""

from __future__ import annotations

import hashlib
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from sitegen.compiler.pipeline import BuildOptions, build_site
from sitegen.errors import PublishError
from sitegen.nextcloud_app.hosting import Hosted, Sites, site_id
from sitegen.nextcloud_app.protocol import AppAPIAuth
from sitegen.nextcloud_app.request import Folder, PublishRequest
from sitegen.nextcloud_app.settings import AppSettings
from sitegen.publish.davtarget import DavTarget
from sitegen.publish.lock import TargetLock, lock_path
from sitegen.publish.runner import PublishOptions, publish_tree
from sitegen.publish.signing import load_signer
from sitegen.sources.remote import RemoteSource
from sitegen.sources.url import RemoteLocation
from sitegen.webdav import Client

JOBS = 2  # parallel transfers per publish: each holds a PHP worker of Nextcloud


class Busy(PublishError):
    """A publish for this user is already running (answered as 409)."""


class _UserSource(RemoteSource):
    """A Nextcloud folder read as the user through AppAPI's headers, not with a password."""

    def __init__(self, location: RemoteLocation, auth: AppAPIAuth, **options: Any) -> None:
        super().__init__(location, **options)
        self._auth = auth

    def client(self) -> Client:
        return Client(
            self.location.root_url,
            auth=self._auth,
            server_name="Nextcloud",
            retry=self.retry,
            timeouts=self.timeouts,
            max_connections=self.jobs + 2,
        )


@dataclass
class Publisher:
    settings: AppSettings
    sites: Sites
    _running: set[str] = field(default_factory=set)
    _guard: threading.Lock = field(default_factory=threading.Lock)

    def location(self, user: str, folder: Folder) -> RemoteLocation:
        parts = urlsplit(self.settings.nextcloud_url)
        base = tuple(s for s in parts.path.split("/") if s)
        scheme: Literal["http", "https"] = "https" if parts.scheme == "https" else "http"
        host = parts.hostname or "localhost"
        if base:  # Nextcloud under a sub-path: name the whole DAV path
            whole = (*base, "remote.php", "dav", "files", user, *folder)
            return RemoteLocation("webdav", scheme, host, parts.port, user, whole)
        return RemoteLocation("nextcloud", scheme, host, parts.port, user, folder)

    def public_url(self, sid: str) -> str:
        return self.settings.public_origin + self._site_path(sid)

    def _site_path(self, sid: str) -> str:
        return f"{self.settings.proxy_prefix}/sites/{sid}/"

    def publish(self, user: str, req: PublishRequest) -> dict[str, Any]:
        """Run one publish as `user`; Busy when one is running for them already."""
        with self._guard:
            if user in self._running:
                raise Busy(f"a publish for {user} is already running; try again when it ends")
            self._running.add(user)
        try:
            return self._publish(user, req)
        finally:
            with self._guard:
                self._running.discard(user)

    def _publish(self, user: str, req: PublishRequest) -> dict[str, Any]:
        start = time.monotonic()
        sid = site_id(user, req.target_text)
        if req.public and self.sites.owner_conflict(sid, user, req.target_text):
            raise PublishError(
                f"target {req.target_text}: its public name {sid} is taken by another folder"
            )
        auth = AppAPIAuth(self.settings, user)
        state = self.settings.storage / "state"
        key = hashlib.sha256(f"{user}\0{req.source_text}".encode()).hexdigest()[:16]
        source = _UserSource(
            self.location(user, req.source),
            auth,
            cache_dir=self.settings.storage / "mirrors" / key,
            jobs=JOBS,
        )
        synced = source.sync()
        index = source.mirror.index()
        client = Client(
            self.location(user, req.target).root_url,
            auth=auth,
            server_name="Nextcloud",
            max_connections=JOBS + 2,
        )
        label = f"nextcloud://{user}/{req.target_text}"
        with client, TargetLock(lock_path(state, label), label):
            with tempfile.TemporaryDirectory(prefix="sitegen-app-") as tmp:
                out = Path(tmp) / "out"
                built = build_site(Path(source.local_dir), out, BuildOptions())
                target = DavTarget(client, label=label, cache_dir=state / "cache", workers=JOBS)
                options = PublishOptions(
                    source_fingerprint=index.root_etag if index else None,
                    signer=load_signer(self.settings.storage / "signing-key.pem"),
                )
                outcome = publish_tree(out, target, options)
            requests = synced.requests + client.request_count
        answer: dict[str, Any] = {
            "source": req.source_text,
            "target": req.target_text,
            "summary": outcome.plan.summary(),
            "applied": outcome.applied,
            "pages": built.pages,
            "warnings": [str(d) for d in outcome.drift],
            "requests": requests,  # sent back into Nextcloud (sync and publish)
            "source_etag": index.root_etag if index else None,
        }
        if req.public:
            self._host(sid, Path(source.local_dir), Hosted(user, req.target_text))
            answer["public_url"] = self.public_url(sid)
        elif sid in self.sites.registered():
            self.sites.mark(sid, None)  # no longer public: stop serving it
        answer["seconds"] = round(time.monotonic() - start, 2)
        return answer

    def _host(self, sid: str, site_dir: Path, hosted: Hosted) -> None:
        """Build the public copy under its URL prefix; swapped in whole by build_site."""
        options = BuildOptions(base_url=self._site_path(sid), replace_output=True)
        self.sites.root.mkdir(parents=True, exist_ok=True)
        build_site(site_dir, self.sites.folder(sid), options)
        self.sites.mark(sid, hosted)
