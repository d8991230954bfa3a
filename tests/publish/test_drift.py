"""Drift on a store target whose server keeps a file's ETag through an overwrite.

Nextcloud (local storage) keeps a file's ETag when an overwrite lands in the same second as the
file's stored mtime (its Scanner reuses the ETag while the mtime is unchanged), and a publish
stores each file with its source mtime, so a hand edit made within the second the site was built
keeps the ETag of the published file. The in-memory twin plays that server here: the edit keeps
the ETag, only the bytes and the size change."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitegen.publish.runner import publish_tree
from sitegen.publish.store import MemoryStore
from sitegen.publish.storetarget import StoreTarget
from tests.publish.helpers import write_tree
from tests.publish.test_davtarget import ALL, V1

CHANGED = "about.html: changed on the target since the last publish (publish --repair restores it)"


def edit_keeping_the_etag(store: MemoryStore, path: str, data: bytes) -> None:
    store.files[path] = replace(store.files[path], data=data)


def published(out: Path) -> MemoryStore:
    store = MemoryStore()
    publish_tree(out, StoreTarget(store), ALL)
    return store


def test_a_hand_edit_that_keeps_the_etag_is_reported_then_repaired(tmp_path: Path) -> None:
    out = write_tree(tmp_path / "out", V1)
    store = published(out)
    edit_keeping_the_etag(store, "about.html", b"<script>evil()</script>")
    outcome = publish_tree(out, StoreTarget(store), ALL)
    assert [str(d) for d in outcome.drift] == [CHANGED]
    assert not outcome.applied  # reported, not silently taken for the site's own bytes
    publish_tree(out, StoreTarget(store, repair=True), ALL)
    assert store.snapshot() == {p: v.encode() if isinstance(v, str) else v for p, v in V1.items()}


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=200).filter(lambda b: len(b) != len(V1["about.html"])))
def test_any_edit_of_another_size_is_drift_whatever_the_etag(tmp_path: Path, data: bytes) -> None:
    out = write_tree(tmp_path / "out", V1)  # the same tree each time: written over in place
    store = published(out)
    edit_keeping_the_etag(store, "about.html", data)
    assert [str(d) for d in publish_tree(out, StoreTarget(store), ALL).drift] == [CHANGED]
