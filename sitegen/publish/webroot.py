"""Layer 4: a web server's document root on this machine.

`release` mode (the default) builds each publish into `releases/<timestamp>/` and switches the
`current` symlink with one rename, so every request sees either the old site or the new one.
Unchanged files are hard-linked from the previous release, which makes a release cheap.
`sync` mode, for hosts without symlinks, updates the root in place: new files, changed files (each
written to a temp file and renamed over the old one), the manifest, then deletes.
"""

from __future__ import annotations

import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

from sitegen.errors import PublishError
from sitegen.publish import log
from sitegen.publish.links import new_page_batches
from sitegen.publish.manifest import (
    LOG_PATH,
    MANIFEST_PATH,
    STATE_DIR,
    Entry,
    manifest_of_tree,
    walk_files,
)
from sitegen.publish.plan import DEFAULT_KEEP, Plan, apply_to_manifest, is_kept
from sitegen.publish.record import Record, line_sha256
from sitegen.publish.target import (
    History,
    LogEntry,
    Progress,
    TargetState,
    decode_manifest,
    encode_manifest,
)

RELEASES = "releases"
CURRENT = "current"
_TMP_PREFIX = ".tmp-"


class WebRoot:
    checks_nextcloud_names = False

    def __init__(
        self,
        root: Path,
        *,
        mode: str = "release",
        keep_releases: int = 5,
        keep: tuple[str, ...] = DEFAULT_KEEP,
    ) -> None:
        if mode not in ("release", "sync"):
            raise PublishError(f"web root mode must be 'release' or 'sync', not {mode!r}")
        if keep_releases < 1:
            raise PublishError("--keep must be at least 1")
        self.root = root
        self.mode = mode
        self.keep_releases = keep_releases
        self.keep = keep

    @property
    def label(self) -> str:
        return str(self.root.resolve())

    # -- what is held -------------------------------------------------------------------------

    def live_dir(self) -> Path | None:
        """The folder being served: `current`'s release, or the root itself in sync mode."""
        if self.mode == "sync":
            return self.root
        link = self.root / CURRENT
        if not link.is_symlink():
            if link.exists():
                raise PublishError(
                    f'{link} exists but is not a symlink; use mode = "sync" or move it away'
                )
            return None
        return link.resolve()

    def _live_manifest(self) -> tuple[dict[str, Entry], dict[str, Entry]]:
        live = self.live_dir()
        if live is not None and (live / MANIFEST_PATH).is_file():
            files, pending, _ = decode_manifest((live / MANIFEST_PATH).read_bytes())
            return files, pending
        return {}, {}

    def read_state(self) -> TargetState:
        """The live manifest and the log's last record (read from the end of the file: a web
        root appends, so a publish costs the same however long its history)."""
        files, pending = self._live_manifest()
        last = _last_line(self.root / LOG_PATH)
        if last is None:
            return TargetState({**pending, **files}, files)
        manifest_sha, seq = None, None
        try:
            rec = Record.from_line(last)
            manifest_sha = rec.manifest_sha256
            seq = rec.seq + 1 if rec.seq is not None else None
        except (ValueError, KeyError, TypeError, IndexError):
            pass  # an unreadable last record: the next one still chains to its bytes
        if seq is None:  # records from before numbering count by position
            seq = _count_lines(self.root / LOG_PATH) + 1
        return TargetState({**pending, **files}, files, line_sha256(last), manifest_sha, seq)

    def history(self) -> History:
        log_file = self.root / LOG_PATH
        data = log_file.read_bytes() if log_file.is_file() else b""
        entries = [
            LogEntry(LOG_PATH, n, line)
            for n, line in enumerate((ln for ln in data.split(b"\n") if ln.strip()), start=1)
        ]
        return History(entries, self._live_manifest()[0], MANIFEST_PATH)

    def held_files(self) -> dict[str, Entry]:
        live = self.live_dir()
        return manifest_of_tree(live) if live is not None else {}

    def releases(self) -> list[Path]:
        folder = self.root / RELEASES
        if not folder.is_dir():
            return []
        return sorted(
            p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(_TMP_PREFIX)
        )

    # -- writing ------------------------------------------------------------------------------

    def apply(
        self, plan: Plan, out_dir: Path, record: Record | None, progress: Progress | None
    ) -> None:
        log_line = record.to_line() if record is not None else b""
        if self.mode == "sync":
            self._apply_sync(plan, out_dir, log_line, progress)
        else:
            self._apply_release(plan, out_dir, log_line, progress)

    def _apply_release(
        self, plan: Plan, out_dir: Path, log_line: bytes, progress: Progress | None
    ) -> None:
        previous = self.live_dir()
        result = apply_to_manifest(plan, plan.target)
        uploads = set(plan.uploads())
        name = _release_name(self.root / RELEASES)
        staging = self.root / RELEASES / f"{_TMP_PREFIX}{name}"
        staging.mkdir(parents=True)
        try:
            for path in sorted(result):
                if path in uploads or previous is None:
                    _copy(out_dir / path, staging / path)
                    if progress:
                        progress(path, result[path].size)
                else:
                    _link_or_copy(previous / path, out_dir / path, staging / path)
            if previous is not None:  # files the site does not own, placed there by hand
                for path in walk_files(previous):
                    if path not in result and is_kept(path, self.keep):
                        _link_or_copy(previous / path, previous / path, staging / path)
            _write_atomic(staging / MANIFEST_PATH, encode_manifest(result))
            final = self.root / RELEASES / name
            os.replace(staging, final)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        self._switch(final)
        _append(self.root / LOG_PATH, log_line)
        self._prune()

    def _switch(self, release: Path) -> None:
        """Point `current` at `release` with one rename: readers never see a missing site."""
        tmp = self.root / f".{CURRENT}.{os.getpid()}.tmp"
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        os.symlink(os.path.relpath(release, self.root), tmp)
        os.replace(tmp, self.root / CURRENT)

    def _prune(self) -> None:
        live = self.live_dir()
        releases = self.releases()
        for old in releases[: max(0, len(releases) - self.keep_releases)]:
            if old != live:
                shutil.rmtree(old, ignore_errors=True)
        for p in (self.root / RELEASES).iterdir():  # staging left by an interrupted publish
            if p.name.startswith(_TMP_PREFIX) and p.is_dir():
                shutil.rmtree(p, ignore_errors=True)

    def rollback(self, now: datetime | None = None) -> Path:
        """Switch `current` back to the release before it, and log that as a publish."""
        if self.mode == "sync":
            raise PublishError("rollback needs release mode: a sync-mode root keeps no releases")
        live = self.live_dir()
        earlier = [r for r in self.releases() if live is None or r.name < live.name]
        if not earlier:
            raise PublishError(f"no earlier release to roll back to in {self.root / RELEASES}")
        release = earlier[-1]
        files: dict[str, Entry] = {}
        if (release / MANIFEST_PATH).is_file():
            files, _, _ = decode_manifest((release / MANIFEST_PATH).read_bytes())
        state = self.read_state()
        record = log.next_record(
            state.last_record_sha,
            state.next_seq,
            now or datetime.now(timezone.utc),
            f"rollback:{release.name}",
            files,
        )
        self._switch(release)
        _append(self.root / LOG_PATH, record.to_line())
        return release

    def _apply_sync(
        self, plan: Plan, out_dir: Path, log_line: bytes, progress: Progress | None
    ) -> None:
        result = apply_to_manifest(plan, plan.target)
        for path in [p for batch in new_page_batches(plan, out_dir) for p in batch]:
            _copy(out_dir / path, self.root / path)
            if progress:
                progress(path, plan.source[path].size)
        pending = {p: plan.target[p] for p in plan.deleted}
        _write_atomic(self.root / MANIFEST_PATH, encode_manifest(result, pending))
        _append(self.root / LOG_PATH, log_line)
        for path in plan.deletes():
            (self.root / path).unlink(missing_ok=True)
            _remove_empty_parents(self.root, path)
        if pending:
            _write_atomic(self.root / MANIFEST_PATH, encode_manifest(result))


