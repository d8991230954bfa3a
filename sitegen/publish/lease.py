"""Layer 4: one publisher per target, decided at the target: a lease file with an intent.

`.sitegen/lease.json` names its holder (user, host, pid), when it expires, and the publish's
intent: every file the holder is about to write, with the sha256 it will have. It is created
with `create_only`, renewed and released with `if_match` on its own ETag, so two publishers on
different machines never both hold it. A lease that expired, or whose holder on this host is no
longer running, may be broken (replaced with `if_match` on the stale one's ETag).

The intent is what lets the next run finish a killed one by itself: a file on the target that
differs from the last manifest but holds bytes a lease said it would write is ours, not a hand
edit. Breaking a lease carries its intent over, so a chain of killed runs is remembered until a
publish completes; only then is the lease deleted.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from sitegen.errors import PublishError, SitegenError
from sitegen.publish.manifest import STATE_DIR
from sitegen.publish.store import Store, StoreConflict

LEASE_PATH = f"{STATE_DIR}/lease.json"
DEFAULT_TTL = 15 * 60.0  # seconds; renewed at half-life while a publish runs


class TargetBusy(PublishError):
    """Another publisher holds the target's lease."""


@dataclass(frozen=True)
class LeaseInfo:
    user: str
    host: str
    pid: int
    expires: float  # Unix time
    intent: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # path -> sha256s

    def to_bytes(self) -> bytes:
        doc = {
            "user": self.user,
            "host": self.host,
            "pid": self.pid,
            "expires": round(self.expires, 3),
            "intent": {p: list(shas) for p, shas in sorted(self.intent.items())},
        }
        return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode() + b"\n"

    @classmethod
    def from_bytes(cls, data: bytes) -> LeaseInfo | None:
        try:
            doc = json.loads(data)
            intent = {str(p): tuple(str(s) for s in v) for p, v in doc.get("intent", {}).items()}
            return cls(
                str(doc["user"]), str(doc["host"]), int(doc["pid"]), float(doc["expires"]), intent
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            return None  # unreadable: treated as stale (a truncated write of a killed run)

    def describe(self) -> str:
        when = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(self.expires))
        return f"{self.user} on {self.host} (pid {self.pid}), lease until {when}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class Lease:
    """The lease as found at the start of a publish (`held_by`: a stale one, or None), then
    taken, renewed and released by this run."""

    store: Store
    found_etag: str | None = None
    found: LeaseInfo | None = None
    ttl: float = DEFAULT_TTL
    clock: Callable[[], float] = time.time
    host: str = field(default_factory=socket.gethostname)
    pid: int = field(default_factory=os.getpid)
    _etag: str | None = None
    _taken_at: float = 0.0
    _info: LeaseInfo | None = None

    def check(self, found_etag: str | None, found_data: bytes | None) -> None:
        """Note the lease the listing showed; TargetBusy when a live publisher holds it."""
        self.found_etag = found_etag
        self.found = LeaseInfo.from_bytes(found_data) if found_data is not None else None
        if found_etag is not None and self.found is not None and self._alive(self.found):
            raise TargetBusy(
                f"{self.store.label} is being published by {self.found.describe()}; "
                "exiting (a scheduler tries again on its next tick)"
            )

    def _alive(self, info: LeaseInfo) -> bool:
        if info.expires <= self.clock():
            return False
        if info.host == self.host:
            return info.pid != self.pid and _pid_alive(info.pid)
        return True

    @property
    def inherited_intent(self) -> Mapping[str, tuple[str, ...]]:
        return self.found.intent if self.found is not None else {}

    def take(self, intent: Mapping[str, str]) -> None:
        merged = {p: tuple(s) for p, s in self.inherited_intent.items()}
        for p, sha in intent.items():
            merged[p] = tuple(dict.fromkeys((*merged.get(p, ()), sha)))
        self._taken_at = self.clock()
        info = LeaseInfo(_user(), self.host, self.pid, self._taken_at + self.ttl, merged)
        data = info.to_bytes()
        try:
            if self.found_etag is None:
                self._etag = self.store.write(LEASE_PATH, data, create_only=True)
            else:
                self._etag = self.store.write(LEASE_PATH, data, if_match=self.found_etag)
        except StoreConflict:
            if self._reads_back(data):  # our own write, retried after its answer was lost
                self._etag = None
                self._info = info
                return
            raise TargetBusy(
                f"{self.store.label}: another publisher took the lease at the same moment; "
                "exiting (a scheduler tries again on its next tick)"
            ) from None
        self._info = info

    def _reads_back(self, data: bytes) -> bool:
        try:
            return self.store.read(LEASE_PATH) == data
        except SitegenError:
            return False

    def renew_if_due(self) -> None:
        if self._info is None or self.clock() < self._taken_at + self.ttl / 2:
            return
        self._taken_at = self.clock()
        info = LeaseInfo(
            self._info.user, self.host, self.pid, self._taken_at + self.ttl, self._info.intent
        )
        try:
            self._etag = self.store.write(LEASE_PATH, info.to_bytes(), if_match=self._etag)
        except StoreConflict:
            raise PublishError(
                f"{self.store.label}: our publish lease was broken by another publisher; "
                "stopping (the next publish completes this one)"
            ) from None
        self._info = info

    def abandon(self) -> None:
        """After a failure: let the lease expire now but keep its intent, so the next publisher
        (here or elsewhere) may break it at once and still knows which files were ours."""
        if self._info is None:
            return
        info = replace(self._info, expires=self.clock())
        with contextlib.suppress(PublishError, SitegenError):
            self._etag = self.store.write(LEASE_PATH, info.to_bytes(), if_match=self._etag)
        self._info = None

    def release(self) -> None:
        """Delete the lease (only ours); a lease found stale and not retaken is deleted too."""
        etag = self._etag if self._info is not None else self.found_etag
        if etag is None and self._info is None:
            return
        with contextlib.suppress(StoreConflict):  # someone broke and retook it: theirs now
            self.store.delete(LEASE_PATH, if_match=etag)
        self._info = None


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
