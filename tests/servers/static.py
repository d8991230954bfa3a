"""A static-file HTTP server on 127.0.0.1 for built sites: the themes' and corpus browser tests
and benchmarks/bench_webroot_readers.py (which imports it the way benchmarks import the other
servers here)."""

from __future__ import annotations

import http.server
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


class StaticFiles(http.server.SimpleHTTPRequestHandler):
    """The files of one folder, without a log line per request. The folder is resolved when a
    request comes in (one request per connection: HTTP/1.0), as nginx resolves a web root's
    `current` link: each request sees one release, even while `current` switches."""

    def __init__(self, *args: Any, directory: str, **kwargs: Any) -> None:
        super().__init__(*args, directory=os.path.realpath(directory), **kwargs)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve_folder(folder: Path) -> Iterator[str]:
    """Serve `folder` on a free port for the duration; its base URL (no trailing slash)."""

    def handler(*args: Any) -> StaticFiles:
        return StaticFiles(*args, directory=str(folder))

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
