"""Layer 5: run sync -> build -> publish unattended, on an interval or a cron expression.

Each tick asks the source for its fingerprint (the root ETag: one request) and runs the pipeline
only when that changed, when a page's publish or expiry date has come, or when the last run
failed. A failure is logged and retried with backoff, never fatal. The clock and sleep are
injected so tests can run ticks with a fake clock.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Protocol

from croniter import croniter

from sitegen.errors import ConfigError, SitegenError
from sitegen.publish.lock import lock_path

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
    failures: int = 0

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
    stop_requested: bool = False

    def __post_init__(self) -> None:
        self.status = Status.load(self.status_file, self.target_label)
        self.status.target = self.target_label

    def request_stop(self) -> None:
        """From a SIGTERM handler: finish the current step, then leave."""
        self.stop_requested = True

    def tick(self) -> str:
        """One check of the source and, when needed, one run of the pipeline."""
        now = self.clock()
        st = self.status
        try:
            fp = self.fingerprint()
            due = _parse(st.next_due)
            is_due = due is not None and due <= now
            if fp is not None and fp == st.fingerprint and not is_due and st.failures == 0:
                result = "unchanged"
            else:
                outcome = self.job(lambda: self.stop_requested)
                st.fingerprint, st.next_due = fp, _iso(outcome.next_due)
                st.failures, result = 0, f"ok: {outcome.message}"
        except Abandoned:
            result = "abandoned: stop requested"
        except SitegenError as exc:
            st.failures += 1
            result = f"failed ({st.failures}x): {exc}"
            log.error("%s: %s", self.target_label, result)
        except Exception as exc:  # a long-running process: any failure is retried, never fatal
            st.failures += 1
            result = f"failed ({st.failures}x): {type(exc).__name__}: {exc}"
            log.exception("%s: %s", self.target_label, result)
        st.last_run, st.result = _iso(now), result
        st.next_run = _iso(self.next_run_after(now))
        st.save(self.status_file)
        log.info("%s: %s; next run %s", self.target_label, result, st.next_run)
        return result

    def next_run_after(self, now: datetime) -> datetime:
        nxt = self.trigger.next_after(now)
        if self.status.failures:
            nxt = min(nxt, now + timedelta(seconds=self.backoff.delay(self.status.failures)))
        due = _parse(self.status.next_due)
        if due is not None and now < due < nxt:
            nxt = due
        return nxt

    def run(self, max_ticks: int | None = None, slice_seconds: float = 1.0) -> None:
        """Tick now, then at each next run time, until asked to stop."""
        ticks = 0
        while not self.stop_requested and (max_ticks is None or ticks < max_ticks):
            self.tick()
            ticks += 1
            if max_ticks is not None and ticks >= max_ticks:
                break
            wake = _parse(self.status.next_run) or self.clock()
            while not self.stop_requested:  # sleep in slices so SIGTERM is noticed soon
                left = (wake - self.clock()).total_seconds()
                if left <= 0:
                    break
                self.sleep(min(left, slice_seconds))
