"""The WebDAV target's bookkeeping: a base manifest, one journal record per publish, compaction
into closed log segments, verify; requests and bytes counted on a real wsgidav server. Older
targets and stricter servers: test_journal_compat.py; the upload order of linked pages:
test_link_order.py."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from sitegen.errors import SitegenError
from sitegen.publish.log import verify
from sitegen.publish.manifest import (
    JOURNAL_DIR,
    MANIFEST_PATH,
    SEGMENT_DIR,
)
from sitegen.publish.record import Record, line_sha256
from sitegen.publish.runner import PublishOptions, publish_tree
from tests.publish.conftest import Dav
from tests.publish.helpers import paged_site, write_tree
from tests.webdav.webdav_servers import NEXTCLOUD_ROOT

DAV = NEXTCLOUD_ROOT


def state_files(dav: Dav) -> list[str]:
    return sorted(
        str(p.relative_to(dav.root)) for p in (dav.root / ".sitegen").rglob("*") if p.is_file()
    )


def test_steady_state_sends_the_page_and_one_small_record(tmp_path: Path, dav: Dav) -> None:
    cache = tmp_path / "cache"
    out = write_tree(tmp_path / "out", paged_site(0, pages=400))
    dav.server.log.clear()
    publish_tree(out, dav.target(cache=cache), PublishOptions())
    mkcols = [p for m, p in dav.server.log.entries if m == "MKCOL"]
    assert f"{DAV}/.sitegen" in mkcols and f"{DAV}/{JOURNAL_DIR}" in mkcols
    base_size = (dav.root / MANIFEST_PATH).stat().st_size
    assert base_size > 40_000

    for n in (1, 2, 3):
        write_tree(out, paged_site(n, pages=400))
        dav.server.log.clear()
        publish_tree(out, dav.target(cache=cache), PublishOptions())
        assert dav.server.log.entries == [
            ("PROPFIND", f"{DAV}/"),
            ("PUT", f"{DAV}/.sitegen/lease.json"),
            ("PUT", f"{DAV}/p/000.html"),
            ("PUT", f"{DAV}/{JOURNAL_DIR}/{n + 1:06d}.json"),
            ("DELETE", f"{DAV}/.sitegen/lease.json"),
        ]  # changed files + 4: no MKCOL, no GET, no rewrite of the base or of the log
        changed = (out / "p/000.html").stat().st_size
        assert dav.server.log.bytes_sent() <= 2 * changed
        assert dav.server.log.bytes_sent(".sitegen") < 1000  # whatever the size of the base
    assert (dav.root / MANIFEST_PATH).stat().st_size == base_size
    assert verify(dav.target()) == []


def test_compaction_writes_a_base_and_a_segment_then_steady_again(tmp_path: Path, dav: Dav) -> None:
    cache = tmp_path / "cache"
    out = write_tree(tmp_path / "out", paged_site(0))

    def target() -> Any:  # compacts when the journal passes 20 % of the base (about 5 records)
        return dav.target(cache=cache, compact_min_bytes=0)

    publish_tree(out, target(), PublishOptions())
    for n in range(1, 30):
        write_tree(out, paged_site(n))
        dav.server.log.clear()
        publish_tree(out, target(), PublishOptions())
        if ("DELETE", f"{DAV}/{JOURNAL_DIR}") in dav.server.log.entries:
            break
    else:
        pytest.fail("no compaction")
    assert n > 2
    segment = f"{SEGMENT_DIR}/000001-{n + 1:06d}.jsonl"
    assert dav.server.log.entries == [
        ("PROPFIND", f"{DAV}/"),
        ("PUT", f"{DAV}/.sitegen/lease.json"),
        ("PUT", f"{DAV}/p/000.html"),
        ("PUT", f"{DAV}/{JOURNAL_DIR}/{n + 1:06d}.json"),
        ("MKCOL", f"{DAV}/{SEGMENT_DIR}"),  # the first compaction only
        ("PUT", f"{DAV}/{segment}"),
        ("PUT", f"{DAV}/{MANIFEST_PATH}"),
        ("DELETE", f"{DAV}/{JOURNAL_DIR}"),
        ("MKCOL", f"{DAV}/{JOURNAL_DIR}"),
        ("DELETE", f"{DAV}/.sitegen/lease.json"),
    ]
    assert state_files(dav) == sorted([MANIFEST_PATH, segment])
    assert json.loads((dav.root / MANIFEST_PATH).read_bytes())["seq"] == n + 1
    assert len((dav.root / segment).read_bytes().splitlines()) == n + 1
    assert verify(dav.target()) == []

    write_tree(out, paged_site(99))
    dav.server.log.clear()
    publish_tree(out, target(), PublishOptions())
    assert dav.server.log.methods() == ["PROPFIND", "PUT", "PUT", "PUT", "DELETE"]
    dav.server.log.clear()
    assert not publish_tree(out, target(), PublishOptions()).applied
    assert dav.server.log.methods() == ["PROPFIND"]
    assert verify(dav.target()) == []  # the chain runs through the segment into the journal
    # and a cold cache (another machine) reads the base and the journal, not the segments
    dav.server.log.clear()
    publish_tree(out, dav.target(cache=tmp_path / "cold"), PublishOptions())
    assert not any(segment in p for _, p in dav.server.log.entries)


@pytest.mark.parametrize("cut", range(1, 8))
def test_a_cut_compaction_is_completed_by_the_next_run(tmp_path: Path, dav: Dav, cut: int) -> None:
    out = write_tree(tmp_path / "out", paged_site(0))
    publish_tree(out, dav.target(), PublishOptions())
    for n in (1, 2):
        publish_tree(write_tree(out, paged_site(n)), dav.target(), PublishOptions())
    write_tree(out, paged_site(3))
    dav.killer.budget = cut  # a publish that compacts takes 8 requests after its 2 GETs
    with pytest.raises(SitegenError):
        publish_tree(
            out, dav.target(retry=False, compact_ratio=0.0, compact_min_bytes=0), PublishOptions()
        )
    dav.killer.budget = None
    publish_tree(out, dav.target(), PublishOptions())
    assert (
        (dav.root / "p/000.html").read_text().startswith("<link href='../css/site.css'>page 0 v3")
    )
    assert verify(dav.target()) == []
    publish_tree(write_tree(out, paged_site(4)), dav.target(), PublishOptions())
    assert verify(dav.target()) == []


def journal(dav: Dav, seq: int) -> Path:
    return dav.root / JOURNAL_DIR / f"{seq:06d}.json"


def three_publishes(tmp_path: Path, dav: Dav) -> None:
    out = write_tree(tmp_path / "out", paged_site(0, pages=5))
    publish_tree(out, dav.target(), PublishOptions())
    for n in (1, 2):
        publish_tree(write_tree(out, paged_site(n, pages=5)), dav.target(), PublishOptions())


def test_verify_reports_a_tampered_delta(tmp_path: Path, dav: Dav) -> None:
    three_publishes(tmp_path, dav)
    doc = json.loads(journal(dav, 2).read_bytes())
    path = next(iter(doc["delta"]["files"]))
    doc["delta"]["files"][path][0] = "0" * 64  # says another file was published
    journal(dav, 2).write_bytes(json.dumps(doc, sort_keys=True, separators=(",", ":")).encode())
    problems = [str(d) for d in verify(dav.target())]
    assert path == "p/000.html"  # publish 3 replaced it again, so no file differs in the end
    assert problems == [
        f"{JOURNAL_DIR}/000002.json: its delta does not yield the manifest sha256 it names "
        "(every later manifest is rebuilt from it)",
        f"{JOURNAL_DIR}/000003.json: broken chain: prev does not match the sha256 of the "
        "record before",
    ]


def test_verify_reports_a_missing_record_and_a_broken_chain(tmp_path: Path, dav: Dav) -> None:
    three_publishes(tmp_path, dav)
    journal(dav, 2).unlink()
    problems = [str(d) for d in verify(dav.target())]
    assert (
        f"{JOURNAL_DIR}/000003.json: broken chain: record 2 is missing before this one" in problems
    )

    dav2 = tmp_path / "again"
    dav2.mkdir()
    three_publishes(dav2, dav)  # publishes again on top: records 4 and 5
    rec = journal(dav, 4)
    rec.write_bytes(rec.read_bytes().replace(b'"time":"', b'"time":"1999'))
    problems = [str(d) for d in verify(dav.target())]
    assert (
        f"{JOURNAL_DIR}/000005.json: broken chain: prev does not match the sha256 of the "
        "record before" in problems
    )


def test_an_interrupted_publish_among_its_deletes_is_finished_by_the_next_run(
    tmp_path: Path, dav: Dav
) -> None:
    cache = tmp_path / "cache"
    out = write_tree(tmp_path / "out", paged_site(0, pages=6))
    publish_tree(out, dav.target(cache=cache), PublishOptions())
    smaller = {
        k: v for k, v in paged_site(0, pages=6).items() if k not in ("p/004.html", "p/005.html")
    }
    write_tree(out, smaller)
    dav.killer.budget = 4  # PROPFIND, the lease, the record, the first DELETE; then it dies
    with pytest.raises(SitegenError):
        publish_tree(out, dav.target(cache=cache, retry=False), PublishOptions())
    dav.killer.budget = None
    assert (dav.root / "p/005.html").exists() and not (dav.root / "p/004.html").exists()
    dav.server.log.clear()
    again = publish_tree(out, dav.target(cache=cache), PublishOptions())
    assert again.applied and again.record is None  # no second record
    # the listing, the stale lease read and broken, the delete still to do (the listing shows
    # the other done), the done marker, the lease released
    assert dav.server.log.methods() == ["PROPFIND", "GET", "PUT", "DELETE", "PUT", "DELETE"]
    assert not (dav.root / "p/005.html").exists()
    dav.server.log.clear()
    assert not publish_tree(out, dav.target(cache=cache), PublishOptions()).applied
    assert dav.server.log.methods() == ["PROPFIND"]
    assert verify(dav.target()) == []


def test_records_name_the_time_and_chain(tmp_path: Path, dav: Dav) -> None:
    out = write_tree(tmp_path / "out", paged_site(0, pages=3))
    when = datetime(2026, 5, 1, 12, tzinfo=timezone.utc)
    publish_tree(out, dav.target(), PublishOptions(now=lambda: when, source_fingerprint="E1"))
    publish_tree(
        write_tree(out, paged_site(1, pages=3)),
        dav.target(),
        PublishOptions(now=lambda: when, source_fingerprint="E2"),
    )
    one = Record.from_line(journal(dav, 1).read_bytes())
    two = Record.from_line(journal(dav, 2).read_bytes())
    assert (one.seq, one.source, one.prev, one.delta) == (1, "E1", None, None)  # in the base
    assert (two.seq, two.source, two.time) == (2, "E2", "2026-05-01T12:00:00Z")
    assert two.prev == line_sha256(journal(dav, 1).read_bytes())
    assert two.delta is not None and list(two.delta.files) == ["p/000.html"]
    assert list(two.delta.etags) == ["p/000.html"]
