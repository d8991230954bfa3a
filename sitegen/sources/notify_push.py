"""A client of Nextcloud's push service, notify_push (github.com/nextcloud/notify_push).

Its published protocol: the WebSocket URL is in the OCS capabilities (`notify_push.endpoints.
websocket`); the client sends the login name and the (app) password as its first two messages; the
server answers `authenticated` (or `err: Invalid credentials`) and from then on sends
`notify_file` whenever one of the user's files changed (`notify_file_id [ids]` instead, once the
client asked with `listen notify_file_id`), besides `notify_activity` and `notify_notification`.

A notification is only a hint to look: the listener calls `on_change()`, and the caller checks
the folder's ETag and syncs. The listener reconnects with a growing pause after a lost
connection; `connected` tells the caller when to poll quickly instead.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from websockets.exceptions import WebSocketException
from websockets.sync.client import ClientConnection, connect

Log = Callable[[str], None]

AUTHENTICATED = "authenticated"
FILE_EVENTS = ("notify_file", "notify_file_id")
RECV_STEP = 0.5  # seconds between checks for stop() while the server is quiet
BACKOFF = (1.0, 2.0, 5.0, 10.0, 30.0)  # pauses before reconnecting, the last one repeats


class PushRefused(Exception):
    """The push server did not accept the credentials: reconnecting would not help."""


class PushListener:
    """Listens on a thread of its own until stop()."""

    def __init__(
        self,
        websocket_url: str,
        user: str,
        password: str,
        on_change: Callable[[], None],
        log: Log,
        *,
        backoff: tuple[float, ...] = BACKOFF,
    ) -> None:
        self.url = websocket_url
        self._user = user
        self._password = password
        self._on_change = on_change
        self._log = log
        self._backoff = backoff
        self.connected = threading.Event()
        self.events = 0  # file notifications received
        self._stop = threading.Event()
        self._ws: ClientConnection | None = None
        self._thread = threading.Thread(target=self._run, name="sitegen-push", daemon=True)

    def __repr__(self) -> str:  # never the password
        return f"PushListener({self.url!r}, user={self._user!r})"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        ws = self._ws
        if ws is not None:
            ws.close()
        self._thread.join(5)

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                self._listen()
            except PushRefused as e:
                self._log(f"push {self.url}: {e}; polling instead")
                return
            except (OSError, TimeoutError, WebSocketException) as e:
                # a connection that worked and then broke starts the pauses over
                failures = 1 if self.connected.is_set() else failures + 1
                if failures == 1 and not self._stop.is_set():
                    self._log(f"push {self.url}: {type(e).__name__}; polling until it is back")
            finally:
                self.connected.clear()
                self._ws = None
            self._stop.wait(self._backoff[min(failures, len(self._backoff)) - 1])

    def _listen(self) -> None:
        with connect(self.url, open_timeout=10, user_agent_header="sitegen") as ws:
            self._ws = ws
            ws.send(self._user)
            ws.send(self._password)
            answer = ws.recv(timeout=10)
            if answer != AUTHENTICATED:
                shown = answer if isinstance(answer, str) else "a binary message"
                raise PushRefused(f"the server answered {shown[:80]!r} to the credentials")
            ws.send("listen notify_file_id")
            self.connected.set()
            while not self._stop.is_set():
                try:
                    message = ws.recv(timeout=RECV_STEP)
                except TimeoutError:
                    continue
                if isinstance(message, str) and message.split(" ", 1)[0] in FILE_EVENTS:
                    self.events += 1
                    self._on_change()
