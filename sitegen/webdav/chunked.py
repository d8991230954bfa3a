"""Nextcloud chunked upload v2, for files too large for one PUT.

MKCOL an upload folder under `/remote.php/dav/uploads/USER/`, PUT numbered chunks into it (each
5 MiB..5 GiB but the last), then MOVE its `.file` onto the destination, which Nextcloud assembles
server-side. Every request carries the destination so Nextcloud can check quota and permissions
early. On failure the upload folder is deleted (best effort).
"""

from __future__ import annotations

import contextlib
import secrets
import tempfile
from pathlib import Path

from sitegen.webdav.client import Client
from sitegen.webdav.errors import WebDAVError
from sitegen.webdav.multistatus import normalize_etag

MIN_CHUNK = 5 * 1024 * 1024


def uploads_root(files_root_url: str) -> str:
    """`https://h/remote.php/dav/files/alice/Site/` -> `https://h/remote.php/dav/uploads/alice/`."""
    marker = "/remote.php/dav/files/"
    head, sep, tail = files_root_url.partition(marker)
    user = tail.split("/", 1)[0]
    if not sep or not user:
        raise WebDAVError("chunked upload needs a Nextcloud files URL (/remote.php/dav/files/USER)")
    return f"{head}/remote.php/dav/uploads/{user}/"


def chunked_upload(
    client: Client,
    path: str,
    source: Path,
    *,
    chunk_size: int = 16 * 1024 * 1024,
    mtime: float | None = None,
    if_match: str | None = None,
) -> str | None:
    """Upload `source` to `path` (relative to the client's root) in chunks; returns the ETag."""
    chunk_size = max(chunk_size, MIN_CHUNK)
    uploads = client.sibling(uploads_root(client.root_url))
    transfer = f"sitegen-{secrets.token_hex(16)}"
    destination = {"Destination": client.url(path)}
    total = source.stat().st_size
    try:
        uploads.mkcol(transfer, headers=destination)
    except WebDAVError as e:
        if e.status != 405:  # 405: a retried MKCOL whose first try made the folder
            raise
    try:
        with open(source, "rb") as fh, tempfile.TemporaryDirectory(prefix="sitegen-chunks-") as tmp:
            number = 0
            while True:
                piece = fh.read(chunk_size)
                if not piece and number > 0:
                    break
                number += 1
                part = Path(tmp) / "chunk"
                part.write_bytes(piece)  # a file, so a retried PUT can send it again
                uploads.raw("PUT", f"{transfer}/{number:05d}", headers=destination, body=part)
                if len(piece) < chunk_size:
                    break
        headers = {**destination, "OC-Total-Length": str(total), "Overwrite": "T"}
        if mtime is not None:
            headers["X-OC-MTime"] = str(int(mtime))
        if if_match is not None:
            headers["If-Match"] = f'"{normalize_etag(if_match)}"'
        try:
            got = uploads.raw("MOVE", f"{transfer}/.file", headers=headers, repeatable=True)
        except WebDAVError as e:
            # A retried MOVE whose first try assembled the file finds its upload folder gone.
            if e.status != 404:
                raise
            held = client.stat(path)
            if held.size != total:
                raise
            return held.etag
        return normalize_etag(got.get("OC-ETag") or got.get("ETag"))
    except BaseException:
        with contextlib.suppress(WebDAVError, OSError):
            uploads.delete(transfer)
        raise
