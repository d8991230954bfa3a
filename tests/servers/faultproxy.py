"""A fault-injecting HTTP/1.1 proxy on 127.0.0.1 in front of one upstream server (tests only).

Every request is read whole, then either answered by the proxy (a fault) or forwarded with
`http.client` and its answer read whole and passed back. Faults are chosen per request:

- by rules, first: "request number N" or "the first `times` requests matching METHOD and a path
  regex" get fault kind K;
- else at random with `rates` ({kind: probability}), one draw of `random.Random(seed)` per request
  in arrival order, so one seed gives one fault sequence.

Fault kinds (`KINDS`): `reset_before` (TCP reset, nothing forwarded), `reset_after` (forwarded, the
server acts, then a reset instead of its answer: the lost answer), `status_500`/`502`/`503`,
`status_429` (with `Retry-After: retry_after`), `truncate` (the answer's headers with the full
Content-Length and only part of its body, then close), `delay` (sleep `delay` s, then forward).

The client's Host header is passed on unchanged: Nextcloud trusts 127.0.0.1 whatever the port, and
WebDAV servers compare a MOVE/COPY Destination (which names the proxy) with it.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.servers.faults import KINDS, Entry, Kind, Rule
from tests.servers.proxywire import Handler, Server

__all__ = ["KINDS", "Entry", "FaultProxy", "Kind", "Rule", "fault_proxy"]


class FaultProxy:
    def __init__(
        self,
        upstream: str,
        *,
        seed: int = 0,
        rates: Mapping[Kind, float] | None = None,
        rules: Iterable[Rule] = (),
        retry_after: str = "1",
        delay: float = 0.5,
        truncate_at: float = 0.5,
        timeout: float = 60.0,
    ) -> None:
        parts = urlsplit(upstream)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"upstream must be http://host:port, not {upstream!r}")
        self.upstream_host, self.upstream_port = parts.hostname, parts.port or 80
        self.retry_after, self.delay, self.truncate_at = retry_after, delay, truncate_at
        self.timeout = timeout
        self._lock = threading.Lock()
        self._log: list[Entry] = []
        self._count = 0
        self._rates: dict[Kind, float] = {}
        self._rules: list[Rule] = []
        self._rng = random.Random(seed)
        self.set_faults(rates=rates, rules=rules, seed=seed)
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    # --- configuration -------------------------------------------------------------------------

    def set_faults(
        self,
        *,
        rates: Mapping[Kind, float] | None = None,
        rules: Iterable[Rule] = (),
        seed: int | None = None,
    ) -> None:
        """Replace the faults; a new seed restarts the random sequence."""
        rates = dict(rates or {})
        for kind in rates:
            if kind not in KINDS:
                raise ValueError(f"unknown fault kind {kind!r}")
        if sum(rates.values()) > 1:
            raise ValueError("fault rates add up to more than 1")
        with self._lock:
            self._rates = {k: rates[k] for k in KINDS if k in rates}  # a fixed draw order
            self._rules = list(rules)
            if seed is not None:
                self._rng = random.Random(seed)

    def clear(self) -> None:
        """No more faults (the log and the request count stay)."""
        self.set_faults()

    def log(self) -> list[Entry]:
        with self._lock:
            return list(self._log)

    def faults(self) -> list[Kind]:
        """The faults injected so far, in request order."""
        return [e.fault for e in self.log() if e.fault is not None]

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()

    # --- running -------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the proxy is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def start(self, port: int = 0) -> FaultProxy:
        self._server = Server(("127.0.0.1", port), Handler)
        self._server.proxy = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening and cut every open connection (a crashed server, as clients see it)."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        server.cut_connections()
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> FaultProxy:
        return self if self._server is not None else self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- one request ---------------------------------------------------------------------------

    def choose(self, method: str, path: str) -> tuple[int, Kind | None]:
        with self._lock:
            self._count += 1
            number = self._count
            draw = self._rng.random()  # drawn for every request, so the sequence is the seed's
            for rule in self._rules:
                if rule.matches(number, method, path):
                    rule.times -= 1
                    return number, rule.kind
            total = 0.0
            for kind, rate in self._rates.items():
                total += rate
                if draw < total:
                    return number, kind
            return number, None

    def record(self, entry: Entry) -> None:
        with self._lock:
            self._log.append(entry)


@pytest.fixture
def fault_proxy() -> Iterator[Callable[..., FaultProxy]]:
    """A factory: `fault_proxy(upstream_url, seed=..., rates=..., rules=...)` gives a started
    FaultProxy; every proxy made is stopped after the test."""
    made: list[FaultProxy] = []

    def make(upstream: str, **options: Any) -> FaultProxy:
        proxy = FaultProxy(upstream, **options).start()
        made.append(proxy)
        return proxy

    yield make
    for proxy in made:
        proxy.stop()
