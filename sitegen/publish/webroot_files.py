"""Layer 4: the file operations of a web root, each safe to cut short at any point.

Nothing here leaves a half-written file where a web server could serve it: files are written
elsewhere (a release's staging folder, or the root's `.sitegen/tmp/`) and renamed into place.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from sitegen.publish.manifest import STATE_DIR, Entry

_CHUNK = 1 << 20


def copy_into(src: Path, dest: Path) -> None:
    """Copy into a folder nobody serves yet (a release's staging folder)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, dest)


def link_checked(src: Path, dest: Path, want: Entry) -> bool:
    """Share `src` with `dest` (a hard link, or a copy across file systems) only if it still
    holds `want`'s bytes: a file edited in place is never carried into another release."""
    if not is_intact(src, want):
        return False
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dest)
    except OSError:
        shutil.copy2(src, dest)
    return True


def is_intact(path: Path, want: Entry) -> bool:
    """The file holds exactly the bytes `want` names (checked before it is shared or served)."""
    try:
        if path.is_symlink() or path.stat().st_size != want.size:
            return False
        h = hashlib.sha256()
        with path.open("rb") as f:
            while chunk := f.read(_CHUNK):
                h.update(chunk)
    except OSError:
        return False
    return h.hexdigest() == want.sha256


def tmp_dir(root: Path) -> Path:
    """Where a file is written before it is renamed into a served folder (same file system)."""
    return root / STATE_DIR / "tmp"


def replace_from(src: Path, dest: Path, tmp: Path) -> None:
    """Put a copy of `src` at `dest` with one rename: a reader sees the old or the new file."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp.mkdir(parents=True, exist_ok=True)
    part = tmp / f"{os.getpid()}-{dest.name}"[-200:]
    shutil.copy2(src, part)
    os.replace(part, dest)


def write_atomic(dest: Path, data: bytes) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.sitegen-tmp")
    with tmp.open("wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, dest)


def append_line(path: Path, line: bytes) -> None:
    """Append one record; a torn last line (a cut mid-write, no newline) was never a record and
    is cut off first, so the new record starts on a line of its own."""
    if not line:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("ab") as f:
        end = f.seek(0, os.SEEK_END)
        if end:
            with path.open("rb") as r:
                r.seek(end - 1)
                torn = r.read(1) != b"\n"
            if torn:  # rare: read the whole log once to find the last newline
                os.truncate(path, path.read_bytes().rfind(b"\n") + 1)
        f.write(line)
        f.flush()
        os.fsync(f.fileno())


def complete_lines(data: bytes) -> list[bytes]:
    """The records of a log: non-empty lines, leaving out a torn last line."""
    body = data if data.endswith(b"\n") else data[: data.rfind(b"\n") + 1]
    return [ln for ln in body.split(b"\n") if ln.strip()]


def last_line(path: Path, tail: int = 1 << 16) -> bytes | None:
    """The last complete record of a log, reading only the end of it."""
    if not path.is_file():
        return None
    with path.open("rb") as f:
        size = f.seek(0, os.SEEK_END)
        f.seek(max(0, size - tail))
        chunk = f.read()
    lines = complete_lines(chunk)
    if size > tail and len(lines) < 2:  # a record longer than the tail: read it all
        lines = complete_lines(path.read_bytes())
    return lines[-1] if lines else None


def count_lines(path: Path) -> int:
    return len(complete_lines(path.read_bytes()))


def remove_empty_parents(root: Path, path: str) -> None:
    parent = (root / path).parent
    while parent != root and parent.name != STATE_DIR:
        try:
            parent.rmdir()
        except OSError:
            return
        parent = parent.parent
