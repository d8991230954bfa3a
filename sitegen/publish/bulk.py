"""Layer 4: Nextcloud's bulk upload (`POST /remote.php/dav/bulk`, what its desktop client uses):
many small new files in one request.

The body is `multipart/related`; each part carries `X-File-Path` (from the user's root),
`OC-Checksum: sha256:…` (checked by the server), `X-OC-Mtime` and `Content-Length`. The answer is
JSON naming each path with its ETag, or an error for that file alone. The server writes each file
whole but not through a part file, so sitegen sends only NEW files this way (no page links to
them yet); changed live files still go through an atomic PUT.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from sitegen.webdav import Client, WebDAVError

MAX_FILES = 100  # files in one request
MAX_FILE_BYTES = 1 << 20  # larger files go one by one
MAX_REQUEST_BYTES = 16 << 20
_FILES_ROOT = "/remote.php/dav/files/"


@dataclass(frozen=True)
class BulkFile:
    path: str  # relative to the target folder
    source: Path
    sha256: str
    mtime: float


class BulkUploader:
    """Sends batches of small new files; None from `for_client` where the URL is not a
    Nextcloud files URL. After a refusal of the endpoint itself it stays off."""

    def __init__(self, client: Client, bulk_url: str, user_root: str) -> None:
        self.client = client
        self.bulk_url = bulk_url
        self.user_root = user_root  # "/Public/site"
        self.enabled = True

    @classmethod
    def for_client(cls, client: Client) -> BulkUploader | None:
        parts = urlsplit(client.root_url)
        head, sep, tail = parts.path.partition(_FILES_ROOT)
        if not sep:
            return None
        user, _, folder = tail.partition("/")
        if not user:
            return None
        origin = f"{parts.scheme}://{parts.netloc}"
        root = "/" + unquote(folder).strip("/")
        return cls(client, f"{origin}{head}/remote.php/dav/bulk", root.rstrip("/"))

    def batches(self, files: Sequence[BulkFile]) -> list[list[BulkFile]]:
        out: list[list[BulkFile]] = []
        size = 0
        for f in files:
            n = f.source.stat().st_size
            if not out or len(out[-1]) >= MAX_FILES or size + n > MAX_REQUEST_BYTES:
                out.append([])
                size = 0
            out[-1].append(f)
            size += n
        return out

    def send(self, files: Sequence[BulkFile]) -> dict[str, str | None]:
        """path -> ETag of each file the server wrote; the others are missing from the result
        (the caller sends them one by one)."""
        if not self.enabled or not files:
            return {}
        boundary = "sitegen-" + secrets.token_hex(12)
        body = bytearray()
        for f in files:
            data = f.source.read_bytes()
            head = (
                f"--{boundary}\r\n"
                f"X-File-Path: {self.user_root}/{f.path}\r\n"
                f"OC-Checksum: sha256:{f.sha256}\r\n"
                f"X-OC-Mtime: {int(f.mtime)}\r\n"
                f"Content-Length: {len(data)}\r\n\r\n"
            )
            body += head.encode() + data + b"\r\n"
        body += f"--{boundary}--\r\n".encode()
        headers = {"Content-Type": f"multipart/related; boundary={boundary}"}
        try:
            answer = self.client.post_bytes(self.bulk_url, bytes(body), headers=headers)
        except WebDAVError as e:
            if e.status in (400, 404, 405, 501):  # no bulk endpoint here: PUT from now on
                self.enabled = False
                return {}
            raise
        return self._written(answer, files)

    def _written(self, answer: bytes, files: Sequence[BulkFile]) -> dict[str, str | None]:
        try:
            doc = json.loads(answer)
        except ValueError:
            return {}
        if not isinstance(doc, dict):
            return {}
        out: dict[str, str | None] = {}
        for f in files:
            entry = doc.get(f"{self.user_root}/{f.path}")
            if isinstance(entry, dict) and entry.get("error") is False:
                etag = entry.get("etag")
                out[f.path] = str(etag) if etag else None
        return out
