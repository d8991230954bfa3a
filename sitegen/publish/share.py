"""Layer 4: a public link to a published Nextcloud folder, through the OCS share API."""

from __future__ import annotations

from collections.abc import Iterable

import httpx

from sitegen.errors import PublishError

OCS_SHARES = "/ocs/v2.php/apps/files_sharing/api/v1/shares"
PUBLIC_LINK = 3


def public_link(http: httpx.Client, origin: str, folder: str) -> str:
    """The URL of a public link to `folder` (a path in the user's files): reused if one exists,
    created otherwise. `http` carries the credentials; `origin` is https://host[:port]."""
    headers = {"OCS-APIRequest": "true", "Accept": "application/json"}
    url = origin.rstrip("/") + OCS_SHARES
    path = "/" + folder.strip("/")
    listed = http.get(
        url, params={"path": path, "reshares": "false", "format": "json"}, headers=headers
    )
    if listed.status_code != 404:  # 404: no shares on that path yet
        for share in _ocs_data(listed, "list shares"):
            if str(share.get("share_type")) == str(PUBLIC_LINK) and share.get("url"):
                return str(share["url"])
    created = http.post(
        url,
        params={"format": "json"},
        headers=headers,
        data={"path": path, "shareType": str(PUBLIC_LINK), "permissions": "1"},
    )
    data = _ocs_data(created, "create a public link")
    share = data[0] if data else {}
    if not share.get("url"):
        raise PublishError("OCS share API: the new share has no URL")
    return str(share["url"])


def _ocs_data(response: httpx.Response, doing: str) -> list[dict[str, object]]:
    if response.status_code >= 300:
        raise PublishError(f"OCS share API: could not {doing}: HTTP {response.status_code}")
    try:
        ocs = response.json()["ocs"]
        status = int(ocs["meta"]["statuscode"])
        data = ocs["data"]
    except (ValueError, KeyError, TypeError):
        raise PublishError(f"OCS share API: could not {doing}: unreadable answer") from None
    if status not in (100, 200):
        message = ocs["meta"].get("message") or status
        raise PublishError(f"OCS share API: could not {doing}: {message}")
    items: Iterable[object] = data if isinstance(data, list) else [data]
    return [d for d in items if isinstance(d, dict)]
