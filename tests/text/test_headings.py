"""Heading ids as GitHub, GitLab and mdBook make them, and the "legacy" setting for the old ones."""

from __future__ import annotations

import html
import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sitegen.render.markdown import make_engine, render_markdown
from sitegen.render.markdown_headings import github_slug
from tests.conftest import SiteBuilder

ENGINE = make_engine("pyromark")


def ids(text: str, style: str = "github") -> list[str]:
    return [t["id"] for t in render_markdown(text, ENGINE, heading_style=style).toc]


@pytest.mark.parametrize(
    ("heading", "expected"),
    [
        ("Concatenating with + or format!", "concatenating-with--or-format"),
        ("Set-up & use", "set-up--use"),
        ("The `Option<T>` Enum", "the-optiont-enum"),
        ("snake_case and kebab-case", "snake_case-and-kebab-case"),
        ("Café — déjà vu?", "café--déjà-vu"),
        ("Ünïcödé 日本語", "ünïcödé-日本語"),
        ("  Trailing spaces!  ", "trailing-spaces"),
        ("What's new in 2.0?", "whats-new-in-20"),
        ("!!!", "section"),
    ],
)
def test_github_rule(heading: str, expected: str) -> None:
    assert ids(f"## {heading}\n") == [expected]


def test_repeated_headings_get_numbers_in_page_order() -> None:
    text = "# A\n\n## A\n\n## A-1\n\n## A\n"
    assert ids(text) == ["a", "a-1", "a-1-1", "a-2"]


def test_legacy_setting_keeps_the_old_ids() -> None:
    assert ids("## Concatenating with + or format!\n", "legacy") == ["concatenating-with-or-format"]


def test_setting_reaches_the_built_page(sb: SiteBuilder) -> None:
    files = {"_layout.html": "{{ content }}", "a.md": "## Concatenating with + or format!\n"}
    sb.build(files)
    assert 'id="concatenating-with--or-format"' in sb.read("a/index.html")
    sb.build({"sitegen.toml": 'heading_ids = "legacy"\n'})
    assert 'id="concatenating-with-or-format"' in sb.read("a/index.html")


def test_bad_setting_names_the_key_and_line(sb: SiteBuilder) -> None:
    msgs = sb.errors({"sitegen.toml": 'title = "x"\nheading_ids = "gitlab"\n', "a.md": "x"})
    assert msgs == ['sitegen.toml:2: heading_ids: expected "github" or "legacy", got "gitlab"']


@given(st.lists(st.text(max_size=20), min_size=1, max_size=8))
def test_ids_are_unique_and_safe(headings: list[str]) -> None:
    text = "\n\n".join("## " + re.sub(r"[\s{]", " ", h) for h in headings)  # {#id} is explicit
    found = ids(text)
    assert len(found) == len(set(found))
    assert all(i and not re.search(r'[\s"<>&]', i) for i in found)


@given(st.text(max_size=30))
def test_slug_is_lower_case_without_spaces(text: str) -> None:
    s = github_slug(text)
    assert s == s.lower() or not s.isascii()
    assert " " not in s


def _github_slug_per_character(inner_html: str) -> str:
    """The rule as first written, one Unicode category look-up per character: the reference the
    ASCII fast path of github_slug is held to."""
    s = html.unescape(re.sub(r"<[^>]+>", "", inner_html)).strip().lower()
    kept = "".join(
        c
        for c in s
        if c in "- " or unicodedata.category(c).startswith(("L", "N", "M", "Pc")) or c == "_"
    )
    return kept.replace(" ", "-") or "section"


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=40) | st.text(max_size=40))
def test_slug_fast_path_matches_the_per_character_rule(text: str) -> None:
    assert github_slug(text) == _github_slug_per_character(text)


def test_slug_fast_path_covers_every_ascii_character() -> None:
    for code in range(128):
        text = f"a{chr(code)}b"
        assert github_slug(text) == _github_slug_per_character(text), repr(chr(code))
