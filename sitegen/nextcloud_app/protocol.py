"""AppAPI's protocol, both ways.

Nextcloud → app: every request carries `AUTHORIZATION-APP-API: base64(user_id:app_secret)` (the
user id is empty for a public route or a lifecycle call) and `EX-APP-ID`. The app checks the
secret in constant time and takes the user id from the same header.

App → Nextcloud: the same headers, with `EX-APP-VERSION` and `AA-VERSION`, authenticate the app
as any user it names, on OCS and on WebDAV (AppAPI's `DavPlugin` logs the DAV request in as that
user). That is how a publish reads and writes the calling user's files without their password.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

from sitegen.nextcloud_app.settings import AppSettings
from sitegen.webdav.retry import RetryPolicy

T = TypeVar("T")

AA_VERSION = "3.0.0"  # AppAPI checks only that the header is there
_AUTH = "authorization-app-api"


class NotAuthorized(Exception):
    """A request that did not come from this Nextcloud's AppAPI (wrong or missing secret)."""


@dataclass(frozen=True)
class Caller:
    user: str  # "" for a public or lifecycle request


def check_request(headers: Mapping[str, str], settings: AppSettings) -> Caller:
    """The caller of a request forwarded by AppAPI, or NotAuthorized."""
    raw = headers.get(_AUTH, "")
    try:
        decoded = base64.b64decode(raw, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise NotAuthorized("malformed AUTHORIZATION-APP-API header") from None
    user, sep, secret = decoded.partition(":")
    if not sep or not hmac.compare_digest(secret.encode(), settings.secret.encode()):
        raise NotAuthorized("wrong app secret")
    if headers.get("ex-app-id", "") != settings.app_id:
        raise NotAuthorized("EX-APP-ID is not this app")
    return Caller(user)


def auth_headers(settings: AppSettings, user: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{settings.secret}".encode()).decode("ascii")
    return {
        "AUTHORIZATION-APP-API": token,
        "EX-APP-ID": settings.app_id,
        "EX-APP-VERSION": settings.version,
        "AA-VERSION": AA_VERSION,
    }


class AppAPIAuth(httpx.Auth):
    """httpx auth that acts as `user` (empty: as the app itself). Its repr shows no secret."""

    def __init__(self, settings: AppSettings, user: str) -> None:
        self._settings = settings
        self.user = user

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers.update(auth_headers(self._settings, self.user))
        yield request

    def __repr__(self) -> str:
        return f"AppAPIAuth(user={self.user!r})"


def ocs_client(settings: AppSettings, user: str = "", timeout: float = 30.0) -> httpx.Client:
    """An OCS client on Nextcloud acting as `user`."""
    return httpx.Client(
        base_url=settings.nextcloud_url,
        auth=AppAPIAuth(settings, user),
        headers={"OCS-APIRequest": "true", "Accept": "application/json"},
        timeout=timeout,
    )


def ocs_call(
    http: httpx.Client, method: str, path: str, payload: Mapping[str, Any] | None = None
) -> Any:
    """One OCS call; its `ocs.data`, or httpx.HTTPStatusError."""
    answer = http.request(method, f"/ocs/v1.php/apps/app_api{path}", json=payload)
    answer.raise_for_status()
    return answer.json().get("ocs", {}).get("data")


def with_retries(call: Callable[[], T], policy: RetryPolicy | None = None) -> T:
    """`call()`, again after a lost connection, a 5xx, or a 400 (what AppAPI answers when its
    database write failed, as SQLite under load does), for calls that may be repeated: reads,
    and registrations, which AppAPI replaces by app id and name. The last error is raised."""
    policy = policy or RetryPolicy(attempts=4)
    for attempt in range(1, policy.attempts + 1):
        try:
            return call()
        except httpx.HTTPError as exc:
            if attempt == policy.attempts or not _transient(exc):
                raise
            policy.sleep(policy.backoff(attempt))
    raise AssertionError("unreachable")  # attempts >= 1


def _transient(exc: httpx.HTTPError) -> bool:
    if isinstance(exc, httpx.HTTPStatusError):
        status = exc.response.status_code
        return status == 400 or status >= 500
    return isinstance(exc, httpx.TransportError)


def set_init_progress(settings: AppSettings, progress: int, error: str = "") -> None:
    """Report /init's progress; 100 tells AppAPI the app is ready (`--wait-finish` returns)."""
    body: dict[str, Any] = {"progress": progress}
    if error:
        body["error"] = error
    with ocs_client(settings) as http:
        ocs_call(http, "PUT", "/ex-app/status", body)
