"""What the fault proxy injects: the fault kinds, deterministic rules, and its request log."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal[
    "reset_before",
    "reset_after",
    "status_500",
    "status_502",
    "status_503",
    "status_429",
    "truncate",
    "delay",
]
KINDS: tuple[Kind, ...] = (
    "reset_before",
    "reset_after",
    "status_500",
    "status_502",
    "status_503",
    "status_429",
    "truncate",
    "delay",
)


@dataclass
class Rule:
    """Deterministic faults: request number `nth` (1-based), or the first `times` requests whose
    method is `method` and whose raw path matches the regex `path` (None matches anything)."""

    kind: Kind
    nth: int | None = None
    method: str | None = None
    path: str | None = None
    times: int = 1

    def matches(self, number: int, method: str, path: str) -> bool:
        if self.times <= 0 or (self.nth is not None and number != self.nth):
            return False
        if self.method is not None and method != self.method.upper():
            return False
        return self.path is None or re.search(self.path, path) is not None


@dataclass(frozen=True)
class Entry:
    """One request: its fault (None: passed through) and the status sent or received from the
    upstream (None: no upstream answer, i.e. `reset_before` or an unreachable upstream)."""

    number: int
    method: str
    path: str
    fault: Kind | None
    status: int | None
