"""Layer 4: a Nextcloud (or any WebDAV) folder as a publish target.

What the target holds is what its last manifest (`.sitegen/manifest.json`) says, so a publish
reads one listing of `.sitegen/` and, with a warm local cache, nothing else. Only new and
changed files move, in the plan's order: new assets, changed assets, pages, then the manifest
and the log, then deletes. Files are replaced with `If-Match` on the ETag recorded when they
were last uploaded, so a hand edit on the server is not silently overwritten.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from itertools import groupby
from pathlib import Path
from typing import Protocol

import httpx

from sitegen.errors import PublishError
from sitegen.publish.manifest import (
    LOG_PATH,
    MANIFEST_PATH,
    STATE_DIR,
    Entry,
    hash_file,
)
from sitegen.publish.plan import Plan, apply_to_manifest, upload_rank
from sitegen.publish.target import Progress, TargetState, decode_manifest, encode_manifest
from sitegen.webdav import Client, PreconditionFailedError, WebDAVError, chunked_upload

CHUNKED_THRESHOLD = 10 * 1024 * 1024  # Nextcloud's chunked upload v2 from this size on


class _Uploader(Protocol):
    def __call__(self, client: Client, path: str, source: Path, *, mtime: float | None,
                 if_match: str | None) -> str | None: ...


class DavTarget:
    def __init__(self, client: Client, *, label: str, nextcloud: bool = True,
                 cache_dir: Path | None = None, workers: int = 4,
                 overwrite_conflicts: bool = False,
                 chunked: _Uploader | None = None) -> None:
        self.client = client
        self._label = label
        self.nextcloud = nextcloud
        self.cache_dir = cache_dir
        self.workers = max(1, workers)
        self.overwrite_conflicts = overwrite_conflicts
        self._chunked = chunked or _chunked_upload
        self._etags: dict[str, str] = {}
        self._state_etags: dict[str, str | None] = {}
        self._state: TargetState | None = None
        self._has_state_dir = False
        self._lock = threading.Lock()

    @property
    def label(self) -> str:
        return self._label

    @property
    def checks_nextcloud_names(self) -> bool:
        return self.nextcloud

    # -- reading the target's bookkeeping -----------------------------------------------------

    def read_state(self) -> TargetState:
        """One PROPFIND of `.sitegen/`; a GET only for a state file the cache does not hold."""
        try:
            _, children = self.client.list_folder(STATE_DIR)
            self._has_state_dir = True
        except WebDAVError as e:
            if e.status != 404:
                raise
            self._has_state_dir = False
            children = []
        remote = {f"{STATE_DIR}/{r.name}": r.etag for r in children if not r.is_dir}
        manifest_bytes = self._fetch(MANIFEST_PATH, remote)
        log_bytes = self._fetch(LOG_PATH, remote)
        files: dict[str, Entry] = {}
        if manifest_bytes:
            files, extra = decode_manifest(manifest_bytes)
            etags = extra.get("etags")
            if isinstance(etags, dict):
                self._etags = {str(k): str(v) for k, v in etags.items()}
        self._state_etags = {p: remote.get(p) for p in (MANIFEST_PATH, LOG_PATH)}
        self._state = TargetState(files, log_bytes)
        return self._state

    def _fetch(self, path: str, remote: dict[str, str | None]) -> bytes:
        if path not in remote:
            return b""
        cached = self._cache_read(path, remote[path])
        if cached is not None:
            return cached
        data = self.client.get_bytes(path)
        self._cache_write(path, data, remote[path])
        return data

    # -- a local cache of the state files, keyed by their ETag on the server ------------------

    def _cache_file(self, path: str) -> Path | None:
        if self.cache_dir is None:
            return None
        key = hashlib.sha256(self._label.encode()).hexdigest()[:16]
        return self.cache_dir / "publish-targets" / key / Path(path).name

    def _cache_read(self, path: str, etag: str | None) -> bytes | None:
        f = self._cache_file(path)
        if f is None or etag is None or not f.is_file():
            return None
        meta = f.with_suffix(f.suffix + ".etag")
        if not meta.is_file() or meta.read_text() != etag:
            return None
        return f.read_bytes()

    def _cache_write(self, path: str, data: bytes, etag: str | None) -> None:
        f = self._cache_file(path)
        if f is None:
            return
        f.parent.mkdir(parents=True, exist_ok=True)
        meta = f.with_suffix(f.suffix + ".etag")
        meta.unlink(missing_ok=True)  # never a stale ETag beside new bytes
        f.write_bytes(data)
        if etag is not None:
            meta.write_text(etag)

    # -- writing -------------------------------------------------------------------------------

    def apply(self, plan: Plan, out_dir: Path, log_line: bytes, progress: Progress | None) -> None:
        try:
            self._apply(plan, out_dir, log_line, progress)
        except WebDAVError as e:
            raise PublishError(f"publish to {self._label} interrupted: {e}\nwhat is online is "
                               "consistent (assets before pages); the next publish completes "
                               "it") from e

    def _apply(self, plan: Plan, out_dir: Path, log_line: bytes,
               progress: Progress | None) -> None:
        state = self._state if self._state is not None else self.read_state()
        if not self._has_state_dir:
            self._mkcol(STATE_DIR)
        for folder in plan.folders_to_create():
            self._mkcol(folder)
        changed = set(plan.changed)
        uploads = plan.uploads()
        # Groups in the plan's order; inside a group, bounded parallel transfers.
        for _, group in groupby(uploads, key=lambda p: upload_rank(p, p not in changed)):
            self._upload_all(list(group), out_dir, changed, progress)
        result = apply_to_manifest(plan, plan.target)
        pending = {p: plan.target[p] for p in plan.deleted}
        etags = {p: e for p, e in self._etags.items() if p in result or p in pending}
        self._put_state(MANIFEST_PATH, encode_manifest(result, pending, {"etags": etags}))
        if log_line:
            self._put_state(LOG_PATH, state.log + log_line)
        for path in plan.deletes():
            try:
                self.client.delete(path)
            except WebDAVError as e:
                if e.status != 404:  # already gone: an earlier, interrupted run got there
                    raise
            self._etags.pop(path, None)
        if pending:
            etags = {p: e for p, e in self._etags.items() if p in result}
            self._put_state(MANIFEST_PATH, encode_manifest(result, None, {"etags": etags}))

    def _mkcol(self, folder: str) -> None:
        try:
            self.client.mkcol(folder)
        except WebDAVError as e:
            if e.status != 405:  # 405: it exists already (an interrupted run made it)
                raise

    def _upload_all(self, paths: list[str], out_dir: Path, changed: set[str],
                    progress: Progress | None) -> None:
        conflicts: list[str] = []

        def one(path: str) -> None:
            if not self._upload(path, out_dir / path, path in changed):
                with self._lock:
                    conflicts.append(path)
            elif progress:
                progress(path, (out_dir / path).stat().st_size)

        with ThreadPoolExecutor(self.workers) as pool:
            for future in [pool.submit(one, p) for p in paths]:
                future.result()  # the first failure stops the publish before the next group
        if conflicts:
            names = "\n".join(f"{p}: changed on the target since the last publish"
                              for p in sorted(conflicts))
            raise PublishError(f"{names}\nnot overwritten; check with `sitegen verify`, then "
                               "publish with --overwrite to replace them")

    def _upload(self, path: str, source: Path, replacing: bool) -> bool:
        """PUT one file; False when the server's copy changed under us (a conflict)."""
        entry = hash_file(source)
        mtime = source.stat().st_mtime
        if_match = self._etags.get(path) if replacing and not self.overwrite_conflicts else None
        try:
            etag = self._send(path, source, entry, mtime, if_match)
        except PreconditionFailedError:
            # Our own upload from an interrupted run, or someone else's edit? Compare bytes.
            if hashlib.sha256(self.client.get_bytes(path)).hexdigest() != entry.sha256:
                return False
            etag = self.client.stat(path).etag
        with self._lock:
            if etag:
                self._etags[path] = etag
            else:
                self._etags.pop(path, None)
        return True

    def _send(self, path: str, source: Path, entry: Entry, mtime: float,
              if_match: str | None) -> str | None:
        if self.nextcloud and entry.size >= CHUNKED_THRESHOLD:
            return self._chunked(self.client, path, source, mtime=mtime, if_match=if_match)
        return self.client.put(path, source, if_match=if_match, sha256=entry.sha256, mtime=mtime)

    def _put_state(self, path: str, data: bytes) -> None:
        # If-Match on our own bookkeeping: a second publisher elsewhere makes this fail loudly.
        etag = self._state_etags.get(path)
        try:
            new = self.client.put(path, data, if_match=etag,
                                  sha256=hashlib.sha256(data).hexdigest())
        except PreconditionFailedError:
            raise PublishError(f"{self._label}: {path} changed while publishing "
                               "(another publisher?); run the publish again") from None
        self._state_etags[path] = new
        self._cache_write(path, data, new)

    # -- verify --------------------------------------------------------------------------------

    def held_files(self) -> dict[str, Entry]:
        resources = self.client.propfind("", "infinity")
        paths = [r.path for r in resources[1:]
                 if not r.is_dir and not r.path.startswith(STATE_DIR + "/")]

        def digest(path: str) -> tuple[str, Entry]:
            data = self.client.get_bytes(path)
            return path, Entry(hashlib.sha256(data).hexdigest(), len(data))

        with ThreadPoolExecutor(self.workers) as pool:
            return dict(pool.map(digest, paths))


