"""The build as stages over frozen values, and the rebuilds that compose them: a rebuild renders
only the pages an edit affects, and always ends where a clean build of the same files ends."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitegen.compiler import pagejob
from sitegen.compiler.incremental import IncrementalBuilder
from sitegen.compiler.load import LoadOptions, load_site
from sitegen.compiler.look import look
from sitegen.compiler.output import StagingDir
from sitegen.compiler.pipeline import BuildOptions, build_site
from sitegen.compiler.readpages import RACY_NS
from sitegen.compiler.rendersite import (
    RenderContext,
    index_files,
    markdown_engine,
    other_files,
    page_job,
    render_pages,
    write,
)
from sitegen.compiler.site import assemble
from sitegen.compiler.textlinks import MIRROR_INDEX
from tests.conftest import NOW
from tests.trees import apply_edit, snapshot, write_tree

READ_AGAIN_WITHIN = RACY_NS / 1e9 + 0.05

# Every way a page can show another: a list of summaries, the full text of the newest post,
# neighbours, a paginated listing, tag pages.
SITE = {
    "_layout.html": "<title>{{ page.title }}</title>{{ content }}"
    "{% if page.prev %}<a rel=prev>{{ page.prev.title }}</a>{% endif %}"
    "{% if page.next %}<a rel=next>{{ page.next.title }}</a>{% endif %}"
    "{% if paginator %}{% for p in paginator.items %}[{{ p.title }}]{% endfor %}{% endif %}",
    "index.html": "{% for p in site.sections['posts'] %}<a href='{{ p.url }}'>{{ p.title }}</a>"
    "{{ p.summary }}{% endfor %}",
    "latest.html": "{{ site.sections['posts'][0].content }}",
    "sitegen.toml": 'title = "T"\ntaxonomies = ["tags"]\n',
    "all/index.md": "---\npaginate: posts\nper_page: 2\n---\nAll posts.",
    "posts/2026-01-01-a.md": "---\ntitle: A\ntags: [x]\n---\nFirst A.\n\nMore of A.",
    "posts/2026-01-02-b.md": "---\ntitle: B\n---\nFirst B.\n\nMore of B.",
    "posts/2026-01-03-c.md": "---\ntitle: C\ntags: [x, y]\n---\nFirst C.\n\nMore of C.",
    "about.md": "About us.",
}


def opts() -> BuildOptions:
    return BuildOptions(now=NOW, jobs=1)


def clean_build(site: Path, tmp: Path) -> dict[str, bytes]:
    out = tmp / "clean"
    build_site(site, out, dataclasses.replace(opts(), clean=True))
    return snapshot(out)


def rendered_outputs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The outputs of the pages the next builds render (in this process: jobs=1)."""
    seen: list[str] = []
    real = pagejob.render_page

    def spy(page, *args):  # type: ignore[no-untyped-def]
        seen.append(page.output)
        return real(page, *args)

    monkeypatch.setattr(pagejob, "render_page", spy)
    return seen


def settle() -> None:
    """A file changed within 0.1 s before a load is read again by the next load whatever its
    times say (they may not tell two quick writes apart); its change time cannot be set back."""
    time.sleep(READ_AGAIN_WITHIN)


def test_pages_and_the_loaded_site_are_frozen(tmp_path: Path) -> None:
    site = write_tree(tmp_path / "site", SITE)
    loaded = load_site(site, LoadOptions(now=NOW))
    page = next(p for p in loaded.pages if p.source == "about.md")
    with pytest.raises(dataclasses.FrozenInstanceError):
        page.title = "changed"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        loaded.pages = ()  # type: ignore[misc]


def test_the_public_stages_compose_to_a_build(tmp_path: Path) -> None:
    site = write_tree(tmp_path / "site", SITE)
    loaded = load_site(site, LoadOptions(now=NOW))
    assembled = assemble(loaded, markdown_engine(loaded.config, None))
    appearance = look(assembled)
    stage = StagingDir(tmp_path / "out", site)
    job = page_job(assembled, appearance, stage, RenderContext(NOW))
    indexes = index_files(assembled, NOW)
    problems = render_pages(job)
    write(other_files(assembled, appearance, indexes, problems), stage)
    stage.commit()
    assert problems == []
    assert snapshot(tmp_path / "out") == clean_build(site, tmp_path)


def test_unchanged_pages_are_taken_over_not_read_again(tmp_path: Path) -> None:
    site = write_tree(tmp_path / "site", SITE)
    settle()
    first = load_site(site, LoadOptions(now=NOW))
    (site / "about.md").write_text("About, edited.")
    second = load_site(site, LoadOptions(now=NOW), earlier=first)
    before = {p.source: p for p in first.pages}
    kept = {p.source for p in second.pages if before[p.source] is p}
    assert kept == set(before) - {"about.md"}
    assert next(p for p in second.pages if p.source == "about.md").body == "About, edited."


def test_a_page_written_just_before_a_load_is_read_again(tmp_path: Path) -> None:
    site = write_tree(tmp_path / "site", SITE)  # just written: too fresh to trust its times
    first = load_site(site, LoadOptions(now=NOW))
    second = load_site(site, LoadOptions(now=NOW), earlier=first)
    before = {p.source: p for p in first.pages}
    assert not [p for p in second.pages if before[p.source] is p]


