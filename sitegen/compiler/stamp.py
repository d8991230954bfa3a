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

import datetime as dt
import hashlib
import json
import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import sitegen
from sitegen import __version__

FORMAT = 1
RACY_NS = 100_000_000  # a file changed this close to the build's start is not trusted


def stamp_file(out_dir: Path) -> Path:
    return out_dir.parent / ".sitegen" / f"{out_dir.name}.stamp.json"


def inputs_key(paths: Iterable[tuple[str, Path]], settings: str, now: dt.datetime) -> str | None:
    """A key of everything a build reads, from file metadata only; None when a file changed
    too recently to be told apart from a later write."""
    start = time.time_ns()
    h = hashlib.blake2b(digest_size=16)
    h.update(repr((FORMAT, __version__, settings, now.date().isoformat())).encode())
    code = Path(sitegen.__file__).parent
    own = [(f"sitegen:{p.relative_to(code)}", p) for p in sorted(code.rglob("*.py"))]
    for name, path in [*paths, *own]:
        try:
            st = os.stat(path)
        except OSError:
            return None
        if max(st.st_mtime_ns, st.st_ctime_ns) > start - RACY_NS:
            return None
        sig = f"{name}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ctime_ns}\0{st.st_ino}\n"
        h.update(sig.encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def _sig(path: str) -> list[int]:
    st = os.lstat(path)
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def _output_state(
    out_dir: Path, files: Iterable[str], known: Mapping[str, list[int]]
) -> tuple[dict[str, list[int]], dict[str, list[int]]] | None:
    """(file -> signature, folder -> signature) of these output files and their folders. A
    folder's times change when an entry is added to it or removed, so the folders show whether
    the output holds other files too, without listing thousands of folders. `known`: the
    signatures of files this build found and left as they were."""
    root = str(out_dir)
    state: dict[str, list[int]] = {}
    folders: dict[str, list[int]] = {}
    try:
        for rel in files:
            state[rel] = known.get(rel) or _sig(os.path.join(root, rel))
            folder = rel.rpartition("/")[0]
            while folder not in folders:
                folders[folder] = _sig(os.path.join(root, folder) if folder else root)
                folder = folder.rpartition("/")[0]
    except OSError:
        return None
    return state, folders


@dataclass(frozen=True)
class Stamp:
    key: str
    pages: int
    assets: int
    next_due: dt.datetime | None
    outputs: dict[str, list[int]]  # output file -> size, times, inode as the build left it
    folders: dict[str, list[int]]  # the same of each output folder

    @classmethod
    def load(cls, out_dir: Path) -> Stamp | None:
        try:
            raw = json.loads(stamp_file(out_dir).read_text(encoding="utf-8"))
            if raw.get("format") != FORMAT:
                return None
            due = raw["next_due"]
            return cls(
                str(raw["key"]),
                int(raw["pages"]),
                int(raw["assets"]),
                dt.datetime.fromisoformat(due) if due else None,
                {str(k): list(v) for k, v in raw["outputs"].items()},
                {str(k): list(v) for k, v in raw["folders"].items()},
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def still_holds(self, key: str | None, out_dir: Path, local_now: dt.datetime) -> bool:
        """Whether a build with inputs `key` at `local_now` would leave the output as it is."""
        if not key or key != self.key:
            return False
        if self.next_due is not None and local_now >= self.next_due:
            return False
        return _output_state(out_dir, self.outputs, {}) == (self.outputs, self.folders)

    def listing(self, out_dir: Path) -> set[str] | None:
        """Every file in the output, when no folder of it changed since the last build (so no
        file was added or removed); None when it must be listed."""
        try:
            for rel, recorded in self.folders.items():
                if _sig(os.path.join(out_dir, rel) if rel else str(out_dir)) != recorded:
                    return None
        except OSError:
            return None
        return set(self.outputs)

    def intact(self, out_dir: Path) -> dict[str, list[int]]:
        """The output files still as the last build left them (a build may keep those), with
        their signatures."""
        out = {}
        root = str(out_dir)
        for rel, recorded in self.outputs.items():
            try:
                st = os.lstat(os.path.join(root, rel))
            except OSError:
                continue
            if [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino] == recorded:
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
        known: Mapping[str, list[int]] | None = None,
    ) -> None:
        """Record a finished build: the state of its output, and its inputs' key when they
        were not too fresh to be keyed. `known`: signatures of the output files this build
        found intact (Stamp.intact) and did not write."""
        state = _output_state(out_dir, outputs, known or {})
        if state is None:
            return
        path = stamp_file(out_dir)
        data = {
            "format": FORMAT,
            "key": key or "",
            "pages": pages,
            "assets": assets,
            "next_due": next_due.isoformat() if next_due else None,
            "outputs": state[0],
            "folders": state[1],
        }
        tmp = path.with_suffix(f".tmp-{os.getpid()}")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps(data), encoding="utf-8")
            os.replace(tmp, path)
        except OSError:
            return  # no stamp only makes the next build do the work
