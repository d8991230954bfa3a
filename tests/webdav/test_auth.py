"""Credentials from env and netrc, Login Flow v2 against a real (test) HTTP server, and the CLI
commands; the password never appears in any output."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from click.testing import CliRunner
from conftest import PASSWORD, Remote
from webdav_servers import RunningServer, serve_wsgi

from sitegen.cli.sync import login, sync
from sitegen.sources.auth import find_credentials, netrc_password, store_in_netrc
from tests.trees import write_tree


def test_env_wins_then_netrc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text(
        "machine other login x password y\n"
        "machine cloud.example.com login bob password bobpw\n"
        'machine cloud.example.com login alice password "alice pw"\n'
    )
    env = {"NETRC": str(netrc)}
    creds = find_credentials("cloud.example.com", "alice", env=env, use_keyring=False)
    assert (creds.user, creds.password, creds.origin) == ("alice", "alice pw", "netrc")
    assert "alice pw" not in repr(creds)
    assert (
        find_credentials("cloud.example.com:8443", "bob", env=env, use_keyring=False).password
        == "bobpw"
    )
    env["SITEGEN_PASSWORD"] = "from-env"
    assert find_credentials("cloud.example.com", "alice", env=env).origin == "environment"
    assert (
        find_credentials("nowhere", "alice", env={"NETRC": str(netrc)}, use_keyring=False).password
        is None
    )


def test_store_in_netrc_replaces_and_is_private(tmp_path: Path) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine h login alice password old\nmachine h login bob password b\n")
    os.chmod(netrc, 0o644)
    store_in_netrc("h", "alice", "new-app-pw", netrc)
    assert stat.S_IMODE(netrc.stat().st_mode) == 0o600
    assert netrc_password("h", "alice", netrc) == "new-app-pw"
    assert netrc_password("h", "bob", netrc) == "b"
    assert "old" not in netrc.read_text()


class LoginFlow:
    """Nextcloud's Login Flow v2 endpoints: pending twice, then granted."""

    def __init__(self) -> None:
        self.polls = 0
        self.base = ""

    def __call__(self, environ: dict[str, Any], start: Callable[..., Any]) -> Iterable[bytes]:
        path = environ["PATH_INFO"]
        if path == "/index.php/login/v2":
            body = {
                "poll": {"token": "tok", "endpoint": self.base + "/index.php/login/v2/poll"},
                "login": self.base + "/index.php/login/v2/flow/abc",
            }
            return self._json(start, body)
        if path == "/index.php/login/v2/poll":
            form = parse_qs(environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"])).decode())
            assert form["token"] == ["tok"]
            self.polls += 1
            if self.polls < 3:
                start("404 Not Found", [("Content-Length", "0")])
                return [b""]
            return self._json(
                start,
                {
                    "server": self.base,
                    "loginName": "alice",
                    "appPassword": "app-Passw0rd-from-flow",
                },
            )
        start("404 Not Found", [("Content-Length", "0")])
        return [b""]

    def _json(self, start: Callable[..., Any], body: object) -> Iterable[bytes]:
        data = json.dumps(body).encode()
        start("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
        return [data]


@pytest.fixture
def flow_server() -> Iterator[tuple[LoginFlow, RunningServer]]:
    app = LoginFlow()
    with serve_wsgi(app) as srv:
        app.base = srv.base
        yield app, srv


def test_login_command_stores_in_netrc(
    flow_server: tuple[LoginFlow, RunningServer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, srv = flow_server
    netrc = tmp_path / "login-netrc"
    monkeypatch.setenv("NETRC", str(netrc))
    monkeypatch.setattr("time.sleep", lambda s: None)
    port = srv.base.rsplit(":", 1)[1]
    result = CliRunner().invoke(
        login, [f"nextcloud+http://alice@127.0.0.1:{port}/Website", "--no-keyring"]
    )
    assert result.exit_code == 0, result.output
    assert "/index.php/login/v2/flow/abc" in result.output
    assert "app-Passw0rd-from-flow" not in result.output
    assert app.polls == 3
    assert netrc_password(f"127.0.0.1:{port}", "alice", netrc) == "app-Passw0rd-from-flow"
    assert stat.S_IMODE(netrc.stat().st_mode) == 0o600


def test_sync_command(remote: Remote, cache: Path) -> None:
    write_tree(remote.site, {"index.md": "hi", "posts/a.md": "a"})
    result = CliRunner().invoke(sync, [remote.spec, "--cache", str(cache), "--jobs", "2"])
    assert result.exit_code == 0, result.output
    assert "2 added, 0 changed, 0 removed" in result.output
    assert PASSWORD not in result.output
    assert (cache / "site" / "posts" / "a.md").read_text() == "a"
    assert PASSWORD not in (cache / "index.json").read_text()


def test_sync_command_wrong_password(
    remote: Remote, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SITEGEN_PASSWORD", "Wrong-Secret-777")
    result = CliRunner().invoke(sync, [remote.spec, "--cache", str(cache)])
    assert result.exit_code == 1
    assert "rejected the credentials for alice at 127.0.0.1" in result.output
    assert "Wrong-Secret-777" not in result.output