def test_link_warnings_carry_over_only_while_link_targets_stay(tmp_path: Path) -> None:
    # A mirror's site/ folder: links by Nextcloud file ID resolve through the mirror's listing,
    # which can change while no page does.
    site = write_tree(tmp_path / "site", {**SITE, "about.md": "[A](https://cloud.example/f/7)"})
    listing = tmp_path / MIRROR_INDEX

    def ids(**by_id: str) -> None:
        files = {rel: {"fileid": int(i[1:])} for i, rel in by_id.items()}
        listing.write_text(json.dumps({"source": "https://cloud.example/", "files": files}))

    ids(f1="about.md")
    settle()
    first = load_site(site, LoadOptions(now=NOW))
    assert "about.md" in [w.path for w in first.warnings]  # no file has ID 7
    kept = load_site(site, LoadOptions(now=NOW), earlier=first)
    assert kept.links.pages == first.links.pages
    ids(f1="about.md", f7="posts/2026-01-01-a.md")
    again = load_site(site, LoadOptions(now=NOW), earlier=kept)
    assert "about.md" not in [w.path for w in again.warnings]


def test_preview_body_edit_renders_the_page_and_the_pages_showing_bodies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = write_tree(tmp_path / "site", SITE)
    settle()
    builder = IncrementalBuilder(site, tmp_path / "out", opts())
    builder.build()
    rendered = rendered_outputs(monkeypatch)
    apply_edit(site, "posts/2026-01-01-a.md", "---\ntitle: A\ntags: [x]\n---\nFirst A.\n\nNew.")
    builder.build(["posts/2026-01-01-a.md"])
    # its summary and title are as they were: no list renders; latest.html shows a body
    assert sorted(rendered) == ["latest/index.html", "posts/a/index.html"]
    assert snapshot(tmp_path / "out") == clean_build(site, tmp_path)


def test_preview_summary_edit_renders_lists_and_neighbours(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = write_tree(tmp_path / "site", SITE)
    settle()
    builder = IncrementalBuilder(site, tmp_path / "out", opts())
    builder.build()
    rendered = rendered_outputs(monkeypatch)
    apply_edit(site, "posts/2026-01-02-b.md", "---\ntitle: B2\n---\nFirst B.\n\nMore of B.")
    builder.build(["posts/2026-01-02-b.md"])
    assert {"index.html", "posts/a/index.html", "posts/c/index.html"} <= set(rendered)
    assert "about/index.html" not in rendered
    assert snapshot(tmp_path / "out") == clean_build(site, tmp_path)


def test_cli_body_edit_renders_the_pages_showing_bodies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = write_tree(tmp_path / "site", SITE)
    out = tmp_path / "out"
    build_site(site, out, opts())
    rendered = rendered_outputs(monkeypatch)
    apply_edit(site, "posts/2026-01-03-c.md", "---\ntitle: C\ntags: [x, y]\n---\nFirst C.\n\nNew.")
    build_site(site, out, opts())
    assert sorted(rendered) == ["latest/index.html", "posts/c/index.html"]
    assert snapshot(out) == clean_build(site, tmp_path)


EDITS = st.sampled_from(
    [
        ("posts/2026-01-01-a.md", "---\ntitle: A\ntags: [x]\n---\nFirst A.\n\nEdited body."),
        ("posts/2026-01-01-a.md", "---\ntitle: A\ntags: [x]\n---\nNew first line of A."),
        ("posts/2026-01-02-b.md", "---\ntitle: B renamed\n---\nFirst B."),
        ("posts/2026-01-02-b.md", "---\ntitle: B\nweight: 1\n---\nFirst B."),
        ("posts/2026-01-03-c.md", "---\ntitle: C\ntags: [z]\n---\nFirst C.\n\nLater."),
        ("posts/2026-01-03-c.md", "---\ntitle: C\ndraft: true\n---\nHidden."),
        ("posts/2026-01-04-d.md", "---\ntitle: D\n---\nA new post."),
        ("posts/2026-01-04-d.md", None),
        ("about.md", "About, edited."),
        ("about.md", "See [the first post](posts/2026-01-01-a.md)."),
        ("latest.html", "{{ site.sections['posts'][-1].content }}"),
    ]
)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(EDITS, min_size=1, max_size=4))
def test_rebuilds_equal_a_clean_build(tmp_path_factory: pytest.TempPathFactory, edits) -> None:
    tmp = tmp_path_factory.mktemp("stages")
    site = write_tree(tmp / "site", SITE)
    settle()
    builder = IncrementalBuilder(site, tmp / "preview", opts())
    builder.build()
    build_site(site, tmp / "cli", opts())
    for n, (rel, text) in enumerate(edits):
        apply_edit(site, rel, text)
        then = (dt.datetime.now() - dt.timedelta(minutes=1, seconds=n)).timestamp()
        if text is not None:
            os.utime(site / rel, (then, then))  # an old time: the change must still be seen
        builder.build([rel])
        build_site(site, tmp / "cli", opts())
    clean = clean_build(site, tmp)
    assert builder.site is not None
    assert builder.site.warnings == load_site(site, LoadOptions(now=NOW)).warnings
    assert snapshot(tmp / "preview") == clean
    assert snapshot(tmp / "cli") == clean
