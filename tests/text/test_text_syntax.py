"""Syntax Nextcloud Text writes that CommonMark alone reads differently (render/markdown_text)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sitegen.render.markdown import make_engine, render_markdown
from sitegen.render.markdown_text import _may_hold_text_syntax, finish, prepare

ENGINES = ("pyromark", "python-markdown")


def md(text: str, engine: str = "pyromark", raw_html: str = "allow") -> str:
    return render_markdown(text, make_engine(engine, raw_html=raw_html)).html


@pytest.mark.parametrize("engine", ENGINES)
def test_underline_and_highlight(engine: str) -> None:
    html = md("==marked== and __underlined__ and **bold**, a==b, snake__case__x\n", engine)
    assert "<mark>marked</mark>" in html and "<u>underlined</u>" in html
    assert "<strong>bold</strong>" in html
    assert "a==b" in html and "snake__case__x" in html


def test_code_keeps_the_syntax_as_text() -> None:
    html = md("`__x__ ==y== <br>`\n\n```\n__x__ ==y== <br>\n```\n\n    __z__\n")
    assert "<u>" not in html and "<mark>" not in html and "<br />" not in html
    assert html.count("__x__") == 2 and "__z__" in html


@pytest.mark.parametrize("policy", ["allow", "escape", "drop"])
def test_br_is_a_line_break_whatever_the_raw_html_policy(policy: str) -> None:
    html = md("one<br>two<br />three <b>x</b>\n", raw_html=policy)
    assert "one<br />two<br />three" in html
    assert ("<b>x</b>" in html) == (policy == "allow")


def test_multiline_table_rows_are_joined() -> None:
    text = (
        "| Name | Notes     |\n"
        "|------|-----------|\n"
        "| one  | first   | \\\n"
        "|      | second  |\n"
        "| two  | single    |\n"
    )
    html = md(text)
    assert "<td>one</td><td>first<br />second</td>" in html
    assert "<td>two</td><td>single</td>" in html
    assert html.count("<tr>") == 3


def test_link_targets_and_tags_keep_their_underscores() -> None:
    html = md('[x](https://a.org/__init__==y==) <https://b.org/__m__> <a title="__t__">z</a>\n')
    assert 'href="https://a.org/__init__==y=="' in html and 'href="https://b.org/__m__"' in html
    assert 'title="__t__"' in html and "<u>" not in html and "<mark>" not in html


def test_text_holding_the_marks_is_left_alone() -> None:
    text = "\ue000 __u__\n"
    assert prepare(text) == text


@given(st.text(max_size=200))
def test_marks_never_leak_into_the_html(text: str) -> None:
    text = "".join(c for c in text if not "\ue000" <= c <= "\ue004")
    html = finish(render_markdown(text, make_engine("pyromark")).html)
    assert not any("\ue000" <= c <= "\ue004" for c in html)


@given(st.text(alphabet="_=<brBR\\ax\n", max_size=30))
def test_quick_check_for_text_syntax_is_the_substring_test(text: str) -> None:
    """prepare()'s gate (one-character searches first) answers as the plain substring tests."""
    expected = any(s in text for s in ("__", "==", "<br", "<BR", "\\"))
    assert _may_hold_text_syntax(text) == expected
