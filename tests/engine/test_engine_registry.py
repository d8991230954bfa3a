"""Markdown engines come from one registry: a module with `make(raw_html)` and one line."""

from __future__ import annotations

import sys
import types

import pytest

from sitegen.config import MARKDOWN_ENGINES
from sitegen.render.markdown import make_engine, render_markdown


def test_an_engine_is_a_module_and_a_registry_line(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("sitegen.render.md_shout")
    module.make = lambda raw_html: lambda text: f"<p>{text.strip().upper()}</p>\n"  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "sitegen.render.md_shout", module)
    monkeypatch.setitem(MARKDOWN_ENGINES, "shout", "md_shout")
    html = render_markdown("hello [there](#x)", make_engine("shout")).html
    assert html == "<p>HELLO [THERE](#X)</p>\n"


def test_every_registered_engine_renders_the_same_basics() -> None:
    for name in MARKDOWN_ENGINES:
        html = render_markdown("# Hi\n\n*a*", make_engine(name)).html
        assert html.strip() == '<h1 id="hi">Hi</h1>\n<p><em>a</em></p>', name


def test_an_unknown_engine_names_the_registered_ones() -> None:
    with pytest.raises(ValueError) as err:
        make_engine("nope")
    assert str(err.value) == (
        "unknown Markdown engine 'nope'; choose one of pyromark, python-markdown"
    )
