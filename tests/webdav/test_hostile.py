"""A hostile or broken server can never make sitegen read or write outside its cache, and
retries happen exactly where they should (counted on the server side)."""

from __future__ import annotations

import contextlib
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import PASSWORD
from hostile_app import ROOT, Entry, HostileApp
from webdav_servers import RunningServer, serve_wsgi

from sitegen.errors import SourceError
from sitegen.sources import RemoteSource, parse_location
from sitegen.sources.url import RemoteLocation
from sitegen.webdav import (
    AuthenticationError,
    Client,
    ConnectionFailedError,
    ForbiddenError,
    ProtocolError,
    RetryPolicy,
    ServerError,
    Timeouts,
    UnsafePathError,
    WebDAVError,
)


@pytest.fixture
def app() -> HostileApp:
    return HostileApp()


@pytest.fixture
def server(app: HostileApp) -> Iterator[RunningServer]:
    with serve_wsgi(app) as srv:
        yield srv


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def policy(sleeps: Sleeps, **kw: float) -> RetryPolicy:
    return RetryPolicy(sleep=sleeps, jitter=lambda d: d, **kw)  # type: ignore[arg-type]


def source_for(
    server: RunningServer, cache: Path, retry: RetryPolicy, read_timeout: float = 2.0
) -> RemoteSource:
    port = server.base.rsplit(":", 1)[1]
    location = parse_location(f"nextcloud+http://alice@127.0.0.1:{port}/Website")
    assert isinstance(location, RemoteLocation)
    return RemoteSource(
        location,
        cache_dir=cache,
        jobs=2,
        retry=retry,
        timeouts=Timeouts(connect=2, read=read_timeout),
    )


