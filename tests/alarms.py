"""A bound on how long a test may wait for something that could hang (a lost worker), so a
regression fails the test with a message instead of stalling the suite."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def fails_after(seconds: int) -> Iterator[None]:
    """Raise AssertionError in the main thread if the block is still running after `seconds`."""

    def hung(*_: object) -> None:
        raise AssertionError(f"still running after {seconds} s")

    before = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, before)
