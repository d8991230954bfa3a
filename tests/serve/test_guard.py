"""The preview answers only for its own host names (no DNS rebinding), accepts WebSockets only
from its own pages, and never redirects to another host. Real HTTP requests and a real WebSocket
client against the running preview."""

from __future__ import annotations

import http.client
import json
import socket
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from sitegen.serve.app import local_location
from sitegen.serve.guard import allowed_hosts, host_of
from sitegen.serve.inject import WS_PATH

from .conftest import Running, StartPreview


def request(run: Running, path: str, headers: dict[str, str]) -> tuple[int, str | None, bytes]:
    """A GET with the path and headers exactly as given (http.client adds no Host of its own
    when one is given)."""
    parts = urlsplit(run.url)
    conn = http.client.HTTPConnection("127.0.0.1", parts.port, timeout=10)
    try:
        conn.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
        for name, value in headers.items():
            conn.putheader(name, value)
        conn.endheaders()
        resp = conn.getresponse()
        return resp.status, resp.getheader("Location"), resp.read()
    finally:
        conn.close()


def port_of(run: Running) -> int:
    port = urlsplit(run.url).port
    assert port is not None
    return port


def ws_connect(run: Running, host: str | None = None, origin: str | None = None) -> dict[str, str]:
    """Open the live-reload socket (to 127.0.0.1, whatever `host` the URL names) and return its
    first message."""
    port = port_of(run)
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    uri = f"ws://{host or '127.0.0.1'}:{port}{WS_PATH}"
    with connect(uri, sock=sock, origin=origin, open_timeout=10) as ws:  # type: ignore[arg-type]
        message: dict[str, str] = json.loads(ws.recv(timeout=10))
        return message


# --- Host ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "host", ["evil.example", "evil.example:{port}", "localhost.evil.example", "a@127.0.0.1", ""]
)
def test_other_hosts_get_400(site: Path, start_preview: StartPreview, host: str) -> None:
    run = start_preview()
    status, _, body = request(run, "/", {"Host": host.format(port=port_of(run))})
    assert (status, body) == (400, b"this preview does not answer for that host\n")


def test_a_request_without_host_or_with_two_gets_400(
    site: Path, start_preview: StartPreview
) -> None:
    run = start_preview()
    assert request(run, "/", {})[0] == 400
    two = request(run, "/", {"Host": f"127.0.0.1:{port_of(run)}", "host": "evil.example"})
    assert two[0] == 400


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "LocalHost", "[::1]"])
def test_loopback_names_are_served(site: Path, start_preview: StartPreview, host: str) -> None:
    run = start_preview()
    status, _, body = request(run, "/", {"Host": f"{host}:{port_of(run)}"})
    assert status == 200 and b"Welcome home" in body


def test_allow_host_adds_a_name(site: Path, start_preview: StartPreview) -> None:
    run = start_preview(allow_hosts=("preview.test",))
    assert request(run, "/", {"Host": "preview.test"})[0] == 200
    assert request(run, "/", {"Host": f"Preview.Test:{port_of(run)}"})[0] == 200
    assert request(run, "/", {"Host": "other.test"})[0] == 400


def test_allowed_hosts_and_host_parsing() -> None:
    assert allowed_hosts("0.0.0.0", ["Preview.Test"]) == {
        "127.0.0.1",
        "localhost",
        "::1",
        "0.0.0.0",
        "preview.test",
    }
    assert allowed_hosts("::0:1") == {"127.0.0.1", "localhost", "::1"}
    assert host_of("[0:0::1]:8000") == "::1"
    assert host_of("localhost:99999") is None
    for bad in ("", "a b", "x/y", "u@h", "h:p", "h\\x", "%6cocalhost"):
        assert host_of(bad) is None, bad


# --- the WebSocket ---------------------------------------------------------------------------------


def test_the_own_origin_and_no_origin_get_the_hello(
    site: Path, start_preview: StartPreview
) -> None:
    run = start_preview()
    assert ws_connect(run, origin=run.origin)["type"] == "hello"
    assert ws_connect(run, host="localhost", origin=f"http://localhost:{port_of(run)}")["type"] == (
        "hello"
    )
    assert ws_connect(run)["type"] == "hello"  # not a browser: no Origin


@pytest.mark.parametrize(
    "origin",
    [
        "http://evil.example",
        "http://127.0.0.1:1",  # another local server's page
        "null",
        "file://",
        "http://localhost:{port}",  # a name other than the one the socket was opened with
    ],
)
def test_a_foreign_origin_is_refused_before_any_message(
    site: Path, start_preview: StartPreview, origin: str
) -> None:
    run = start_preview()
    run.preview.view.error_overlay = "<div>secret source</div>"
    with pytest.raises(InvalidStatus) as info:
        ws_connect(run, origin=origin.format(port=port_of(run)))
    assert info.value.response.status_code == 403
    assert b"secret" not in info.value.response.body
    assert run.preview.hub.clients == 0


def test_a_websocket_for_another_host_gets_400(site: Path, start_preview: StartPreview) -> None:
    run = start_preview()
    with pytest.raises(InvalidStatus) as info:
        ws_connect(run, host="evil.example", origin=f"http://evil.example:{port_of(run)}")
    assert info.value.response.status_code == 400
    with pytest.raises(InvalidStatus) as info:
        ws_connect(run, host="evil.example")
    assert info.value.response.status_code == 400


# --- redirects -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path,location",
    [
        ("//evil.example", "/evil.example/"),
        ("//evil.example?x=1", "/evil.example/?x=1"),
        ("/%2F%2Fevil.example", "/evil.example/"),
        ("///evil.example", "/evil.example/"),
        ("/%2Fevil.example", "/evil.example/"),
        ("/evil.example", "/evil.example/"),
    ],
)
def test_redirects_stay_on_this_server(
    site: Path, start_preview: StartPreview, path: str, location: str
) -> None:
    (site / "evil.example").mkdir()
    (site / "evil.example" / "index.md").write_text("---\ntitle: E\n---\nfolder\n")
    run = start_preview()
    status, got, _ = request(run, path, {"Host": f"127.0.0.1:{port_of(run)}"})
    assert (status, got) == (307, location)


@pytest.mark.parametrize("path", ["/\\evil.example", "/%5Cevil.example", "/%5C%5Cevil.example"])
def test_backslash_paths_are_not_found(site: Path, start_preview: StartPreview, path: str) -> None:
    (site / "evil.example").mkdir()
    (site / "evil.example" / "index.md").write_text("---\ntitle: E\n---\nfolder\n")
    run = start_preview()
    status, got, _ = request(run, path, {"Host": f"127.0.0.1:{port_of(run)}"})
    assert (status, got) == (404, None)


@given(st.text())
def test_a_redirect_target_is_always_a_path_on_this_server(path: str) -> None:
    location = local_location(path)
    assert location.startswith("/") and not location.startswith("//")
    assert "\\" not in location
    joined = urlsplit(urljoin("http://127.0.0.1:8000/a/", location))
    assert (joined.scheme, joined.netloc) == ("http", "127.0.0.1:8000")
