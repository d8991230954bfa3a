"""Layer 3: Python's cycle collector paused while the load and assemble stages build the site's
model. Those stages make thousands of objects that live for the whole build; each collection the
allocations trigger would walk all of them again (a third of a preview rebuild's time on the
4000-page corpus). The cycles they make are collected after, at the next collection. While
`sitegen build` renders, the model is left out of collections altogether (`model_frozen`)."""

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


@contextmanager
def model_frozen() -> Iterator[None]:
    """Every object alive now left out of the collector's walks until the block ends
    (gc.freeze): the model lives for the whole render, and one full collection that the render
    stage's allocations triggered (importing Jinja2's extensions, say) walked all of it, a
    tenth of a one-page-edit build. Cycles among those objects are collected after the block."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
