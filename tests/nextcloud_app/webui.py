"""Nextcloud's web UI as a browser drives it, without running its JavaScript (the trimmed test
server ships an empty dist/core-common.js, so its pages do not run in a browser): the login
form, a page's request token and initial states, and the calls the UI's own code makes with
them (@nextcloud/axios sends the session cookie and the `requesttoken` header)."""

from __future__ import annotations

import base64
import dataclasses
import json
import re
import secrets
import time
import uuid
from typing import Any

import httpx

from tests.servers.nextcloud import NextcloudServer

OCS = {"OCS-APIRequest": "true", "Accept": "application/json"}


def initial_state(html: str, app: str, key: str) -> Any:
    """What the page hands its scripts through `loadState(app, key)`, or None."""
    found = re.search(
        rf'id="initial-state-{re.escape(app)}-{re.escape(key)}" value="([^"]*)"', html
    )
    return json.loads(base64.b64decode(found.group(1))) if found else None


def admin(nc: NextcloudServer) -> httpx.Client:
    return httpx.Client(auth=("admin", nc.admin_password), headers=OCS, timeout=60)


def new_user(nc: NextcloudServer, *, subadmin: bool) -> NextcloudServer:
    """A user of this test's own, with a password (the login form takes no app password), as
    the same server seen by that user. `subadmin`: of an empty group of their own."""
    name, password = f"web-{uuid.uuid4().hex[:8]}", secrets.token_urlsafe(24)
    group = f"{name}-group"
    with admin(nc) as http:
        made = [
            ("/cloud/users", {"userid": name, "password": password}),
            *([("/cloud/groups", {"groupid": group})] if subadmin else []),
            *([(f"/cloud/users/{name}/subadmins", {"groupid": group})] if subadmin else []),
        ]
        for path, form in made:
            code, text = ocs_post(http, f"{nc.url}/ocs/v2.php{path}", form)
            # 102: made by a try whose answer was a 500 or a 101
            assert code in (200, 102), (path, text)
        # a try that failed half-way may have made the user without the password
        answer = patiently(
            http,
            "PUT",
            f"{nc.url}/ocs/v2.php/cloud/users/{name}",
            data={"key": "password", "value": password},
        )
        assert answer.json()["ocs"]["meta"]["statuscode"] == 200, answer.text
    user = dataclasses.replace(nc, user=name, app_password=password)
    with user.client() as http:  # the first call makes the user's home: slow, may fail once
        patiently(http, "PROPFIND", user.dav_url(), headers={"Depth": "0"})
    return user


def ocs_post(http: httpx.Client, url: str, form: dict[str, str]) -> tuple[int, str]:
    """An OCS POST of the test's setup, again while it fails with 101 "Bad request": the
    provisioning API's answer to any exception, such as its SQLite busy with other tests."""
    for attempt in range(1, 6):
        answer = patiently(http, "POST", url, data=form)
        code = int(answer.json()["ocs"]["meta"]["statuscode"])
        if code != 101:
            break
        time.sleep(0.5 * attempt)
    return code, answer.text


def patiently(http: httpx.Client, method: str, url: str, **options: Any) -> httpx.Response:
    """A test setup call, again while the server answers 5xx (its SQLite busy with the other
    tests' requests)."""
    for attempt in range(1, 6):
        answer = http.request(method, url, **options)
        if answer.status_code < 500:
            return answer
        time.sleep(0.5 * attempt)
    return answer


def upload(user: NextcloudServer, folder: str, files: dict[str, str]) -> None:
    """NextcloudServer.upload, patiently (a new user's first writes meet a busy SQLite)."""
    with user.client() as http:
        parts = folder.strip("/").split("/")
        for n in range(1, len(parts) + 1):
            made = patiently(http, "MKCOL", user.dav_url("/".join(parts[:n])))
            assert made.status_code in (201, 405), made.text  # 405: it exists
        for name, text in files.items():
            put = patiently(http, "PUT", user.dav_url(f"{folder}/{name}"), content=text.encode())
            assert put.status_code in (201, 204), put.text


def last_errors(nc: NextcloudServer, count: int = 5) -> str:
    """The messages of the last entries of the server's nextcloud.log, for a failure's report."""
    log = nc.dir / "data" / "nextcloud.log"
    lines = log.read_text(errors="replace").splitlines()[-count:] if log.exists() else []
    messages = []
    for line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            messages.append(line[:300])
            continue
        exception = entry.get("exception") or {}
        detail = exception.get("Message", "") if isinstance(exception, dict) else ""
        messages.append(f"{entry.get('url', '')}: {entry.get('message', '')} {detail}"[:300])
    return "\n".join(messages)


def delete_user(nc: NextcloudServer, user: NextcloudServer) -> None:
    with admin(nc) as http:
        http.delete(f"{nc.url}/ocs/v2.php/cloud/users/{user.user}")


class Browser:
    """A logged-in session: cookies, and the request token of the last page opened."""

    def __init__(self, nc: NextcloudServer) -> None:
        self.nc = nc
        self.http = httpx.Client(base_url=nc.url, follow_redirects=True, timeout=300)
        self.token = ""

    def login(self) -> Browser:
        form = {"user": self.nc.user, "password": self.nc.app_password, "timezone": "UTC"}
        # a 500 while the server's SQLite is locked by the other tests' writes (a bulk upload
        # holds it for seconds): log in again, waiting longer each time (about a minute in all)
        for attempt in range(1, 9):
            self.open("/index.php/login")
            answer = self.http.post(
                "/index.php/login",
                data={**form, "requesttoken": self.token},
                headers={"Origin": self.nc.url},  # the login refuses a POST without it
            )
            if answer.status_code < 500:
                break
            time.sleep(min(2 * attempt, 10))
        assert answer.url.path != "/index.php/login", (
            f"not logged in ({answer.status_code}); the server's last errors:\n"
            + last_errors(self.nc)
        )
        return self

    def open(self, path: str) -> str:
        page = self.http.get(path)
        page.raise_for_status()
        found = re.search(r'data-requesttoken="([^"]+)"', page.text)
        self.token = found.group(1) if found else ""
        return page.text

    def post(self, path: str, body: object) -> httpx.Response:
        """axios.post(url, body) as @nextcloud/axios sends it from an open page."""
        headers = {"requesttoken": self.token, "X-Requested-With": "XMLHttpRequest"}
        return self.http.post(path, json=body, headers=headers)

    @property
    def cookies(self) -> list[str]:
        """The session's secret cookie values (not the short flags such as "true")."""
        return [c.value for c in self.http.cookies.jar if c.value and len(c.value) >= 16]

    def close(self) -> None:
        self.http.close()


def chromium_page(chromium: Any, session: Browser) -> Any:
    """A headless Chromium page in a context of its own holding `session`'s cookies, as if the
    user had logged in through the form in that browser (the login page itself is script-built
    and the trimmed server's core bundle is empty, so the form is posted by `Browser.login`)."""
    context = chromium.new_context()
    jar = [
        {"name": c.name, "value": c.value or "", "url": session.nc.url}
        for c in session.http.cookies.jar
    ]
    context.add_cookies(jar)
    return context.new_page()
