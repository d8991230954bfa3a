"""The WebDAV target's bookkeeping where the target or the server is older or stricter: the
single-file layout of before journals (verified, then migrated) and a server that refuses PROPFIND
Depth infinity; requests counted on a real wsgidav server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sitegen.publish.log import verify
from sitegen.publish.manifest import (
    JOURNAL_DIR,
    LOG_PATH,
    MANIFEST_PATH,
    SEGMENT_DIR,
    Entry,
    manifest_of_tree,
    manifest_sha256,
)
from sitegen.publish.record import Record, line_sha256
from sitegen.publish.runner import PublishOptions, publish_tree
from sitegen.publish.target import encode_manifest
from tests.publish.conftest import Dav
from tests.publish.helpers import Killable, paged_site, write_tree
from tests.webdav.webdav_servers import NEXTCLOUD_ROOT, serve_wsgi, wsgidav_app

DAV = NEXTCLOUD_ROOT


def legacy_target(root: Path, out: Path, pending: dict[str, Any] | None = None) -> None:
    """A target as publishing wrote it before journals: manifest.json and publish-log.jsonl."""
    files = manifest_of_tree(out)
    for rel in files:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes((out / rel).read_bytes())
    (root / ".sitegen").mkdir()
    (root / MANIFEST_PATH).write_bytes(encode_manifest(files, pending, {"etags": {}}))
    first = Record("2026-01-01T00:00:00Z", "e1", "0" * 64, None).to_line()
    second = Record(
        "2026-01-02T00:00:00Z", "e2", manifest_sha256(files), line_sha256(first)
    ).to_line()
    (root / LOG_PATH).write_bytes(first + second)


def test_a_target_in_the_old_layout_is_verified_then_migrated(tmp_path: Path, dav: Dav) -> None:
    out = write_tree(tmp_path / "out", paged_site(0, pages=5))
    legacy_target(dav.root, out)
    assert verify(dav.target()) == []
    legacy_log = (dav.root / LOG_PATH).read_bytes()
    cache = tmp_path / "cache"

    write_tree(out, paged_site(1, pages=5))
    dav.server.log.clear()
    publish_tree(out, dav.target(cache=cache), PublishOptions())
    assert [(m, p.removeprefix(DAV + "/")) for m, p in dav.server.log.entries] == [
        ("PROPFIND", ""),
        ("GET", MANIFEST_PATH),
        ("GET", LOG_PATH),
        ("PUT", ".sitegen/lease.json"),
        ("PUT", "p/000.html"),  # no If-Match possible: the old manifest had no ETag for it
        ("MKCOL", JOURNAL_DIR),
        ("PUT", f"{JOURNAL_DIR}/000003.json"),
        ("MKCOL", SEGMENT_DIR),
        ("PUT", f"{SEGMENT_DIR}/000003-000003.jsonl"),
        ("PUT", MANIFEST_PATH),
        ("DELETE", JOURNAL_DIR),
        ("MKCOL", JOURNAL_DIR),
        ("DELETE", ".sitegen/lease.json"),
    ]
    assert (dav.root / LOG_PATH).read_bytes() == legacy_log  # history kept as it was
    assert json.loads((dav.root / MANIFEST_PATH).read_bytes())["seq"] == 3
    assert verify(dav.target()) == []

    write_tree(out, paged_site(2, pages=5))
    dav.server.log.clear()
    publish_tree(out, dav.target(cache=cache), PublishOptions())
    assert dav.server.log.methods() == ["PROPFIND", "PUT", "PUT", "PUT", "DELETE"]
    assert verify(dav.target()) == []


def test_old_layout_pending_deletes_are_done_and_migrated(tmp_path: Path, dav: Dav) -> None:
    out = write_tree(tmp_path / "out", paged_site(0, pages=5))
    legacy_target(dav.root, out, pending={"old.html": Entry("0" * 64, 1)})
    (dav.root / "old.html").write_text("old")
    dav.server.log.clear()
    outcome = publish_tree(out, dav.target(), PublishOptions())
    assert outcome.applied and outcome.record is None
    assert not (dav.root / "old.html").exists()
    assert json.loads((dav.root / MANIFEST_PATH).read_bytes())["seq"] == 2
    assert verify(dav.target()) == []


@pytest.fixture
def dav_without_infinity(tmp_path: Path) -> Iterator[Dav]:
    """wsgidav refusing PROPFIND Depth infinity, as Nextcloud can be set to."""
    root = tmp_path / "dav"
    root.mkdir()
    app = wsgidav_app(root)

    def finite(environ: dict[str, Any], start_response: Any) -> Any:
        if (
            environ["REQUEST_METHOD"] == "PROPFIND"
            and environ.get("HTTP_DEPTH", "").lower() == "infinity"
        ):
            start_response("403 Forbidden", [("Content-Length", "0")])
            return [b""]
        return app(environ, start_response)

    killer = Killable(finite)
    with serve_wsgi(killer) as srv:
        yield Dav(srv, root, killer)


def test_state_is_listed_folder_by_folder_where_infinity_is_refused(
    tmp_path: Path, dav_without_infinity: Dav
) -> None:
    dav = dav_without_infinity
    cache = tmp_path / "cache"
    out = write_tree(tmp_path / "out", paged_site(0, pages=5))
    publish_tree(out, dav.target(cache=cache), PublishOptions())
    write_tree(out, paged_site(1, pages=5))
    dav.server.log.clear()
    publish_tree(out, dav.target(cache=cache), PublishOptions())
    # Depth infinity refused, then Depth 1 of the target and of each of its folders (p/,
    # .sitegen/, .sitegen/journal/): a server that refuses infinity costs a request a folder.
    listed = [p for m, p in dav.server.log.entries if m == "PROPFIND"]
    assert listed[0] == f"{DAV}/"
    assert sorted(listed[1:]) == sorted(
        [f"{DAV}/", f"{DAV}/css", f"{DAV}/p", f"{DAV}/.sitegen", f"{DAV}/{JOURNAL_DIR}"]
    )
    assert dav.server.log.methods()[len(listed) :] == ["PUT", "PUT", "PUT", "DELETE"]
    assert verify(dav.target()) == []
