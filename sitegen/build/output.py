"""Layer 3: write a build into a fresh folder beside the output, and swap it in only on success.

A failed build never touches the previous output. The swap uses Linux's renameat2(RENAME_EXCHANGE)
when it is there (one atomic step, so a web server reading the folder sees the old site or the new
one), and two renames elsewhere.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import shutil
import subprocess
import time
from pathlib import Path

from .ownership import check_output, mark_owned

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


class StagingDir:
    """A hidden folder beside OUT that receives the new build of the site in SITE_DIR.

    Every command that writes a build (build, check, serve, publish) makes one, so the check that
    OUT may be replaced (build/ownership.py) runs here, before anything is written or deleted."""

    def __init__(self, out: Path, site_dir: Path, *, replace: bool = False) -> None:
        check_output(site_dir, out, replace=replace)
        self.out = out
        out.parent.mkdir(parents=True, exist_ok=True)
        for stale in out.parent.glob(f".{out.name}.sitegen-old-*"):  # left by a crashed build
            remove_in_background(stale)
        self.path = out.parent / f".{out.name}.sitegen-new-{os.getpid()}"
        if self.path.exists():
            shutil.rmtree(self.path)
        self.path.mkdir()
        self._made: set[str] = {""}

    def write_text(self, rel: str, text: str) -> None:
        self.write_bytes(rel, text.encode("utf-8"))

    def write_bytes(self, rel: str, data: bytes) -> None:
        self._ensure_parent(rel)
        # os.open/os.write: a new file in a fresh folder needs no buffered file object.
        fd = os.open(os.path.join(self.path, rel), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)

    def copy_file(self, rel: str, source: Path) -> None:
        self._ensure_parent(rel)
        shutil.copyfile(source, os.path.join(self.path, rel))

    def link_file(self, rel: str, source: Path) -> None:
        """Take an unchanged file over from the previous build: a hard link where the disk
        allows one (no data is written), a copy elsewhere."""
        self._ensure_parent(rel)
        dest = os.path.join(self.path, rel)
        try:
            os.link(source, dest)
        except OSError:
            shutil.copyfile(source, dest)

    def _ensure_parent(self, rel: str) -> None:
        parent = rel.rpartition("/")[0]
        if parent not in self._made:
            os.makedirs(os.path.join(self.path, parent), exist_ok=True)
            self._made.add(parent)

    def commit(self) -> None:
        """Put the new build where OUT is; the old one goes away after the swap."""
        if self.out.is_symlink() or (self.out.exists() and not self.out.is_dir()):
            raise FileExistsError(f"{self.out} exists and is not a folder")
        # Unique per build: the previous build's old tree may still be being removed.
        old = self.out.parent / f".{self.out.name}.sitegen-old-{os.getpid()}-{time.time_ns()}"
        if self.out.exists() and _exchange(self.path, self.out):
            os.rename(self.path, old)
        else:
            if self.out.exists():
                os.rename(self.out, old)
            os.rename(self.path, self.out)
        mark_owned(self.out)
        if old.exists():
            remove_in_background(old)

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def remove_in_background(path: Path) -> None:
    """Delete a replaced output tree without making the build wait for thousands of unlinks."""
    rm = shutil.which("rm")
    if os.name != "posix" or rm is None:
        shutil.rmtree(path, ignore_errors=True)
        return
    subprocess.Popen(
        [rm, "-rf", "--", str(path)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2); False where the call is not available."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    with contextlib.suppress(OSError):
        libc = ctypes.CDLL(libc_name, use_errno=True)
        fn = getattr(libc, "renameat2", None)
        if fn is None:
            return False
        rc = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
        return bool(rc == 0)
    return False
