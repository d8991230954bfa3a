"""The same sync scenarios against every server: plain wsgidav (no folder ETags), Nextcloud-like
wsgidav (folder ETags propagate, oc:fileid) and rclone; those about server behaviour also against
the real Nextcloud."""

from __future__ import annotations

import os
import time
import unicodedata
from pathlib import Path

import pytest
from conftest import REAL_SERVER_KINDS, Remote

from sitegen.sources import open_source
from tests.trees import read_tree, write_tree

NFC_NAME = unicodedata.normalize("NFC", "café crème.md")
NFD_NAME = unicodedata.normalize("NFD", "über naïve.md")

TRICKY = {
    "index.md": "# home\n",
    "name with spaces.md": "spaces",
    NFC_NAME: "nfc",
    f"posts/{NFD_NAME}": "nfd",
    "hash #1.md": "hash",
    "100%.md": "percent",
    "what?.md": "question",
    "a+b.md": "plus",
    "this&that.md": "ampersand",
    "colon: yes.md": "colon",
    "empty folder": None,
    "nested/empty": None,
    "a/b/c/d/e/f/g/h/deep.md": "deep",
    "img/big.bin": os.urandom(5 * 1024 * 1024),
}


def nfc_tree(root: Path) -> dict[str, bytes | None]:
    return {unicodedata.normalize("NFC", k): v for k, v in read_tree(root).items()}


def touch_later(path: Path, content: str) -> None:
    """Change a file so every server sees it (wsgidav's ETags have one-second mtimes)."""
    path.write_text(content)
    later = time.time() + 5
    os.utime(path, (later, later))


real_servers_too = pytest.mark.parametrize("remote", REAL_SERVER_KINDS, indirect=True)


@real_servers_too
def test_cold_sync_mirrors_tricky_names(remote: Remote, cache: Path) -> None:
    remote.write(TRICKY)
    source = remote.source(cache)
    result = source.sync()
    assert nfc_tree(source.local_dir) == nfc_tree(remote.site)
    assert len(result.changes.added) == sum(1 for v in TRICKY.values() if v is not None)
    assert result.bytes >= 5 * 1024 * 1024
    assert (source.local_dir / NFC_NAME).read_text() == "nfc"
    assert (source.local_dir / "posts" / unicodedata.normalize("NFC", NFD_NAME)).exists()


@real_servers_too
def test_changes_between_syncs(remote: Remote, cache: Path, settle_at_once: None) -> None:
    # settle_at_once: the files just written count as old enough, so the second sync does not
    # download them again to compare (test_sync_settle.py tests that)
    write_tree(
        remote.site,
        {
            "keep.md": "keep",
            "edit.md": "v1",
            "gone.md": "bye",
            "old name.md": "moving",
            "sub/deeper/x.md": "x",
            "drop/me.md": "d",
        },
    )
    remote.edited()
    source = remote.source(cache)
    source.sync()

    touch_later(remote.site / "edit.md", "version two")
    (remote.site / "gone.md").unlink()
    (remote.site / "old name.md").rename(remote.site / "sub" / "new name.md")
    write_tree(remote.site, {"added #1.md": "new", "sub/deeper/y.md": "y"})
    (remote.site / "drop" / "me.md").unlink()
    (remote.site / "drop").rmdir()
    remote.edited()

    result = source.sync()
    assert result.changes.added == ("added #1.md", "sub/deeper/y.md", "sub/new name.md")
    assert result.changes.changed == ("edit.md",)
    assert result.changes.removed == ("drop/me.md", "gone.md", "old name.md")
    assert nfc_tree(source.local_dir) == nfc_tree(remote.site)
    # only what changed moved
    assert result.bytes == len("version two") + len("new") + len("y") + len("moving")


