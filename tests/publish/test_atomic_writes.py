"""Servers that write a PUT in place (wsgidav, rclone) get each file under a temporary name, then
a MOVE over the live one, so a reader never meets a partial or empty page; temporary files a
killed run left behind are ours and removed by the next publish, never reported as drift."""

from __future__ import annotations

from pathlib import Path

import pytest

from sitegen.publish.davtarget import DavTarget
from sitegen.publish.log import verify
from sitegen.publish.runner import publish_tree
from sitegen.publish.store import TEMP_PREFIX
from sitegen.webdav import Client
from tests.publish.conftest import Dav
from tests.publish.helpers import write_tree
from tests.publish.test_crash_steps import V3
from tests.publish.test_davtarget import ALL, V1, V2
from tests.webdav.process_servers import rclone_path, serve_rclone
from tests.webdav.webdav_servers import PASSWORD, USER


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and ".sitegen" not in p.relative_to(root).parts
    }


def test_in_place_servers_get_a_temporary_upload_moved_into_place(tmp_path: Path, dav: Dav) -> None:
    publish_tree(write_tree(tmp_path / "v1", V1), dav.target(atomic_put=False), ALL)
    dav.server.log.clear()
    publish_tree(write_tree(tmp_path / "v2", V2), dav.target(atomic_put=False), ALL)
    puts = [p for m, p in dav.server.log.entries if m == "PUT" and ".sitegen/" not in p]
    moves = [p for m, p in dav.server.log.entries if m == "MOVE" and ".sitegen/" not in p]
    assert puts and all(p.rpartition("/")[2].startswith(TEMP_PREFIX) for p in puts)
    assert sorted(moves) == sorted(puts)  # each temporary file moved over its destination
    assert tree(dav.root) == {k: v.encode() if isinstance(v, str) else v for k, v in V2.items()} | {
        "CNAME": b"example.org"
    }
    assert verify(dav.target()) == []


def test_a_temporary_file_left_by_a_killed_run_is_removed_not_reported(
    tmp_path: Path, dav: Dav
) -> None:
    out = write_tree(tmp_path / "v1", V1)
    publish_tree(out, dav.target(atomic_put=False), ALL)
    left = dav.root / "css" / f"{TEMP_PREFIX}dead0000-0123456789ab"
    left.write_bytes(b"body{")  # half a stylesheet, as a killed PUT leaves it
    outcome = publish_tree(out, dav.target(atomic_put=False), ALL)
    assert outcome.drift == ()
    assert not left.exists()
    assert verify(dav.target()) == []


@pytest.mark.rclone
def test_rclone_serve_webdav_converges_after_a_cut(tmp_path: Path) -> None:
    if rclone_path() is None:
        pytest.skip("rclone is not installed (apt-get install rclone)")
    root = tmp_path / "served"
    root.mkdir()
    with serve_rclone(root) as server:

        def target() -> object:
            client = Client(server.base + "/site", username=USER, password=PASSWORD)
            return DavTarget(client, label="rclone", nextcloud=False)

        for n, version in enumerate([V1, V2, V3]):
            publish_tree(write_tree(tmp_path / f"v{n}", version), target(), ALL)  # type: ignore[arg-type]
            assert tree(root / "site") == {
                k: v.encode() if isinstance(v, str) else v for k, v in version.items()
            } | {"CNAME": b"example.org"}
        assert verify(target()) == []  # type: ignore[arg-type]
