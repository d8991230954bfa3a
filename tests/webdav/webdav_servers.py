"""Real WebDAV servers on 127.0.0.1 for the tests and the sync benchmark.

- `wsgidav` in-process (cheroot in a thread), basic auth, the user root mounted at
  `/remote.php/dav/files/alice/` like Nextcloud. Plain wsgidav gives folders no ETag.
- The same with `nextcloud_like=True`: folder ETags derived from everything below them (they
  propagate up to the root, as on Nextcloud) and an `oc:fileid` property.
- Any WSGI app (the hostile server) served the same way, with a server-side request log.

The servers that run in a subprocess (rclone, a killable wsgidav) are process_servers.py's.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cheroot import wsgi

USER = "alice"
PASSWORD = "s3cret-App-Passw0rd-xyzzy"
NEXTCLOUD_ROOT = f"/remote.php/dav/files/{USER}"
OC_NS = "http://owncloud.org/ns"


@dataclass
class RequestLog:
    """Requests as the server saw them: (method, raw path), and the body bytes of each."""

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

    def count(self, method: str | None = None) -> int:
        with self.lock:
            return sum(1 for m, _ in self.entries if method is None or m == method)

    def methods(self) -> list[str]:
        with self.lock:
            return [m for m, _ in self.entries]

    def bytes_sent(self, under: str | None = None) -> int:
        """Request body bytes, in all or to paths containing `under`."""
        with self.lock:
            return sum(
                n
                for (_, p), n in zip(self.entries, self.sizes, strict=True)
                if under is None or under in p
            )


def logging_middleware(app: Callable[..., Any], log: RequestLog) -> Callable[..., Any]:
    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        raw = environ.get("REQUEST_URI") or environ.get("PATH_INFO", "")
        log.add(environ["REQUEST_METHOD"], raw, int(environ.get("CONTENT_LENGTH") or 0))
        return app(environ, start_response)

    return wrapped


@dataclass
class RunningServer:
    base: str  # http://127.0.0.1:PORT
    log: RequestLog
    stop: Callable[[], None]
    root: Path | None = None  # the folder served as the user root, when there is one
    kind: str = ""
    url_prefix: str = ""  # path of the user root on the server


@contextlib.contextmanager
def serve_wsgi(
    app: Callable[..., Any], *, threads: int = 16, port: int = 0
) -> Iterator[RunningServer]:
    log = RequestLog()
    server = wsgi.Server(
        ("127.0.0.1", port), logging_middleware(app, log), numthreads=threads, shutdown_timeout=1
    )
    server.expiration_interval = 0.05  # a quick stop()
    server.prepare()
    port = server.bind_addr[1]
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    stopped = False

    def stop() -> None:
        nonlocal stopped
        if not stopped:
            stopped = True
            server.stop()
            thread.join(5)

    try:
        yield RunningServer(f"http://127.0.0.1:{port}", log, stop)
    finally:
        stop()


def _nextcloud_like_provider() -> Any:
    """A wsgidav filesystem provider whose folder ETags change when anything below changes."""
    from wsgidav.fs_dav_provider import FileResource, FilesystemProvider, FolderResource

    def subtree_etag(path: str) -> str:
        h = hashlib.sha1()
        for dirpath, dirnames, filenames in os.walk(path):
            dirnames.sort()
            h.update(os.path.relpath(dirpath, path).encode("utf-8", "surrogateescape"))
            for name in sorted(filenames):
                st = os.stat(os.path.join(dirpath, name))
                line = f"\0{name}\0{st.st_size}\0{st.st_mtime_ns}"
                h.update(line.encode("utf-8", "surrogateescape"))
        return h.hexdigest()[:20]

    fileid = f"{{{OC_NS}}}fileid"

    class OcProps:
        def get_property_names(self, *, is_allprop: bool) -> list[str]:
            return [*super().get_property_names(is_allprop=is_allprop), fileid]  # type: ignore[misc]

        def get_property_value(self, name: str) -> Any:
            if name == fileid:
                return str(os.stat(self._file_path).st_ino)  # type: ignore[attr-defined]
            return super().get_property_value(name)  # type: ignore[misc]

    class Folder(OcProps, FolderResource):  # type: ignore[misc]
        def get_etag(self) -> str:
            return subtree_etag(self._file_path)

        def support_etag(self) -> bool:
            return True

    class File(OcProps, FileResource):  # type: ignore[misc]
        pass

    class Provider(FilesystemProvider):  # type: ignore[misc]
        def get_resource_inst(self, path: str, environ: dict[str, Any]) -> Any:
            self._count_get_resource_inst += 1
            fp = self._loc_to_file_path(path, environ)
            if not os.path.exists(fp):
                return None
            if os.path.isdir(fp):
                return Folder(path, environ, fp)
            return File(path, environ, fp)

    return Provider


def wsgidav_app(root: Path, *, nextcloud_like: bool = False) -> Any:
    from wsgidav.wsgidav_app import WsgiDAVApp

    provider: Any = str(root)
    if nextcloud_like:
        provider = _nextcloud_like_provider()(str(root))
    config = {
        "provider_mapping": {NEXTCLOUD_ROOT: provider},
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
    return WsgiDAVApp(config)


@contextlib.contextmanager
def serve_wsgidav(root: Path, *, nextcloud_like: bool = False) -> Iterator[RunningServer]:
    with serve_wsgi(wsgidav_app(root, nextcloud_like=nextcloud_like)) as srv:
        srv.root = root
        srv.kind = "wsgidav-nc" if nextcloud_like else "wsgidav"
        srv.url_prefix = NEXTCLOUD_ROOT
        yield srv


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.02)
    raise RuntimeError(f"nothing listening on 127.0.0.1:{port} after {timeout}s")
