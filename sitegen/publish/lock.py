"""One run per target at a time: an fcntl lock on a file named after the target."""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
from pathlib import Path
from types import TracebackType

from sitegen.errors import PublishError


class TargetBusy(PublishError):
    """Another sitegen process is publishing to the same target."""

    holder = "unknown"  # the pid written in the lock file by the process holding it


def lock_held(path: Path) -> bool:
    """Whether some process holds the lock at `path` now (without taking it for long)."""
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing releases the probe's own lock, if it got it
    return False


def lock_path(state_dir: Path, target_label: str) -> Path:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", target_label).strip("_")[-40:]
    digest = hashlib.sha256(target_label.encode()).hexdigest()[:12]
    return state_dir / "locks" / f"{slug}-{digest}.lock"


class TargetLock:
    """Held for the life of a publish or a scheduler; released by the kernel if we die."""

    def __init__(self, path: Path, target_label: str) -> None:
        self.path = path
        self.target_label = target_label
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 64).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            busy = TargetBusy(
                f"another sitegen run (pid {holder}) is publishing to {self.target_label}; "
                f"exiting (lock file {self.path})"
            )
            busy.holder = holder
            raise busy from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> TargetLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