def _chunked_upload(client: Client, path: str, source: Path, *, mtime: float | None,
                    if_match: str | None) -> str | None:
    return chunked_upload(client, path, source, mtime=mtime, if_match=if_match)


# -- public links through Nextcloud's OCS share API ----------------------------------------------

OCS_SHARES = "/ocs/v2.php/apps/files_sharing/api/v1/shares"
PUBLIC_LINK = 3


def public_link(http: httpx.Client, origin: str, folder: str) -> str:
    """The URL of a public link to `folder` (a path in the user's files): reused if one exists,
    created otherwise. `http` carries the credentials; `origin` is https://host[:port]."""
    headers = {"OCS-APIRequest": "true", "Accept": "application/json"}
    url = origin.rstrip("/") + OCS_SHARES
    path = "/" + folder.strip("/")
    listed = http.get(url, params={"path": path, "reshares": "false", "format": "json"},
                      headers=headers)
    if listed.status_code != 404:  # 404: no shares on that path yet
        for share in _ocs_data(listed, "list shares"):
            if str(share.get("share_type")) == str(PUBLIC_LINK) and share.get("url"):
                return str(share["url"])
    created = http.post(url, params={"format": "json"}, headers=headers,
                        data={"path": path, "shareType": str(PUBLIC_LINK), "permissions": "1"})
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


__all__ = ["CHUNKED_THRESHOLD", "DavTarget", "public_link"]
