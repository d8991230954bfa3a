"""The in-memory twin of a remote source: a sync mirrors `files` into local_dir and reports
what changed, exactly as the changes between the two listings."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sitegen.changes import Changes
from sitegen.errors import SourceError
from sitegen.sources.memory import MemorySource
from tests.trees import snapshot

NAMES = ["index.md", "about.md", "posts/a.md", "posts/b.md", "img/x.png"]
trees = st.dictionaries(st.sampled_from(NAMES), st.binary(max_size=8))


def test_a_sync_reports_what_it_moved(tmp_path: Path) -> None:
    source = MemorySource(tmp_path / "m", {"index.md": "# Home", "posts/a.md": "A"})
    first = source.sync()
    assert first.changes == Changes(("index.md", "posts/a.md"), (), ())
    assert first.bytes == 7
    source.files["posts/a.md"] = b"A2"
    del source.files["index.md"]
    source.files["new.md"] = b"N"
    assert source.sync().changes == Changes(("new.md",), ("posts/a.md",), ("index.md",))
    assert snapshot(tmp_path / "m") == {"new.md": b"N", "posts/a.md": b"A2"}
    assert source.sync().changes.empty and source.syncs == 3


def test_the_fingerprint_moves_with_any_edit_and_only_then(tmp_path: Path) -> None:
    source = MemorySource(tmp_path / "m", {"a.md": "A"})
    before = source.fingerprint()
    assert source.fingerprint() == before
    source.files["a.md"] = b"B"
    assert source.fingerprint() != before
    assert MemorySource(tmp_path / "n", {"a.md": "A"}, fingerprints=False).fingerprint() is None


def test_offline_syncs_nothing(tmp_path: Path) -> None:
    source = MemorySource(tmp_path / "m", {"a.md": "A"}, offline=True)
    assert source.sync().changes.empty and snapshot(tmp_path / "m") == {}


@pytest.mark.parametrize("name", ["../escape.md", "a/../../escape.md", "/abs.md", "a//b.md"])
def test_a_name_outside_the_folder_is_refused_and_nothing_is_written(
    tmp_path: Path, name: str
) -> None:
    source = MemorySource(tmp_path / "m", {"ok.md": "fine", name: "evil"}, label="memory:x")
    with pytest.raises(SourceError, match=r"^memory:x: "):
        source.sync()
    assert snapshot(tmp_path) == {}


@given(st.lists(trees, min_size=1, max_size=5))
def test_after_each_sync_the_folder_holds_exactly_the_files(states: list[dict[str, bytes]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        source = MemorySource(Path(tmp) / "m")
        previous: dict[str, bytes] = {}
        for files in states:
            source.files = dict(files)
            changes = source.sync().changes
            assert snapshot(Path(tmp) / "m") == files
            assert set(changes.added) == files.keys() - previous.keys()
            assert set(changes.removed) == previous.keys() - files.keys()
            same = {p for p in files.keys() & previous.keys() if files[p] == previous[p]}
            assert set(changes.changed) == (files.keys() & previous.keys()) - same
            previous = files
