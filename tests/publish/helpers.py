"""Helpers for the publish tests: output trees, and a minimal in-process WebDAV server.

The WebDAV server code is a small duplicate of the WebDAV engineer's fixture
(tests/webdav/), kept here so the publish tests do not break while that file moves.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cheroot import wsgi

USER = "alice"
PASSWORD = "s3cret-App-Passw0rd-xyzzy"
NEXTCLOUD_ROOT = f"/remote.php/dav/files/{USER}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    """A built output tree from a dict of files (replacing whatever was there)."""
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    for rel, content in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(content.encode() if isinstance(content, str) else content)
    return root


@dataclass
class RequestLog:
    entries: list[tuple[str, str]] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)  # request body bytes, beside each entry
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, method: str, path: str, size: int = 0) -> None:
        with self.lock:
            self.entries.append((method, path))
            self.sizes.append(size)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.sizes.clear()

    def bytes_sent(self, under: str | None = None) -> int:
        """Request body bytes, in all or to paths containing `under`."""
        with self.lock:
            return sum(
                n
                for (_, p), n in zip(self.entries, self.sizes, strict=True)
                if under is None or under in p
            )

    def methods(self) -> list[str]:
        with self.lock:
            return [m for m, _ in self.entries]


@dataclass
class RunningServer:
    base: str
    log: RequestLog


@contextlib.contextmanager
def serve_wsgi(app: Callable[..., Any], threads: int = 8) -> Iterator[RunningServer]:
    """Any WSGI app on a free 127.0.0.1 port, logging (method, raw path) of each request."""
    log = RequestLog()

    def logged(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        log.add(
            environ["REQUEST_METHOD"],
            environ.get("REQUEST_URI") or environ.get("PATH_INFO", ""),
            int(environ.get("CONTENT_LENGTH") or 0),
        )
        return app(environ, start_response)

    server = wsgi.Server(("127.0.0.1", 0), logged, numthreads=threads)
    server.prepare()
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    try:
        yield RunningServer(f"http://127.0.0.1:{server.bind_addr[1]}", log)
    finally:
        server.stop()
        thread.join(5)


def wsgidav_app(root: Path) -> Any:
    """wsgidav serving `root` where Nextcloud serves a user's files, with basic auth."""
    from wsgidav.wsgidav_app import WsgiDAVApp

    return WsgiDAVApp(
        {
            "provider_mapping": {NEXTCLOUD_ROOT: str(root)},
            "http_authenticator": {
                "domain_controller": None,
                "accept_basic": True,
                "accept_digest": False,
                "default_to_digest": False,
            },
            "simple_dc": {"user_mapping": {"*": {USER: {"password": PASSWORD}}}},
            "verbose": 0,
            "logging": {"enable": False},
            "dir_browser": {"enable": False},
            "lock_storage": True,
            "property_manager": True,
        }
    )


class Killable:
    """WSGI middleware: after `budget` more requests the server is dead (every later request
    gets a 503 and reaches nothing), which leaves the served folder as a killed server would."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.budget: int | None = None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if self.budget is not None:
            if self.budget <= 0:
                start_response("503 Service Unavailable", [("Content-Length", "0")])
                return [b""]
            self.budget -= 1
        return self.app(environ, start_response)
