"""Layer 3: the no-change build. When every input looks exactly as the last build of the same
output found it, and the output is as that build left it, a build reads, parses and renders
nothing.

"Looks the same" compares each file's size, modification and change times and inode (the change
time cannot be set back, so a rewrite is seen even when a sync tool restores the modification
time), over every file the build would read: the site's, its themes', sitegen's own code. The
options, sitegen's version and the day (templates may show dates) count too, and a build is
not skipped once a held-back page is due. A file changed too recently for its times to tell
two writes apart (file times are only as fine as the kernel's clock tick) makes no stamp: the
next build does the work. The stamp lives beside the output (`.sitegen/NAME.stamp.json`).
"""

from __future__ import annotations

import binascii
import datetime as dt
import json
import os
import time
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import sitegen
from sitegen import __version__

from .keptfile import keep

try:  # what hashlib.blake2b is, without hashlib's loading of OpenSSL (1-2 % of the build)
    from _blake2 import blake2b
except ImportError:  # pragma: no cover
    from hashlib import blake2b

FORMAT = 3
RACY_NS = 100_000_000  # a file changed this close to the build's start is not trusted
SIG = 4  # a file's signature: size, modification and change times, inode
TOP = 2**63  # numbers from here on are kept in a signed 64-bit slot by wrapping around


def stamp_file(out_dir: Path) -> Path:
    return out_dir.parent / ".sitegen" / f"{out_dir.name}.stamp.json"


class InputStats:
    """The signatures (size, modification and change times, inode) the no-change check took of
    the build's inputs, by display name, for the load to take again without a second stat of
    each file; `taken_ns`: when it began taking them."""

    def __init__(self, taken_ns: int = 0) -> None:
        self.taken_ns = taken_ns
        self.names: list[str] = []
        self.numbers: list[int] = []
        self._index: dict[str, int] | None = None

    def get(self, name: str) -> tuple[int, ...] | None:
        if self._index is None:  # made only by a build that goes on past the check
            self._index = {n: i for i, n in enumerate(self.names)}
        i = self._index.get(name)
        return None if i is None else tuple(self.numbers[SIG * i : SIG * i + SIG])


