"""The mirror's index: what each mirrored file was on the server (path -> etag, size, mtime,
fileid) and the folder ETags that let a sync skip unchanged folders. Written atomically, and
last, so it never claims more than the mirror holds."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Hashable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sitegen.webdav import Resource, UnsafePathError, split_path

INDEX_VERSION = 1


@dataclass(frozen=True)
class FileEntry:
    etag: str | None
    size: int | None
    mtime: float | None
    fileid: str | None
    remote: str | None = None  # the server's spelling of the path, when it is not the NFC key

    @property
    def fingerprint(self) -> Hashable:
        return ("etag", self.etag, self.size) if self.etag else ("stat", self.size, self.mtime)

    @classmethod
    def of(cls, r: Resource) -> FileEntry:
        return cls(r.etag, r.size, r.mtime, r.fileid, None if r.path == r.key else r.path)


@dataclass
class Index:
    source: str
    root_etag: str | None = None
    propagates: bool = False  # folder ETags change with anything below them (Nextcloud)
    infinity: bool | None = None  # whether PROPFIND Depth infinity worked last time
    files: dict[str, FileEntry] = field(default_factory=dict)
    dirs: dict[str, str | None] = field(default_factory=dict)  # key -> folder ETag
    # Folders ("" is the root) seen changing, and when (time.time()): listed again by the next
    # sync whatever their ETag says, until one lists them SETTLE_SECONDS after the change.
    unsettled: dict[str, float] = field(default_factory=dict)
    # Files last downloaded within SETTLE_SECONDS of their mtime: the server may have rewritten
    # them since without changing their listing (Nextcloud keeps the ETag of a same-size
    # rewrite within the same second), so a sync downloads them again once they are older if
    # their folder's ETag (kept here as it was at the download; None: unknown) moved meanwhile.
    fresh: dict[str, str | None] = field(default_factory=dict)

    def to_json(self) -> str:
        data = asdict(self)
        data["version"] = INDEX_VERSION
        return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Index:
        data: dict[str, Any] = json.loads(text)
        if data.get("version") != INDEX_VERSION:
            raise ValueError("unknown index version")
        files = {k: FileEntry(**v) for k, v in data["files"].items()}
        dirs = {k: v for k, v in data["dirs"].items()}
        unsettled = {str(k): float(v) for k, v in data.get("unsettled", {}).items()}
        fresh = {str(k): v if v is None else str(v) for k, v in data.get("fresh", {}).items()}
        for key in (*files, *dirs, *(k for k in unsettled if k), *fresh):
            split_path(key)  # an index edited by hand must not lead outside the mirror
        return cls(
            data["source"],
            data.get("root_etag"),
            bool(data.get("propagates")),
            data.get("infinity"),
            files,
            dirs,
            unsettled,
            fresh,
        )


def load_index(path: Path) -> Index | None:
    """The index, or None if there is none or it cannot be trusted (then sync starts afresh)."""
    try:
        return Index.from_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError, UnsafePathError):
        return None


def write_index(path: Path, index: Index) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".index-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(index.to_json())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
