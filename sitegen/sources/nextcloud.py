"""Nextcloud's own HTTP APIs beside WebDAV: `status.php` (is there a Nextcloud at this URL?),
OCS `cloud/user` (the user ID behind a login name such as an e-mail address) and OCS
`cloud/capabilities` (where the notify_push WebSocket is).

Every function takes an httpx client that already carries the credentials; messages name the
server's URL, never the password.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from sitegen.errors import SourceError

OCS_HEADERS = {"OCS-APIRequest": "true", "Accept": "application/json"}


def http_client(user: str | None, password: str | None, *, timeout: float = 30.0) -> httpx.Client:
    auth = (user, password) if user is not None and password is not None else None
    return httpx.Client(
        auth=auth,
        timeout=httpx.Timeout(timeout, connect=10.0),
        headers={"User-Agent": "sitegen"},
        follow_redirects=False,
    )


def ocs_data(http: httpx.Client, server_url: str, endpoint: str) -> dict[str, Any]:
    """`ocs.data` of GET /ocs/v2.php/ENDPOINT?format=json, or SourceError naming the URL."""
    url = f"{server_url}/ocs/v2.php/{endpoint}"
    try:
        answer = http.get(url, params={"format": "json"}, headers=OCS_HEADERS)
    except httpx.HTTPError as e:
        raise SourceError(f"{url}: {type(e).__name__}") from None
    if answer.status_code == 401:
        raise SourceError(f"{server_url}: Nextcloud rejected the credentials (HTTP 401)")
    if answer.status_code != 200:
        raise SourceError(f"{url}: HTTP {answer.status_code}")
    try:
        data = answer.json()["ocs"]["data"]
    except (ValueError, KeyError, TypeError):
        raise SourceError(f"{url}: not an OCS answer") from None
    if not isinstance(data, dict):
        raise SourceError(f"{url}: not an OCS answer")
    return data


def user_id(http: httpx.Client, server_url: str) -> str:
    """The user ID of whoever the client logs in as (a login name may be an e-mail address;
    WebDAV paths need the ID)."""
    found = ocs_data(http, server_url, "cloud/user").get("id")
    if not isinstance(found, str) or not found:
        raise SourceError(f"{server_url}: the OCS cloud/user answer has no user id")
    return found


def is_nextcloud(http: httpx.Client, server_url: str) -> bool:
    """Whether `server_url/status.php` is an installed Nextcloud (no credentials needed)."""
    try:
        answer = http.get(f"{server_url}/status.php", auth=None)
        return answer.status_code == 200 and answer.json().get("installed") is True
    except (httpx.HTTPError, ValueError, AttributeError):
        return False


@dataclass(frozen=True)
class PushEndpoints:
    websocket: str
    pre_auth: str | None


def push_endpoints(http: httpx.Client, server_url: str) -> PushEndpoints | None:
    """notify_push's endpoints from the capabilities, or None where the server has no push."""
    capabilities = ocs_data(http, server_url, "cloud/capabilities").get("capabilities")
    push = capabilities.get("notify_push") if isinstance(capabilities, dict) else None
    endpoints = push.get("endpoints") if isinstance(push, dict) else None
    if not isinstance(endpoints, dict) or not isinstance(endpoints.get("websocket"), str):
        return None
    pre_auth = endpoints.get("pre_auth")
    return PushEndpoints(endpoints["websocket"], pre_auth if isinstance(pre_auth, str) else None)
