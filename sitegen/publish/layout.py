"""What a store target's `.sitegen/` folder holds, read from one listing: the names, ETags and
sizes of the base manifest, the journal records and the closed log segments (docs in ledger.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sitegen.publish.manifest import JOURNAL_DIR, SEGMENT_DIR
from sitegen.publish.store import Stat

_RECORD = re.compile(r"(\d{6,})\.json")
_DONE = re.compile(r"(\d{6,})\.done")
_SEGMENT = re.compile(r"(\d{6,})-(\d{6,})\.jsonl")


def record_path(seq: int) -> str:
    return f"{JOURNAL_DIR}/{seq:06d}.json"


def done_path(seq: int) -> str:
    return f"{JOURNAL_DIR}/{seq:06d}.done"


def segment_path(first: int, last: int) -> str:
    return f"{SEGMENT_DIR}/{first:06d}-{last:06d}.jsonl"


@dataclass
class Layout:
    """What `.sitegen/` holds, from the listing: names, ETags and sizes, no contents."""

    files: dict[str, Stat] = field(default_factory=dict)
    dirs: set[str] = field(default_factory=set)

    def _numbered(self, pattern: re.Pattern[str]) -> dict[int, str]:
        out = {}
        for path in self.files:
            parent, _, name = path.rpartition("/")
            m = pattern.fullmatch(name)
            if parent == JOURNAL_DIR and m:
                out[int(m.group(1))] = path
        return out

    @property
    def records(self) -> dict[int, str]:
        return self._numbered(_RECORD)

    @property
    def done(self) -> set[int]:
        return set(self._numbered(_DONE))

    @property
    def segments(self) -> list[tuple[int, int, str]]:
        out = []
        for path in self.files:
            folder, _, name = path.rpartition("/")
            m = _SEGMENT.fullmatch(name)
            if folder == SEGMENT_DIR and m and int(m.group(1)) <= int(m.group(2)):
                out.append((int(m.group(1)), int(m.group(2)), path))
        return sorted(out)

    def etag(self, path: str) -> str | None:
        return self.files[path].etag if path in self.files else None

    def size(self, path: str) -> int:
        return self.files[path].size if path in self.files else 0


def layout_of(listing: dict[str, Stat], state_dir: str) -> Layout:
    layout = Layout()
    for path, st in listing.items():
        if path == state_dir or path.startswith(state_dir + "/"):
            if st.is_dir:
                layout.dirs.add(path)
            else:
                layout.files[path] = st
    return layout


def lines_of(data: bytes) -> list[bytes]:
    return [ln for ln in data.split(b"\n") if ln.strip()]
