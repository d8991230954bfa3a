"""Layer 3, part of stage "render": numbered chunks of work run in forked processes that can
die without hanging the build.

multiprocessing.Pool replaces a worker that is killed (out of memory, SIGKILL) and never
delivers the chunk it had, so the build waited forever. Here each worker is a fork with two
pipes: the parent sends it a chunk number, it runs the chunk and sends back the pickled result,
then gets the next number (so a slow chunk holds up nobody). A worker that dies closes its
result pipe: the parent knows the chunk it had and raises `WorkerDied` for it. Leaving the
`Workers` context in any other way than having every result (a death, an error, Ctrl-C)
kills the workers and reaps them, so none outlives the build.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import selectors
import signal
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any

_LENGTH = struct.Struct(">Q")  # before each pickled result
_CHUNK = struct.Struct(">q")  # a chunk number; -1: stop


class WorkerDied(Exception):
    """A worker stopped before sending the result of `chunk`; `how`: "signal 9", "exit status 3"."""

    def __init__(self, chunk: int, how: str) -> None:
        super().__init__(f"the worker running chunk {chunk} died ({how})")
        self.chunk, self.how = chunk, how


@dataclass
class _Worker:
    pid: int
    tasks: int  # the pipe the parent writes chunk numbers to
    results: int  # the pipe the worker writes results to
    chunk: int | None = None  # the chunk it runs
    stopped: bool = False  # told there is no more work: it ends by itself
    reaped: bool = False


class Workers:
    """`count` forked processes running `run_chunk(chunk number)`, which must return something
    picklable; the forks inherit everything the parent holds, copy-on-write."""

    def __init__(self, run_chunk: Callable[[int], Any], count: int) -> None:
        self._run, self._count = run_chunk, count
        self._workers: list[_Worker] = []

    def __enter__(self) -> Workers:
        try:
            for _ in range(self._count):
                self._workers.append(self._fork())
        except BaseException:  # out of processes, Ctrl-C: no half-started pool left behind
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        for worker in self._workers:  # a death, an error, Ctrl-C: the others are not wanted
            if not (worker.stopped or worker.reaped):  # a reaped pid may be another's now
                os.kill(worker.pid, signal.SIGKILL)
        for worker in self._workers:
            _reap(worker)

    def results(self, chunks: int) -> Iterator[tuple[int, Any]]:
        """(chunk number, its result) for chunks 0 .. chunks-1, as they finish; raises
        WorkerDied for a worker that died, or the exception a chunk raised."""
        waiting = iter(range(chunks))
        with selectors.DefaultSelector() as ready:
            for worker in self._workers:
                if self._give(worker, next(waiting, None)):
                    ready.register(worker.results, selectors.EVENT_READ, worker)
            while ready.get_map():
                for key, _ in ready.select():
                    worker = key.data
                    result, chunk = _receive(worker), worker.chunk
                    assert chunk is not None
                    yield chunk, result
                    if not self._give(worker, next(waiting, None)):
                        ready.unregister(worker.results)

    def _give(self, worker: _Worker, chunk: int | None) -> bool:
        """Send `chunk` to `worker`, or tell it to stop when there is none (returns False)."""
        worker.chunk, worker.stopped = chunk, chunk is None
        with contextlib.suppress(BrokenPipeError):  # it died since: its closed pipe tells
            os.write(worker.tasks, _CHUNK.pack(-1 if chunk is None else chunk))
        return chunk is not None

    def _fork(self) -> _Worker:
        tasks_read, tasks_write = os.pipe()
        results_read, results_write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: serve, and leave without running the parent's clean-ups
            status = 1
            try:
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the parent ends us
                for sibling in self._workers:  # so a sibling's pipes close when it dies
                    os.close(sibling.tasks)
                    os.close(sibling.results)
                os.close(tasks_write)
                os.close(results_read)
                _serve(self._run, tasks_read, results_write)
                status = 0
            finally:
                os._exit(status)
        os.close(tasks_read)
        os.close(results_write)
        return _Worker(pid, tasks_write, results_read)


def _serve(run_chunk: Callable[[int], Any], tasks: int, results: int) -> None:
    while True:
        order = _read_exactly(tasks, _CHUNK.size)  # b"": the parent died
        chunk = _CHUNK.unpack(order)[0] if order else -1
        if chunk < 0:
            return
        try:
            outcome: tuple[str, Any] = ("done", run_chunk(chunk))
        except Exception as exc:  # a bug: raised in the parent, as one process would
            outcome = ("raised", exc)
        try:
            data = pickle.dumps(outcome, pickle.HIGHEST_PROTOCOL)
        except Exception:  # an exception that does not pickle: its traceback instead
            import traceback  # rarely needed: not imported by every build

            data = pickle.dumps(("raised", RuntimeError(traceback.format_exc())))
        os.write(results, _LENGTH.pack(len(data)))
        view = memoryview(data)
        while view:
            view = view[os.write(results, view) :]


def _receive(worker: _Worker) -> Any:
    """The result `worker` sends for its chunk; raises WorkerDied when its pipe closes first."""
    head = _read_exactly(worker.results, _LENGTH.size)
    data = _read_exactly(worker.results, _LENGTH.unpack(head)[0]) if head else b""
    if not data:
        assert worker.chunk is not None
        raise WorkerDied(worker.chunk, _how_it_ended(_reap(worker)))
    kind, value = pickle.loads(data)
    if kind == "raised":
        raise value
    return value


def _read_exactly(fd: int, size: int) -> bytes:
    """`size` bytes from `fd`, or b"" when it closes first (its writer died)."""
    parts: list[bytes] = []
    while size:
        part = os.read(fd, min(size, 1 << 20))
        if not part:
            return b""
        parts.append(part)
        size -= len(part)
    return b"".join(parts)


def _reap(worker: _Worker) -> int:
    """Wait for `worker` to end and close its pipes; its wait status (0 if reaped before)."""
    if worker.reaped:
        return 0
    worker.reaped = True
    os.close(worker.tasks)
    os.close(worker.results)
    return os.waitpid(worker.pid, 0)[1]


def _how_it_ended(status: int) -> str:
    code = os.waitstatus_to_exitcode(status)
    return f"signal {-code}" if code < 0 else f"exit status {code}"
