"""Layer 3: Python's cycle collector paused while the load and assemble stages build the site's
model. Those stages make thousands of objects that live for the whole build; each collection the
allocations trigger would walk all of them again (a third of a preview rebuild's time on the
4000-page corpus). The cycles they make are collected after, at the next collection."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
