"""Layer 3: write a build beside the output, and put it in place only on success.

A failed build never touches the previous output. Two ways to put a build in place:

- a **fresh** build (no previous output, `--clean`, or a folder sitegen did not make) fills a new
  folder and swaps it in with Linux's renameat2(RENAME_EXCHANGE) when it is there (one atomic
  step, so a web server reading the folder sees the old site or the new one), two renames
  elsewhere; the replaced tree is deleted before the build returns, so its cost is the build's;
- an **update** of sitegen's own previous output stages only the files whose bytes differ from
  what the output holds, then renames each into place (one atomic rename per file) and deletes
  the files the new build no longer makes: an unchanged page is neither written nor linked.
"""

from __future__ import annotations

import contextlib
import filecmp
import os
import shutil
import time
from collections.abc import Iterable
from pathlib import Path

from .ownership import check_output, is_owned, mark_owned

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


class StagingDir:
    """A hidden folder beside OUT that receives the new build of the site in SITE_DIR.

    Every command that writes a build (build, check, serve, publish) makes one, so the check that
    OUT may be replaced (compiler/ownership.py) runs here, before anything is written or deleted.
    With `update`, and when OUT is sitegen's own, only what changed is staged (see the module)."""

    def __init__(
        self, out: Path, site_dir: Path, *, replace: bool = False, update: bool = False
    ) -> None:
        check_output(site_dir, out, replace=replace)
        self.out = out
        out.parent.mkdir(parents=True, exist_ok=True)
        for stale in out.parent.glob(f".{out.name}.sitegen-old-*"):  # left by a crashed build
            shutil.rmtree(stale, ignore_errors=True)
        self.path = out.parent / f".{out.name}.sitegen-new-{os.getpid()}"
        if self.path.exists():
            shutil.rmtree(self.path)
        self.path.mkdir()
        self._made: set[str] = {""}
        self.update = update and out.is_dir() and not out.is_symlink() and is_owned(out)
        self.written: list[str] = []  # an update: the files it wrote (set by commit)
        self.removed: list[str] = []  # an update: the files it deleted (set by commit)

    def write_text(self, rel: str, text: str) -> None:
        self.write_bytes(rel, text.encode("utf-8"))

    def write_bytes(self, rel: str, data: bytes) -> None:
        if self.update and _holds(os.path.join(self.out, rel), data):
            return
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
        if self.update and _same_file_content(source, self.out / rel):
            return
        self._ensure_parent(rel)
        shutil.copyfile(source, os.path.join(self.path, rel))

    def link_file(self, rel: str, source: Path) -> None:
        """Take an unchanged file over from the previous build: left where it is by an update,
        else a hard link where the disk allows one (no data is written), a copy elsewhere."""
        if self.update and source == self.out / rel:
            return
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

    def commit(self, keep: Iterable[str] = (), present: set[str] | None = None) -> None:
        """Put the new build where OUT is. An update keeps only the files in `keep` (every
        output of the new build), moving in the staged ones; a fresh build replaces OUT.
        `present`: the files OUT holds, when known without listing it."""
        if self.out.is_symlink() or (self.out.exists() and not self.out.is_dir()):
            raise FileExistsError(f"{self.out} exists and is not a folder")
        if self.update:
            self.written, self.removed = _merge(self.path, self.out, set(keep), present)
            mark_owned(self.out)
            shutil.rmtree(self.path, ignore_errors=True)  # empty folders only
            return
        old = self.out.parent / f".{self.out.name}.sitegen-old-{os.getpid()}-{time.time_ns()}"
        if self.out.exists() and _exchange(self.path, self.out):
            os.rename(self.path, old)
        else:
            if self.out.exists():
                os.rename(self.out, old)
            os.rename(self.path, self.out)
        mark_owned(self.out)
        # Deleted here, not by a detached process: that cost would land on whatever runs next.
        shutil.rmtree(old, ignore_errors=True)

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def _holds(path: str, data: bytes) -> bool:
    """Whether the file at `path` holds exactly `data` (the size first, to read little)."""
    try:
        if os.stat(path).st_size != len(data):
            return False
        with open(path, "rb") as f:
            return f.read() == data
    except OSError:
        return False


def _same_file_content(a: Path, b: Path) -> bool:
    try:
        return b.is_file() and filecmp.cmp(a, b, shallow=False)
    except OSError:
        return False


def files_below(root: Path) -> tuple[list[str], list[str]]:
    """(files, folders) below root as POSIX paths, deepest folders last."""
    files: list[str] = []
    folders: list[str] = []
    for dirpath, dirs, names in os.walk(root):
        rel = os.path.relpath(dirpath, root).replace(os.sep, "/")
        prefix = "" if rel == "." else rel + "/"
        files.extend(prefix + n for n in names)
        folders.extend(prefix + d for d in dirs)
    return files, folders


def _merge(
    stage: Path, out: Path, keep: set[str], present: set[str] | None
) -> tuple[list[str], list[str]]:
    """Rename every staged file into `out`; delete the files of `out` (`present`, or listed)
    not in `keep` and the folders that this leaves empty. Returns (written, removed)."""
    staged, _ = files_below(stage)
    made: set[str] = set()
    for rel in staged:
        dest = out / rel
        parent = rel.rpartition("/")[0]
        if parent and parent not in made:
            _make_folder(out, parent)
            made.add(parent)
        if dest.is_dir() and not dest.is_symlink():  # a folder became a page
            shutil.rmtree(dest)
        os.replace(stage / rel, dest)
    if present is None:
        present = set(files_below(out)[0])
    removed = sorted(present - keep)
    emptied: set[str] = set()
    for rel in removed:
        # gone already: a page's folder that became a file; a folder now: a file that became one
        with contextlib.suppress(FileNotFoundError, IsADirectoryError, NotADirectoryError):
            (out / rel).unlink()
        folder = rel.rpartition("/")[0]
        while folder:
            emptied.add(folder)
            folder = folder.rpartition("/")[0]
    for rel in sorted(emptied, key=lambda f: -f.count("/")):
        with contextlib.suppress(OSError):  # not empty: it still holds outputs
            (out / rel).rmdir()
    return sorted(staged), removed


def _make_folder(out: Path, rel: str) -> None:
    """Make out/rel, deleting a file that stands where one of its folders goes (an output
    `a.html`-style file that became a folder of pages)."""
    parts = rel.split("/")
    for i in range(1, len(parts) + 1):
        here = out.joinpath(*parts[:i])
        if here.is_symlink() or (here.exists() and not here.is_dir()):
            here.unlink()
    os.makedirs(out / rel, exist_ok=True)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2); False where the call is not available."""
    import ctypes  # only a fresh build's swap needs it (an update's build imports none)

    fn = None
    with contextlib.suppress(OSError, AttributeError):
        # The process's own symbols hold libc's: no ctypes.util.find_library, which runs
        # `ldconfig -p` in a child process on every call.
        fn = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if fn is None:
        return False
    rc = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return bool(rc == 0)