def _last_line(path: Path, tail: int = 1 << 16) -> bytes | None:
    """The last non-empty line of a file, reading only the end of it."""
    if not path.is_file():
        return None
    with path.open("rb") as f:
        size = f.seek(0, os.SEEK_END)
        f.seek(max(0, size - tail))
        chunk = f.read()
    lines = [ln for ln in chunk.split(b"\n") if ln.strip()]
    if size > tail and len(lines) < 2:  # a record longer than the tail: read it all
        lines = [ln for ln in path.read_bytes().split(b"\n") if ln.strip()]
    return lines[-1] if lines else None


def _count_lines(path: Path) -> int:
    return sum(1 for ln in path.read_bytes().split(b"\n") if ln.strip())


def _release_name(folder: Path) -> str:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
    name, n = stamp, 1
    while (folder / name).exists():  # two publishes within one microsecond
        n += 1
        name = f"{stamp}-{n}"
    return name


def _copy(src: Path, dest: Path) -> None:
    """Write `dest` through a temp file and a rename, so nobody reads a half-written file."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.sitegen-tmp")
    shutil.copy2(src, tmp)
    os.replace(tmp, dest)


def _link_or_copy(previous: Path, fallback: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(previous, dest)
    except OSError:  # another file system, or the file went missing from the old release
        shutil.copy2(fallback if fallback.exists() else previous, dest)


def _write_atomic(dest: Path, data: bytes) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.sitegen-tmp")
    with tmp.open("wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, dest)


def _append(path: Path, line: bytes) -> None:
    if not line:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("ab") as f:
        f.write(line)
        f.flush()
        os.fsync(f.fileno())


def _remove_empty_parents(root: Path, path: str) -> None:
    parent = (root / path).parent
    while parent != root and parent.name != STATE_DIR:
        try:
            parent.rmdir()
        except OSError:
            return
        parent = parent.parent
