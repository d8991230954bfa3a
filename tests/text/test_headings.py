"""Heading ids as GitHub, GitLab and mdBook make them, and the "legacy" setting for the old ones."""

from __future__ import annotations

import re

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
