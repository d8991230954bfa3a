"""Layer 5: run sync -> build -> publish unattended, on an interval or a cron expression.

`triggers` says when (Every, Cron), `job` what runs and what it reports, `scheduler` the loop
(fingerprint check, run under the target's lock, backoff after failures) and `status` the file
that `sitegen status` reads.
"""

from __future__ import annotations

from .job import Abandoned, Job, RunOutcome, StopRequested
from .scheduler import Backoff, Clock, Scheduler, Sleep
from .status import (
    Status,
    describe,
    is_running,
    read_all_status,
    scheduler_lock_path,
    status_path,
)
from .triggers import Cron, Every, Trigger

__all__ = [
    "Abandoned",
    "Backoff",
    "Clock",
    "Cron",
    "Every",
    "Job",
    "RunOutcome",
    "Scheduler",
    "Sleep",
    "Status",
    "StopRequested",
    "Trigger",
    "describe",
    "is_running",
    "read_all_status",
    "scheduler_lock_path",
    "status_path",
]
