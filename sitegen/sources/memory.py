"""A source held in memory: the in-memory twin of a remote source, as `MemoryStore` is of a
target. Tests edit `files`; a sync brings `local_dir` up to date and reports what changed, as a
remote sync reports what it moved, and nothing else (no network, no index, no mirror lock).

    source = MemorySource(tmp / "mirror", {"index.md": "# Home"})
    source.sync().changes.added     # ("index.md",)
    source.files["index.md"] = b"# Home again"
    source.sync().changes.changed   # ("index.md",)
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping
from pathlib import Path

from sitegen.changes import diff_listings
from sitegen.errors import SourceError
from sitegen.sources.result import NO_CHANGES, SyncResult
from sitegen.webdav.errors import UnsafePathError
from sitegen.webdav.paths import split_path


class MemorySource:
    remote = True

    def __init__(
        self,
        local_dir: Path,
        files: Mapping[str, str | bytes] | None = None,
        *,
        label: str = "memory:site",
        offline: bool = False,
        fingerprints: bool = True,  # False: like a server without folder ETags
    ) -> None:
        self.local_dir = local_dir
        self.label = label
        self.offline = offline
        self.files: dict[str, bytes] = {
            k: v.encode() if isinstance(v, str) else v for k, v in (files or {}).items()
        }
        self._fingerprints = fingerprints
        self._synced: dict[str, str] = {}  # path -> sha256 of what local_dir holds
        self.syncs = 0
        self.checks = 0  # fingerprint calls
        self.closed = False
        local_dir.mkdir(parents=True, exist_ok=True)

    def __repr__(self) -> str:
        return f"MemorySource({self.label!r}, {len(self.files)} files)"

    def fingerprint(self) -> str | None:
        self.checks += 1
        if not self._fingerprints:
            return None
        digest = hashlib.sha256()
        for rel, data in sorted(self.files.items()):
            digest.update(f"{rel}\0{hashlib.sha256(data).hexdigest()}\n".encode())
        return digest.hexdigest()

    def sync(self, progress: Callable[[int, int], None] | None = None) -> SyncResult:
        if self.offline:
            return SyncResult(NO_CHANGES, 0, 0, 0.0)
        self.syncs += 1
        listing = {
            self._checked(rel): hashlib.sha256(d).hexdigest() for rel, d in self.files.items()
        }
        changes = diff_listings(self._synced, listing)
        for rel in changes.removed:
            (self.local_dir / rel).unlink(missing_ok=True)
        moved = (*changes.added, *changes.changed)
        for done, rel in enumerate(moved, 1):
            self._write(rel, self.files[rel])
            if progress is not None:
                progress(done, len(moved))
        self._synced = listing
        return SyncResult(changes, 0, sum(len(self.files[r]) for r in moved), 0.0)

    def close(self) -> None:
        self.closed = True

    def _checked(self, rel: str) -> str:
        """A remote sync refuses names that would land outside its mirror; so does the twin."""
        try:
            split_path(rel)
        except UnsafePathError as e:
            raise SourceError(f"{self.label}: {e}") from None
        if rel.startswith("/") or rel.endswith("/"):
            raise SourceError(f"{self.label}: a file name, not {rel!r}")
        return rel

    def _write(self, rel: str, data: bytes) -> None:
        target = self.local_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.sitegen-tmp")
        tmp.write_bytes(data)
        os.replace(tmp, target)  # a build reading the folder sees the old file or the new one
