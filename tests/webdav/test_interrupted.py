"""A server killed (SIGKILL) in the middle of a sync, or every connection cut: a clear error, the
mirror still holds the old state, and the next sync completes."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import FAST_RETRY, REAL_SERVER_KINDS, Remote
from webdav_servers import USER, free_port

from sitegen.sources import RemoteSource, parse_location
from sitegen.sources.url import RemoteLocation
from sitegen.webdav import ConnectionFailedError, RetryPolicy, Timeouts
from tests.servers.faultproxy import FaultProxy, Kind, Rule
from tests.trees import read_tree, write_tree
from tests.webdav.process_servers import wsgidav_process

Proxy = Callable[..., FaultProxy]


def test_server_killed_mid_sync(tmp_path: Path) -> None:
    served = tmp_path / "served"
    site = served / "Website"
    write_tree(site, {f"page{i}.md": f"old {i}" for i in range(6)})
    port = free_port()
    location = parse_location(f"nextcloud+http://{USER}@127.0.0.1:{port}/Website")
    assert isinstance(location, RemoteLocation)
    source = RemoteSource(
        location,
        cache_dir=tmp_path / "cache",
        jobs=2,
        retry=FAST_RETRY,
        timeouts=Timeouts(connect=1, read=2),
    )
    with wsgidav_process(served, port):
        source.sync()
    old_state = read_tree(source.local_dir)

    write_tree(site, {f"page{i}.md": f"new version {i}" for i in range(6)})
    write_tree(site, {"added.md": "added"})
    with wsgidav_process(served, port, get_delay=0.4) as proc:
        errors: list[Exception] = []

        def run() -> None:
            try:
                source.sync()
            except Exception as e:
                errors.append(e)

        worker = threading.Thread(target=run)
        worker.start()
        time.sleep(0.6)  # the listing is done, a few GETs are in flight
        proc.kill()
        worker.join(30)
    assert len(errors) == 1
    error = errors[0]
    assert isinstance(error, ConnectionFailedError)
    assert f"127.0.0.1:{port}: connection failed" in str(error)
    assert read_tree(source.local_dir) == old_state  # a build now sees the old site, whole

    with wsgidav_process(served, port):
        result = source.sync()
    assert read_tree(source.local_dir) == read_tree(site)
    assert len(result.changes.changed) == 6 and result.changes.added == ("added.md",)


def test_mirror_without_server_is_a_clear_error(tmp_path: Path) -> None:
    port = free_port()
    location = parse_location(f"nextcloud+http://{USER}@127.0.0.1:{port}/Website")
    assert isinstance(location, RemoteLocation)
    source = RemoteSource(location, cache_dir=tmp_path / "cache", retry=FAST_RETRY)
    with pytest.raises(ConnectionFailedError, match="connection failed"):
        source.sync()


def proxied_source(
    remote: Remote, proxy: FaultProxy, cache: Path, retry: RetryPolicy
) -> RemoteSource:
    """The remote's source, reached through the proxy."""
    port = remote.spec.split("@127.0.0.1:", 1)[1].split("/", 1)[0]
    location = parse_location(remote.spec.replace(f":{port}/", f":{proxy.port}/", 1))
    assert isinstance(location, RemoteLocation)
    return RemoteSource(location, cache_dir=cache, jobs=2, retry=retry)


@pytest.mark.parametrize("remote", REAL_SERVER_KINDS, indirect=True)
def test_connections_cut_mid_sync(remote: Remote, cache: Path, fault_proxy: Proxy) -> None:
    """Every download cut (through the fault proxy, also in front of the real Nextcloud): a clear
    error, the mirror still holds the old state, and the next sync completes."""
    remote.write({f"page{i}.md": f"old {i}" for i in range(4)})
    proxy = fault_proxy(remote.server.base)
    source = proxied_source(remote, proxy, cache, FAST_RETRY)
    source.sync()
    old_state = read_tree(source.local_dir)

    remote.write({f"page{i}.md": f"new version {i}" for i in range(4)})
    remote.write({"added.md": "added"})
    proxy.clear_log()
    proxy.set_faults(rules=[Rule("reset_before", method="GET", times=1000)])
    with pytest.raises(ConnectionFailedError) as info:
        source.sync()
    assert f"127.0.0.1:{proxy.port}" in str(info.value)
    assert read_tree(source.local_dir) == old_state
    gets = [e.fault for e in proxy.log() if e.method == "GET"]
    assert set(gets) == {"reset_before"} and len(gets) >= 3  # a file's 3 tries, at least

    proxy.clear()
    result = source.sync()
    assert read_tree(source.local_dir) == read_tree(remote.site)
    assert len(result.changes.changed) == 4 and result.changes.added == ("added.md",)


FAULTS: dict[Kind, float] = {
    "reset_before": 0.06,
    "reset_after": 0.06,
    "status_503": 0.06,
    "status_429": 0.06,
    "truncate": 0.06,
}


@pytest.mark.parametrize("remote", REAL_SERVER_KINDS, indirect=True)
@pytest.mark.parametrize("seed", [1, 2])
def test_sync_through_seeded_faults(
    remote: Remote, cache: Path, fault_proxy: Proxy, seed: int
) -> None:
    """Resets, lost answers, 503s, 429s and truncated bodies on 30 % of requests: retried."""
    remote.write({f"d{i % 3}/page{i}.md": f"text {i} " * 200 for i in range(12)})
    proxy = fault_proxy(remote.server.base, seed=seed, rates=FAULTS, retry_after="0")
    source = proxied_source(remote, proxy, cache, RetryPolicy(attempts=8, sleep=lambda s: None))
    source.sync()
    assert read_tree(source.local_dir) == read_tree(remote.site)
    assert len(proxy.faults()) >= 2
