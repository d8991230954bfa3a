"""Nextcloud moves a folder's ETag on a moment before the changed file is in place, so a sync
that lists right then records the final ETag with the old file. Folders seen changing are listed
again until a listing SETTLE_SECONDS later confirms them (sources/settle.py)."""

from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import Remote

from sitegen.sources import settle
from sitegen.sources.index import Index, write_index
from sitegen.sources.settle import SETTLE_SECONDS, unsettled_after
from tests.webdav.test_sync import touch_later

PROPAGATING = ["wsgidav-nc", pytest.param("nextcloud", marks=pytest.mark.nextcloud)]


@pytest.mark.parametrize("remote", PROPAGATING, indirect=True)
def test_a_listing_taken_mid_write_is_corrected_by_the_next_sync(
    remote: Remote, cache: Path
) -> None:
    remote.write({"index.md": "One.", "sub/page.md": "a"})
    remote.edited()
    source = remote.source(cache)
    source.sync()
    # Another size: a same-size rewrite within the second keeps even the file's final entry
    # as it was on Nextcloud (the other test below), which is not the race planted here.
    if remote.nextcloud is None:
        touch_later(remote.site / "sub" / "page.md", "bb")
    else:
        remote.write({"sub/page.md": "bb"})
    remote.edited()
    # What a sync records when it lists during the server's write: the final folder ETags
    # with the file's old entry (the race seen on Nextcloud 34, made deterministic here).
    with source.client() as client:
        root, (_, children) = client.stat(""), client.list_folder("")
    old = source.mirror.index()
    assert old is not None
    dirs = {c.key: c.etag for c in children if c.is_dir}
    stale = replace(
        old,
        root_etag=root.etag,
        dirs=dirs,
        unsettled={"": time.time(), **{k: time.time() for k in dirs}},
    )
    write_index(source.mirror.index_path, stale)

    again = remote.source(cache)  # the next run, in a new process
    assert again.fingerprint() is None  # unsettled: a poller must sync
    assert again.sync().changes.changed == ("sub/page.md",)
    assert (again.local_dir / "sub" / "page.md").read_text() == "bb"


@pytest.mark.parametrize("remote", PROPAGATING, indirect=True)
def test_the_fingerprint_returns_once_the_folders_settle(
    remote: Remote, cache: Path, settle_at_once: None
) -> None:
    remote.write({"index.md": "One."})
    remote.edited()
    source = remote.source(cache)
    source.sync()
    assert source.fingerprint() is None  # everything was just seen for the first time
    assert source.sync().changes.empty
    index = source.mirror.index()
    assert index is not None and index.unsettled == {}
    assert source.fingerprint() == index.root_etag


def test_unsettled_folders_are_the_changed_ones_and_the_recent_ones() -> None:
    old = Index("s", "r1", True, True, {}, {"a": "a1", "b": "b1", "c": "c1"}, {"c": 100.0})
    now = 100.0 + SETTLE_SECONDS / 2
    after = unsettled_after(old, "r2", {"a": "a2", "b": "b1", "c": "c1"}, now)
    assert after == {"": now, "a": now, "c": 100.0}  # c: seen changing too recently to trust
    later = unsettled_after(old, "r1", {"a": "a1", "b": "b1", "c": "c1"}, 100.0 + SETTLE_SECONDS)
    assert later == {}  # nothing changed, and c's listing now confirms it
    first = unsettled_after(None, "r", {"a": "x"}, 5.0)
    assert first == {"": 5.0, "a": 5.0}
    gone = unsettled_after(old, "r1", {"a": "a1", "b": "b1"}, now)
    assert gone == {}  # a folder that no longer exists is not listed again


@pytest.mark.parametrize("remote", [*PROPAGATING, "wsgidav"], indirect=True)
def test_a_rewrite_that_leaves_the_listing_as_it_was_is_fetched_again(
    remote: Remote, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Nextcloud keeps a file's ETag, size and mtime when it is rewritten with the same size
    # within the second of its mtime (seen on Nextcloud 34; the preview then missed the edit
    # for good). On disk-backed servers the same comes from a rewrite that restores the mtime.
    monkeypatch.setattr(settle, "SETTLE_SECONDS", 3600.0)  # a slow machine must not age it
    remote.write({"index.md": "# Home\n\nOne.\n"})
    source = remote.source(cache)
    source.sync()
    page = remote.site / "index.md"
    before = page.stat().st_mtime
    if remote.nextcloud is None:
        page.write_text("# Home\n\nTwo.\n")
        os.utime(page, (before, before))
    else:
        remote.write({"index.md": "# Home\n\nTwo.\n"})  # in the same second, or seen anyway
    again = remote.source(cache)  # the next run, in a new process
    assert again.fingerprint() is None  # a fresh file: a poller must sync
    monkeypatch.setattr(settle, "SETTLE_SECONDS", 0.0)  # now the file is old enough
    assert again.sync().changes.changed == ("index.md",)
    assert (again.local_dir / "index.md").read_text() == "# Home\n\nTwo.\n"
    index = again.mirror.index()
    assert index is not None and index.fresh == {}
    assert again.sync().changes.empty  # the folders seen changing settle too
    assert again.fingerprint() is not None


@pytest.mark.parametrize("remote", ["wsgidav", "wsgidav-nc"], indirect=True)
def test_a_fresh_file_is_downloaded_again_once_old_enough_and_only_if_it_may_have_changed(
    remote: Remote, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each download holds Nextcloud's lock on the file: an author's save meanwhile gets 423.
    # Where folder ETags propagate, an unchanged folder proves the file was not rewritten.
    monkeypatch.setattr(settle, "SETTLE_SECONDS", 3600.0)
    remote.write({"index.md": "One."})
    source = remote.source(cache)
    source.sync()
    assert source.sync().bytes == 0  # still young: not downloaded again
    monkeypatch.setattr(settle, "SETTLE_SECONDS", 0.0)
    confirming = source.sync()
    assert confirming.changes.empty
    assert confirming.bytes == (0 if remote.kind == "wsgidav-nc" else len("One."))
    assert source.sync().bytes == 0  # confirmed: never again
