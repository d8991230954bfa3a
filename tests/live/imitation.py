"""The test suite's own stand-ins for what the shared Nextcloud lacks: notify_push (a Rust daemon
that cannot be built here) and an installation under a sub-path.

- `PushServer`: a WebSocket server that follows notify_push's published protocol (README and
  DEVELOPING.md of github.com/nextcloud/notify_push): the first two messages are the login name
  and the password, the answer is `authenticated` or `err: Invalid credentials`, `listen
  notify_file_id` opts in to `notify_file_id [ids]`, otherwise a change is `notify_file`.
- `nextcloud_app`: a Nextcloud-like server under `/PREFIX/`: real WebDAV (wsgidav, with folder
  ETags that propagate and file IDs) at `PREFIX/remote.php/dav/files/alice/`, `status.php`, OCS
  `cloud/user` (login names to the user ID) and `cloud/capabilities` (the push endpoint).
"""

from __future__ import annotations

import base64
import contextlib
import json
import sys
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "webdav"))
import webdav_servers as ws

USER = ws.USER  # the user ID
EMAIL = "alice@example.com"  # a second login name of the same user
PASSWORD = ws.PASSWORD
LOGINS = {USER: USER, EMAIL: USER}  # login name -> user ID


class PushServer:
    """notify_push's client protocol on ws://127.0.0.1:PORT/push/ws, on threads of its own."""

    def __init__(self, logins: dict[str, str] | None = None, password: str = PASSWORD) -> None:
        self.logins = logins or LOGINS
        self.password = password
        self.received: list[str] = []  # every message a client sent, in order
        self.authenticated = 0  # connections that passed the credentials
        self._clients: dict[ServerConnection, bool] = {}  # connection -> wants file ids
        self._lock = threading.Lock()
        self._server: Server = serve(self._handle, "127.0.0.1", 0)
        self.port = self._server.socket.getsockname()[1]
        self.url = f"ws://127.0.0.1:{self.port}/push/ws"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def _handle(self, conn: ServerConnection) -> None:
        try:
            user, password = str(conn.recv(timeout=10)), str(conn.recv(timeout=10))
            with self._lock:
                self.received += [user, password]
            if self.logins.get(user) is None or password != self.password:
                conn.send("err: Invalid credentials")
                conn.close()
                return
            conn.send("authenticated")
            with self._lock:
                self.authenticated += 1
                self._clients[conn] = False
            for message in conn:
                with self._lock:
                    self.received.append(str(message))
                    if message == "listen notify_file_id":
                        self._clients[conn] = True
        except (ConnectionClosed, TimeoutError):
            pass
        finally:
            with self._lock:
                self._clients.pop(conn, None)

    def clients(self) -> int:
        with self._lock:
            return len(self._clients)

    def notify(self, file_ids: Iterable[int] = ()) -> None:
        """Tell every authenticated client that files changed."""
        ids = list(file_ids)
        with self._lock:
            targets = list(self._clients.items())
        for conn, wants_ids in targets:
            text = f"notify_file_id {json.dumps(ids)}" if wants_ids and ids else "notify_file"
            with contextlib.suppress(ConnectionClosed):
                conn.send(text)

    def drop_all(self) -> None:
        """Close every client connection (a restart of the push daemon)."""
        with self._lock:
            targets = list(self._clients)
        for conn in targets:
            conn.close()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(5)


def _json(start: Callable[..., Any], status: str, body: object) -> list[bytes]:
    data = json.dumps(body).encode()
    start(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def _login(environ: dict[str, Any]) -> str | None:
    """The login name of valid basic credentials, else None."""
    header = environ.get("HTTP_AUTHORIZATION", "")
    if not header.startswith("Basic "):
        return None
    name, _, password = base64.b64decode(header[6:]).decode().partition(":")
    return name if name in LOGINS and password == PASSWORD else None


def nextcloud_app(root: Path, prefix: str, push: PushServer | None) -> Callable[..., Any]:
    """A Nextcloud installed under `/prefix` whose user alice's files are the folder `root`."""
    from wsgidav.wsgidav_app import WsgiDAVApp

    base = f"/{prefix}" if prefix else ""
    users = {name: {"password": PASSWORD} for name in LOGINS}
    dav = WsgiDAVApp(
        {
            "provider_mapping": {
                f"{base}/remote.php/dav/files/{USER}": ws._nextcloud_like_provider()(str(root))
            },
            "http_authenticator": {"domain_controller": None, "accept_basic": True},
            "simple_dc": {"user_mapping": {"*": users}},
            "verbose": 0,
            "logging": {"enable": False},
            "dir_browser": {"enable": False},
            "lock_storage": True,
            "property_manager": True,
        }
    )

    def app(environ: dict[str, Any], start: Callable[..., Any]) -> Any:
        path = environ.get("PATH_INFO", "")
        if path == f"{base}/status.php":
            return _json(start, "200 OK", {"installed": True, "version": "34.0.1.2"})
        if path.startswith(f"{base}/ocs/v2.php/"):
            login = _login(environ)
            if login is None:
                return _json(start, "401 Unauthorized", {"ocs": {"data": []}})
            endpoint = path.removeprefix(f"{base}/ocs/v2.php/")
            if endpoint == "cloud/user":
                return _json(start, "200 OK", {"ocs": {"data": {"id": LOGINS[login]}}})
            if endpoint == "cloud/capabilities":
                caps: dict[str, Any] = {"core": {"webdav-root": "remote.php/webdav"}}
                if push is not None:
                    caps["notify_push"] = {
                        "type": ["files"],
                        "endpoints": {"websocket": push.url, "pre_auth": "unused"},
                    }
                return _json(start, "200 OK", {"ocs": {"data": {"capabilities": caps}}})
        if path.startswith(f"{base}/remote.php/dav/"):
            return dav(environ, start)
        start("404 Not Found", [("Content-Length", "0")])
        return [b""]

    return app
