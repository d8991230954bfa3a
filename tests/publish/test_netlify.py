from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sitegen.errors import ConfigError, PublishError
from sitegen.publish.netlify import NetlifyHook


class HookServer(ThreadingHTTPServer):
    calls: list[tuple[str, str, bytes]]
    status: int


class Handler(BaseHTTPRequestHandler):
    server: HookServer

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.calls.append(("POST", self.path, body))
        self.send_response(self.server.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def hook_server() -> Iterator[HookServer]:
    server = HookServer(("127.0.0.1", 0), Handler)
    server.calls, server.status = [], 200
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    yield server
    server.shutdown()
    server.server_close()


def test_build_hook_is_posted(hook_server: HookServer) -> None:
    port = hook_server.server_address[1]
    hook = NetlifyHook.parse(f"netlify-hook:http://127.0.0.1:{port}/build_hooks/abc123")
    assert hook.trigger(title="Nextcloud source changed") == 200
    assert hook_server.calls == [
        ("POST", "/build_hooks/abc123?trigger_title=Nextcloud+source+changed", b"{}")
    ]
    assert "abc123" not in hook.label


def test_hook_failure_is_a_publish_error(hook_server: HookServer) -> None:
    hook_server.status = 404
    hook = NetlifyHook.parse(f"netlify-hook:http://127.0.0.1:{hook_server.server_address[1]}/x")
    with pytest.raises(PublishError, match="HTTP 404"):
        hook.trigger()


def test_hook_url_is_checked() -> None:
    with pytest.raises(ConfigError):
        NetlifyHook.parse("netlify-hook:ftp://x/y")
    with pytest.raises(ConfigError, match="plain http"):
        NetlifyHook.parse("netlify-hook:http://api.netlify.com/build_hooks/x")
