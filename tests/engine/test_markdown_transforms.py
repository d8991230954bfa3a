"""Markdown extensions come from one registry (render/markdown_transforms.py): adding one is a
module with `STAGE` and `transform` plus one line, and it works with both engines, in page
bodies and in summaries."""

from __future__ import annotations

import itertools
import sys
import types

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sitegen.config import MARKDOWN_ENGINES
from sitegen.render import markdown_transforms
from sitegen.render.markdown import make_engine, render_markdown
from tests.conftest import SiteBuilder

PAGE = """---
title: Notes
---
See [[guide]] and http://example.org.

| a | b |
|---|---|
| 1 | 2 |

- [x] done

`[[guide]]` in code stays.
"""


@pytest.fixture
def two_more(monkeypatch: pytest.MonkeyPatch) -> None:
    """The two example extensions, each registered with one line."""
    registry = markdown_transforms.MARKDOWN_TRANSFORMS
    registry += ("tests.engine.wiki_links",)
    registry += ("tests.engine.wide_tables",)
    monkeypatch.setattr(markdown_transforms, "MARKDOWN_TRANSFORMS", registry)


@pytest.mark.parametrize("engine", list(MARKDOWN_ENGINES))
def test_an_extension_is_a_module_and_a_registry_line(
    sb: SiteBuilder, two_more: None, engine: str
) -> None:
    sb.build(
        {
            "sitegen.toml": f'markdown_engine = "{engine}"',
            "_layout.html": "<main>{{ content }}</main>",
            "notes.md": PAGE,
            "guide.md": "# Guide",
            "index.html": "{% for p in site.pages %}[{{ p.summary }}]{% endfor %}",
        }
    )
    notes = sb.read("notes/index.html")
    assert '<a href="/guide/">guide</a>' in notes  # text stage, then links between pages
    assert "<code>[[guide]]</code>" in notes  # the transform skipped code spans
    assert '<div class="wide"><table>' in notes and "</table></div>" in notes  # HTML stage
    assert '<a href="http://example.org">http://example.org</a>' in notes  # the built-ins ran
    assert '<li class="task-list-item">' in notes
    assert '<a href="/guide/">guide</a>' in sb.read("index.html")  # summaries too


def test_without_the_registry_line_nothing_changes(sb: SiteBuilder) -> None:
    html = render_markdown("See [[guide]].", make_engine("pyromark")).html
    assert html == "<p>See [[guide]].</p>\n"


def test_a_transform_without_a_stage_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("sitegen.render.md_ext_nostage")
    module.transform = str.upper  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "sitegen.render.md_ext_nostage", module)
    monkeypatch.setattr(markdown_transforms, "MARKDOWN_TRANSFORMS", ("md_ext_nostage",))
    with pytest.raises(ValueError, match="md_ext_nostage: STAGE must be one of"):
        markdown_transforms.transforms("html")


@given(st.text(alphabet=" \n\t`~ax[]", max_size=60))
def test_prose_and_code_pieces_join_back_to_the_text(text: str) -> None:
    pieces = markdown_transforms.prose_and_code(text)
    assert "".join(p for _, p in pieces) == text
    assert all(p for _, p in pieces)  # no empty pieces
    assert all(a[0] != b[0] for a, b in itertools.pairwise(pieces))  # neighbours differ in kind


def test_code_is_left_out_of_the_prose() -> None:
    text = "a `b` c\n\n    d\n    e\nf\n    h\n```\ng\n```\n"
    code = [p for is_code, p in markdown_transforms.prose_and_code(text) if is_code]
    assert code == ["`b`", "    d\n    e\n", "```\ng\n```\n"]  # h continues the paragraph f
