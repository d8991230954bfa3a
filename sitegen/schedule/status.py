"""Layer 5: the scheduler's status file, one per target: what `sitegen status` shows.

It holds the scheduler's pid (alive only while it holds its own lock), the last run and its
result, the last error and its time, the failures in a row and the next run or retry.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from sitegen.publish.lock import lock_held, lock_path


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


def iso(t: datetime | None) -> str | None:
    return t.astimezone(timezone.utc).isoformat(timespec="seconds") if t else None


def parse_iso(t: str | None) -> datetime | None:
    return datetime.fromisoformat(t) if t else None
