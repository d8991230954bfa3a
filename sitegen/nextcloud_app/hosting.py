"""The public copies of published sites, and how a request path maps onto one.

A site marked public is built a second time with `base_url` set to its URL under Nextcloud's
proxy prefix (so its links and assets work there) into `STORAGE/sites/ID/`; the registry
`STORAGE/public-sites.json` names the sites that may be served. A request is answered only from
inside a registered site's folder: no listing, no hidden files, no `..`, no symlink out.
"""

from __future__ import annotations

import json
import mimetypes
import os
import re
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

CSP = (
    "default-src 'self'; img-src 'self' data: https:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'self'"
)
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")


def site_id(user: str, target: str) -> str:
    """A URL-safe name for a user's published folder, such as `alice-public-site`."""
    slug = re.sub(r"[^a-z0-9]+", "-", f"{user}-{target}".lower()).strip("-")
    return slug[:100] or "site"


@dataclass(frozen=True)
class Hosted:
    user: str
    target: str


@dataclass(frozen=True)
class Found:
    path: Path
    status: int  # 200, or 404 with the site's own 404 page
    content_type: str


class Sites:
    """The registry and the folders of the hosted sites."""

    def __init__(self, storage: Path) -> None:
        self.root = storage / "sites"
        self._registry = storage / "public-sites.json"
        self._lock = threading.Lock()

    def folder(self, sid: str) -> Path:
        return self.root / sid

    def registered(self) -> dict[str, Hosted]:
        try:
            doc = json.loads(self._registry.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {k: Hosted(str(v["user"]), str(v["target"])) for k, v in doc.items()}

    def owner_conflict(self, sid: str, user: str, target: str) -> bool:
        """Whether the id is already another folder's (ids are slugs, so two may meet)."""
        held = self.registered().get(sid)
        return held is not None and held != Hosted(user, target)

    def mark(self, sid: str, hosted: Hosted | None) -> None:
        """Register a site as public, or (None) withdraw it and delete its copy."""
        with self._lock:
            sites = self.registered()
            if hosted is None:
                sites.pop(sid, None)
            else:
                sites[sid] = hosted
            doc = {k: {"user": v.user, "target": v.target} for k, v in sites.items()}
            self._registry.parent.mkdir(parents=True, exist_ok=True)
            tmp = self._registry.with_suffix(".tmp")
            tmp.write_text(json.dumps(doc, indent=1, sort_keys=True), encoding="utf-8")
            os.replace(tmp, self._registry)
        if hosted is None:
            shutil.rmtree(self.folder(sid), ignore_errors=True)

    def find(self, sid: str, path: str) -> Found | None:
        """The file to answer `sites/SID/PATH` with, or None (a plain 404)."""
        if not _ID.match(sid) or sid not in self.registered():
            return None
        root = self.folder(sid)
        file = _resolve(root, path)
        if file is not None:
            return Found(file, 200, content_type(file))
        missing = _resolve(root, "404.html")
        return Found(missing, 404, content_type(missing)) if missing else None


def _resolve(root: Path, path: str) -> Path | None:
    """A regular file inside `root` for a URL path (a folder gives its index.html)."""
    parts = [p for p in path.split("/") if p]
    if any(p.startswith(".") or "\\" in p or "\0" in p for p in parts):
        return None
    candidate = root.joinpath(*parts)
    if candidate.is_dir():
        candidate = candidate / "index.html"
    try:
        real = candidate.resolve(strict=True)
        inside = real.is_relative_to(root.resolve(strict=True))
    except (OSError, RuntimeError):
        return None
    return real if inside and real.is_file() else None


def content_type(path: Path) -> str:
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    text = kind.startswith("text/") or kind in ("application/javascript", "application/json")
    return f"{kind}; charset=utf-8" if text or kind.endswith("+xml") else kind
