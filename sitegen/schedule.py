"""Layer 5: run sync -> build -> publish unattended, on an interval or a cron expression.

Each tick asks the source for its fingerprint (the root ETag: one request) and runs the pipeline
only when that changed, when a page's publish or expiry date has come, or when the last run
failed. A failure is logged and retried with backoff, never fatal: the scheduler recovers by
itself once the fault is gone. A run takes the target's lock only while it runs; when another
publisher holds it, the tick waits for the next one. The status file says what `sitegen status`
shows: the scheduler's pid (alive only while it holds its own lock), the last error and its
time, the failures in a row and the next retry. The clock and sleep are injected so tests can
run ticks with a fake clock.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Protocol

from croniter import croniter

from sitegen.errors import ConfigError, SitegenError
from sitegen.publish.lock import TargetBusy, TargetLock, lock_held, lock_path

log = logging.getLogger("sitegen.schedule")

Clock = Callable[[], datetime]
Sleep = Callable[[float], None]
StopRequested = Callable[[], bool]


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class Trigger(Protocol):
    def next_after(self, t: datetime) -> datetime: ...


@dataclass(frozen=True)
class Every:
    seconds: float

    @classmethod
    def parse(cls, text: str) -> Every:
        m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", text)
        if not m or float(m.group(1)) <= 0:
            msg = f"--every: expected a duration such as 90s, 10m, 2h or 1d, got {text!r}"
            raise ConfigError(msg)
        return cls(float(m.group(1)) * _UNITS[m.group(2) or "s"])

    def next_after(self, t: datetime) -> datetime:
        return t + timedelta(seconds=self.seconds)


@dataclass(frozen=True)
class Cron:
    expr: str
    tz: tzinfo | None = None  # None: the machine's local time, as cron itself

    def __post_init__(self) -> None:
        if not croniter.is_valid(self.expr):
            raise ConfigError(f"--cron: not a valid cron expression: {self.expr!r}")

    def next_after(self, t: datetime) -> datetime:
        local = t.astimezone(self.tz)
        nxt: datetime = croniter(self.expr, local).get_next(datetime)
        return nxt.astimezone(timezone.utc)


@dataclass(frozen=True)
class RunOutcome:
    """What one pipeline run reports back: a message and when a page next becomes due."""

    message: str
    next_due: datetime | None = None


class Abandoned(Exception):
    """The run stopped between two steps because the process was asked to stop."""


Job = Callable[[StopRequested], RunOutcome]


@dataclass
class Status:
    target: str
    last_run: str | None = None
    result: str | None = None
    next_run: str | None = None
    fingerprint: str | None = None  # the source fingerprint of the last successful run
    next_due: str | None = None
    failures: int = 0  # in a row; 0 after a run that succeeded
    last_error: str | None = None  # kept after recovery, with its time
    last_error_at: str | None = None
    pid: int | None = None  # of the scheduler process
    started: str | None = None
    stopped: str | None = None  # set when it stopped cleanly
    heartbeat: str | None = None  # the end of its latest tick

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2) + "\n")
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path, target: str) -> Status:
        try:
            doc = json.loads(path.read_text())
            return cls(**{k: doc.get(k) for k in cls.__dataclass_fields__ if k in doc})
        except (OSError, ValueError, TypeError):
            return cls(target)


def status_path(state_dir: Path, target_label: str) -> Path:
    lock = lock_path(state_dir, target_label)
    return state_dir / "status" / lock.with_suffix(".json").name


def scheduler_lock_path(state_dir: Path, target_label: str) -> Path:
    """Held by a scheduler for its whole life: one scheduler per target, and proof it lives."""
    return lock_path(state_dir, f"{target_label} (scheduler)")


def is_running(state_dir: Path, st: Status) -> bool:
    """The recorded scheduler process is alive and holds the scheduler lock (a pid alone may
    have been reused by another process since)."""
    if st.pid is None:
        return False
    try:
        os.kill(st.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # alive, another user's
    return lock_held(scheduler_lock_path(state_dir, st.target))


def describe(st: Status, running: bool) -> str:
    """What `sitegen status` prints for one target: only what is true now."""
    if running:
        state = f"running (pid {st.pid} since {st.started or '-'}; last tick {st.heartbeat or '-'})"
    elif st.stopped:
        state = f"stopped at {st.stopped}"
    elif st.pid is not None:
        state = f"not running: pid {st.pid} is gone (last tick {st.heartbeat or '-'})"
    else:
        state = "not running"
    lines = [st.target, f"  scheduler: {state}"]
    lines.append(f"  last run: {st.last_run or '-'}  result: {st.result or '-'}")
    if st.failures:
        lines.append(f"  failures in a row: {st.failures}")
    if st.last_error:
        lines.append(f"  last error at {st.last_error_at}: {st.last_error}")
    if not running:
        lines.append("  next run: - (no scheduler is running for this target)")
    elif st.failures:
        lines.append(f"  next retry: {st.next_run or '-'}")
    else:
        lines.append(f"  next run: {st.next_run or '-'}")
    return "\n".join(lines)


def read_all_status(state_dir: Path) -> list[Status]:
    folder = state_dir / "status"
    if not folder.is_dir():
        return []
    return [Status.load(p, p.stem) for p in sorted(folder.glob("*.json"))]


@dataclass
class Backoff:
    first: float = 30.0
    longest: float = 3600.0

    def delay(self, failures: int) -> float:
        return min(self.longest, self.first * 2.0 ** max(0, failures - 1))


def _iso(t: datetime | None) -> str | None:
    return t.astimezone(timezone.utc).isoformat(timespec="seconds") if t else None


def _parse(t: str | None) -> datetime | None:
    return datetime.fromisoformat(t) if t else None


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
            due = _parse(st.next_due)
            is_due = due is not None and due <= now
            if fp is not None and fp == st.fingerprint and not is_due and st.failures == 0:
                result = "unchanged"
            else:
                outcome = self._run_locked()
                st.fingerprint, st.next_due = fp, _iso(outcome.next_due)
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
        st.last_run, st.result = _iso(now), result
        st.next_run = _iso(self.next_run_after(now, busy))
        st.heartbeat = _iso(self.clock())
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
        st.last_error, st.last_error_at = error, _iso(now)
        return f"failed ({st.failures}x): {error}"

    def _save(self) -> None:
        try:
            self.status.save(self.status_file)
        except OSError as exc:  # a full disk must not stop the publishing
            log.error("%s: cannot write the status file: %s", self.status_file, exc)

    def start(self) -> None:
        """Record that this process now schedules the target."""
        st = self.status
        st.pid, st.started, st.stopped = self.pid, _iso(self.clock()), None
        self._save()

    def stopped(self) -> None:
        self.status.stopped, self.status.next_run = _iso(self.clock()), None
        self._save()

    def next_run_after(self, now: datetime, busy: bool = False) -> datetime:
        nxt = self.trigger.next_after(now)
        if self.status.failures:
            nxt = min(nxt, now + timedelta(seconds=self.backoff.delay(self.status.failures)))
        if busy:  # the other publisher is usually done soon: do not wait a whole cron period
            nxt = min(nxt, now + timedelta(seconds=self.backoff.first))
        due = _parse(self.status.next_due)
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
            wake = _parse(self.status.next_run) or self.clock()
            while not self.stop_requested:  # sleep in slices so SIGTERM is noticed soon
                left = (wake - self.clock()).total_seconds()
                if left <= 0 or self.woken:
                    self.woken = False
                    break
                self.sleep(min(left, slice_seconds))
