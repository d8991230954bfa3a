"""search-index/: what the build writes, when, and that a search finds the pages it should."""

from __future__ import annotations

import json
import string
from pathlib import Path

from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.cli import main
from sitegen.compiler import searchindex
from sitegen.compiler.pipeline import BuildOptions, build_site
from tests.conftest import NOW
from tests.trees import write_tree


def find(index: Path, query: str) -> list[str]:
    """The URLs search.js shows for `query`, best first (the same lookup, in Python)."""
    meta = json.loads((index / "meta.json").read_bytes())
    maps = []
    for term in dict.fromkeys(searchindex.words(query)):
        found: dict[int, float] = {}
        for key in (k for k in meta["shards"] if term.startswith(k)):
            for t, flat in json.loads((index / f"t-{key}.json").read_bytes()).items():
                if t.startswith(term):
                    doc = 0
                    for i in range(0, len(flat), 2):
                        doc += flat[i]
                        score = flat[i + 1] if t == term else flat[i + 1] / 2
                        found[doc] = max(found.get(doc, 0), score)
        maps.append(found)
    if not maps:
        return []
    hits = sorted(
        (d for d in maps[0] if all(d in m for m in maps)),
        key=lambda d: (-sum(m[d] for m in maps), d),
    )
    chunk = meta["chunk"]
    return [json.loads((index / f"d-{d // chunk}.json").read_bytes())[d % chunk][0] for d in hits]


def site(tmp_path: Path, files: dict[str, str]) -> Path:
    return write_tree(tmp_path / "site", files)


def build(src: Path) -> Path:
    out = src.parent / "out"
    build_site(src, out, BuildOptions(now=NOW))
    return out


DOCS = {
    "sitegen.toml": 'title = "T"\ntheme = "docs"\n',
    "index.md": "---\ntitle: Home\n---\nWelcome.\n",
    "guide/publish.md": "---\ntitle: Publishing\n---\n## Schedules\n\nThe nightly timer.\n",
    "guide/themes.md": "---\ntitle: Themes\n---\nColours and the café's **dark** mode.\n",
    "secret.md": "---\ntitle: Hidden\nnoindex: true\n---\nnightly secret\n",
}


def test_the_docs_theme_builds_an_index_that_finds_pages(tmp_path: Path) -> None:
    out = build(site(tmp_path, DOCS))
    index = out / "search-index"
    assert find(index, "publishing") == ["/guide/publish/"]  # title
    assert find(index, "schedules") == ["/guide/publish/"]  # heading
    assert find(index, "nightly") == ["/guide/publish/"]  # text; the noindex page is left out
    assert find(index, "cafe dark") == ["/guide/themes/"]  # accents folded, every word
    # "the" is in both texts; the start of "Themes" in a title ranks that page first
    assert find(index, "the") == ["/guide/themes/", "/guide/publish/"]
    assert find(index, "them") == ["/guide/themes/"]  # a prefix, as typed
    assert find(index, "search") == []  # the search page itself is not indexed
    html = (out / "index.html").read_text(encoding="utf-8")
    assert 'data-search-index="/search-index/"' in html and "js/search.js" in html
    assert 'action="/search/"' in html


def test_search_index_false_turns_the_themes_search_off(tmp_path: Path) -> None:
    files = {**DOCS, "sitegen.toml": 'title = "T"\ntheme = "docs"\nsearch_index = false\n'}
    out = build(site(tmp_path, files))
    assert not (out / "search-index").exists()
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "search-box" not in html and "js/search.js" not in html
    assert "This site has no search index" in (out / "search/index.html").read_text("utf-8")


def test_the_default_theme_builds_an_index_only_when_asked(tmp_path: Path) -> None:
    files = {"index.md": "# Home\n\nWords.\n"}
    assert not (build(site(tmp_path, files)) / "search-index").exists()
    files["sitegen.toml"] = "search_index = true\n"
    out = build(site(tmp_path / "on", files))
    assert find(out / "search-index", "words") == ["/"]


def test_a_site_with_its_own_search_index_folder_keeps_it(tmp_path: Path) -> None:
    mine = '{"mine": true}'
    out = build(site(tmp_path, {**DOCS, "search-index/meta.json": mine}))
    assert (out / "search-index/meta.json").read_text(encoding="utf-8") == mine
    assert sorted(p.name for p in (out / "search-index").iterdir()) == ["meta.json"]


def test_sitegen_new_with_the_docs_theme_makes_a_site_whose_search_finds_things(
    tmp_path: Path,
) -> None:
    runner = CliRunner()
    made = runner.invoke(main, ["new", str(tmp_path / "s"), "--theme", "docs"])
    assert made.exit_code == 0, made.output
    built = runner.invoke(main, ["build", str(tmp_path / "s"), "-o", str(tmp_path / "out")])
    assert built.exit_code == 0, built.output
    assert find(tmp_path / "out/search-index", "about")[0] == "/about/"  # its title


words_st = st.text(string.ascii_lowercase, min_size=2, max_size=7)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(words_st, min_size=1, max_size=30), min_size=1, max_size=60))
def test_every_word_of_every_page_finds_that_page(pages: list[list[str]]) -> None:
    """Whatever the words, each lands in exactly one shard the client looks in, and its
    postings decode to the pages that have it (SHARD_BYTES small, so shards split deep)."""
    postings = {w: [1] * (4 * len(pages)) for page in pages for w in page}
    old = searchindex.SHARD_BYTES
    searchindex.SHARD_BYTES = 300
    try:
        shards = searchindex._shard(sorted(postings), postings)
    finally:
        searchindex.SHARD_BYTES = old
    placed = [t for terms in shards.values() for t in terms]
    assert sorted(placed) == sorted(postings)  # each term once
    for key, terms in shards.items():
        assert all(t.startswith(key) for t in terms)
    for term in postings:  # the shards search.js fetches for the word hold it
        assert any(term in shards[k] for k in shards if term.startswith(k))
    flat = searchindex._encode([(i, 3) for i, page in enumerate(pages) if "ab" in page])
    ids, doc = [], 0
    for i in range(0, len(flat), 2):
        doc += flat[i]
        ids.append(doc)
    assert ids == [i for i, page in enumerate(pages) if "ab" in page][: searchindex.MAX_POSTINGS]
