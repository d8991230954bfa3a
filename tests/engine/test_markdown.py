"""Markdown as Nextcloud's Text app writes it: CommonMark + GFM + callouts, on both engines."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sitegen.render.markdown import make_engine, render_markdown, slugify

ENGINES = ["pyromark", "python-markdown"]


def md(text: str, engine: str = "pyromark") -> str:
    return render_markdown(text, make_engine(engine)).html


@pytest.mark.parametrize("engine", ENGINES)
def test_gfm_table(engine: str) -> None:
    html = md("| a | b |\n|---|:-:|\n| 1 | 2 |\n", engine)
    assert "<table>" in html and "<th>a</th>" in html and "<td>1</td>" in html


@pytest.mark.parametrize("engine", ENGINES)
def test_task_list(engine: str) -> None:
    html = md("- [x] done\n- [ ] todo\n", engine)
    assert html.count('class="task-list-item"') == 2
    assert html.count("checked") == 1


@pytest.mark.parametrize("engine", ENGINES)
def test_strikethrough(engine: str) -> None:
    assert "<del>gone</del>" in md("~~gone~~", engine)


@pytest.mark.parametrize("engine", ENGINES)
def test_footnotes_do_not_collide_with_headings(engine: str) -> None:
    html = md("# 1\n\nText[^1]\n\n[^1]: The note.\n", engine)
    assert "The note." in html
    assert html.count('id="1"') <= 1


@pytest.mark.parametrize("engine", ENGINES)
def test_autolinks(engine: str) -> None:
    html = md("See https://example.org/a_b?x=1. Or www.example.com, and `https://no.link`.", engine)
    assert '<a href="https://example.org/a_b?x=1">https://example.org/a_b?x=1</a>.' in html
    assert '<a href="http://www.example.com">www.example.com</a>,' in html
    assert "<code>https://no.link</code>" in html


def test_explicit_links_are_not_linked_twice() -> None:
    html = md("[site](https://example.org) <https://example.org/x>")
    assert html.count("<a ") == 2


@pytest.mark.parametrize("engine", ENGINES)
def test_heading_ids_and_toc(engine: str) -> None:
    r = render_markdown("# Intro\n\n## Set-up & use\n\n## Set-up & use\n", make_engine(engine))
    assert [t["id"] for t in r.toc] == ["intro", "set-up--use", "set-up--use-1"]
    assert '<h2 id="set-up--use-1">' in r.html
    assert r.toc[1] == {"level": 2, "id": "set-up--use", "title": "Set-up & use"}


def test_custom_heading_id() -> None:
    r = render_markdown("## Install {#setup}\n", make_engine("pyromark"))
    assert r.toc == [{"level": 2, "id": "setup", "title": "Install"}]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("kind", ["info", "success", "warn", "error"])
def test_nextcloud_callouts(engine: str, kind: str) -> None:
    html = md(f"Before\n\n::: {kind}\nBe **careful**.\n\n- one\n:::\n\nAfter\n", engine)
    assert f'<div class="callout callout-{kind}" role="note">' in html
    assert "<strong>careful</strong>" in html and "<li>one</li>" in html
    assert html.index("Before") < html.index("callout") < html.index("After")


def test_callout_markers_inside_code_are_text() -> None:
    html = md("```\n::: info\nx\n:::\n```\n")
    assert "callout" not in html and "::: info" in html


def test_unclosed_callout_is_left_as_text() -> None:
    assert "callout" not in md("::: info\nno end\n")


def test_raw_html_passes_through() -> None:
    assert '<span class="x">y</span>' in md('<span class="x">y</span>')


@given(
    st.text(alphabet=st.characters(codec="utf-8", categories=["L", "N", "P", "Zs"]), max_size=40)
)
def test_slugify_makes_safe_ids(text: str) -> None:
    s = slugify(text)
    assert s and " " not in s and '"' not in s and "<" not in s


@given(st.text(max_size=300))
def test_any_text_renders(text: str) -> None:
    """No Markdown input makes the renderer fail (Nextcloud files can hold anything)."""
    assert isinstance(md(text), str)


def test_summary_source_is_the_first_top_level_paragraph() -> None:
    from sitegen.render.markdown import summary_markdown

    body = "# Title\n\n```py\nx = 1\n```\n\n- a list\n\n> a quote\n\nFirst *real*\nparagraph[^1].\n\nSecond.\n"
    assert summary_markdown(body) == ("First *real*\nparagraph.", False)
    assert summary_markdown("Intro\n\nmore\n<!-- more -->\nrest") == ("Intro\n\nmore\n", True)
    assert summary_markdown("```\nonly code\n```\n") == ("", False)
