"""`sitegen login` (Login Flow v2) against the real Nextcloud, with the browser's part done as a
browser does it (log in with the password, open the flow's URL, grant), and the stored app
password then used by a sync whose URL names the login e-mail, not the user ID."""

from __future__ import annotations

import base64
import html
import json
import os
import re
import time
import uuid
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from sitegen.cli import main
from sitegen.sources.auth import login
from sitegen.sources.url import RemoteLocation, parse_location
from tests.servers.nextcloud import NextcloudServer, NextcloudStartError

pytestmark = pytest.mark.nextcloud


def _request_token(page: str) -> str:
    found = re.search(r'data-requesttoken="([^"]*)"', page)
    assert found, "no request token in the page"
    return html.unescape(found.group(1))


def _initial_state(page: str, name: str) -> dict[str, str]:
    found = re.search(rf'id="initial-state-core-{name}" value="([^"]*)"', page)
    assert found, f"no {name} in the page"
    state: dict[str, str] = json.loads(base64.b64decode(found.group(1)))
    return state


def grant_in_browser(server: str, login_url: str, user: str, password: str) -> None:
    """What a person does in the browser: log in, open the login URL, press "Grant access".
    A 500 (the test server's SQLite busy with the other tests' requests) is tried again, as a
    person would reload the page."""
    for attempt in range(5):
        try:
            return _grant_once(server, login_url, user, password)
        except httpx.HTTPStatusError as e:
            if e.response.status_code < 500 or attempt == 4:
                raise
            time.sleep(1)


def _grant_once(server: str, login_url: str, user: str, password: str) -> None:
    with httpx.Client(follow_redirects=True, timeout=60) as browser:
        token = _request_token(browser.get(f"{server}/index.php/login").text)
        browser.post(
            f"{server}/index.php/login",
            data={"user": user, "password": password, "requesttoken": token},
            headers={"Origin": server},
        ).raise_for_status()
        flow = browser.get(login_url)
        auth = _initial_state(flow.text, "loginFlowAuth")
        grant = browser.get(auth["loginRedirectUrl"])
        browser.post(
            f"{server}/index.php/login/v2/grant",
            data={"stateToken": auth["stateToken"], "requesttoken": _request_token(grant.text)},
            headers={"Origin": server},
        ).raise_for_status()


def occ(nextcloud: NextcloudServer, *args: str) -> str:
    """`occ ARGS`, again while SQLite is busy with the other tests' requests."""
    for attempt in range(10):
        try:
            return nextcloud.occ(*args)
        except NextcloudStartError as e:
            if "database is locked" not in str(e) or attempt == 9:
                raise
            time.sleep(1)
    raise AssertionError("unreachable")


def add_user(nextcloud: NextcloudServer, uid: str, email: str, password: str) -> None:
    """A user with an e-mail address and a password (each step may have been done by a try that
    then failed on a locked database, so each is one that can be repeated)."""
    os.environ["OC_PASS"] = password
    try:
        try:
            occ(nextcloud, "user:add", "--password-from-env", uid)
        except NextcloudStartError as e:
            if "already exists" not in str(e):
                raise
        occ(nextcloud, "user:resetpassword", "--password-from-env", uid)
        occ(nextcloud, "user:setting", uid, "settings", "email", email)
    finally:
        del os.environ["OC_PASS"]


def test_login_with_an_email_then_sync_by_that_login_name(
    nextcloud: NextcloudServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    uid = f"u{uuid.uuid4().hex[:8]}"
    email, password = f"{uid}.mail@example.com", f"Pw-{uuid.uuid4().hex}"
    add_user(nextcloud, uid, email, password)
    netrc = tmp_path / "netrc"
    monkeypatch.delenv("SITEGEN_PASSWORD", raising=False)
    monkeypatch.setenv("NETRC", str(netrc))
    spec = f"nextcloud+http://{email.replace('@', '%40')}@127.0.0.1:{nextcloud.port}/Site"
    location = parse_location(spec)
    assert isinstance(location, RemoteLocation)
    shown: list[str] = []

    def show(url: str) -> None:
        shown.append(url)
        grant_in_browser(nextcloud.url, url, email, password)

    result = login(location, show_url=show, use_keyring=False, poll_interval=0.2, timeout=60)
    assert result.user == email and result.stored_in == str(netrc)
    assert shown[0].startswith(f"{nextcloud.url}/index.php/login/v2/flow/")
    stored = netrc.read_text()
    assert stored.startswith(f"machine 127.0.0.1:{nextcloud.port} login {email} password ")
    app_password = stored.split()[-1]
    assert app_password != password and (netrc.stat().st_mode & 0o777) == 0o600

    with httpx.Client(auth=(email, app_password), timeout=60) as http:
        dav = f"{nextcloud.url}/remote.php/dav/files/{uid}/Site"
        assert http.request("MKCOL", dav).status_code == 201
        assert http.put(f"{dav}/index.md", content=b"# Hi\n").status_code == 201
    sync = CliRunner().invoke(main, ["sync", "--cache", str(tmp_path / "c"), spec])
    assert sync.exit_code == 0, sync.output
    assert (tmp_path / "c" / "site" / "index.md").read_text() == "# Hi\n"
    assert app_password not in sync.output and password not in sync.output
