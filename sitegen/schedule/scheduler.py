"""Layer 5: the scheduler loop: each tick asks the source for its fingerprint (the root ETag: one
request) and runs the job only when that changed, when a page's publish or expiry date has come,
or when the last run failed. A failure is logged and retried with backoff, never fatal. A run
takes the target's lock only while it runs; when another publisher holds it, the tick waits for
the next one. The clock and sleep are injected so tests can run ticks with a fake clock.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sitegen.errors import SitegenError
from sitegen.publish.lock import TargetBusy, TargetLock

from .job import Abandoned, Job, RunOutcome
from .status import Status, iso, parse_iso
from .triggers import Trigger

log = logging.getLogger("sitegen.schedule")

Clock = Callable[[], datetime]
Sleep = Callable[[float], None]


@dataclass
class Backoff:
    first: float = 30.0
    longest: float = 3600.0

    def delay(self, failures: int) -> float:
        return min(self.longest, self.first * 2.0 ** max(0, failures - 1))


@dataclass
class Scheduler:
    target_label: str
    trigger: Trigger
    fingerprint: Callable[[], str | None]
    job: Job
    status_file: Path
    clock: Clock = field(default=lambda: datetime.now(timezone.utc))
    sleep: Sleep = field(default=lambda s: None)
    backoff: Backoff = field(default_factory=Backoff)
    target_lock: TargetLock | None = None  # taken for each run, not between runs
    pid: int = field(default_factory=os.getpid)
    stop_requested: bool = False
    woken: bool = False  # a push said the source changed: tick now, not at the next run time

    def __post_init__(self) -> None:
        self.status = Status.load(self.status_file, self.target_label)
        self.status.target = self.target_label

    def request_stop(self) -> None:
        """From a SIGTERM handler: finish the current step, then leave."""
        self.stop_requested = True

    def wake(self) -> None:
        """From a push listener's thread: the source changed, so tick at the end of the current
        sleep slice instead of waiting for the next run time."""
        self.woken = True

    def tick(self) -> str:
        """One check of the source and, when needed, one run of the pipeline."""
        now = self.clock()
        st = self.status
        busy = False
        try:
            fp = self.fingerprint()
            due = parse_iso(st.next_due)
            is_due = due is not None and due <= now
            if fp is not None and fp == st.fingerprint and not is_due and st.failures == 0:
                result = "unchanged"
            else:
                outcome = self._run_locked()
                st.fingerprint, st.next_due = fp, iso(outcome.next_due)
                st.failures, result = 0, f"ok: {outcome.message}"
        except Abandoned:
            result = "abandoned: stop requested"
        except TargetBusy as exc:  # not a failure: the target is fine, someone else publishes
            busy = True
            result = f"waiting: another sitegen run (pid {exc.holder}) is publishing"
        except SitegenError as exc:
            result = self._failed(now, str(exc))
            log.error("%s: %s", self.target_label, result)
        except Exception as exc:  # a long-running process: any failure is retried, never fatal
            result = self._failed(now, f"{type(exc).__name__}: {exc}")
            log.exception("%s: %s", self.target_label, result)
        st.last_run, st.result = iso(now), result
        st.next_run = iso(self.next_run_after(now, busy))
        st.heartbeat = iso(self.clock())
        self._save()
        log.info("%s: %s; next run %s", self.target_label, result, st.next_run)
        return result

    def _run_locked(self) -> RunOutcome:
        if self.target_lock is None:
            return self.job(lambda: self.stop_requested)
        with self.target_lock:
            return self.job(lambda: self.stop_requested)

    def _failed(self, now: datetime, error: str) -> str:
        st = self.status
        st.failures += 1
        st.last_error, st.last_error_at = error, iso(now)
        return f"failed ({st.failures}x): {error}"

    def _save(self) -> None:
        try:
            self.status.save(self.status_file)
        except OSError as exc:  # a full disk must not stop the publishing
            log.error("%s: cannot write the status file: %s", self.status_file, exc)

    def start(self) -> None:
        """Record that this process now schedules the target."""
        st = self.status
        st.pid, st.started, st.stopped = self.pid, iso(self.clock()), None
        self._save()

    def stopped(self) -> None:
        self.status.stopped, self.status.next_run = iso(self.clock()), None
        self._save()

    def next_run_after(self, now: datetime, busy: bool = False) -> datetime:
        nxt = self.trigger.next_after(now)
        if self.status.failures:
            nxt = min(nxt, now + timedelta(seconds=self.backoff.delay(self.status.failures)))
        if busy:  # the other publisher is usually done soon: do not wait a whole cron period
            nxt = min(nxt, now + timedelta(seconds=self.backoff.first))
        due = parse_iso(self.status.next_due)
        if due is not None and now < due < nxt:
            nxt = due
        return nxt

    def run(self, max_ticks: int | None = None, slice_seconds: float = 1.0) -> None:
        """Tick now, then at each next run time, until asked to stop."""
        self.start()
        try:
            self._loop(max_ticks, slice_seconds)
        finally:
            self.stopped()

    def _loop(self, max_ticks: int | None, slice_seconds: float) -> None:
        ticks = 0
        while not self.stop_requested and (max_ticks is None or ticks < max_ticks):
            self.tick()
            ticks += 1
            if max_ticks is not None and ticks >= max_ticks:
                break
            wake = parse_iso(self.status.next_run) or self.clock()
            while not self.stop_requested:  # sleep in slices so SIGTERM is noticed soon
                left = (wake - self.clock()).total_seconds()
                if left <= 0 or self.woken:
                    self.woken = False
                    break
                self.sleep(min(left, slice_seconds))
