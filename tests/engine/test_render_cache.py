"""The render cache: a build keeps (hard-links) the pages whose inputs did not change since the
last build of the same output, and always ends where a clean build ends."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitegen.compiler import pagejob, taxonomy
from sitegen.compiler.highlightstore import SHARDS, HighlightStore
from sitegen.compiler.pipeline import BuildOptions, build_site
from tests.conftest import NOW
from tests.engine.test_incremental import EDITS, SITE
from tests.trees import apply_edit, snapshot, write_tree


def opts(**kw: object) -> BuildOptions:
    return BuildOptions(now=NOW, jobs=1, **kw)  # type: ignore[arg-type]


def inodes(root: Path) -> dict[str, int]:
    return {p.relative_to(root).as_posix(): p.stat().st_ino for p in root.rglob("*") if p.is_file()}


def rendered_outputs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The outputs of the pages the next builds render (in this process: jobs=1)."""
    seen: list[str] = []
    real = pagejob.render_page

    def spy(page, *args):  # type: ignore[no-untyped-def]
        seen.append(page.output)
        return real(page, *args)

    monkeypatch.setattr(pagejob, "render_page", spy)
    return seen


def test_unchanged_pages_are_kept_not_rendered(tmp_path: Path, monkeypatch) -> None:
    site = write_tree(tmp_path / "site", SITE)
    out = tmp_path / "out"
    build_site(site, out, opts())
    (site / "about.md").write_text("About, edited.")
    rendered = rendered_outputs(monkeypatch)
    build_site(site, out, opts())
    # posts are kept; the edited page and the listing (index.html shows its summary) are not
    assert sorted(rendered) == ["about/index.html", "index.html"]
    assert (out / "about/index.html").read_text() == "<title>About</title><p>About, edited.</p>\n"


def test_an_output_changed_by_hand_is_rendered_again(tmp_path: Path, monkeypatch) -> None:
    site = write_tree(tmp_path / "site", SITE)
    out = tmp_path / "out"
    build_site(site, out, opts())
    clean = snapshot(out)
    (out / "posts/a/index.html").write_text("tampered with")
    (site / "about.md").write_text("About us.\n")
    rendered = rendered_outputs(monkeypatch)
    build_site(site, out, opts())
    # the listing (index.html) is kept: no summary changed, and it shows no page's body
    assert sorted(rendered) == ["about/index.html", "posts/a/index.html"]
    assert snapshot(out) == clean


def test_only_files_whose_bytes_changed_are_written(tmp_path: Path) -> None:
    site = write_tree(tmp_path / "site", SITE)
    out = tmp_path / "out"
    build_site(site, out, opts())
    first = inodes(out)
    (site / "about.md").write_text("About, edited.")
    build_site(site, out, opts())
    second = inodes(out)
    # index.html renders again (it lists pages) to the same bytes: it is not rewritten
    assert {rel for rel in first if second.get(rel) != first[rel]} == {"about/index.html"}
    assert snapshot(out) == snapshot_of_clean(site, tmp_path)


def test_a_page_removed_removes_its_output_and_empty_folders(tmp_path: Path) -> None:
    site = write_tree(tmp_path / "site", {**SITE, "deep/er/page.md": "Deep."})
    out = tmp_path / "out"
    build_site(site, out, opts())
    assert (out / "deep/er/page/index.html").is_file()
    (site / "deep/er/page.md").unlink()
    build_site(site, out, opts())
    assert not (out / "deep").exists()
    assert snapshot(out) == snapshot_of_clean(site, tmp_path)


def test_a_file_that_becomes_a_folder_and_back(tmp_path: Path) -> None:
    site = write_tree(tmp_path / "site", {**SITE, "notes": "a file called notes"})
    out = tmp_path / "out"
    build_site(site, out, opts())
    (site / "notes").unlink()
    (site / "notes.md").write_text("Notes, now a page.")
    build_site(site, out, opts())
    assert snapshot(out) == snapshot_of_clean(site, tmp_path)
    (site / "notes.md").unlink()
    (site / "notes").write_text("a file again")
    build_site(site, out, opts())
    assert (out / "notes").read_text() == "a file again"


