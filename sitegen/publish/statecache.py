"""Layer 4: a local copy of a target's bookkeeping files, keyed by their ETag and size on the
target, so a publish with a warm cache reads nothing but one listing. The size too: Nextcloud
keeps a file's ETag through an overwrite in the same second (docs/publish.md, Drift)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sitegen.publish.manifest import JOURNAL_DIR, STATE_DIR


class StateCache:
    def __init__(self, cache_dir: Path | None, label: str) -> None:
        key = hashlib.sha256(label.encode()).hexdigest()[:16]
        self.root = None if cache_dir is None else cache_dir / "publish-targets" / key

    def _file(self, path: str) -> Path | None:
        return None if self.root is None else self.root / path.removeprefix(STATE_DIR + "/")

    def read(self, path: str, etag: str | None, size: int) -> bytes | None:
        f = self._file(path)
        if f is None or etag is None or not f.is_file():
            return None
        meta = f.with_name(f.name + ".etag")
        if not meta.is_file() or meta.read_text() != _key(etag, size):
            return None
        return f.read_bytes()

    def write(self, path: str, data: bytes, etag: str | None) -> None:
        f = self._file(path)
        if f is None:
            return
        f.parent.mkdir(parents=True, exist_ok=True)
        meta = f.with_name(f.name + ".etag")
        meta.unlink(missing_ok=True)  # never a stale ETag beside new bytes
        f.write_bytes(data)
        if etag is not None:
            meta.write_text(_key(etag, len(data)))

    def prune(self, held: set[str]) -> None:
        """Forget cached journal records that compaction moved out of the journal."""
        folder = self._file(JOURNAL_DIR)
        if folder is None or not folder.is_dir():
            return
        for f in folder.iterdir():
            name = f.name.removesuffix(".etag")
            if f"{JOURNAL_DIR}/{name}" not in held:
                f.unlink(missing_ok=True)


def _key(etag: str, size: int) -> str:
    return f"{etag}\n{size}"
