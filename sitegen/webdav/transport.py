"""Sending WebDAV requests on httpx: one connection pool, explicit timeouts, careful retries,
typed errors, and every response closed. `Client` (client.py) adds the operations.

Credentials live only inside httpx's auth object: they are never part of a URL, a repr or an
error message.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from urllib.parse import unquote, urlsplit

import httpx

from sitegen.webdav.errors import (
    AuthenticationError,
    ConnectionFailedError,
    ProtocolError,
    WebDAVError,
    error_class_for,
)
from sitegen.webdav.paths import Segments, quote_segments, redact, split_path
from sitegen.webdav.retry import (
    IDEMPOTENT_METHODS,
    RETRY_STATUSES,
    RetryPolicy,
    Transient,
    parse_retry_after,
)

T = TypeVar("T")
Body = bytes | Path

_CHUNK = 256 * 1024
_NC_MESSAGE = re.compile(rb"<s:message>(.*?)</s:message>", re.DOTALL)


@dataclass(frozen=True)
class Timeouts:
    connect: float = 10.0
    read: float = 60.0  # between two bytes of a response, not for the whole transfer
    total: float = 300.0  # one try of a request, from sending it to the body's last byte


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


class Transport:
    """Requests to the server of the folder at `root_url` (no userinfo in it)."""

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
        _shared: Transport | None = None,
    ) -> None:
        parts = urlsplit(root_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise WebDAVError(f"not an http(s) URL: {redact(root_url)}")
        if parts.username is not None or parts.password is not None:
            raise WebDAVError("put credentials in username/password, not in the URL")
        if parts.query or parts.fragment:
            raise WebDAVError(f"a WebDAV root URL has no query or fragment: {redact(root_url)}")
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
            except Transient as failure:
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
                raise Transient(self._connection_error(method, path, e)) from None
            stack.callback(response.close)
            if response.status_code >= 300:
                error = self._status_error(method, path, response)
                if response.status_code in RETRY_STATUSES:
                    raise Transient(error, parse_retry_after(response.headers.get("Retry-After")))
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
            reason += f" (redirect to {redact(response.headers.get('Location', '?'))})"
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
                    raise Transient(self._connection_error(method, path, e)) from None
                return r.headers

        if repeatable is None:
            repeatable = method in IDEMPOTENT_METHODS
        return self._run(method, path, attempt, repeatable=repeatable)

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