def test_a_clean_build_leaves_no_old_tree_behind(tmp_path: Path) -> None:
    site = write_tree(tmp_path / "site", SITE)
    out = tmp_path / "out"
    build_site(site, out, opts())
    build_site(site, out, opts(clean=True))
    # the replaced tree is deleted by the build itself, not left to a background process
    assert sorted(p.name for p in tmp_path.iterdir()) == [".sitegen", "out", "site"]


def test_a_template_change_renders_everything(tmp_path: Path) -> None:
    site = write_tree(tmp_path / "site", SITE)
    out = tmp_path / "out"
    build_site(site, out, opts())
    first = inodes(out)
    (site / "_layout.html").write_text("<h1>{{ page.title }}</h1>{{ content }}")
    build_site(site, out, opts())
    pages = [rel for rel in first if rel.endswith(".html")]
    assert all(inodes(out)[rel] != first[rel] for rel in pages)
    assert (out / "about/index.html").read_text().startswith("<h1>About</h1>")


def test_clean_ignores_the_cache(tmp_path: Path) -> None:
    site = write_tree(tmp_path / "site", SITE)
    out = tmp_path / "out"
    build_site(site, out, opts())
    first = inodes(out)
    build_site(site, out, opts(clean=True))
    assert all(inodes(out)[rel] != first[rel] for rel in first if rel.endswith(".html"))


def test_a_corrupt_cache_is_ignored(tmp_path: Path) -> None:
    site = write_tree(tmp_path / "site", SITE)
    out = tmp_path / "out"
    build_site(site, out, opts())
    (tmp_path / ".sitegen" / "out.render-cache.json").write_text("{not json")
    build_site(site, out, opts())
    assert snapshot(out) == snapshot_of_clean(site, tmp_path)


def snapshot_of_clean(site: Path, tmp: Path) -> dict[str, bytes]:
    clean = tmp / "clean-out"
    build_site(site, clean, opts(clean=True))
    return snapshot(clean)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(EDITS, min_size=1, max_size=5))
def test_cached_builds_equal_clean_builds(tmp_path_factory: pytest.TempPathFactory, edits) -> None:
    tmp = tmp_path_factory.mktemp("cache")
    site = write_tree(tmp / "site", SITE)
    out = tmp / "out"
    build_site(site, out, opts())
    for rel, text in edits:
        apply_edit(site, rel, text)
        build_site(site, out, opts())
        assert snapshot(out) == snapshot_of_clean(site, tmp)


def test_a_different_base_url_renders_everything(tmp_path: Path) -> None:
    site = write_tree(
        tmp_path / "site",
        {**SITE, "_layout.html": "<a href='{{ url('/') }}'>home</a>{{ content }}"},
    )
    out = tmp_path / "out"
    build_site(site, out, opts())
    build_site(site, out, opts(base_url="/sub/"))
    assert "href='/sub/'" in (out / "about/index.html").read_text()
    assert snapshot(out) == snapshot_of_clean_with(site, tmp_path, base_url="/sub/")


def snapshot_of_clean_with(site: Path, tmp: Path, **kw: object) -> dict[str, bytes]:
    clean = tmp / "clean-out2"
    build_site(site, clean, opts(clean=True, **kw))
    return snapshot(clean)


def test_highlighted_blocks_are_cached_beside_the_output(tmp_path: Path) -> None:
    code = "```python\ndef f(x):\n    return x + 1\n```\n"
    site = write_tree(tmp_path / "site", {**SITE, "about.md": code})
    out = tmp_path / "out"
    build_site(site, out, opts())
    [store] = (tmp_path / ".sitegen").glob("highlight-*/*.json")  # the block's shard
    [(key, (html, _day))] = json.loads(store.read_text())["blocks"].items()
    assert '<span class="k">def</span>' in html
    # The next build that renders the page again takes the block from the store, not Pygments:
    # a planted marker shows up in the page.
    marked = html.replace('<span class="k">def</span>', '<span class="k">MARK</span>')
    store.write_text(json.dumps({"format": 2, "blocks": {key: [marked, 0]}}))
    (site / "_layout.html").write_text("<main>{{ content }}</main>")  # every page renders again
    build_site(site, out, opts())
    assert '<span class="k">MARK</span>' in (out / "about/index.html").read_text()
    # ... and stamps it as used today, so it is not dropped as a month-old block.
    [(_, (_, day))] = json.loads(store.read_text())["blocks"].items()
    assert day == dt.date.today().toordinal()


