"""The incremental builder: it rebuilds only what a change affects, and always ends where a clean
build of the same files ends."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitegen.compiler.incremental import IncrementalBuilder
from sitegen.compiler.pipeline import BuildOptions, build_site
from sitegen.errors import BuildError
from tests.conftest import NOW
from tests.trees import apply_edit, snapshot, write_tree

SITE = {
    "_layout.html": "<title>{{ page.title }}</title>{{ content }}",
    "index.html": "{% for p in site.sections['posts'] %}<a href='{{ p.url }}'>{{ p.title }}</a>"
    "{{ p.summary }}{% endfor %}",
    "posts/2026-01-01-a.md": "---\ntitle: A\n---\nFirst A.\n\nMore of A.",
    "posts/2026-01-02-b.md": "---\ntitle: B\n---\nFirst B.",
    "about.md": "About us.",
    "css/site.scss": "$c: red;\np { color: $c; }\n",
    "img/x.txt": "x",
}


def opts() -> BuildOptions:
    return BuildOptions(now=NOW, jobs=1)


def clean_build(site: Path, tmp: Path) -> dict[str, bytes]:
    out = tmp / "clean"
    build_site(site, out, opts())
    return snapshot(out)


@pytest.fixture
def inc(tmp_path: Path) -> tuple[Path, IncrementalBuilder]:
    site = write_tree(tmp_path / "site", SITE)
    builder = IncrementalBuilder(site, tmp_path / "out", opts())
    first = builder.build()
    assert first.full and "index.html" in first.written
    return site, builder


def test_body_edit_rerenders_the_page_and_its_listings(inc, tmp_path: Path) -> None:
    site, builder = inc
    (site / "posts/2026-01-02-b.md").write_text("---\ntitle: B\n---\nFirst B.\n\nA new paragraph.")
    update = builder.build(["posts/2026-01-02-b.md"])
    assert not update.full and not update.css_only
    assert update.written == ("posts/b/index.html",)  # index.html shows the summary: unchanged
    assert snapshot(tmp_path / "out") == clean_build(site, tmp_path)


def test_summary_edit_reaches_the_listing(inc, tmp_path: Path) -> None:
    site, builder = inc
    (site / "posts/2026-01-02-b.md").write_text("---\ntitle: B\n---\nChanged first line.")
    update = builder.build(["posts/2026-01-02-b.md"])
    assert "index.html" in update.written
    assert snapshot(tmp_path / "out") == clean_build(site, tmp_path)


def test_stylesheet_edit_is_css_only(inc, tmp_path: Path) -> None:
    site, builder = inc
    (site / "css/site.scss").write_text("p { color: blue; }\n")
    update = builder.build(["css/site.scss"])
    assert update.css_only and update.written == ("css/site.css",) and not update.full
    assert snapshot(tmp_path / "out") == clean_build(site, tmp_path)


def test_layout_edit_rebuilds_everything(inc, tmp_path: Path) -> None:
    site, builder = inc
    (site / "_layout.html").write_text("<h1>{{ page.title }}</h1>{{ content }}")
    update = builder.build(["_layout.html"])
    assert update.full
    assert snapshot(tmp_path / "out") == clean_build(site, tmp_path)


def test_error_keeps_the_output_and_a_fix_recovers(inc, tmp_path: Path) -> None:
    site, builder = inc
    before = snapshot(tmp_path / "out")
    (site / "about.md").write_text("---\ntitle: [\n---\nx")
    with pytest.raises(BuildError) as info:
        builder.build(["about.md"])
    assert [str(d) for d in info.value.diagnostics] == [
        "about.md:3: front matter: invalid YAML: did not find expected node content"
    ] or str(info.value.diagnostics[0]).startswith("about.md:")
    assert snapshot(tmp_path / "out") == before
    (site / "about.md").write_text("Fixed.")
    builder.build(["about.md"])
    assert snapshot(tmp_path / "out") == clean_build(site, tmp_path)


# Edits a person makes while previewing, each followed by an incremental build.
EDITS = st.sampled_from(
    [
        ("posts/2026-01-01-a.md", "---\ntitle: A\n---\nFirst A.\n\nEdited body."),
        ("posts/2026-01-01-a.md", "---\ntitle: A renamed\n---\nFirst A."),
        ("posts/2026-01-02-b.md", "---\ntitle: B\ntags: [x]\n---\nNew summary of B."),
        ("posts/2026-01-03-c.md", "---\ntitle: C\n---\nA new post."),
        ("posts/2026-01-03-c.md", None),
        ("posts/2026-01-02-b.md", None),
        ("about.md", "About, edited."),
        ("about.md", "See [x](img/x.txt), [gone](nowhere.md)."),  # links: cached by body
        ("about.md", "---\ndraft: true\n---\nHidden."),
        ("css/site.scss", "p { color: green; }\n"),
        ("css/_more.scss", "$x: 1px;\n"),
        ("img/x.txt", "changed"),
        ("img/y.txt", "new"),
        ("_layout.html", "<main>{{ content }}</main>"),
        ("_data/team.yaml", "a: 1\n"),
    ]
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(EDITS, min_size=1, max_size=5))
def test_incremental_equals_clean(tmp_path_factory: pytest.TempPathFactory, edits) -> None:
    tmp = tmp_path_factory.mktemp("inc")
    site = write_tree(tmp / "site", SITE)
    builder = IncrementalBuilder(site, tmp / "out", opts())
    builder.build()
    for rel, text in edits:
        apply_edit(site, rel, text)
        builder.build([rel])
    assert snapshot(tmp / "out") == clean_build(site, tmp)
