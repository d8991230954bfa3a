"""Layer 5: the WebSocket hub that pushes reloads, stylesheet swaps and build errors to open pages.

Messages (JSON): `hello` (on connect: the current build token and error overlay, so a page that
missed a build while connecting catches up), `reload` (`pages`: the URL paths that changed, or null
for every page), `css` (swap stylesheets in place) and `error` (show the overlay).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

Message = dict[str, Any]


class Hub:
    def __init__(self, hello: Callable[[], Message]) -> None:
        self._hello = hello
        self._clients: set[WebSocket] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._send_lock: asyncio.Lock | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def clients(self) -> int:
        return len(self._clients)

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Called on the server's event loop when it starts."""
        self._loop = loop
        self._send_lock = asyncio.Lock()

    async def endpoint(self, websocket: WebSocket) -> None:
        await websocket.accept()
        if self._loop is None:
            self.bind(asyncio.get_running_loop())
        self._clients.add(websocket)
        try:
            await websocket.send_text(json.dumps(self._hello()))
            while True:  # pages send nothing; this only notices the close
                await websocket.receive_text()
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            self._clients.discard(websocket)

    def publish(self, message: Message) -> None:
        """Send to every open page; callable from any thread, returns at once."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        text = json.dumps(message)

        def schedule() -> None:
            task = loop.create_task(self._send_all(text))
            self._tasks.add(task)  # keep a reference until it is done
            task.add_done_callback(self._tasks.discard)

        with contextlib.suppress(RuntimeError):  # the loop is shutting down
            loop.call_soon_threadsafe(schedule)

    async def _send_all(self, text: str) -> None:
        assert self._send_lock is not None
        async with self._send_lock:  # messages reach each page in the order they were published
            for ws in list(self._clients):
                try:
                    await ws.send_text(text)
                except Exception:
                    self._clients.discard(ws)

    async def close_all(self) -> None:
        for ws in list(self._clients):
            with contextlib.suppress(Exception):
                await ws.close(code=1012)  # service restart: pages reconnect
        self._clients.clear()
