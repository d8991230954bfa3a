"""The links of unchanged page bodies come from the last build's scan; a build after an edit
warns exactly as a clean build of the same files does."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.compiler.linkscache import LinksCache
from sitegen.compiler.pipeline import BuildOptions, build_site
from sitegen.compiler.textlinks import links_in
from tests.conftest import write_tree

BODIES = st.sampled_from(
    [
        "Plain text.\n",
        "See [a](missing.md).\n",
        "See [b](other.md) and [c](gone.png).\n",
        "```\n[not](a-link.md)\n```\n",
        '<img src="nowhere.png">\n',
    ]
)


def warnings_of(site: Path, out: Path, clean: bool) -> list[str]:
    result = build_site(site, out, BuildOptions(clean=clean))
    assert result.site is not None
    return [str(w) for w in result.site.warnings]


@settings(max_examples=15)
@given(st.lists(BODIES, min_size=2, max_size=4))
def test_an_edited_body_warns_as_a_clean_build_does(tmp_path_factory, bodies) -> None:  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("links")
    site = write_tree(tmp / "site", {"other.md": "Other.\n", "index.md": bodies[0]})
    out = tmp / "out"
    for body in bodies:
        (site / "index.md").write_text(body, encoding="utf-8")
        kept = warnings_of(site, out, clean=False)
        assert kept == warnings_of(site, tmp / "clean", clean=True)


def test_a_known_body_is_not_scanned_again(tmp_path: Path) -> None:
    cache = LinksCache(tmp_path / "links.json")
    body = "See [a](x.md).\n\n[ref]: y.md\n"
    assert cache.links(body) == list(links_in(body)) == [(0, "x.md"), (2, "y.md")]
    cache.save()
    again = LinksCache.load(tmp_path / "out")  # a file of another output: nothing known
    assert again._known == {}
    cache.file = tmp_path / ".sitegen" / "out.links.json"
    cache.save()
    kept = LinksCache.load(tmp_path / "out")
    kept._known = {k: [[0, "from-cache.md"]] for k in kept._known}
    assert kept.links(body) == [(0, "from-cache.md")]
