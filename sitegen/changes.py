"""Layer 1: the difference between two listings (path -> fingerprint), for sync and publish."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Changes:
    """What turns the `old` listing into the `new` one; each tuple is sorted."""

    added: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.removed)

    def __len__(self) -> int:
        return len(self.added) + len(self.changed) + len(self.removed)


def diff_listings(old: Mapping[str, Hashable], new: Mapping[str, Hashable]) -> Changes:
    """Compare two path -> fingerprint maps (an ETag, a sha256, a (size, mtime) pair ...)."""
    added = sorted(p for p in new if p not in old)
    removed = sorted(p for p in old if p not in new)
    changed = sorted(p for p, fp in new.items() if p in old and old[p] != fp)
    return Changes(tuple(added), tuple(changed), tuple(removed))
