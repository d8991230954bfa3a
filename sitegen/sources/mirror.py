"""A local mirror of a remote folder: the folder a build reads, kept in step with the server.

Layout of a mirror folder:

    site/        the mirrored files (what `Source.local_dir` points at)
    staging/     downloads in progress; moved into site/ only once all of them succeeded
    index.json   what each mirrored file was on the server; written last
    .lock        held while a sync runs

A sync lists the server, downloads new and changed files into staging/ (`jobs` at a time),
and only when every download succeeded moves them into site/, deletes what the server no longer
has, and writes the index. A sync that fails while talking to the server (most of its time)
leaves site/ exactly as it was; one interrupted while moving files leaves an index that still
describes the old state, so the next sync fetches whatever is not yet right.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from sitegen.changes import Changes, diff_listings
from sitegen.errors import SourceError
from sitegen.sources.index import FileEntry, Index, load_index, write_index
from sitegen.sources.limits import SyncGuard, SyncLimits
from sitegen.sources.listing import list_remote, propagates
from sitegen.sources.settle import folder_of, fresh_files, same_bytes, to_recheck, unsettled_after
from sitegen.webdav import Client, Resource, split_path

Progress = Callable[[int, int], None]

_OWN_NAMES = {"site", "staging", "index.json", ".lock"}


@dataclass(frozen=True)
class MirrorSync:
    changes: Changes
    bytes: int


class Mirror:
    def __init__(
        self, folder: Path, source: str, *, limits: SyncLimits | None = None, label: str = ""
    ) -> None:
        self.folder = folder
        self.source = source  # the root URL, to refuse a cache folder that mirrors another source
        self.limits = limits or SyncLimits()
        self.label = label or source  # names remote paths in messages
        self.files_dir = folder / "site"
        self.staging_dir = folder / "staging"
        self.index_path = folder / "index.json"
        self._unsettled: bool | None = None  # None: not looked at yet

    def unsettled(self) -> bool:
        """Whether the next sync must list folders or download fresh files again whatever the
        root's ETag says (see sources/settle.py); kept in memory after the first look."""
        if self._unsettled is None:
            index = self.index()
            self._unsettled = index is not None and bool(index.unsettled or index.fresh)
        return self._unsettled

    def index(self) -> Index | None:
        index = load_index(self.index_path)
        if index is not None and index.source != self.source:
            raise SourceError(f"{self.folder} holds a mirror of {index.source}, not {self.source}")
        return index

    def _check_folder(self) -> None:
        if self.folder.is_dir():
            strangers = [p.name for p in self.folder.iterdir() if p.name not in _OWN_NAMES]
            if strangers and not self.index_path.exists():
                raise SourceError(
                    f"{self.folder} is not a sitegen cache folder (it holds "
                    f"{strangers[0]!r}); choose an empty or new folder"
                )
        self.folder.mkdir(parents=True, exist_ok=True)
        self.files_dir.mkdir(exist_ok=True)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        try:
            import fcntl
        except ImportError:  # not on POSIX: no cross-process lock
            yield
            return
        with open(self.folder / ".lock", "a+b") as fh:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise SourceError(f"another sync of {self.folder} is running") from None
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    def sync(
        self,
        client: Client,
        *,
        jobs: int = 8,
        progress: Progress | None = None,
        root: Resource | None = None,
    ) -> MirrorSync:
        """`root`: the folder's own entry if the caller has just fetched it (an ETag poll), which
        saves asking again; an ETag older than the listing only costs one more sync later."""
        self._check_folder()
        guard = SyncGuard(self.limits, self.label)
        client.deadline = guard.deadline
        with self._locked():
            try:
                return self._sync(client, guard, jobs=jobs, progress=progress, root=root)
            finally:
                client.deadline = None
                shutil.rmtree(self.staging_dir, ignore_errors=True)

    def _sync(
        self,
        client: Client,
        guard: SyncGuard,
        *,
        jobs: int,
        progress: Progress | None,
        root: Resource | None,
    ) -> MirrorSync:
        old = self.index()
        started = time.time()  # every download below starts after this
        root = root or client.stat("")
        if not root.is_dir:
            raise SourceError(f"{self.source} is a file, not a folder")
        listing = list_remote(client, root, old, jobs=jobs, guard=guard)
        guard.total([e.size for e in listing.files.values() if e.size is not None])
        old_files = old.files if old is not None else {}
        changes = diff_listings(
            {k: v.fingerprint for k, v in old_files.items()},
            {k: v.fingerprint for k, v in listing.files.items()},
        )
        local = self._local_files()
        seen = {"": root.etag, **listing.dirs} if propagates(root) else {}
        old_fresh = {k: v for k, v in (old.fresh if old else {}).items() if k in local}
        recheck = to_recheck(old_fresh, seen, listing.files, started) - set(changes.changed)
        # Also fetch what the index says we have but the disk does not (a crash, a stray edit).
        fetch = sorted(
            set(changes.added)
            | set(changes.changed)
            | {k for k, e in listing.files.items() if local.get(k) != e.size}
            | recheck
        )
        staged, fetched_bytes = self._download(client, guard, listing.files, fetch, jobs, progress)
        rewritten = self._keep_rewritten(staged, recheck)
        if rewritten:
            changes = replace(changes, changed=tuple(sorted({*changes.changed, *rewritten})))
        new_files = dict(listing.files)
        for key, (_, size) in staged.items():
            new_files[key] = replace(new_files[key], size=size)
        guard.total([e.size or 0 for e in new_files.values()])  # unsized files shared the room
        self._apply(staged, listing.dirs, new_files, local)
        fresh = {
            k: seen.get(folder_of(k)) if k in fetch else old_fresh.get(k)
            for k in fresh_files(new_files, started)
        }
        unsettled = unsettled_after(old, root.etag, listing.dirs, time.time())
        index = Index(
            self.source,
            root.etag,
            propagates(root),
            listing.infinity,
            new_files,
            listing.dirs,
            unsettled,
            fresh,
        )
        write_index(self.index_path, index)
        self._unsettled = bool(index.unsettled or index.fresh)
        return MirrorSync(changes, fetched_bytes)

    # -- disk ---------------------------------------------------------------------------------

    def _keep_rewritten(self, staged: dict[str, tuple[Path, int]], recheck: set[str]) -> set[str]:
        """Of the fresh files downloaded again, the rewritten ones; the others are left out of
        `staged`, so the mirror keeps its copy untouched."""
        rewritten = set()
        for key in recheck & staged.keys():
            path, _ = staged[key]
            if same_bytes(path, self._target(key)):
                del staged[key]
                path.unlink()
            else:
                rewritten.add(key)
        return rewritten

    def _target(self, key: str) -> Path:
        """The mirror path for a key; refuses anything that could lead outside site/."""
        segments = split_path(key)
        path = self.files_dir.joinpath(*segments)
        for parent in path.parents:
            if parent == self.files_dir:
                break
            if parent.is_symlink():
                raise SourceError(f"refusing to write through the symlink {parent}")
        return path

    def _local_files(self) -> dict[str, int]:
        """Every regular file in the mirror (NFC keys, as we wrote them) and its size."""
        found: dict[str, int] = {}
        for dirpath, _dirs, names in os.walk(self.files_dir):
            rel = os.path.relpath(dirpath, self.files_dir)
            for name in names:
                full = os.path.join(dirpath, name)
                with contextlib.suppress(OSError):
                    key = name if rel == "." else f"{rel.replace(os.sep, '/')}/{name}"
                    found[key] = os.lstat(full).st_size
        return found

    def _download(
        self,
        client: Client,
        guard: SyncGuard,
        files: dict[str, FileEntry],
        keys: list[str],
        jobs: int,
        progress: Progress | None,
    ) -> tuple[dict[str, tuple[Path, int]], int]:
        shutil.rmtree(self.staging_dir, ignore_errors=True)
        self.staging_dir.mkdir()
        staged: dict[str, tuple[Path, int]] = {}
        lock = threading.Lock()
        done = 0
        total = len(keys)
        if progress is not None:
            progress(0, total)
        # Files listed without a size share what the listed sizes leave of the size limit.
        unsized = guard.limits.max_bytes - sum(e.size or 0 for e in files.values())

        def fetch(number: int, key: str) -> None:
            nonlocal done
            entry = files[key]
            dest = self.staging_dir / f"{number:08d}"
            guard.clock(key)
            got = client.download(
                entry.remote or key,
                dest,
                expected_size=entry.size,
                expected_etag=entry.etag,
                temp_dir=self.staging_dir,
                max_size=max(0, unsized) if entry.size is None else None,
            )
            with lock:
                staged[key] = (dest, got.size)
                done += 1
                if progress is not None:
                    progress(done, total)

        pool = ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="sitegen-get")
        try:
            futures = [pool.submit(fetch, n, key) for n, key in enumerate(keys)]
            for future in futures:
                future.result()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return staged, sum(size for _, size in staged.values())

    def _apply(
        self,
        staged: dict[str, tuple[Path, int]],
        dirs: dict[str, str | None],
        files: dict[str, FileEntry],
        local: dict[str, int],
    ) -> None:
        for key, (source, _) in staged.items():
            target = self._target(key)
            self._make_parents(target)
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            os.replace(source, target)
        for key in local:
            if key not in files:
                with contextlib.suppress(FileNotFoundError):
                    self._target(key).unlink()
        for dirpath, subdirs, _names in os.walk(self.files_dir, topdown=False):
            rel = os.path.relpath(dirpath, self.files_dir).replace(os.sep, "/")
            for sub in subdirs:
                key = sub if rel == "." else f"{rel}/{sub}"
                if key not in dirs:
                    path = Path(dirpath, sub)
                    if path.is_symlink():
                        path.unlink()
                    else:
                        shutil.rmtree(path, ignore_errors=True)
        for key in sorted(dirs):
            target = self._target(key)
            if not target.is_dir():
                self._make_parents(target)
                if target.exists() or target.is_symlink():
                    target.unlink()
                target.mkdir()
        shutil.rmtree(self.staging_dir, ignore_errors=True)

    def _make_parents(self, target: Path) -> None:
        """Create the folders above `target`, replacing a file that is in the way."""
        for parent in reversed(target.parents):
            if not parent.is_relative_to(self.files_dir) or parent == self.files_dir:
                continue
            if parent.is_symlink() or (parent.exists() and not parent.is_dir()):
                parent.unlink()
            parent.mkdir(exist_ok=True)