def inputs_key(
    paths: Iterable[tuple[str, str]],
    settings: str,
    now: dt.datetime,
    stats: InputStats | None = None,
) -> str | None:
    """A key of everything a build reads, from file metadata only; None when a file changed
    too recently to be told apart from a later write. `stats` keeps the signatures taken."""
    stats = stats if stats is not None else InputStats()
    stats.taken_ns = time.time_ns()
    fresh = stats.taken_ns - RACY_NS
    names, numbers = stats.names, stats.numbers
    for name, path in [*paths, *own_code()]:
        try:
            st = os.stat(path)
        except OSError:
            return None
        names.append(name)
        numbers += (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
    if numbers and max(max(numbers[1::SIG]), max(numbers[2::SIG])) > fresh:
        return None
    h = blake2b(digest_size=16)
    h.update(repr((FORMAT, __version__, settings, now.date().isoformat(), len(names))).encode())
    h.update("\0".join(names).encode("utf-8", "surrogateescape"))  # no name holds a NUL
    h.update(_packed(numbers).tobytes())
    return h.hexdigest()


def own_code() -> list[tuple[str, str]]:
    """sitegen's own modules (a changed sitegen may build differently), as (name, path)."""
    out: list[tuple[str, str]] = []

    def visit(folder: str, prefix: str) -> None:
        with os.scandir(folder) as it:
            for entry in it:
                if entry.is_dir(follow_symlinks=False):
                    visit(entry.path, f"{prefix}{entry.name}/")
                elif entry.name.endswith(".py"):
                    out.append((f"sitegen:{prefix}{entry.name}", entry.path))

    visit(os.path.dirname(sitegen.__file__), "")
    out.sort()
    return out


def _sig(st: os.stat_result) -> tuple[int, int, int, int]:
    """A file's signature (an inode number may use all 64 bits: wrapped, as in _signatures)."""
    ino = st.st_ino if st.st_ino < TOP else st.st_ino - 2 * TOP
    return st.st_size, st.st_mtime_ns, st.st_ctime_ns, ino


def _signatures(out_dir: Path, rels: Iterable[str]) -> array[int]:
    """The signatures of these output files (or folders, "" the output itself), one after
    another; raises OSError when one is gone."""
    root = str(out_dir)
    base = root + os.sep
    out: list[int] = []
    for rel in rels:  # the hot loop of a no-change build: _sig inlined
        st = os.lstat(base + rel if rel else root)
        out += (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
    return _packed(out)


def _packed(numbers: list[int]) -> array[int]:
    """The numbers in signed 64-bit slots (an inode number past TOP wrapped around)."""
    try:
        return array("q", numbers)
    except OverflowError:
        return array("q", [n if n < TOP else n - 2 * TOP for n in numbers])


def _folders(files: Iterable[str]) -> list[str]:
    """The folders holding these output files, "" the output itself. A folder's times change
    when an entry is added to it or removed, so they show whether the output holds other files
    too, without listing thousands of folders."""
    seen: dict[str, None] = {}
    for rel in files:
        folder = rel.rpartition("/")[0]
        while folder not in seen:
            seen[folder] = None
            if not folder:
                break
            folder = folder.rpartition("/")[0]
    return list(seen)


@dataclass(frozen=True)
class Stamp:
    key: str
    pages: int
    assets: int
    next_due: dt.datetime | None
    files: tuple[str, ...]  # the output files, sorted
    folders: tuple[str, ...]  # and their folders
    # size, times and inode of each file, then of each folder, as the build left them (SIG
    # numbers each, in one array: the stamp file holds its bytes, cheap to read and compare)
    signatures: array[int]

    @classmethod
    def load(cls, out_dir: Path) -> Stamp | None:
        try:
            raw = json.loads(stamp_file(out_dir).read_text(encoding="utf-8"))
            if raw.get("format") != FORMAT:
                return None
            due = raw["next_due"]
            signatures = array("q")
            signatures.frombytes(binascii.a2b_base64(raw["signatures"]))
            stamp = cls(
                str(raw["key"]),
                int(raw["pages"]),
                int(raw["assets"]),
                dt.datetime.fromisoformat(due) if due else None,
                tuple(raw["files"]),
                tuple(raw["folders"]),
                signatures,
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError, binascii.Error):
            return None
        if len(stamp.signatures) != SIG * (len(stamp.files) + len(stamp.folders)):
            return None
        return stamp

    def still_holds(self, key: str | None, out_dir: Path, local_now: dt.datetime) -> bool:
        """Whether a build with inputs `key` at `local_now` would leave the output as it is."""
        if not key or key != self.key:
            return False
        if self.next_due is not None and local_now >= self.next_due:
            return False
        try:
            return _signatures(out_dir, [*self.files, *self.folders]) == self.signatures
        except OSError:
            return False

    def listing(self, out_dir: Path, seen: dict[str, list[int]] | None = None) -> set[str] | None:
        """Every file in the output, when no folder of it changed since the last build (so no
        file was added or removed); None when it must be listed. `seen` gets each folder's
        signature as found (Stamp.write need not look again at those a build does not touch)."""
        try:
            now = _signatures(out_dir, self.folders)
        except OSError:
            return None
        if seen is not None:
            for n, folder in enumerate(self.folders):
                seen[folder] = now[SIG * n : SIG * n + SIG].tolist()
        return set(self.files) if now == self.signatures[SIG * len(self.files) :] else None

    def intact(self, out_dir: Path) -> dict[str, list[int]]:
        """The output files still as the last build left them (a build may keep those), with
        their signatures."""
        out = {}
        base = str(out_dir) + os.sep
        for n, rel in enumerate(self.files):
            try:
                st = os.lstat(base + rel)
            except OSError:
                continue
            recorded = self.signatures[SIG * n : SIG * n + SIG].tolist()
            if list(_sig(st)) == recorded:
                out[rel] = recorded
        return out

    @staticmethod
    def forget(out_dir: Path) -> None:
        """Drop the stamp before an output changes, so a build that stops half way is not
        taken for a complete one."""
        stamp_file(out_dir).unlink(missing_ok=True)

    @staticmethod
    def write(
        out_dir: Path,
        key: str | None,
        outputs: Iterable[str],
        pages: int,
        assets: int,
        next_due: dt.datetime | None,
        known: Mapping[str, Sequence[int]] | None = None,
        known_folders: Mapping[str, Sequence[int]] | None = None,
    ) -> None:
        """Record a finished build: the state of its output, and its inputs' key when they
        were not too fresh to be keyed. `known`: signatures of the output files this build
        found intact (Stamp.intact) and did not write; `known_folders`: of the folders it
        found (Stamp.listing) and changed nothing in. A folder changed by someone else in
        between keeps the signature found before: the next build sees it changed, and looks."""
        known, known_folders = known or {}, known_folders or {}
        files = sorted(outputs)
        folders = _folders(files)
        try:
            signatures = array("q")
            for rel in files:
                signatures.extend(known.get(rel) or _signatures(out_dir, [rel]))
            for folder in folders:
                signatures.extend(known_folders.get(folder) or _signatures(out_dir, [folder]))
        except OSError:
            return
        data = {
            "format": FORMAT,
            "key": key or "",
            "pages": pages,
            "assets": assets,
            "next_due": next_due.isoformat() if next_due else None,
            "files": files,
            "folders": folders,
            "signatures": binascii.b2a_base64(signatures.tobytes(), newline=False).decode(),
        }
        # not kept (no room): the next build does the work
        keep(stamp_file(out_dir), json.dumps(data, separators=(",", ":")))
