"""The WebDAV target's bookkeeping: a base manifest, one journal record per publish, compaction
into closed log segments, migration from the single-file layout; requests and bytes counted on a
real wsgidav server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from sitegen.errors import SitegenError
from sitegen.publish.links import page_links
from sitegen.publish.log import verify
from sitegen.publish.manifest import (
    JOURNAL_DIR,
    LOG_PATH,
    MANIFEST_PATH,
    SEGMENT_DIR,
    manifest_of_tree,
)
from sitegen.publish.plan import link_order, make_plan
from sitegen.publish.record import Record, line_sha256
from sitegen.publish.runner import PublishOptions, publish_tree
from sitegen.publish.target import encode_manifest
from tests.publish.conftest import Dav
from tests.publish.helpers import Killable, write_tree
from tests.publish.test_davtarget import ALL, broken_links
from tests.webdav.webdav_servers import NEXTCLOUD_ROOT, serve_wsgi, wsgidav_app

DAV = NEXTCLOUD_ROOT


def site(n: int, pages: int = 40) -> dict[str, str | bytes]:
    """A site of `pages` pages of 2 KB; publish `n` changes page 0."""
    files: dict[str, str | bytes] = {"css/site.css": "body{}"}
    for i in range(pages):
        body = f"<link href='../css/site.css'>page {i} v{n if i == 0 else 0} " + "x" * 2000
        files[f"p/{i:03d}.html"] = body
    return files


def state_files(dav: Dav) -> list[str]:
    return sorted(
        str(p.relative_to(dav.root)) for p in (dav.root / ".sitegen").rglob("*") if p.is_file()
    )


def test_steady_state_sends_the_page_and_one_small_record(tmp_path: Path, dav: Dav) -> None:
    cache = tmp_path / "cache"
    out = write_tree(tmp_path / "out", site(0, pages=400))
    dav.server.log.clear()
    publish_tree(out, dav.target(cache=cache), PublishOptions())
    mkcols = [p for m, p in dav.server.log.entries if m == "MKCOL"]
    assert f"{DAV}/.sitegen" in mkcols and f"{DAV}/{JOURNAL_DIR}" in mkcols
    base_size = (dav.root / MANIFEST_PATH).stat().st_size
    assert base_size > 40_000

    for n in (1, 2, 3):
        write_tree(out, site(n, pages=400))
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
    out = write_tree(tmp_path / "out", site(0))

    def target() -> Any:  # compacts when the journal passes 20 % of the base (about 5 records)
        return dav.target(cache=cache, compact_min_bytes=0)

    publish_tree(out, target(), PublishOptions())
    for n in range(1, 30):
        write_tree(out, site(n))
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

    write_tree(out, site(99))
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
    out = write_tree(tmp_path / "out", site(0))
    publish_tree(out, dav.target(), PublishOptions())
    for n in (1, 2):
        publish_tree(write_tree(out, site(n)), dav.target(), PublishOptions())
    write_tree(out, site(3))
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
    publish_tree(write_tree(out, site(4)), dav.target(), PublishOptions())
    assert verify(dav.target()) == []


def journal(dav: Dav, seq: int) -> Path:
    return dav.root / JOURNAL_DIR / f"{seq:06d}.json"


def three_publishes(tmp_path: Path, dav: Dav) -> None:
    out = write_tree(tmp_path / "out", site(0, pages=5))
    publish_tree(out, dav.target(), PublishOptions())
    for n in (1, 2):
        publish_tree(write_tree(out, site(n, pages=5)), dav.target(), PublishOptions())


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
    out = write_tree(tmp_path / "out", site(0, pages=6))
    publish_tree(out, dav.target(cache=cache), PublishOptions())
    smaller = {k: v for k, v in site(0, pages=6).items() if k not in ("p/004.html", "p/005.html")}
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


def legacy_target(root: Path, out: Path, pending: dict[str, Any] | None = None) -> None:
    """A target as publishing wrote it before journals: manifest.json and publish-log.jsonl."""
    files = manifest_of_tree(out)
    for rel in files:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes((out / rel).read_bytes())
    (root / ".sitegen").mkdir()
    (root / MANIFEST_PATH).write_bytes(encode_manifest(files, pending, {"etags": {}}))
    first = Record("2026-01-01T00:00:00Z", "e1", "0" * 64, None).to_line()
    second = Record("2026-01-02T00:00:00Z", "e2", _sha(files), line_sha256(first)).to_line()
    (root / LOG_PATH).write_bytes(first + second)


def _sha(files: Any) -> str:
    from sitegen.publish.manifest import manifest_sha256

    return manifest_sha256(files)


def test_a_target_in_the_old_layout_is_verified_then_migrated(tmp_path: Path, dav: Dav) -> None:
    out = write_tree(tmp_path / "out", site(0, pages=5))
    legacy_target(dav.root, out)
    assert verify(dav.target()) == []
    legacy_log = (dav.root / LOG_PATH).read_bytes()
    cache = tmp_path / "cache"

    write_tree(out, site(1, pages=5))
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

    write_tree(out, site(2, pages=5))
    dav.server.log.clear()
    publish_tree(out, dav.target(cache=cache), PublishOptions())
    assert dav.server.log.methods() == ["PROPFIND", "PUT", "PUT", "PUT", "DELETE"]
    assert verify(dav.target()) == []


def test_old_layout_pending_deletes_are_done_and_migrated(tmp_path: Path, dav: Dav) -> None:
    out = write_tree(tmp_path / "out", site(0, pages=5))
    legacy_target(dav.root, out, pending={"old.html": manifest_of_tree_entry()})
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
    out = write_tree(tmp_path / "out", site(0, pages=5))
    publish_tree(out, dav.target(cache=cache), PublishOptions())
    write_tree(out, site(1, pages=5))
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


# -- new pages that link to each other -----------------------------------------------------------

CHAIN: dict[str, str | bytes] = {
    "index.html": '<a href="a/index.html">a</a>',
    "a/index.html": '<a href="../b/index.html">b</a>',
    "b/index.html": '<a href="../c.html">c</a>',
    "c.html": '<img src="i.png">',
    "i.png": b"png",
}


def test_link_order_puts_a_new_page_after_the_new_pages_it_links_to() -> None:
    assert page_links("a/index.html", b'<a href="../b/index.html"> <img src="/i.png">') == {
        "b/index.html",
        "b/index.html/index.html",
        "i.png",
        "i.png/index.html",
    }
    assert page_links("a/x.html", b'<a href="./"><a href="mailto:x@y">') == {"a/index.html"}
    links = {p: page_links(p, str(v).encode()) for p, v in CHAIN.items() if p.endswith("html")}
    assert link_order(sorted(links), links) == [
        ["c.html"],
        ["b/index.html"],
        ["a/index.html"],
        ["index.html"],
    ]
    cyclic = {"x.html": {"y.html"}, "y.html": {"x.html"}, "z.html": set()}
    assert link_order(["x.html", "y.html", "z.html"], cyclic) == [["z.html"], ["x.html", "y.html"]]
    plan = make_plan({p: manifest_of_tree_entry() for p in CHAIN}, {})
    assert plan.upload_batches(links) == [
        ["i.png"],
        ["c.html"],
        ["b/index.html"],
        ["a/index.html"],
        ["index.html"],
    ]


def manifest_of_tree_entry() -> Any:
    from sitegen.publish.manifest import Entry

    return Entry("0" * 64, 1)


@pytest.mark.parametrize("cut", range(1, 8))
def test_new_pages_linking_to_each_other_never_link_to_a_missing_page(
    tmp_path: Path, dav: Dav, cut: int
) -> None:
    out = write_tree(tmp_path / "out", CHAIN)
    dav.killer.budget = cut
    with pytest.raises(SitegenError):
        publish_tree(out, dav.target(retry=False, workers=4), ALL)
    dav.killer.budget = None
    assert broken_links(dav.root) == []
    publish_tree(out, dav.target(), ALL)
    assert broken_links(dav.root) == [] and verify(dav.target()) == []


def test_records_name_the_time_and_chain(tmp_path: Path, dav: Dav) -> None:
    out = write_tree(tmp_path / "out", site(0, pages=3))
    when = datetime(2026, 5, 1, 12, tzinfo=timezone.utc)
    publish_tree(out, dav.target(), PublishOptions(now=lambda: when, source_fingerprint="E1"))
    publish_tree(
        write_tree(out, site(1, pages=3)),
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
