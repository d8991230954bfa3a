"""The local copy of a target's bookkeeping files is used only while the target's file has the
same ETag *and* size: Nextcloud keeps an ETag through an overwrite in the same second."""

from __future__ import annotations

from pathlib import Path

from sitegen.publish.statecache import StateCache


def test_a_cached_state_file_is_used_only_while_etag_and_size_match(tmp_path: Path) -> None:
    cache = StateCache(tmp_path, "nextcloud+http://alice@host/Public")
    cache.write(".sitegen/base.json", b'{"v":1}', "e1")
    assert cache.read(".sitegen/base.json", "e1", 7) == b'{"v":1}'
    assert cache.read(".sitegen/base.json", "e1", 9) is None  # rewritten within the second
    assert cache.read(".sitegen/base.json", "e2", 7) is None
    assert cache.read(".sitegen/base.json", None, 7) is None


def test_no_cache_folder_caches_nothing() -> None:
    cache = StateCache(None, "t")
    cache.write(".sitegen/base.json", b"x", "e1")
    assert cache.read(".sitegen/base.json", "e1", 1) is None
