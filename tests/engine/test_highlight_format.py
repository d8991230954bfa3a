"""codehtml.format_html writes exactly what Pygments' HtmlFormatter writes for sitegen's options.

Compared byte for byte with `pygments.highlight(code, lexer, codehtml.FORMATTER)`: on random code
through a dozen lexers, on random token streams (made-up token types, empty tokens, newlines
anywhere), on every code block of the example sites and of the benchmark corpus, and on the edge
cases.
"""

from __future__ import annotations

import importlib.util
import random
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pygments import format as pygments_format
from pygments import highlight as pygments_highlight
from pygments.token import Token, _TokenType

from sitegen.render.codehtml import FORMATTER, format_html
from sitegen.render.highlight import lexer_for

REPO = Path(__file__).resolve().parents[2]
CORPUS_SCRIPT = REPO.parent / "shared" / "bench" / "make_corpus.py"
LANGUAGES = [
    "python", "javascript", "html", "css", "bash", "json", "yaml", "rust", "c", "markdown",
    "diff", "text",
]  # fmt: skip
# A fence with a language, its code and the closing fence of the same kind
FENCE = re.compile(
    r"^ {0,3}(`{3,}|~{3,})[ \t]*([\w+#.-]+)[^\n]*\n(.*?)^ {0,3}\1[ \t]*$", re.M | re.S
)


def pygments_html(language: str, code: str) -> str:
    lexer = lexer_for(language)
    assert lexer is not None
    html: str = pygments_highlight(code, lexer, FORMATTER)
    return html


def ours(language: str, code: str) -> str:
    lexer = lexer_for(language)
    assert lexer is not None
    return format_html(lexer.get_tokens(code))


PIECES = [
    *"abcxyz_019 \t\n\n\\&<>\"'`#$%()*+,-./:;=?@[]{}|~^!é→\u00a0\u2028😀",
    *["def ", "class ", "return ", "if ", "fn ", "let ", "const ", "function ", "int ", "true"],
    *["'str'", '"str"', "'''", '"""', "`t`", "# c\n", "// c\n", "/* c */", "<!-- c -->", "--"],
    *['<a href="x">', "</a>", "{{", "}}", "- ", "key: ", "## ", "**", "+ ", "@@ -1 +1 @@\n"],
    *["    ", "\r\n", "\\n", "&amp;", "${x}", "0x1F", "1e-3", "null"],
]
CODE = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=3)), max_size=80).map("".join)


@settings(max_examples=400)
@given(st.sampled_from(LANGUAGES), CODE)
def test_same_html_as_pygments_on_any_code(language: str, code: str) -> None:
    assert ours(language, code) == pygments_html(language, code)


TYPES = [
    Token, Token.Text, Token.Text.Whitespace, Token.Keyword, Token.Name, Token.Name.Builtin.Pseudo,
    Token.Comment.Single, Token.Literal.String.Double, Token.Error, Token.Other, Token.Escape,
    Token.Foo.Bar, Token.Text.Foo, Token.Name.Foo, Token.Keyword.Foo.Bar, Token.Generic.Deleted,
]  # fmt: skip
TOKENS = st.lists(st.tuples(st.sampled_from(TYPES), st.text(alphabet="ab <&>\"'\n\t\x00é")))


@settings(max_examples=400)
@given(TOKENS)
def test_same_html_as_pygments_for_any_tokens(tokens: list[tuple[_TokenType, str]]) -> None:
    """Runs of one class across tokens and lines, empty tokens, types Pygments has no class for,
    and text holding the separator format_html joins runs with."""
    assert format_html(tokens) == pygments_format(tokens, FORMATTER)


@pytest.mark.parametrize(
    "code", ["", "\n", "\n\n\n", "x = 1", "x = 1\n", "\n\nx = 1\n\n", "'''a\n\nb'''", "\t<&>\"'"]
)
@pytest.mark.parametrize("language", ["python", "text", "bash"])
def test_edge_cases(language: str, code: str) -> None:
    assert ours(language, code) == pygments_html(language, code)


def test_token_types_without_a_standard_class() -> None:
    tokens = [(Token.Foo.Bar, "a"), (Token.Text.Foo, "b\nc"), (Token.Name.Builtin.Pseudo, "self")]
    assert format_html(tokens) == pygments_format(tokens, FORMATTER)
    assert '<span class=" -Foo -Foo-Bar">a</span>' in format_html(tokens)


def fenced_blocks(text: str) -> list[tuple[str, str]]:
    return [(m.group(2), m.group(3)) for m in FENCE.finditer(text)]


def test_every_code_block_of_the_example_sites() -> None:
    blocks = [
        block
        for site in ("content-example", "docs-example")
        for path in sorted((REPO / site).rglob("*.md"))
        for block in fenced_blocks(path.read_text(encoding="utf-8"))
        if lexer_for(block[0]) is not None
    ]
    assert len(blocks) >= 10, "the example sites' code blocks were not found"
    for language, code in blocks:
        assert ours(language, code) == pygments_html(language, code), (language, code)


@pytest.mark.skipif(not CORPUS_SCRIPT.exists(), reason="no benchmark corpus generator")
def test_code_blocks_of_the_benchmark_corpus() -> None:
    spec = importlib.util.spec_from_file_location("make_corpus", CORPUS_SCRIPT)
    assert spec is not None and spec.loader is not None
    corpus = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(corpus)
    blocks = [
        block
        for i in range(150)
        for block in fenced_blocks(corpus.code_block(random.Random(f"42-{i}")))
    ]
    assert len(blocks) == 150, "the corpus's code blocks were not found"
    for language, code in blocks:
        assert ours(language, code) == pygments_html(language, code), (language, code)