def test_highlight_store_drops_blocks_unused_for_a_month(tmp_path: Path) -> None:
    folder = tmp_path / "h"
    store = HighlightStore(folder)
    store.put("python", "a = 1", "<A>")
    store.put("python", "b = 2", "<B>")
    store.save(dt.date(2026, 1, 1))
    store = HighlightStore(folder)
    assert store.get("python", "a = 1") == "<A>"  # a is used again on the 20th
    store.save(dt.date(2026, 1, 20))
    store = HighlightStore(folder)
    store.load_all()  # a build rendering many pages reads every shard
    store.save(dt.date(2026, 2, 5))  # b was last used 35 days before
    store = HighlightStore(folder)
    assert store.get("python", "a = 1") == "<A>"
    assert store.get("python", "b = 2") is None


def test_a_lookup_reads_only_the_shard_of_its_block(tmp_path: Path) -> None:
    """A one-page edit reads the few shards of its page's blocks, not every highlighted block."""
    folder = tmp_path / "h"
    store = HighlightStore(folder)
    for n in range(300):
        store.put("python", f"x = {n}", f"<{n}>")
    store.save(dt.date(2026, 1, 1))
    assert len(list(folder.glob("*.json"))) == len(SHARDS)
    written = {f.name: f.stat().st_mtime_ns for f in folder.iterdir()}
    store = HighlightStore(folder)
    assert store.get("python", "x = 7") == "<7>"
    assert store.get("python", "x = 7000") is None
    assert len(store._loaded) <= 2  # what was read is the point
    store.save(dt.date(2026, 1, 1))  # x = 7 was used today already: nothing to write
    assert {f.name: f.stat().st_mtime_ns for f in folder.iterdir()} == written
    assert store.get("python", "x = 8") == "<8>"


def test_saving_the_store_removes_the_earlier_layouts_and_nothing_else(tmp_path: Path) -> None:
    """Earlier sitegens kept 256 shards named by two hex digits (and before, one file): stale
    once the store is written, and removed then; other files in the folder stay."""
    folder = tmp_path / "h"
    folder.mkdir()
    legacy = [folder / "00.json", folder / "a7.json", tmp_path / "h.json"]
    others = [folder / "notes.txt", folder / "zz.json", folder / "abc.json"]
    for path in [*legacy, *others]:
        path.write_text('{"format": 2, "blocks": {}}')
    store = HighlightStore(folder)
    store.put("python", "a = 1", "<A>")
    store.save(dt.date(2026, 1, 1))
    assert [p for p in legacy if p.exists()] == []
    assert all(p.exists() for p in others)
    assert HighlightStore(folder).get("python", "a = 1") == "<A>"


def test_highlights_from_forked_workers_reach_the_store(tmp_path: Path) -> None:
    files = {**SITE}
    for i in range(450):  # enough pages for the build to fork render workers
        files[f"p{i}.md"] = f"```python\nx = {i}\n```\n"
    site = write_tree(tmp_path / "site", files)
    build_site(site, tmp_path / "out", BuildOptions(now=NOW, jobs=2))
    shards = (tmp_path / ".sitegen").glob("highlight-*/*.json")
    assert sum(len(json.loads(f.read_text())["blocks"]) for f in shards) == 450


def test_a_rebuild_keeping_the_term_pages_makes_none_of_their_lists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A term page's list of pages is made only when it renders: its render-cache key holds
    what the list is made from (the listed pages' listing views), not the list."""
    files = {**SITE, "sitegen.toml": 'taxonomies = ["tags"]\n'}
    files["posts/2026-01-01-a.md"] = "---\ntitle: A\ntags: [x]\n---\nFirst A."
    files["about.md"] = "About us.\n\nMore."
    site = write_tree(tmp_path / "site", files)
    out = tmp_path / "out"
    build_site(site, out, opts())
    made: list[int] = []
    real = taxonomy._page_rows
    monkeypatch.setattr(taxonomy, "_page_rows", lambda *a: made.append(1) or real(*a))
    (site / "about.md").write_text("About us.\n\nMore, edited.")  # not its summary
    build_site(site, out, opts())
    assert made == []
    (site / "posts/2026-01-01-a.md").write_text("---\ntitle: A, renamed\ntags: [x]\n---\nA.")
    build_site(site, out, opts())
    assert made and "A, renamed" in (out / "tags/x/index.html").read_text()
    assert snapshot(out) == snapshot_of_clean_with(site, tmp_path)
