"""The notify_push client against the test suite's server of the published protocol."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sitegen.sources.notify_push import PushListener

from .imitation import EMAIL, PASSWORD, PushServer


def wait_for(predicate: Callable[[], bool], what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def test_the_listener_logs_in_opts_in_to_file_ids_and_reports_each_change() -> None:
    server = PushServer()
    changes: list[int] = []
    lines: list[str] = []
    listener = PushListener(server.url, EMAIL, PASSWORD, lambda: changes.append(1), lines.append)
    try:
        listener.start()
        assert listener.connected.wait(10)
        wait_for(lambda: "listen notify_file_id" in server.received, "the opt-in")
        assert server.received == [EMAIL, PASSWORD, "listen notify_file_id"]
        server.notify([12, 7])
        wait_for(lambda: len(changes) == 1, "the first change")
        server.notify()  # a plain notify_file
        wait_for(lambda: len(changes) == 2, "the second change")
        assert listener.events == 2 and lines == []
    finally:
        listener.stop()
        server.stop()
    assert not listener.connected.is_set()


def test_a_wrong_password_is_one_line_that_never_shows_it_and_no_retry() -> None:
    server = PushServer()
    lines: list[str] = []
    done = threading.Event()
    listener = PushListener(server.url, EMAIL, "wrong-Secret-42", lambda: None, lines.append)
    listener._log = lambda text: (lines.append(text), done.set())  # type: ignore[method-assign]
    try:
        listener.start()
        assert done.wait(10)
        listener._thread.join(5)
        assert not listener._thread.is_alive()  # it gave up: polling goes on alone
        assert lines == [
            f"push {server.url}: the server answered 'err: Invalid credentials' to the "
            "credentials; polling instead"
        ]
        assert server.authenticated == 0
        assert "wrong-Secret-42" not in repr(listener)
    finally:
        listener.stop()
        server.stop()


def test_the_listener_reconnects_after_the_push_server_dropped_it() -> None:
    server = PushServer()
    changes: list[int] = []
    lines: list[str] = []
    listener = PushListener(
        server.url, EMAIL, PASSWORD, lambda: changes.append(1), lines.append, backoff=(0.05,)
    )
    try:
        listener.start()
        assert listener.connected.wait(10)
        server.drop_all()
        wait_for(lambda: server.authenticated == 2 and server.clients() == 1, "the reconnect")
        assert listener.connected.wait(10)
        server.notify([1])
        wait_for(lambda: changes == [1], "a change after the reconnect")
        assert lines == [f"push {server.url}: ConnectionClosedOK; polling until it is back"]
    finally:
        listener.stop()
        server.stop()
