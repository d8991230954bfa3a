"""The page history a target keeps (file ID -> places published at): merging and reading."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sitegen.errors import SitegenError
from sitegen.publish.pagehistory import PAGE_HISTORY_PATH, decode, encode, merge
from sitegen.publish.store import MemoryStore
from sitegen.publish.storetarget import StoreTarget
from sitegen.run import RunSettings, TargetSettings, run_pipeline
from tests.publish.helpers import write_tree

places = st.sampled_from(["a.html", "b.html", "c/index.html", "d/index.html", "e.html"])
ids = st.sampled_from(["1", "2", "3", "4"])
histories = st.dictionaries(ids, st.lists(places, max_size=4).map(tuple), max_size=4)
# A build: each page (file ID) at one place, no two pages at the same place.
builds = st.dictionaries(places, ids, max_size=4).map(lambda d: {f: p for p, f in d.items()})


def test_a_rename_chain_keeps_every_old_place() -> None:
    h = merge({}, {"7": "a.html", "8": "x.html"})
    h = merge(h, {"7": "b.html", "8": "x.html"})
    h = merge(h, {"7": "c.html", "8": "x.html"})
    assert h == {"7": ("a.html", "b.html", "c.html"), "8": ("x.html",)}
    assert merge(h, {"8": "x.html"}) == {"8": ("x.html",)}  # 7 deleted: forgotten


def test_a_new_page_at_an_old_place_takes_it_over() -> None:
    h = merge({"7": ("a.html", "b.html")}, {"7": "b.html", "9": "a.html"})
    assert h == {"7": ("b.html",), "9": ("a.html",)}


@given(histories, builds)
def test_merge_keeps_old_places_and_gives_each_place_one_page(
    history: dict[str, tuple[str, ...]], current: dict[str, str]
) -> None:
    merged = merge(history, current)
    assert set(merged) == set(current)  # pages gone are dropped
    for fid, output in current.items():
        assert output in merged[fid]
    everywhere = [p for places in merged.values() for p in places]
    assert len(everywhere) == len(set(everywhere))  # no place belongs to two pages
    taken = set(current.values())
    claimed = {p for fid in current for p in history.get(fid, ()) if p not in taken}
    assert claimed <= set(everywhere)  # an old place is lost only to a page there now
    assert merge(merged, current) == merged  # publishing the same site again changes nothing
    assert decode(encode(merged)) == merged


def test_an_unreadable_history_is_an_error_naming_the_file() -> None:
    with pytest.raises(SitegenError, match=r"^t/h\.json:1: unreadable page history"):
        decode(b"{not json", "t/h.json")
    with pytest.raises(SitegenError, match="unreadable page history"):
        decode(b'{"pages": []}', "t/h.json")


def test_places_that_are_not_pages_of_the_site_are_ignored() -> None:
    doc = b'{"pages": {"1": ["../../etc/x.html", "a.html", 3], "2": "b.html"}}'
    assert decode(doc) == {"1": ("a.html",)}


def test_a_store_without_a_history_has_an_empty_one() -> None:
    target = StoreTarget(MemoryStore())
    assert target.read_page_history() == {}
    target.write_page_history({"1": ("a.html",)})  # makes the target folder if it is missing
    assert StoreTarget(target.store).read_page_history() == {"1": ("a.html",)}


def test_a_local_folder_publishes_as_before_and_keeps_no_history(tmp_path: Path) -> None:
    """A local folder has no file IDs: renames there need `aliases:` (docs/site-format.md)."""
    site = write_tree(tmp_path / "src", {"_layout.html": "{{ content }}", "a.md": "# A\n"})
    www = TargetSettings(str(tmp_path / "www"))
    settings = RunSettings(str(site), www, state_dir=tmp_path, yes=True)
    run_pipeline(settings)
    (site / "a.md").rename(site / "b.md")
    run_pipeline(settings)
    live = tmp_path / "www/current"
    assert sorted(p.name for p in live.iterdir()) == [".sitegen", "b"]  # no redirect at a/
    assert not (tmp_path / "www" / PAGE_HISTORY_PATH).exists()
