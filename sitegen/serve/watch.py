"""Layer 5: what triggers a rebuild. A local folder is watched (watchfiles merges a burst of saves
into one batch); a remote folder is polled: one fingerprint request a poll, a sync only when it
changed (every poll where the server offers no fingerprint). Where Nextcloud's notify_push is
connected, a push kicks the poller at once and the timed polls slow down to a safety net."""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from pathlib import Path

import watchfiles

from sitegen.model import is_ignored
from sitegen.sources import Source, SyncResult
from sitegen.sources.notify_push import PushListener

OnChange = Callable[[set[str]], None]
Log = Callable[[str], None]

STEP_MS = 40  # a batch ends after this long without a new event
MAX_BATCH_MS = 1000  # ... or after this long in all
READY_MS = 200  # the watcher reports in this often while nothing happens
PUSHED_POLL = 60.0  # seconds between safety polls while push is connected (pushes may be lost)


def relative_paths(root: Path, paths: Iterable[str]) -> set[str]:
    """Site-relative POSIX paths of the changed files below root that the build would read
    (an editor's hidden temp files and debris are left out)."""
    out = set()
    for p in paths:
        try:
            rel = Path(p).relative_to(root).as_posix()
        except ValueError:
            continue
        if rel not in ("", ".") and not is_ignored(rel):  # the build never reads those
            out.add(rel)
    return out


class LocalWatcher:
    """Watches a folder on a thread of its own and reports each batch of changes."""

    def __init__(
        self,
        root: Path,
        on_change: OnChange,
        *,
        ignore: Iterable[Path] = (),
        step_ms: int = STEP_MS,
        max_batch_ms: int = MAX_BATCH_MS,
    ) -> None:
        self.root = root.resolve()
        self._on_change = on_change
        self._filter = watchfiles.DefaultFilter(ignore_paths=[str(p) for p in ignore])
        self._step, self._max = step_ms, max_batch_ms
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sitegen-watch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wait_ready(self, timeout: float) -> bool:
        """True once the folder is being watched (changes from then on are seen)."""
        return self._ready.wait(timeout)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        try:
            for batch in watchfiles.watch(
                self.root,
                watch_filter=self._filter,
                debounce=self._max,
                step=self._step,
                stop_event=self._stop,
                rust_timeout=READY_MS,
                yield_on_timeout=True,
                raise_interrupt=False,
            ):
                self._ready.set()
                paths = relative_paths(self.root, (path for _, path in batch))
                if paths:
                    self._on_change(paths)
        except Exception:
            if not self._stop.is_set():
                traceback.print_exc()


class RemotePoller:
    """Polls a remote source every `interval` seconds and syncs what changed."""

    def __init__(
        self,
        source: Source,
        interval: float,
        on_change: OnChange,
        log: Log,
        exclusive: Callable[[], AbstractContextManager[None]],
        last_fingerprint: str | None = None,
    ) -> None:
        self.source = source
        self.interval = interval
        self._on_change = on_change
        self._log = log
        self._exclusive = exclusive
        self.last = last_fingerprint
        self.polls = 0
        self.pushed: threading.Event | None = None  # set while a push connection is up
        self._stop = threading.Event()
        self._kick = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sitegen-poll", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._kick.set()
        self._thread.join(30)

    def kick(self) -> None:
        """Poll now (a push said something changed); kicks during a poll make one more poll."""
        self._kick.set()

    def _wait(self) -> bool:
        """Wait for the next poll; False once stopped."""
        pushed = self.pushed is not None and self.pushed.is_set()
        self._kick.wait(max(self.interval, PUSHED_POLL) if pushed else self.interval)
        self._kick.clear()
        return not self._stop.is_set()

    def poll_once(self) -> set[str]:
        """One poll: the changed site paths (already synced into the local mirror)."""
        self.polls += 1
        fingerprint = self.source.fingerprint()
        if fingerprint is not None and fingerprint == self.last:
            return set()
        with self._exclusive():  # no build reads the mirror while the sync rewrites it
            result = self.source.sync()
        self.last = fingerprint
        return changed_paths(result)

    def _run(self) -> None:
        failing = False
        while self._wait():
            try:
                paths = self.poll_once()
            except Exception as exc:  # the network or the server: say so once, keep polling
                if not failing:
                    self._log(f"poll {self.source.label}: {exc}")
                failing = True
                continue
            if failing:
                self._log(f"poll {self.source.label}: reachable again")
                failing = False
            if paths:
                self._on_change(paths)


def listen_for_pushes(source: Source, poller: RemotePoller, log: Log) -> PushListener | None:
    """Start listening to the source's push service, if it has one: each push kicks the poller."""
    open_listener = getattr(source, "push_listener", None)
    listener = open_listener(poller.kick, log) if open_listener is not None else None
    if not isinstance(listener, PushListener):
        return None
    poller.pushed = listener.connected
    listener.start()
    if listener.connected.wait(5.0):
        log(f"listening to {listener.url} for changes")
    return listener


def changed_paths(result: SyncResult) -> set[str]:
    c = result.changes
    return {p for p in (*c.added, *c.changed, *c.removed) if not is_ignored(p)}