def snapshot(root: Path, exclude: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in root.rglob("*")
        if p.is_file() and not p.is_relative_to(exclude)
    }


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    """A file outside the cache that a hostile href aims at."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim.txt").write_text("precious")
    return outside / "victim.txt"


HOSTILE_HREFS = {
    "dotdot": ROOT + "../../../../outside/victim.txt",
    "encoded dotdot": ROOT + "%2e%2e/%2e%2e/%2E%2E/outside/victim.txt",
    "encoded slash": ROOT + "..%2F..%2Foutside%2Fvictim.txt",
    "backslash": ROOT + "..%5C..%5Cvictim.txt",
    "other host": "http://evil.example" + ROOT + "x.md",
    "userinfo": "http://alice:pw@127.0.0.1" + ROOT + "x.md",
    "absolute outside": "/etc/passwd",
    "sibling folder": "/remote.php/dav/files/alice/Website-other/x.md",
    "query": ROOT + "x.md?a=1",
    "fragment": ROOT + "x.md#top",
    "empty segment": ROOT + "a//x.md",
    "nul": ROOT + "x%00.md",
    "not utf-8": ROOT + "x%ff.md",
}


@pytest.mark.parametrize("href", HOSTILE_HREFS.values(), ids=HOSTILE_HREFS.keys())
def test_hostile_href_is_refused_and_nothing_outside_is_touched(
    app: HostileApp, server: RunningServer, tmp_path: Path, victim: Path, href: str
) -> None:
    cache = tmp_path / "cache"
    app.entries = [Entry(href, size=5)]
    app.files = {"/outside/victim.txt": b"pwned", "/etc/passwd": b"pwned"}
    before = snapshot(tmp_path, cache)
    with pytest.raises(UnsafePathError):
        source_for(server, cache, policy(Sleeps())).sync()
    assert snapshot(tmp_path, cache) == before
    assert victim.read_text() == "precious"
    assert server.log.count("GET") == 0


@pytest.mark.parametrize(
    "names",
    [
        ("dup.md", "dup.md"),
        (unicodedata.normalize("NFC", "é.md"), unicodedata.normalize("NFD", "é.md")),
    ],
    ids=["same", "nfc-nfd"],
)
def test_duplicate_names_are_refused(
    app: HostileApp, server: RunningServer, tmp_path: Path, names: tuple[str, str]
) -> None:
    from urllib.parse import quote

    app.entries = [Entry(ROOT + quote(n), size=1) for n in names]
    with pytest.raises(ProtocolError, match="twice"):
        source_for(server, tmp_path / "cache", policy(Sleeps())).sync()


def test_depth_1_must_be_exactly_one_level(app: HostileApp, server: RunningServer) -> None:
    app.entries = [Entry(ROOT + "sub/too-deep.md", size=1)]
    with (
        Client(server.base + ROOT, username="alice", password=PASSWORD) as c,
        pytest.raises(UnsafePathError, match="more than one level"),
    ):
        c.list_folder("")


def test_a_dtd_is_refused(app: HostileApp, server: RunningServer) -> None:
    app.raw_multistatus = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><d:multistatus xmlns:d="DAV:"/>'
    )
    with (
        Client(server.base + ROOT, username="alice", password=PASSWORD) as c,
        pytest.raises(ProtocolError, match="DTD"),
    ):
        c.stat("")


def test_lowercase_escapes_and_bare_colons_are_accepted(
    app: HostileApp, server: RunningServer, tmp_path: Path
) -> None:
    href = ROOT.replace("Website", "Web%73ite") + "caf%c3%a9:notes.md"
    app.entries = [Entry(href, size=2)]
    app.files = {ROOT + "caf%C3%A9%3Anotes.md": b"ok"}
    source = source_for(server, tmp_path / "cache", policy(Sleeps()))
    source.sync()
    assert (source.local_dir / "café:notes.md").read_bytes() == b"ok"


def test_500_then_success_is_retried_once(
    app: HostileApp, server: RunningServer, tmp_path: Path
) -> None:
    app.entries = [Entry(ROOT + "a.md", size=1)]
    app.files = {ROOT + "a.md": b"a"}
    app.fail_next("PROPFIND", 500)
    app.fail_next("GET", 502)
    sleeps = Sleeps()
    source_for(server, tmp_path / "cache", policy(sleeps, base_delay=0.5)).sync()
    assert server.log.count("PROPFIND") == 3  # Depth 0 failed, Depth 0, Depth infinity
    assert server.log.count("GET") == 2
    assert sleeps == [0.5, 0.5]


def test_429_honours_retry_after(app: HostileApp, server: RunningServer, tmp_path: Path) -> None:
    app.fail_next("PROPFIND", 429, {"Retry-After": "7"})
    app.fail_next("PROPFIND", 503, {"Retry-After": "3"})
    sleeps = Sleeps()
    source_for(server, tmp_path / "cache", policy(sleeps)).sync()
    assert sleeps == [7.0, 3.0]
    assert server.log.count("PROPFIND") == 4


def test_retry_after_beyond_the_deadline_gives_up_at_once(
    app: HostileApp, server: RunningServer, tmp_path: Path
) -> None:
    app.fail_next("PROPFIND", 503, {"Retry-After": "3600"})
    sleeps = Sleeps()
    with pytest.raises(ServerError, match="503"):
        source_for(server, tmp_path / "cache", policy(sleeps, deadline=60)).sync()
    assert sleeps == [] and server.log.count() == 1


def test_retries_stop_after_the_attempts(
    app: HostileApp, server: RunningServer, tmp_path: Path
) -> None:
    for _ in range(10):
        app.fail_next("PROPFIND", 504)
    sleeps = Sleeps()
    with pytest.raises(ServerError):
        source_for(server, tmp_path / "cache", policy(sleeps, attempts=4)).sync()
    assert server.log.count("PROPFIND") == 4
    assert sleeps == [0.25, 0.5, 1.0]


@pytest.mark.parametrize("status,error", [(401, AuthenticationError), (403, ForbiddenError)])
def test_401_and_403_are_never_retried(
    app: HostileApp, server: RunningServer, tmp_path: Path, status: int, error: type[Exception]
) -> None:
    app.fail_next("PROPFIND", status)
    with pytest.raises(error) as info:
        source_for(server, tmp_path / "cache", policy(Sleeps())).sync()
    assert server.log.count() == 1
    assert info.value.status == status  # type: ignore[attr-defined]


def test_wrong_password_message(
    app: HostileApp, server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SITEGEN_PASSWORD", "wrong-Passw0rd-123")
    port = server.base.rsplit(":", 1)[1]
    with pytest.raises(AuthenticationError) as info:
        source_for(server, tmp_path / "cache", policy(Sleeps())).sync()
    e = info.value
    assert str(e) == (
        f"Nextcloud rejected the credentials for alice at 127.0.0.1:{port} (request id req-401)"
    )
    assert (e.status, e.path, e.request_id) == (401, "", "req-401")
    assert server.log.count() == 1
    for text in (str(e), repr(e), repr(e.args), repr(e.__dict__)):
        assert "wrong-Passw0rd-123" not in text


def test_mkcol_and_move_are_retried_but_other_unsafe_requests_are_not(
    app: HostileApp, server: RunningServer
) -> None:
    sleeps = Sleeps()
    with Client(server.base + ROOT, username="alice", password=PASSWORD, retry=policy(sleeps)) as c:
        # MKCOL and MOVE are retried: their callers take a retry's 405 / 404 as success.
        app.fail_next("MKCOL", 503)
        c.mkcol("new")
        assert server.log.count("MKCOL") == 2
        app.fail_next("MOVE", 502)
        with contextlib.suppress(WebDAVError):  # the hostile app has no file "a" to move
            c.move("a", "b")
        assert server.log.count("MOVE") == 2
        app.fail_next("POST", 503)
        with pytest.raises(ServerError):
            c.raw("POST", "x")
        assert server.log.count("POST") == 1
        app.fail_next("PUT", 503)
        c.put("x.md", b"x")  # PUT is idempotent: retried with the same body
        assert server.log.count("PUT") == 2


def test_truncated_body_is_an_error_and_the_mirror_keeps_its_state(
    app: HostileApp, server: RunningServer, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    app.entries = [Entry(ROOT + "a.md", size=3, etag="v1")]
    app.files = {ROOT + "a.md": b"old"}
    # the body stops short of its Content-Length; the read timeout then ends the wait
    source = source_for(server, cache, policy(Sleeps(), attempts=2), read_timeout=0.3)
    source.sync()
    app.entries = [Entry(ROOT + "a.md", size=3, etag="v2"), Entry(ROOT + "b.md", size=3)]
    app.files = {ROOT + "a.md": b"new", ROOT + "b.md": b"bbb"}
    app.truncate = {ROOT + "b.md"}
    with pytest.raises((ConnectionFailedError, ProtocolError)):
        source.sync()
    assert server.log.count("GET") == 1 + 1 + 2  # first sync; a.md; b.md tried twice
    assert sorted(p.name for p in source.local_dir.iterdir()) == ["a.md"]
    assert (source.local_dir / "a.md").read_bytes() == b"old"
    app.truncate = set()
    source.sync()
    assert (source.local_dir / "a.md").read_bytes() == b"new"
    assert (source.local_dir / "b.md").read_bytes() == b"bbb"


def test_a_cache_folder_of_another_source_is_refused(
    app: HostileApp, server: RunningServer, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    source_for(server, cache, policy(Sleeps())).sync()
    with serve_wsgi(HostileApp()) as other, pytest.raises(SourceError, match="holds a mirror"):
        source_for(other, cache, policy(Sleeps())).sync()
