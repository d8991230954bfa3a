"""A server killed (SIGKILL) in the middle of a sync: a clear error, the mirror still holds the
old state, and the next sync completes."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from conftest import FAST_RETRY, read_tree, write_tree
from webdav_servers import USER, free_port, wsgidav_process

from sitegen.sources import RemoteSource, parse_location
from sitegen.sources.url import RemoteLocation
from sitegen.webdav import ConnectionFailedError, Timeouts


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
