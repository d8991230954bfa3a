"""New pages that link to each other are uploaded after the pages they link to, so a publish cut
anywhere never leaves a page linking to a missing one (on a real wsgidav server)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sitegen.errors import SitegenError
from sitegen.publish.links import page_links
from sitegen.publish.log import verify
from sitegen.publish.manifest import Entry
from sitegen.publish.plan import link_order, make_plan
from sitegen.publish.runner import publish_tree
from tests.publish.conftest import Dav
from tests.publish.helpers import write_tree
from tests.publish.test_davtarget import ALL, broken_links

ANY_ENTRY = Entry("0" * 64, 1)  # the plan only needs the paths

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
    plan = make_plan({p: ANY_ENTRY for p in CHAIN}, {})
    assert plan.upload_batches(links) == [
        ["i.png"],
        ["c.html"],
        ["b/index.html"],
        ["a/index.html"],
        ["index.html"],
    ]


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
