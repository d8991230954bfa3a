"""Layer 3: the five things a publish needs from a remote folder, and an in-memory twin.

Every publish target that holds plain files (a Nextcloud or WebDAV folder, and the in-memory
store the tests use) is a `Store`: list everything, read, write, move, delete. The publish logic
(`storetarget`, `ledger`, `lease`) is written once against this interface, so it can be tested
without a server and crash-tested at every step (`MemoryStore.fail_at`).

Paths are relative to the target folder, `/`-separated. Each call is idempotent in the sense a
retry needs: making a folder that exists, or deleting a file that is gone, is success.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sitegen.errors import PublishError

Body = bytes | Path
# Files sent under a temporary name and moved into place start with this; one left by a killed
# run is recognised as ours by the next publish, which removes it.
TEMP_PREFIX = ".sitegen-tmp-"


def is_temp_name(path: str) -> bool:
    return path.rpartition("/")[2].startswith(TEMP_PREFIX)


@dataclass(frozen=True)
class Stat:
    etag: str | None
    size: int
    is_dir: bool = False


class StoreConflict(PublishError):
    """A conditional write or delete found another version than the one it named."""


class StoreMissing(PublishError):
    """`read` of a file the store does not hold."""


class FolderMissing(PublishError):
    """A write asked to make its file's folder found the server made none."""


class Store(Protocol):
    @property
    def label(self) -> str:
        """A name for messages, without any password."""
        ...

    def list_all(self) -> dict[str, Stat] | None:
        """Every file and folder below the target folder; None when the folder does not exist."""
        ...

    def read(self, path: str) -> bytes:
        """The file's bytes; raises StoreMissing when there is no such file."""
        ...

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
        """Replace or create `path` whole (readers never see part of it); the new ETag.
        Raises StoreConflict when `if_match` or `create_only` does not hold."""
        ...

    def make_folder(self, path: str) -> None:
        """Create `path` and any missing parents ("" is the target folder itself)."""
        ...

    def delete(self, path: str, *, if_match: str | None = None) -> None: ...

    @property
    def request_count(self) -> int: ...


def read_body(body: Body) -> bytes:
    return body.read_bytes() if isinstance(body, Path) else body


class Crash(Exception):
    """Raised by MemoryStore at the step a test chose: the process 'dies' there."""


@dataclass
class _File:
    data: bytes
    etag: str


class MemoryStore:
    """A Store in a dict, for unit tests: ETags change on every write, like a server's.
    `fail_at(n)` makes the n-th changing call (write, make_folder, delete; 1-based) raise Crash
    before it acts, so a test can stop a publish at every step in turn."""

    def __init__(self, label: str = "memory://target") -> None:
        self._label = label
        self.files: dict[str, _File] = {}
        self.folders: set[str] = set()
        self.exists = False
        self.steps: list[str] = []  # "WRITE path", "MKDIR path", "DELETE path", in order
        self._fail_step: int | None = None
        self.dead = False
        self._on_step: Callable[[str], None] | None = None
        self._etags = itertools.count(1)
        self._requests = 0
        self._lock = threading.Lock()
        self.opens_folders = False  # True: offers write_opening_folder
        self.makes_folders = True  # False: that write makes no folder (FolderMissing)
        self.opened: list[tuple[str, list[str]]] = []  # (path, the folders its write made)

    @property
    def label(self) -> str:
        return self._label

    @property
    def request_count(self) -> int:
        return self._requests

    def fail_at(self, step: int | None) -> None:
        self._fail_step = step

    def _step(self, what: str) -> None:
        with self._lock:
            self._requests += 1
            if self.dead or (
                self._fail_step is not None and len(self.steps) + 1 == self._fail_step
            ):
                self.dead = True  # a killed process sends nothing more
                raise Crash(f"crash before step {self._fail_step}: {what}")
            self.steps.append(what)

    def revive(self) -> None:
        """The next run: a new process, nothing failing."""
        self.dead = False
        self._fail_step = None
        self.steps.clear()

    def list_all(self) -> dict[str, Stat] | None:
        self._requests += 1
        if self.dead:
            raise Crash("the process is gone")
        if not self.exists:
            return None
        out = {d: Stat(None, 0, True) for d in self.folders}
        out.update({p: Stat(f.etag, len(f.data)) for p, f in self.files.items()})
        return out

    def read(self, path: str) -> bytes:
        self._requests += 1
        if self.dead:
            raise Crash("the process is gone")
        if path not in self.files:
            raise StoreMissing(f"{self._label}: {path}: not found")
        return self.files[path].data

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
        data = read_body(body)
        self._step(f"WRITE {path}")
        return self._put(path, data, if_match, create_only, sha256)

    def write_opening_folder(
        self, path: str, source: Path, *, sha256: str | None = None, mtime: float | None = None
    ) -> str | None:
        """Offered when `opens_folders`: a write that makes the missing folders of its path too
        (Nextcloud 32+), unless not `makes_folders` (older Nextcloud: FolderMissing)."""
        data = read_body(source)
        self._step(f"WRITE {path} (and its folders)")
        if not self.makes_folders:
            raise FolderMissing(f"{self._label}: {path}: its folder is missing")
        parts = path.split("/")[:-1]
        made = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
        made = [f for f in made if f not in self.folders]
        self.folders.update(made)
        self.opened.append((path, made))
        return self._put(path, data, None, False, sha256)

    def _put(
        self, path: str, data: bytes, if_match: str | None, create_only: bool, sha256: str | None
    ) -> str | None:
        held = self.files.get(path)
        if create_only and held is not None:
            raise StoreConflict(f"{path}: exists")
        if if_match is not None and (held is None or held.etag != if_match):
            raise StoreConflict(f"{path}: changed")
        parent = path.rpartition("/")[0]
        if not self.exists or (parent and parent not in self.folders):
            raise PublishError(f"{self._label}: {path}: parent folder missing")
        if sha256 is not None and hashlib.sha256(data).hexdigest() != sha256:
            raise PublishError(f"{path}: checksum mismatch")
        etag = f"e{next(self._etags)}"
        self.files[path] = _File(data, etag)
        return etag

    def make_folder(self, path: str) -> None:
        self._step(f"MKDIR {path}")
        self.exists = True
        parts = path.split("/") if path else []
        for i in range(1, len(parts) + 1):
            self.folders.add("/".join(parts[:i]))

    def delete(self, path: str, *, if_match: str | None = None) -> None:
        self._step(f"DELETE {path}")
        held = self.files.get(path)
        if held is not None and if_match is not None and held.etag != if_match:
            raise StoreConflict(f"{path}: changed")
        self.files.pop(path, None)
        if path in self.folders:
            self.folders = {d for d in self.folders if d != path and not d.startswith(path + "/")}
            self.files = {p: f for p, f in self.files.items() if not p.startswith(path + "/")}

    # -- for tests: what a reader of the target would see -------------------------------------

    def snapshot(self, skip_prefix: str = ".sitegen/") -> dict[str, bytes]:
        return {p: f.data for p, f in self.files.items() if not p.startswith(skip_prefix)}
