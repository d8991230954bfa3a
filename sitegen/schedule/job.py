"""Layer 5: what the scheduler runs: a job that may be asked to stop between its steps, and what
it reports back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

StopRequested = Callable[[], bool]


@dataclass(frozen=True)
class RunOutcome:
    """What one pipeline run reports back: a message and when a page next becomes due."""

    message: str
    next_due: datetime | None = None


class Abandoned(Exception):
    """The run stopped between two steps because the process was asked to stop."""


Job = Callable[[StopRequested], RunOutcome]
