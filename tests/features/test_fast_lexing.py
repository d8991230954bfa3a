"""lexing.faster: the same tokens as Pygments' own lexers, for real files and random text.

Each lexer also reads files of other languages: mismatched input drives it through error
recovery and odd state stacks, where a difference would show first.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pygments.lexer import Lexer, RegexLexer
from pygments.lexers import get_lexer_by_name

from sitegen.render.lexing import faster

REPO = Path(__file__).resolve().parents[2]
LANGUAGES = [
    "python", "javascript", "typescript", "go", "bash", "html", "css", "scss", "toml", "rust",
    "sql", "java", "diff", "ini", "docker", "xml", "jinja", "markdown", "lua", "kotlin",
    "swift", "haskell", "php", "c", "yaml", "json", "ruby", "console",
]  # fmt: skip
SAMPLES = [
    "sitegen/render/lexing.py",
    "sitegen/compiler/rendersite.py",
    "sitegen/serve/client.js",
    "themes/default/_layout.html",
    "themes/default/css/_base.scss",
    "themes/default/_partials/head.html",
    "pyproject.toml",
    ".ci/run",
    "netlify.toml",
    "README.md",
    "content-example/sitegen.toml",
]


def pygments_lexer(language: str) -> Lexer:
    return get_lexer_by_name(language, stripnl=False, ensurenl=False)


def both(language: str, text: str) -> tuple[list[object], list[object]]:
    own = list(pygments_lexer(language).get_tokens_unprocessed(text))
    ours = list(faster(pygments_lexer(language)).get_tokens_unprocessed(text))
    return own, ours


def sample_texts() -> list[str]:
    texts = [(REPO / rel).read_text(encoding="utf-8")[:6000] for rel in SAMPLES]
    assert all(texts), "a sample file is missing or empty"
    return texts


@pytest.mark.parametrize("language", LANGUAGES)
def test_same_tokens_as_pygments_on_real_files(language: str) -> None:
    for text in sample_texts():
        own, ours = both(language, text)
        assert ours == own


def test_plain_regex_lexers_are_made_faster_and_the_others_left_alone() -> None:
    python = faster(pygments_lexer("python"))
    assert "get_tokens_unprocessed" in vars(python)
    for language in ["yaml", "c", "json"]:  # an ExtendedRegexLexer, an override, no RegexLexer
        lexer = faster(pygments_lexer(language))
        assert "get_tokens_unprocessed" not in vars(lexer)
    assert "get_tokens_unprocessed" not in vars(pygments_lexer("python"))  # the class is untouched
    assert RegexLexer.get_tokens_unprocessed is type(python).get_tokens_unprocessed


PIECES = [
    *"abcfrxyz_019 \t\n\\'\"`#$%&()*+,-./:;<=>?@[]{}|~^!é→",
    *["def ", "class ", "if ", "f'", 'r"', "'''", '"""', "//", "/*", "*/", "<!--", "{{", "{%"],
    *["func ", "var ", "let ", "${", "$(", "<<EOF\n", "EOF\n", "0x1F", "1e-3"],
]
CODEISH = st.lists(st.sampled_from(PIECES), max_size=120).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["python", "javascript", "go", "bash", "html", "css", "rust"]), CODEISH)
def test_same_tokens_as_pygments_on_any_text(language: str, text: str) -> None:
    own, ours = both(language, text)
    assert ours == own


def test_whole_highlighted_block_is_unchanged() -> None:
    from pygments import highlight
    from pygments.formatters import HtmlFormatter

    text = (REPO / "sitegen/render/lexing.py").read_text(encoding="utf-8")
    fmt = HtmlFormatter()
    own = highlight(text, pygments_lexer("python"), fmt)
    assert highlight(text, faster(pygments_lexer("python")), fmt) == own
