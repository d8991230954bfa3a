"""A thin WebDAV client on httpx: one connection pool, explicit timeouts, careful retries,
validated hrefs, streamed downloads, and every response closed.

Paths given to the client are relative to its root folder, `/`-separated ("posts/a b.md");
the client quotes each segment itself. Credentials live only inside httpx's auth object: they
are never part of a URL, a repr or an error message.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar
from urllib.parse import unquote, urlsplit

import httpx

from sitegen.webdav.errors import (
    AuthenticationError,
    ConnectionFailedError,
    ProtocolError,
    UnsafePathError,
    WebDAVError,
    error_class_for,
)
from sitegen.webdav.multistatus import PROPFIND_BODY, Resource, normalize_etag, parse_multistatus
from sitegen.webdav.paths import Segments, decode_href, nfc, quote_segments, split_path
from sitegen.webdav.retry import (
    IDEMPOTENT_METHODS,
    RETRY_STATUSES,
    RetryPolicy,
    parse_retry_after,
)

T = TypeVar("T")
Depth = Literal[0, 1, "infinity"]
Body = bytes | Path

MAX_MULTISTATUS_BYTES = 512 * 1024 * 1024
_CHUNK = 256 * 1024
_NC_MESSAGE = re.compile(rb"<s:message>(.*?)</s:message>", re.DOTALL)


@dataclass(frozen=True)
class Timeouts:
    connect: float = 10.0
    read: float = 60.0  # between two bytes of a response, not for the whole transfer
    total: float = 300.0  # one try of a request, from sending it to the body's last byte


@dataclass(frozen=True)
class Downloaded:
    etag: str | None
    size: int
    sha256: str


class _Transient(Exception):
    """One try failed in a way worth trying again (if the request may be repeated)."""

    def __init__(self, error: WebDAVError, retry_after: float | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.retry_after = retry_after


class _Counter:
    def __init__(self) -> None:
        self._n: int = 0
        self._lock = threading.Lock()

    def add(self) -> None:
        with self._lock:
            self._n += 1

    @property
    def value(self) -> int:
        with self._lock:
            return self._n


class Client:
    """WebDAV operations on the folder at `root_url` (no userinfo in it)."""

    def __init__(
        self,
        root_url: str,
        *,
        username: str | None = None,
        password: str | None = None,
        server_name: str = "The WebDAV server",
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        max_connections: int = 16,
        verify: bool = True,
        auth: httpx.Auth | None = None,
        _shared: Client | None = None,
    ) -> None:
        parts = urlsplit(root_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise WebDAVError(f"not an http(s) URL: {_redact(root_url)}")
        if parts.username is not None or parts.password is not None:
            raise WebDAVError("put credentials in username/password, not in the URL")
        if parts.query or parts.fragment:
            raise WebDAVError(f"a WebDAV root URL has no query or fragment: {_redact(root_url)}")
        self.scheme = parts.scheme
        self.host = parts.hostname
        self.port = parts.port
        self.username = username
        self.server_name = server_name
        self.has_password = password is not None or auth is not None
        raw_root = parts.path.rstrip("/")
        self.root: Segments = split_path("/".join(unquote(s) for s in raw_root.split("/")))
        self.root_url = f"{self.scheme}://{parts.netloc}/" + (
            quote_segments(self.root) + "/" if self.root else ""
        )
        self.retry = retry or RetryPolicy()
        self.total_seconds = (timeouts or Timeouts()).total
        self.deadline: float | None = None  # time.monotonic() by which every request must end
        self._http: httpx.Client
        self._counter: _Counter
        if _shared is not None:
            self._http = _shared._http
            self._counter = _shared._counter
            self._owns_http = False
        else:
            t = timeouts or Timeouts()
            if auth is None and username and password:
                auth = httpx.BasicAuth(username, password)
            self._http = httpx.Client(
                auth=auth,
                timeout=httpx.Timeout(t.read, connect=t.connect, pool=t.connect + t.read),
                limits=httpx.Limits(
                    max_connections=max_connections, max_keepalive_connections=max_connections
                ),
                follow_redirects=False,
                verify=verify,
                headers={"User-Agent": "sitegen"},
            )
            self._counter = _Counter()
            self._owns_http = True

    def sibling(self, root_url: str) -> Client:
        """A client for another folder on the same server, sharing the pool, credentials and
        request counter (Nextcloud's chunked uploads live outside the files folder)."""
        other = Client(
            root_url,
            username=self.username,
            server_name=self.server_name,
            retry=self.retry,
            _shared=self,
        )
        other.has_password = self.has_password
        if (other.scheme, other.host, other.port) != (self.scheme, self.host, self.port):
            raise WebDAVError("a sibling client must be on the same server")
        return other

    # -- housekeeping -------------------------------------------------------------------------

    @property
    def request_count(self) -> int:
        """Requests sent so far (every try counts), for tests and benchmarks."""
        return self._counter.value

    @property
    def origin(self) -> str:
        return f"{self.host}:{self.port}" if self.port else self.host

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Client({self.root_url!r}, username={self.username!r})"

    def url(self, path: str | Segments) -> str:
        segments = split_path(path) if isinstance(path, str) else path
        return self.root_url + quote_segments(segments)

    # -- the retry loop -----------------------------------------------------------------------

    def _run(self, method: str, path: str, attempt: Callable[[], T], *, repeatable: bool) -> T:
        policy = self.retry
        start = policy.clock()
        tries = 0
        while True:
            tries += 1
            try:
                return attempt()
            except _Transient as failure:
                if not repeatable or tries >= policy.attempts:
                    raise failure.error from None
                wait = (
                    failure.retry_after
                    if failure.retry_after is not None
                    else policy.backoff(tries)
                )
                if policy.clock() - start + wait > policy.deadline:
                    raise failure.error from None
                policy.sleep(wait)

    @contextlib.contextmanager
    def _response(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: Body | None = None,
        url: str | None = None,
    ) -> Iterator[httpx.Response]:
        """Send one request and yield its (streaming) response if the status is a success;
        raise the typed error otherwise. The response is closed on the way out."""
        target = url or self.url(path)
        with contextlib.ExitStack() as stack:
            content: bytes | Iterator[bytes] | None = None
            send_headers = dict(headers or {})
            if isinstance(body, Path):
                fh = stack.enter_context(open(body, "rb"))
                send_headers.setdefault("Content-Length", str(os.fstat(fh.fileno()).st_size))
                content = iter(lambda: fh.read(_CHUNK), b"")
            else:
                content = body
            request = self._http.build_request(
                method, target, headers=send_headers, content=content
            )
            self._counter.add()
            try:
                response = self._http.send(request, stream=True)
            except httpx.TransportError as e:
                raise _Transient(self._connection_error(method, path, e)) from None
            stack.callback(response.close)
            if response.status_code >= 300:
                error = self._status_error(method, path, response)
                if response.status_code in RETRY_STATUSES:
                    raise _Transient(error, parse_retry_after(response.headers.get("Retry-After")))
                raise error
            yield response

    def _connection_error(self, method: str, path: str, e: Exception) -> WebDAVError:
        kind = type(e).__name__
        detail = str(e) or kind
        return ConnectionFailedError(
            f"{method} {path or '/'} on {self.origin}: connection failed ({kind}: {detail})",
            path=path,
        )

    def _status_error(self, method: str, path: str, response: httpx.Response) -> WebDAVError:
        status = response.status_code
        request_id = response.headers.get("X-Request-Id")
        if status == 401:
            who = f"{self.username} at {self.origin}" if self.username else f"{self.origin}"
            message = f"{self.server_name} rejected the credentials for {who}"
            if not self.has_password:
                message += (
                    " (no password was found: set SITEGEN_PASSWORD, add a netrc entry, "
                    "or run `sitegen login`)"
                )
            return AuthenticationError(message, status=401, path=path, request_id=request_id)
        detail = ""
        with contextlib.suppress(httpx.HTTPError):
            head = b""
            for chunk in response.iter_bytes():
                head += chunk
                if len(head) > 8192:
                    break
            found = _NC_MESSAGE.search(head)
            if found:
                detail = ": " + found.group(1).decode("utf-8", "replace").strip()[:200]
        reason = response.reason_phrase or ""
        if 300 <= status < 400:
            reason += f" (redirect to {_redact(response.headers.get('Location', '?'))})"
        cls = error_class_for(status)
        return cls(
            f"{method} {path or '/'} on {self.origin}: {status} {reason}{detail}",
            status=status,
            path=path,
            request_id=request_id,
        )

    def _simple(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: Body | None = None,
        url: str | None = None,
        repeatable: bool | None = None,
    ) -> httpx.Headers:
        def attempt() -> httpx.Headers:
            with self._response(method, path, headers=headers, body=body, url=url) as r:
                try:
                    for _ in r.iter_raw():
                        pass
                except httpx.TransportError as e:  # an answer cut short: the request may be redone
                    raise _Transient(self._connection_error(method, path, e)) from None
                return r.headers

        if repeatable is None:
            repeatable = method in IDEMPOTENT_METHODS
        return self._run(method, path, attempt, repeatable=repeatable)

    # -- reading ------------------------------------------------------------------------------

    def propfind(self, path: str = "", depth: Depth = 1) -> list[Resource]:
        """The resource at `path` and, for Depth 1 / infinity, everything below it. The first
        entry is `path` itself. Every href is validated: inside the folder, exactly one level
        below it for Depth 1, no duplicates (compared in NFC)."""
        want = split_path(path)

        def attempt() -> bytes:
            headers = {"Depth": str(depth), "Content-Type": "application/xml; charset=utf-8"}
            ends = self._ends()
            with self._response("PROPFIND", path, headers=headers, body=PROPFIND_BODY) as r:
                if r.status_code != 207:
                    raise ProtocolError(
                        f"PROPFIND {path or '/'}: expected 207, got {r.status_code}",
                        status=r.status_code,
                        path=path,
                    )
                data = bytearray()
                try:
                    for chunk in r.iter_bytes():
                        self._in_time("PROPFIND", path, ends)
                        data += chunk
                        if len(data) > MAX_MULTISTATUS_BYTES:
                            raise ProtocolError(
                                f"PROPFIND {path or '/'}: listing too large", path=path
                            )
                except httpx.TransportError as e:
                    raise _Transient(self._connection_error("PROPFIND", path, e)) from None
                return bytes(data)

        body = self._run("PROPFIND", path, attempt, repeatable=True)
        return self._resources(body, path, want, depth)

    def _resources(self, body: bytes, path: str, want: Segments, depth: Depth) -> list[Resource]:
        full_root = self.root + want
        self_entry: Resource | None = None
        children: list[Resource] = []
        seen: set[tuple[str, ...]] = set()
        for raw in parse_multistatus(body, path=path):
            rel, slash = decode_href(
                raw.href, scheme=self.scheme, host=self.host, port=self.port, root=full_root
            )
            if slash and not raw.is_dir:
                raise ProtocolError(f"{raw.href!r} ends in / but is not a collection", path=path)
            if depth == 0 and rel:
                raise UnsafePathError(f"Depth 0 PROPFIND of {path!r} listed {raw.href!r}")
            if depth == 1 and len(rel) > 1:
                raise UnsafePathError(
                    f"Depth 1 PROPFIND of {path!r} listed {raw.href!r}, more than one level below",
                    path=path,
                )
            key = tuple(nfc(s) for s in rel)
            if key in seen:
                raise ProtocolError(f"PROPFIND of {path!r} listed {raw.href!r} twice", path=path)
            seen.add(key)
            resource = Resource(
                segments=want + rel,
                is_dir=raw.is_dir,
                etag=raw.etag,
                size=raw.size,
                mtime=raw.mtime,
                fileid=raw.fileid,
                checksums=raw.checksums,
                permissions=raw.permissions,
            )
            if not rel:
                self_entry = resource
            else:
                children.append(resource)
        if self_entry is None:
            raise ProtocolError(
                f"PROPFIND of {path!r} did not describe the folder itself", path=path
            )
        if children and not self_entry.is_dir:
            raise ProtocolError(f"PROPFIND of the file {path!r} listed children", path=path)
        return [self_entry, *children]

    def stat(self, path: str = "") -> Resource:
        return self.propfind(path, 0)[0]

    def list_folder(self, path: str = "") -> tuple[Resource, list[Resource]]:
        """(the folder, its direct children)."""
        this, *children = self.propfind(path, 1)
        return this, children

    def download(
        self,
        path: str,
        dest: Path,
        *,
        expected_size: int | None = None,
        expected_etag: str | None = None,
        temp_dir: Path | None = None,
        max_size: int | None = None,
    ) -> Downloaded:
        """GET `path` into `dest`: streamed to a temporary file beside it (or in `temp_dir`, on
        the same file system), size checked, then renamed into place. A body shorter than its
        Content-Length, or than `expected_size` when the ETag says the file did not change,
        is an error and `dest` is left untouched. Reading stops as soon as the body is larger
        than `expected_size` or `max_size`."""
        folder = temp_dir or dest.parent
        limit = min((n for n in (expected_size, max_size) if n is not None), default=None)

        def attempt() -> Downloaded:
            fd, tmp_name = tempfile.mkstemp(prefix=".sitegen-", suffix=".part", dir=folder)
            tmp = Path(tmp_name)
            ends = self._ends()
            try:
                # identity: the byte count must be comparable with Content-Length and the listing
                with (
                    os.fdopen(fd, "wb") as out,
                    self._response("GET", path, headers={"Accept-Encoding": "identity"}) as r,
                ):
                    digest = hashlib.sha256()
                    size = 0
                    try:
                        for chunk in r.iter_bytes():  # as it arrives, so the clock is checked
                            self._in_time("GET", path, ends)
                            if limit is not None and size + len(chunk) > limit:
                                raise self._too_large(path, limit, expected_size)
                            out.write(chunk)
                            digest.update(chunk)
                            size += len(chunk)
                    except httpx.TransportError as e:
                        raise _Transient(self._connection_error("GET", path, e)) from None
                    etag = normalize_etag(r.headers.get("ETag"))
                    declared = r.headers.get("Content-Length")
                    if (
                        declared is not None
                        and declared.isdigit()
                        and int(declared) != size
                        and "Content-Encoding" not in r.headers
                    ):
                        raise _Transient(
                            ProtocolError(f"GET {path}: got {size} of {declared} bytes", path=path)
                        )
                    unchanged = etag is None or expected_etag is None or etag == expected_etag
                    if expected_size is not None and size != expected_size and unchanged:
                        raise ProtocolError(
                            f"GET {path}: got {size} bytes, the listing said {expected_size}",
                            path=path,
                        )
                os.replace(tmp, dest)
                return Downloaded(etag or expected_etag, size, digest.hexdigest())
            finally:
                tmp.unlink(missing_ok=True)

        return self._run("GET", path, attempt, repeatable=True)

    def _ends(self) -> float:
        """When the request starting now must be done: its own limit, or the caller's
        deadline (a whole sync's) if that comes first."""
        ends = time.monotonic() + self.total_seconds
        return ends if self.deadline is None else min(ends, self.deadline)

    def _in_time(self, method: str, path: str, ends: float) -> None:
        if time.monotonic() <= ends:
            return
        if self.deadline is not None and ends == self.deadline:
            why = "the time limit of the whole sync was reached"
        else:
            why = f"not finished within {self.total_seconds:g} s, the limit for one request"
        raise ProtocolError(f"{method} {path or '/'} on {self.origin}: {why}", path=path)

    def _too_large(self, path: str, limit: int, listed: int | None) -> ProtocolError:
        why = "the size the listing gave" if limit == listed else "the space left in the limit"
        return ProtocolError(
            f"GET {path} on {self.origin}: the body is larger than {limit} bytes ({why}); "
            "stopped reading",
            path=path,
        )

    def get_bytes(self, path: str) -> bytes:
        def attempt() -> bytes:
            with self._response("GET", path) as r:
                try:
                    return r.read()
                except httpx.TransportError as e:
                    raise _Transient(self._connection_error("GET", path, e)) from None

        return self._run("GET", path, attempt, repeatable=True)

    def post_bytes(
        self, url: str, body: bytes, *, headers: Mapping[str, str], max_answer: int = 1 << 20
    ) -> bytes:
        """POST `body` to `url` on this server and return the answer (at most `max_answer`
        bytes). Retried: only for requests whose repeat is harmless (Nextcloud's bulk upload
        writes the same files again)."""

        def attempt() -> bytes:
            with self._response("POST", "bulk", headers=headers, body=body, url=url) as r:
                data = bytearray()
                try:
                    for chunk in r.iter_bytes():
                        data += chunk
                        if len(data) > max_answer:
                            raise ProtocolError(f"POST {url}: answer too large")
                except httpx.TransportError as e:
                    raise _Transient(self._connection_error("POST", "bulk", e)) from None
                return bytes(data)

        return self._run("POST", "bulk", attempt, repeatable=True)

    # -- writing ------------------------------------------------------------------------------

    def put(
        self,
        path: str,
        data: Body,
        *,
        if_match: str | None = None,
        if_none_match: bool = False,
        sha256: str | None = None,
        mtime: float | None = None,
        content_type: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> str | None:
        """Upload bytes or a file to `path`; returns the new ETag when the server sends one.
        `if_match` overwrites only that version (412 otherwise); `if_none_match` creates only;
        `sha256` sends Nextcloud's `OC-Checksum`; `mtime` sends `X-OC-MTime`. Retried like any
        idempotent request: the body is re-read for each try."""
        h: dict[str, str] = dict(headers or {})
        if if_match is not None:
            h["If-Match"] = f'"{normalize_etag(if_match)}"'
        if if_none_match:
            h["If-None-Match"] = "*"
        if sha256 is not None:
            h["OC-Checksum"] = f"SHA256:{sha256}"
        if mtime is not None:
            h["X-OC-MTime"] = str(int(mtime))
        if content_type is not None:
            h["Content-Type"] = content_type
        got = self._simple("PUT", path, headers=h, body=data)
        return normalize_etag(got.get("OC-ETag") or got.get("ETag"))

    def mkcol(self, path: str, *, headers: Mapping[str, str] | None = None) -> None:
        """Create a folder (its parent must exist: 409 otherwise; 405 if it already exists).
        Retried like an idempotent request: a retry whose first try landed answers 405, which
        callers take as success."""
        self._simple("MKCOL", path, headers=headers, repeatable=True)

    def makedirs(self, path: str) -> None:
        """Create `path` and any missing parents (one PROPFIND per level that may exist)."""
        segments = split_path(path)
        for i in range(1, len(segments) + 1):
            sub = "/".join(segments[:i])
            try:
                if self.stat(sub).is_dir:
                    continue
            except WebDAVError as e:
                if e.status != 404:
                    raise
            self.mkcol(sub)

    def delete(self, path: str, *, if_match: str | None = None) -> None:
        if not split_path(path):
            raise UnsafePathError("refusing to DELETE the root folder")
        h = {"If-Match": f'"{normalize_etag(if_match)}"'} if if_match else {}
        self._simple("DELETE", path, headers=h)

    def move(
        self,
        src: str,
        dst: str,
        *,
        overwrite: bool = False,
        if_match: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self._transfer("MOVE", src, dst, overwrite=overwrite, if_match=if_match, headers=headers)

    def copy(self, src: str, dst: str, *, overwrite: bool = False) -> None:
        self._transfer("COPY", src, dst, overwrite=overwrite, if_match=None, headers=None)

    def _transfer(
        self,
        method: str,
        src: str,
        dst: str,
        *,
        overwrite: bool,
        if_match: str | None,
        headers: Mapping[str, str] | None,
    ) -> None:
        h = dict(headers or {})
        h["Destination"] = self.url(dst)
        h["Overwrite"] = "T" if overwrite else "F"
        if if_match:
            h["If-Match"] = f'"{normalize_etag(if_match)}"'
        # Retried: a MOVE whose first try landed answers 404 on the retry; the caller checks
        # the destination. A COPY simply copies again.
        self._simple(method, src, headers=h, repeatable=True)

    def raw(
        self,
        method: str,
        path: str,
        *,
        url: str | None = None,
        headers: Mapping[str, str] | None = None,
        body: Body | None = None,
        repeatable: bool | None = None,
    ) -> httpx.Headers:
        """Any other request (used for Nextcloud's chunked uploads); retried if idempotent or
        if the caller says a repeat is safe (`repeatable`)."""
        return self._simple(
            method, path, headers=headers, body=body, url=url, repeatable=repeatable
        )


def _redact(url: str) -> str:
    """A URL with any userinfo removed, fit for a message."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    if parts.username is None and parts.password is None:
        return url
    netloc = parts.hostname or ""
    with contextlib.suppress(ValueError):
        if parts.port:
            netloc += f":{parts.port}"
    return parts._replace(netloc=netloc).geturl()
