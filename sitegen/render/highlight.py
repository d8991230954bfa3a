"""Layer 2: syntax highlighting of fenced code blocks at build time, with Pygments CSS classes.

Only blocks with a language (```python) are highlighted; the output is Pygments' usual
`<div class="highlight"><pre>…` with short token classes, so a theme colours it with CSS (light
and dark) and pages need no JavaScript. Lexers are looked up once per language per process, and
lex through `lexing.faster` (the same tokens, about twice as fast); `codehtml.format_html` writes
the HTML of Pygments' HtmlFormatter, byte for byte, in 56 % of its instructions.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Protocol

from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from .codehtml import format_html
from .lexing import faster

# Both engines write a fenced block with a language as <pre><code class="language-X">.
_CODE_BLOCK = re.compile(r'<pre><code class="language-([^"\s]+)">(.*?)</code></pre>', re.DOTALL)


@lru_cache(maxsize=256)
def lexer_for(language: str) -> Lexer | None:
    """The Pygments lexer for a fence's language name, or None when Pygments has none."""
    try:
        return faster(get_lexer_by_name(language.lower(), stripnl=False, ensurenl=False))
    except ClassNotFound:
        return None


class HighlightCache(Protocol):
    """Highlighted HTML by (language, code): Pygments' lexers are the slowest part of a build,
    and a block that did not change need not be lexed again."""

    def get(self, language: str, code: str) -> str | None: ...

    def put(self, language: str, code: str, html: str) -> None: ...


def highlight_blocks(out: str, cache: HighlightCache | None = None) -> str:
    """Highlight every `<pre><code class="language-X">` block of rendered Markdown."""
    if 'code class="language-' not in out:
        return out

    def fix(m: re.Match[str]) -> str:
        language = html.unescape(m.group(1))
        lexer = lexer_for(language)
        if lexer is None:
            return m.group(0)
        code = html.unescape(m.group(2))
        known = cache.get(language, code) if cache is not None else None
        if known is not None:
            return known
        result = format_html(lexer.get_tokens(code)).rstrip("\n")
        if cache is not None:
            cache.put(language, code, result)
        return result

    return _CODE_BLOCK.sub(fix, out)


# A fence that names a language, matched at a line's start
_FENCE_LANGUAGE = re.compile(r" {0,3}(?:`{3,}|~{3,})[ \t]*([\w+#.-]+)")


def fence_languages(text: str) -> set[str]:
    """The languages the code fences of a Markdown text name. Only the lines holding three
    backticks or tildes are tried: a regular expression anchored at every line start would be
    tried at every character of the text."""
    found = set()
    for mark in ("```", "~~~"):
        tried = -1  # the start of the last line tried
        at = text.find(mark)
        while at >= 0:
            start = text.rfind("\n", 0, at) + 1
            if start != tried and (m := _FENCE_LANGUAGE.match(text, start)) is not None:
                found.add(m.group(1))
            tried = start
            at = text.find(mark, at + 3)
    return found


def load_lexers(sources: Iterable[str]) -> None:
    """Look up the lexers the fences of these Markdown sources name, now.

    Called before render workers fork: each worker then inherits them instead of importing
    Pygments' lexer modules itself, and no worker imports while a thread of the parent (the
    preview server's) might hold the import lock.
    """
    languages = {language for text in sources for language in fence_languages(text)}
    for language in languages:
        lexer_for(language)
