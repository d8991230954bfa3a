"""The fault proxy, as an httpx client sees it, in front of a real wsgidav server."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.servers.faultproxy import KINDS, FaultProxy, Kind, Rule
from tests.webdav import webdav_servers as ws

Proxy = Callable[..., FaultProxy]
ROOT = ws.NEXTCLOUD_ROOT


@pytest.fixture
def dav(tmp_path: Path) -> Iterator[ws.RunningServer]:
    (tmp_path / "served").mkdir()
    with ws.serve_wsgidav(tmp_path / "served") as srv:
        yield srv


@pytest.fixture
def served(dav: ws.RunningServer) -> Path:
    assert dav.root is not None
    return dav.root


def client(proxy: FaultProxy) -> httpx.Client:
    return httpx.Client(base_url=proxy.url, auth=(ws.USER, ws.PASSWORD), timeout=10)


def test_every_method_passes_through(
    fault_proxy: Proxy, dav: ws.RunningServer, served: Path
) -> None:
    proxy = fault_proxy(dav.base)
    big = bytes(range(256)) * 40_000  # 10 MB
    with client(proxy) as http:
        assert http.request("MKCOL", f"{ROOT}/d").status_code == 201
        assert http.put(f"{ROOT}/d/big.bin", content=big).status_code == 201
        chunked = http.put(f"{ROOT}/d/chunked.txt", content=iter([b"one ", b"two"]))
        assert chunked.status_code == 201
        assert http.get(f"{ROOT}/d/big.bin").content == big
        moved = http.request(
            "MOVE", f"{ROOT}/d/chunked.txt", headers={"Destination": f"{proxy.url}{ROOT}/d/m.txt"}
        )
        assert moved.status_code == 201
        copied = http.request(
            "COPY", f"{ROOT}/d/m.txt", headers={"Destination": f"{proxy.url}{ROOT}/c.txt"}
        )
        assert copied.status_code == 201
        assert http.request("PROPFIND", f"{ROOT}/d", headers={"Depth": "1"}).status_code == 207
        assert http.head(f"{ROOT}/c.txt").headers["content-length"] == "7"
        assert http.delete(f"{ROOT}/d/m.txt").status_code == 204
    assert (served / "d" / "big.bin").read_bytes() == big
    assert (served / "c.txt").read_text() == "one two"
    assert not (served / "d" / "m.txt").exists()
    seen = [(e.method, e.path, e.fault, e.status) for e in proxy.log()]
    assert seen == [
        ("MKCOL", f"{ROOT}/d", None, 201),
        ("PUT", f"{ROOT}/d/big.bin", None, 201),
        ("PUT", f"{ROOT}/d/chunked.txt", None, 201),
        ("GET", f"{ROOT}/d/big.bin", None, 200),
        ("MOVE", f"{ROOT}/d/chunked.txt", None, 201),
        ("COPY", f"{ROOT}/d/m.txt", None, 201),
        ("PROPFIND", f"{ROOT}/d", None, 207),
        ("HEAD", f"{ROOT}/c.txt", None, 200),
        ("DELETE", f"{ROOT}/d/m.txt", None, 204),
    ]
    assert dav.log.methods() == [m for m, *_ in seen]


def test_reset_before_never_reaches_the_server(
    fault_proxy: Proxy, dav: ws.RunningServer, served: Path
) -> None:
    proxy = fault_proxy(dav.base, rules=[Rule("reset_before", method="PUT")])
    with client(proxy) as http:
        with pytest.raises(httpx.TransportError):
            http.put(f"{ROOT}/a.txt", content=b"lost")
        assert not (served / "a.txt").exists()
        assert (
            http.put(f"{ROOT}/a.txt", content=b"second").status_code == 201
        )  # one rule, one fault
    assert dav.log.methods() == ["PUT"]
    assert [(e.fault, e.status) for e in proxy.log()] == [("reset_before", None), (None, 201)]


def test_reset_after_lets_the_server_act_and_loses_the_answer(
    fault_proxy: Proxy, dav: ws.RunningServer, served: Path
) -> None:
    proxy = fault_proxy(dav.base, rules=[Rule("reset_after", method="PUT", path=r"/a\.txt$")])
    with client(proxy) as http, pytest.raises(httpx.TransportError):
        http.put(f"{ROOT}/a.txt", content=b"landed")
    assert (served / "a.txt").read_bytes() == b"landed"
    assert [(e.fault, e.status) for e in proxy.log()] == [("reset_after", 201)]


@pytest.mark.parametrize("status", [500, 502, 503])
def test_status_faults_answer_without_forwarding(
    fault_proxy: Proxy, dav: ws.RunningServer, status: int
) -> None:
    kind: Kind = f"status_{status}"  # type: ignore[assignment]
    proxy = fault_proxy(dav.base, rules=[Rule(kind, nth=2)])
    with client(proxy) as http:
        statuses = [http.request("PROPFIND", f"{ROOT}/").status_code for _ in range(3)]
    assert statuses == [207, status, 207]
    assert dav.log.count() == 2


@pytest.mark.parametrize("retry_after", ["1", "0"])
def test_429_carries_retry_after(
    fault_proxy: Proxy, dav: ws.RunningServer, retry_after: str
) -> None:
    proxy = fault_proxy(dav.base, rules=[Rule("status_429")], retry_after=retry_after)
    with client(proxy) as http:
        answer = http.get(f"{ROOT}/")
    assert answer.status_code == 429
    assert answer.headers["retry-after"] == retry_after
    assert dav.log.count() == 0


def test_truncate_sends_part_of_the_body(fault_proxy: Proxy, dav: ws.RunningServer) -> None:
    (dav.root / "page.html").write_bytes(b"x" * 1000)  # type: ignore[operator]
    proxy = fault_proxy(dav.base, rules=[Rule("truncate", method="GET", times=2)])
    got = bytearray()
    with client(proxy) as http:
        with pytest.raises(httpx.RemoteProtocolError), http.stream("GET", f"{ROOT}/page.html") as r:
            assert r.headers["content-length"] == "1000"
            for chunk in r.iter_raw():
                got += chunk
        assert bytes(got) == b"x" * 500
        with pytest.raises(httpx.RemoteProtocolError):  # the next one too (times=2)
            http.get(f"{ROOT}/page.html")
        assert http.get(f"{ROOT}/page.html").content == b"x" * 1000


def test_truncate_of_a_body_less_answer_cuts_its_headers(
    fault_proxy: Proxy, dav: ws.RunningServer, served: Path
) -> None:
    proxy = fault_proxy(dav.base, rules=[Rule("truncate", method="DELETE")])
    (served / "gone.txt").write_text("x")
    with client(proxy) as http, pytest.raises(httpx.RemoteProtocolError):
        http.delete(f"{ROOT}/gone.txt")
    assert not (served / "gone.txt").exists()  # forwarded: the server acted


def test_delay_then_forwards(fault_proxy: Proxy, dav: ws.RunningServer) -> None:
    proxy = fault_proxy(dav.base, rules=[Rule("delay")], delay=0.3)
    with client(proxy) as http:
        answer = http.request("PROPFIND", f"{ROOT}/", headers={"Depth": "0"})
    assert answer.status_code == 207
    assert answer.elapsed.total_seconds() >= 0.3  # a lower bound only
    assert [(e.fault, e.status) for e in proxy.log()] == [("delay", 207)]


def fault_sequence(upstream: str, seed: int, requests: int = 60) -> list[Kind | None]:
    rates: dict[Kind, float] = {
        "status_503": 0.1,
        "status_429": 0.1,
        "reset_before": 0.1,
        "truncate": 0.1,
    }
    with (
        FaultProxy(upstream, seed=seed, rates=rates, retry_after="0") as proxy,
        client(proxy) as http,
    ):
        for _ in range(requests):
            with contextlib.suppress(httpx.TransportError):
                http.get(f"{ROOT}/")
        return [e.fault for e in sorted(proxy.log(), key=lambda e: e.number)]


def test_same_seed_same_faults(dav: ws.RunningServer) -> None:
    first = fault_sequence(dav.base, seed=7)
    assert first == fault_sequence(dav.base, seed=7)
    assert first != fault_sequence(dav.base, seed=8)
    assert {"status_503", "status_429", "reset_before", "truncate", None} == set(first)


def test_rates_are_checked() -> None:
    with pytest.raises(ValueError, match="unknown fault kind"):
        FaultProxy("http://127.0.0.1:1", rates={"explode": 0.1})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="more than 1"):
        FaultProxy("http://127.0.0.1:1", rates=dict.fromkeys(KINDS, 0.2))


def test_clear_and_stop(fault_proxy: Proxy, dav: ws.RunningServer) -> None:
    proxy = fault_proxy(dav.base, rates={"status_503": 1.0})
    with client(proxy) as http:
        assert http.get(f"{ROOT}/").status_code == 503
        proxy.clear()
        assert http.request("PROPFIND", f"{ROOT}/").status_code == 207
        proxy.stop()
        with pytest.raises(httpx.TransportError):
            http.request("PROPFIND", f"{ROOT}/")


rates_strategy = st.dictionaries(
    st.sampled_from(KINDS), st.floats(0, 0.12, allow_nan=False), max_size=len(KINDS)
)


@given(seed=st.integers(0, 2**32), rates=rates_strategy, nth=st.integers(1, 30))
def test_the_fault_sequence_is_the_seeds(seed: int, rates: dict[Kind, float], nth: int) -> None:
    """Choosing needs no network: the same seed and rates give the same faults, a rule wins
    over the rates once, and a kind with rate 0 never comes."""
    plain = FaultProxy("http://127.0.0.1:1", seed=seed, rates=rates)
    ruled = FaultProxy("http://127.0.0.1:1", seed=seed, rates=rates, rules=[Rule("delay", nth=nth)])
    first = [plain.choose("GET", "/x")[1] for _ in range(30)]
    again = FaultProxy("http://127.0.0.1:1", seed=seed, rates=rates)
    assert [again.choose("GET", "/x")[1] for _ in range(30)] == first
    with_rule = [ruled.choose("GET", "/x")[1] for _ in range(30)]
    assert with_rule == [*first[: nth - 1], "delay", *first[nth:]]
    assert {k for k in first if k is not None} <= {k for k, r in rates.items() if r > 0}
