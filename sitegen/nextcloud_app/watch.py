"""Republish on change: the sites whose owners asked for it, woken by node-event webhooks and,
as the fallback, by a root-ETag check every `poll` seconds (one PROPFIND per watched source).
A failed republish becomes a Nextcloud notification for the site's owner."""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from sitegen.errors import SitegenError
from sitegen.nextcloud_app import integration
from sitegen.nextcloud_app.protocol import AppAPIAuth
from sitegen.nextcloud_app.publishing import Busy, Publisher
from sitegen.nextcloud_app.request import PublishRequest
from sitegen.webdav import Client

log = logging.getLogger("sitegen.nextcloud_app")


@dataclass
class Watched:
    user: str
    source: str
    target: str
    public: bool
    etag: str | None = None  # the source's root ETag at the last publish
    webhooks: list[int] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.user}/{self.source}"

    def request(self) -> PublishRequest:
        return PublishRequest(
            tuple(self.source.split("/")), tuple(self.target.split("/")), self.public
        )


class Watcher:
    def __init__(self, publisher: Publisher, delay: float = 1.0, poll: float = 60.0) -> None:
        self.publisher = publisher
        self.settings = publisher.settings
        self.delay = delay  # events within this many seconds make one republish
        self.poll = poll
        self._file = self.settings.storage / "watched.json"
        self._lock = threading.Lock()
        self._due: set[str] = set()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self.republished = 0  # count, for tests and figures

    # -- the list ---------------------------------------------------------------------------

    def all(self) -> dict[str, Watched]:
        try:
            doc = json.loads(self._file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {k: Watched(**v) for k, v in doc.items()}

    def _save(self, items: dict[str, Watched]) -> None:
        self._file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._file.with_suffix(".tmp")
        tmp.write_text(json.dumps({k: asdict(v) for k, v in items.items()}, indent=1))
        os.replace(tmp, self._file)

    def after_publish(self, user: str, req: PublishRequest, watch: bool, etag: str | None) -> None:
        """Keep (with webhooks) or drop a site from the list after a publish that asked."""
        key = f"{user}/{req.source_text}"
        with self._lock:
            items = self.all()
            old = items.pop(key, None)
            if watch:
                hooks = old.webhooks if old else self._hooks(user, req.source_text)
                items[key] = Watched(
                    user, req.source_text, req.target_text, req.public, etag, hooks
                )
            elif old and old.webhooks:
                integration.remove_webhooks(self.settings, old.webhooks)
            self._save(items)

    def _hooks(self, user: str, source: str) -> list[int]:
        try:
            return integration.add_webhooks(self.settings, user, source)
        except Exception as exc:  # no webhook_listeners: the ETag check still works
            log.warning("no webhooks for %s/%s (%s); polling only", user, source, exc)
            return []

    # -- triggers ---------------------------------------------------------------------------

    def on_event(self, event: dict[str, Any]) -> int:
        """A node event from webhook_listeners; how many watched sites it makes due. Paths
        are the owner's (`/alice/files/…`), whoever saved the file (a co-author of a share)."""
        paths = [n.get("path", "") for n in _nodes(event)]
        due = 0
        for key, item in self.all().items():
            prefix = f"/{item.user}/files/{item.source}/"
            if any(p.startswith(prefix) for p in paths):
                self.make_due(key)
                due += 1
        return due

    def make_due(self, key: str) -> None:
        with self._lock:
            self._due.add(key)
        self._wake.set()

    def check_etags(self) -> None:
        """The fallback: republish every watched source whose root ETag moved."""
        for key, item in self.all().items():
            try:
                location = self.publisher.location(item.user, tuple(item.source.split("/")))
                auth = AppAPIAuth(self.settings, item.user)
                with Client(location.root_url, auth=auth, server_name="Nextcloud") as client:
                    etag = client.stat("").etag
            except SitegenError as exc:
                log.warning("ETag check of %s failed: %s", key, exc)
                continue
            if etag != item.etag:
                self.make_due(key)

    # -- the worker -------------------------------------------------------------------------

    def start(self) -> None:
        threading.Thread(target=self._run, name="sitegen-republish", daemon=True).start()
        if self.poll > 0:
            threading.Thread(target=self._poll, name="sitegen-etag-check", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def _poll(self) -> None:
        while not self._stop.wait(self.poll):
            self.check_etags()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait()
            self._wake.clear()
            self._stop.wait(self.delay)  # let a burst of saves settle
            with self._lock:
                due, self._due = self._due, set()
            for key in sorted(due):
                self.republish(key)

    def republish(self, key: str, notify: Callable[..., None] = integration.notify) -> None:
        item = self.all().get(key)
        if item is None:
            return
        try:
            answer = self.publisher.publish(item.user, item.request())
        except Busy:
            self.make_due(key)  # the running publish may predate the change: once more
            return
        except SitegenError as exc:
            log.warning("republishing %s failed: %s", key, str(exc).splitlines()[0])
            try:
                notify(self.settings, item.user, f"Publishing {item.source} failed", str(exc))
            except Exception as failed:
                log.warning("could not notify %s: %s", item.user, failed)
            return
        self.republished += 1
        with self._lock:
            items = self.all()
            if key in items:
                items[key].etag = answer.get("source_etag")
                self._save(items)


def _nodes(event: dict[str, Any]) -> list[dict[str, Any]]:
    inner = event.get("event", {})
    if not isinstance(inner, dict):
        return []
    return [
        v for k, v in inner.items() if k in ("node", "source", "target") and isinstance(v, dict)
    ]
