"""A new folder with no new folder below it is made by the upload of its first file where the
server can (Nextcloud 32+, `X-NC-WebDAV-Auto-Mkcol`), one request instead of two: each such
folder by one upload only, its parent made first; cut at any step, the next run finishes the
publish and no reader meets a broken page; a server that makes no folder costs one request and
gets MKCOLs as before."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sitegen.publish.folders import choose_openers, folders_of
from sitegen.publish.log import verify
from sitegen.publish.runner import publish_tree
from sitegen.publish.store import MemoryStore
from sitegen.publish.storetarget import StoreTarget
from tests.publish.helpers import write_tree
from tests.publish.test_crash_steps import crash_then_finish
from tests.publish.test_davtarget import ALL, V1, V2

NESTED: dict[str, str | bytes] = {  # folders holding only folders, a folder with both
    "index.html": '<link href="css/s.css"><a href="docs/a/index.html">a</a>',
    "css/s.css": "body{}",
    "docs/index.html": '<link href="../css/s.css">',
    "docs/a/index.html": '<link href="../../css/s.css"><img src="img/x.png">',
    "docs/a/img/x.png": b"X" * 10,
    "docs/b/index.html": '<link href="../../css/s.css">',
    "docs/b/more.html": '<link href="../../css/s.css">',
    "deep/er/still/index.html": "deep",
}


def opening_store(*, makes_folders: bool = True) -> MemoryStore:
    store = MemoryStore()
    store.opens_folders, store.makes_folders = True, makes_folders
    return store


def target(store: MemoryStore) -> StoreTarget:
    return StoreTarget(store, workers=1)  # one transfer at a time: the steps come in one order


def as_bytes(files: dict[str, str | bytes]) -> dict[str, bytes]:
    return {k: v.encode() if isinstance(v, str) else v for k, v in files.items()}


def test_new_leaf_folders_are_made_by_their_first_upload(tmp_path: Path) -> None:
    store = opening_store()
    publish_tree(write_tree(tmp_path / "a", V1), target(store), ALL)
    store.revive()
    publish_tree(write_tree(tmp_path / "b", V2), target(store), ALL)
    assert store.steps == [  # test_crash_steps.py's publish, with 3 MKDIRs fewer
        "WRITE .sitegen/lease.json",
        "WRITE img/b/c.png (and its folders)",
        "WRITE js/app.js (and its folders)",  # before the other files of its batch
        "WRITE css/site.v2.css",
        "WRITE news/new.html (and its folders)",
        "WRITE about.html",
        "WRITE index.html",
        "WRITE .sitegen/journal/000002.json",
        "DELETE old.html",
        "DELETE css/site.v1.css",
        "WRITE .sitegen/journal/000002.done",
        "DELETE .sitegen/lease.json",
    ]
    assert store.snapshot() == {**as_bytes(V2), "CNAME": b"example.org"}


def test_folders_holding_folders_are_made_first_and_each_folder_by_one_request(
    tmp_path: Path,
) -> None:
    store = opening_store()
    publish_tree(write_tree(tmp_path / "out", NESTED), target(store), ALL)
    made = [s.removeprefix("MKDIR ") for s in store.steps if s.startswith("MKDIR ")]
    assert made == ["", ".sitegen", "deep", "docs", "deep/er", "docs/a", ".sitegen/journal"]
    assert store.opened == [  # each made only its own folder: its parent was there
        ("docs/a/img/x.png", ["docs/a/img"]),
        ("css/s.css", ["css"]),
        ("deep/er/still/index.html", ["deep/er/still"]),  # the first batch of pages
        ("docs/b/index.html", ["docs/b"]),  # docs/b/more.html after it, in the same batch
    ]
    assert store.snapshot() == as_bytes(NESTED)
    assert verify(target(store)) == []


def test_a_server_that_makes_no_folder_costs_one_request(tmp_path: Path) -> None:
    store = opening_store(makes_folders=False)
    publish_tree(write_tree(tmp_path / "out", NESTED), target(store), ALL)
    assert store.steps[:13] == [
        "MKDIR ",
        "MKDIR .sitegen",
        "WRITE .sitegen/lease.json",
        "MKDIR deep",
        "MKDIR docs",
        "MKDIR deep/er",
        "MKDIR docs/a",
        "WRITE docs/a/img/x.png (and its folders)",  # refused: every folder left by MKDIR
        "MKDIR css",
        "MKDIR docs/b",
        "MKDIR deep/er/still",
        "MKDIR docs/a/img",
        "WRITE docs/a/img/x.png",
    ]
    assert [s for s in store.steps[13:] if "(and its folders)" in s] == []
    assert store.opened == []
    assert store.snapshot() == as_bytes(NESTED)


def steps_of(tmp_path: Path, files: dict[str, str | bytes]) -> int:
    store = opening_store()
    publish_tree(write_tree(tmp_path, V1), target(store), ALL)
    store.revive()
    publish_tree(write_tree(tmp_path, files), target(store), ALL)
    return len(store.steps)


@pytest.mark.parametrize("files", [V2, NESTED], ids=["V2", "nested"])
def test_a_publish_cut_at_any_step_is_finished_by_the_next(
    tmp_path: Path, files: dict[str, str | bytes]
) -> None:
    for step in range(1, steps_of(tmp_path / "count", files) + 1):
        crash_then_finish(tmp_path, step, files, files, opening_store)


PATHS = st.lists(
    st.lists(st.sampled_from("abc"), min_size=1, max_size=4).map(lambda p: "/".join(p) + ".html"),
    min_size=1,
    max_size=25,
    unique=True,
)


@given(PATHS, st.sets(st.sampled_from(["a", "b", "a/b", "b/a", "a/a/a"])), st.data())
def test_openers_make_each_missing_leaf_folder_once_below_a_folder_that_is_there(
    order: list[str], have: set[str], data: st.DataObject
) -> None:
    have = {h for h in have if all(a in have for a in folders_of([h + "/x"]))}  # with parents
    missing = folders_of(order) - have
    small = data.draw(st.sets(st.sampled_from(order)))
    openers = choose_openers(order, missing, lambda p: p in small)
    made_before = missing - set(openers.values())  # by MKCOL, before any upload
    for path, folder in openers.items():
        assert path.rpartition("/")[0] == folder in missing and path in small
        first = next(p for p in order if p.rpartition("/")[0] == folder)
        assert path == first  # no file of its folder goes before the folder is made
        parent = folder.rpartition("/")[0]
        assert parent == "" or parent in have | made_before  # so it makes its folder alone
    assert len(set(openers.values())) == len(openers)
