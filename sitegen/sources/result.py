"""What a sync reports."""

from __future__ import annotations

from dataclasses import dataclass

from sitegen.changes import Changes

NO_CHANGES = Changes((), (), ())


@dataclass(frozen=True)
class SyncResult:
    changes: Changes
    requests: int
    bytes: int
    seconds: float
