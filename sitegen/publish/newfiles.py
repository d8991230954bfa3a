"""Layer 4: new files sent the cheaper ways a store may offer: many small ones in one request
(Nextcloud's bulk upload, publish/bulk.py), or one whose upload makes its folder too
(publish/folders.py). The caller offers only files new to the target and not in the way of a
file placed there by hand."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

from sitegen.publish.bulk import MAX_FILE_BYTES, BulkFile
from sitegen.publish.ledger import set_etag
from sitegen.publish.manifest import hash_file
from sitegen.publish.store import FolderMissing, Store
from sitegen.publish.target import Progress

OPENER_MAX_BYTES = 8 << 20  # larger files may go by chunked upload, which makes no folder


class NewFiles:
    """Sends files of `out_dir`, noting their ETags in `etags` (under `lock`: several threads
    send at once) and their sizes to `progress`."""

    def __init__(
        self,
        store: Store,
        out_dir: Path,
        etags: dict[str, str],
        lock: threading.Lock,
        progress: Progress | None,
    ) -> None:
        self.store, self.out_dir, self.etags = store, out_dir, etags
        self.lock, self.progress = lock, progress

    @property
    def opens_folders(self) -> bool:
        return bool(getattr(self.store, "opens_folders", False))

    def small(self, path: str) -> bool:
        return (self.out_dir / path).stat().st_size <= MAX_FILE_BYTES

    def may_open_folder(self, path: str) -> bool:
        """Whether this new file's upload should make its folder: where it goes by a PUT of its
        own anyway. A small file in bulk is cheaper for the server than in a PUT that makes
        its folder (on Nextcloud 34, MKCOL about 37 ms of PHP CPU and a bulk share about 15 ms;
        the PUT 70-100 ms), though it costs a request per 100 folders more."""
        size = (self.out_dir / path).stat().st_size
        in_bulk = getattr(self.store, "sends_in_bulk", False) and size <= MAX_FILE_BYTES
        return self.opens_folders and not in_bulk and size <= OPENER_MAX_BYTES

    def in_bulk(self, paths: Sequence[str]) -> set[str]:
        """Send small new files in bulk where the store can; those it wrote."""
        send = getattr(self.store, "write_new_many", None)
        if send is None or not paths:
            return set()
        files = [BulkFile(p, *self._hash_and_time(p)) for p in paths]
        written: dict[str, str | None] = send(files)
        for path, etag in written.items():
            self._sent(path, etag)
        return set(written)

    def opening_folder(self, path: str) -> bool:
        """Send a small new file, making its missing folder in the same request; False where
        the store made no folder (nothing was written)."""
        source, sha256, mtime = self._hash_and_time(path)
        write = self.store.write_opening_folder  # type: ignore[attr-defined]
        try:
            etag = write(path, source, sha256=sha256, mtime=mtime)
        except FolderMissing:
            return False
        self._sent(path, etag)
        return True

    def _hash_and_time(self, path: str) -> tuple[Path, str, float]:
        source = self.out_dir / path
        return source, hash_file(source).sha256, source.stat().st_mtime

    def _sent(self, path: str, etag: str | None) -> None:
        with self.lock:
            set_etag(self.etags, path, etag)
        if self.progress:
            self.progress(path, (self.out_dir / path).stat().st_size)
