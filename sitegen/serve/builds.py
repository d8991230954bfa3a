"""Layer 5: one build at a time. Change sets queue up and merge into the next build; while a build
is queued or running, `wait_idle` blocks, so a request never sees a half-written site."""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

from sitegen.errors import Diagnostic, SitegenError


class UpdateLike(Protocol):
    """What a build reports (sitegen.compiler.incremental.Update)."""

    @property
    def written(self) -> tuple[str, ...]: ...
    @property
    def removed(self) -> tuple[str, ...]: ...
    @property
    def css_only(self) -> bool: ...
    @property
    def full(self) -> bool: ...
    @property
    def seconds(self) -> float: ...
    @property
    def base_path(self) -> str: ...


class SiteBuilder(Protocol):
    """sitegen.compiler.incremental.IncrementalBuilder, or a test's stand-in."""

    def build(self, changed: Iterable[str] | None = None) -> UpdateLike: ...


@dataclass(frozen=True)
class Outcome:
    """One finished build: an update, or the problems that stopped it."""

    generation: int
    changed: frozenset[str] | None  # None: a full build
    update: UpdateLike | None
    diagnostics: tuple[Diagnostic, ...] = ()
    error: str = ""  # the message when the failure has no diagnostics
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.update is not None


class BuildQueue:
    """Runs builds on one worker thread; `request` merges change sets that arrive meanwhile."""

    def __init__(self, builder: SiteBuilder, on_done: Callable[[Outcome], None]) -> None:
        self._builder = builder
        self._on_done = on_done
        self._cond = threading.Condition()
        self._pending: set[str] | None = set()  # None: a full build is due
        self._has_pending = False
        self._failed: set[str] | None = set()  # a failed build's changes, retried next time
        self._stopping = False
        self._idle = threading.Event()
        self._idle.set()
        self._lock = threading.Lock()  # held by a build, and by a sync writing the source folder
        self._generation = 0
        self._thread: threading.Thread | None = None

    # --- the producer side (watcher, poller) ------------------------------------------------

    def request(self, changed: Iterable[str] | None) -> None:
        """Queue a build of `changed` (None: everything); returns at once."""
        with self._cond:
            if changed is None or self._pending is None:
                self._pending = None
            else:
                self._pending.update(changed)
            self._has_pending = True
            self._idle.clear()
            self._cond.notify_all()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """No build runs inside this block (a remote sync rewrites the folder the build reads)."""
        with self._lock:
            yield

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until no build is queued or running; False on timeout."""
        return self._idle.wait(timeout)

    @property
    def idle(self) -> bool:
        return self._idle.is_set()

    # --- the worker ---------------------------------------------------------------------------

    def build_now(self, changed: Iterable[str] | None = None) -> Outcome:
        """Build in the calling thread (the first build, before the server starts)."""
        self._idle.clear()
        try:
            outcome = self._run(None if changed is None else frozenset(changed))
            self._on_done(outcome)
        finally:
            with self._cond:
                if not self._has_pending:
                    self._idle.set()
        return outcome

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="sitegen-build", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
        self._idle.set()

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._has_pending and not self._stopping:
                    self._cond.wait()
                if self._stopping:
                    return
                pending, self._pending, self._has_pending = self._pending, set(), False
            outcome = self._run(None if pending is None else frozenset(pending))
            try:  # report (new token, push to pages) before requests go on, so they match
                self._on_done(outcome)
            except Exception:  # a reporting bug must not end the worker
                traceback.print_exc()
            with self._cond:
                if not self._has_pending:
                    self._idle.set()

    def _run(self, changed: frozenset[str] | None) -> Outcome:
        # A failed build's changes are asked for again, so the next build starts from them.
        with self._cond:
            if changed is not None and self._failed is not None:
                changed = changed | self._failed
            elif self._failed is None:
                changed = None
        with self._lock:
            self._generation += 1
            started = time.perf_counter()
            try:
                update = self._builder.build(None if changed is None else sorted(changed))
            except SitegenError as exc:
                outcome = Outcome(
                    self._generation,
                    changed,
                    None,
                    exc.diagnostics,
                    str(exc),
                    time.perf_counter() - started,
                )
            except Exception as exc:  # a bug in the build: report it, keep serving
                message = "".join(traceback.format_exception(exc)).rstrip()
                outcome = Outcome(
                    self._generation, changed, None, (), message, time.perf_counter() - started
                )
            else:
                outcome = Outcome(
                    self._generation, changed, update, (), "", time.perf_counter() - started
                )
        with self._cond:
            if outcome.ok:
                self._failed = set()
            elif changed is None or self._failed is None:
                self._failed = None
            else:
                self._failed |= changed
        return outcome
