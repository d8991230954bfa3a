"""The preview's HTTP server: the ASGI app under uvicorn, on a socket bound before it starts
(so the URL is known at once, and port 0 picks a free port)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable

import uvicorn
from starlette.types import ASGIApp

from sitegen.errors import SitegenError


class HttpServer:
    def __init__(self, app: ASGIApp, host: str, port: int) -> None:
        self.app, self.host, self.port = app, host, port
        self._server: uvicorn.Server | None = None
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None

    def url(self, path: str) -> str:
        assert self._sock is not None, "not started"
        host, port = self._sock.getsockname()[:2]
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}{path}"

    def _bind(self) -> socket.socket:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        return socket.create_server((self.host, self.port), family=family)

    def _uvicorn(self) -> uvicorn.Server:
        config = uvicorn.Config(
            self.app,
            log_level="warning",
            access_log=False,
            lifespan="on",
            timeout_graceful_shutdown=2,
            server_header=False,
        )
        return uvicorn.Server(config)

    def start(self, timeout: float) -> None:
        """Serve on a background thread; return once it accepts connections."""
        self._sock = self._bind()
        self._server = self._uvicorn()
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._sock]},
            name="sitegen-serve",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise SitegenError("the preview server did not start")
            time.sleep(0.01)

    def run(self, path: str, on_ready: Callable[[str], None] | None = None) -> None:
        """Serve in this thread until Ctrl-C; `on_ready(url)` once it accepts connections."""
        self._sock = self._bind()
        self._server = self._uvicorn()
        if on_ready is not None:
            server = self._server
            url = self.url(path)

            def announce() -> None:
                while not server.started and not server.should_exit:
                    time.sleep(0.02)
                if server.started:
                    on_ready(url)

            threading.Thread(target=announce, daemon=True).start()
        self._server.run(sockets=[self._sock])

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