@real_servers_too
def test_no_change_sync_is_cheap(remote: Remote, cache: Path, settle_at_once: None) -> None:
    write_tree(remote.site, {f"d{i}/f{j}.md": f"{i}{j}" for i in range(3) for j in range(3)})
    remote.edited()
    source = remote.source(cache)
    source.sync()
    source.sync()  # lists the folders once more: they had just changed (settle_at_once)
    result = source.sync()
    assert result.changes.empty and result.bytes == 0
    if remote.kind in ("wsgidav-nc", "nextcloud"):
        assert result.requests == 1  # the root's ETag proves nothing changed
    else:
        assert result.requests == 2  # Depth 0, then one Depth infinity listing
    if remote.kind == "wsgidav-nc":
        # cold: Depth 0 + infinity; confirming: Depth 0 + the 4 folders; then 1
        assert remote.server.log.count("PROPFIND") == 8


@real_servers_too
def test_one_file_changed_deep_lists_only_its_folders(
    remote: Remote, cache: Path, settle_at_once: None
) -> None:
    write_tree(remote.site, {f"d{i}/e{i}/f.md": "x" for i in range(5)})
    remote.edited()
    source = remote.source(cache)
    source.sync()
    source.sync()  # the confirming listing of what had just changed
    touch_later(remote.site / "d3" / "e3" / "f.md", "changed")
    remote.edited()
    result = source.sync()
    assert result.changes.changed == ("d3/e3/f.md",)
    if remote.kind in ("wsgidav-nc", "nextcloud"):  # the real folder ETags behave as imitated
        assert result.requests == 1 + 3 + 1  # Depth 0; Depth 1 of /, d3, d3/e3; one GET


def test_build_sees_a_mirror_that_repairs_itself(remote: Remote, cache: Path) -> None:
    write_tree(remote.site, {"a.md": "a", "b/c.md": "c"})
    source = remote.source(cache)
    source.sync()
    (source.local_dir / "b" / "c.md").unlink()  # someone deleted a mirrored file
    (source.local_dir / "stray.md").write_text("not on the server")
    result = source.sync()
    assert result.changes.empty
    assert nfc_tree(source.local_dir) == nfc_tree(remote.site)


def test_offline_uses_the_mirror_without_network(remote: Remote, cache: Path) -> None:
    write_tree(remote.site, {"a.md": "a"})
    remote.source(cache).sync()
    remote.server.stop()
    offline = remote.source(cache, offline=True)
    assert offline.sync().requests == 0
    assert (offline.local_dir / "a.md").read_text() == "a"


@real_servers_too
def test_fingerprint_changes_with_content(remote: Remote, cache: Path) -> None:
    write_tree(remote.site, {"a/b.md": "1"})
    remote.edited()
    source = remote.source(cache)
    before = source.fingerprint()
    assert before == source.fingerprint()
    touch_later(remote.site / "a" / "b.md", "22")
    remote.edited()
    assert source.fingerprint() != before


def test_open_source_end_to_end(remote: Remote, cache: Path) -> None:
    write_tree(remote.site, {"index.md": "hi"})
    source = open_source(remote.spec, cache_dir=cache, jobs=2)
    assert "s3cret" not in source.label and "s3cret" not in repr(source)
    source.sync()
    assert (source.local_dir / "index.md").read_text() == "hi"


@pytest.mark.parametrize("jobs", [1, 8])
def test_jobs_and_progress(remote: Remote, cache: Path, jobs: int) -> None:
    write_tree(remote.site, {f"p/{i:03d}.md": str(i) for i in range(40)})
    seen: list[tuple[int, int]] = []
    remote.source(cache, jobs=jobs).sync(lambda done, total: seen.append((done, total)))
    assert seen[0] == (0, 40) and seen[-1] == (40, 40)
    assert sorted(d for d, _ in seen) == list(range(41))


def test_local_folder_source_is_a_no_op(tmp_path: Path) -> None:
    (tmp_path / "index.md").write_text("x")
    source = open_source(str(tmp_path))
    assert source.local_dir == tmp_path.resolve()
    assert source.sync().changes.empty and source.fingerprint() is None
