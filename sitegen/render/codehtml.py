"""Layer 2: Pygments' HTML for lexed code, byte for byte, without Pygments' HtmlFormatter.

sitegen's formatter is FORMATTER, `HtmlFormatter(cssclass="highlight", wrapcode=True)`. It writes
a token at a time through a chain of generators, looking up its span, escaping and splitting it
into lines in Python. Its output comes down to this: the text of consecutive tokens of one CSS
class is one span, cut at each line end (the newline stays outside, an empty piece gets no span),
tokens of no class (Text) are written bare, a last line without a newline gets one, and the whole
is framed in `<div class="highlight"><pre><span></span><code>` … `</code></pre></div>`.
`format_html` writes that directly, in one loop over the tokens that joins the runs of a class;
the rest (escaping, cutting spans at line ends) is left to string methods working on all the runs
at once, in C. The tests compare it with Pygments on random code and random token streams, on
every code block of the example sites and on the edge cases (no code, no final newline, token
types Pygments has no class for).
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import compress, repeat
from operator import contains

from pygments import format as _pygments_format
from pygments.formatters import HtmlFormatter
from pygments.token import STANDARD_TYPES, Text, _TokenType

# The formatter format_html stands for: its probe below, and the tests' reference
FORMATTER = HtmlFormatter(cssclass="highlight", wrapcode=True)
_OPEN = '<div class="highlight"><pre><span></span><code>'
_CLOSE = "</code></pre></div>\n"
_SEP = "\x00"  # joins the runs to escape them in one call; code holding it escapes run by run


def _escapes() -> tuple[tuple[str, str], ...]:
    """The characters the installed Pygments escapes, and how, in an order safe to replace in.

    Pygments 2.21 escapes `&<>` only; earlier versions escape quotes too (`&quot;`, `&#39;`).
    """
    chars = "&<>\"'"
    probe = _pygments_format([(Text, _SEP.join(chars) + "\n")], FORMATTER)
    written = probe[probe.index("<code>") + 6 : probe.index("\n</code>")].split(_SEP)
    return tuple((c, e) for c, e in zip(chars, written, strict=True) if c != e)


_ESCAPES = _escapes()


def _escape(text: str) -> str:
    for char, entity in _ESCAPES:
        text = text.replace(char, entity)
    return text


def _ttype_class(ttype: _TokenType) -> str:
    """Pygments' class for a type: its own short name, or the nearest standard ancestor's followed
    by the rest of the type's names (Token.Name.Foo.Bar: `n-Foo-Bar`)."""
    suffix = ""
    while (name := STANDARD_TYPES.get(ttype)) is None:
        suffix = "-" + ttype[-1] + suffix
        assert ttype.parent is not None  # Token itself is standard
        ttype = ttype.parent
    return name + suffix


def _opener(ttype: _TokenType) -> str:
    """The span that opens a token type's text, '' for no class. As HtmlFormatter's
    `_get_css_classes`: the type's class after those of its parents up to the nearest standard
    type, so a made-up Token.Text.Foo is `class=" -Foo"`."""
    classes = _ttype_class(ttype)
    while ttype not in STANDARD_TYPES:
        assert ttype.parent is not None
        ttype = ttype.parent
        classes = _ttype_class(ttype) + " " + classes
    return f'<span class="{classes}">' if classes else ""


_OPENERS = {ttype: _opener(ttype) for ttype in STANDARD_TYPES}  # and the others once seen


def _escape_all(values: list[str]) -> list[str]:
    joined = _SEP.join(values)
    if joined.count(_SEP) != len(values) - 1:
        return [_escape(value) for value in values]
    return _escape(joined).split(_SEP)


def format_html(tokens: Iterable[tuple[_TokenType, str]]) -> str:
    """The HTML `pygments.format(tokens, FORMATTER)` returns, for the tokens of
    `lexer.get_tokens(code)`."""
    openers = _OPENERS
    # for each run of consecutive tokens of one class: the end of the span of the run before
    # (if it had one), the run's opener ('' for no class), and its text, escaped below
    parts: list[str] = []
    last = None  # the opener of the current run
    for ttype, value in tokens:
        if value:  # an empty token writes nothing and does not end a run
            try:
                opener = openers[ttype]
            except KeyError:
                opener = openers[ttype] = _opener(ttype)
            if opener == last:
                parts[-1] += value
            else:
                parts.append("</span>" if last else "")
                parts.append(opener)
                parts.append(value)
                last = opener
    if not parts:
        return _OPEN + _CLOSE
    parts.append("</span>" if last else "")
    values = parts[2::3]
    texts = _escape_all(values)
    # A span never holds a line end: Pygments closes it before and opens it again after, and
    # writes no span around an empty piece. (The runs that hold one, found in C: most do not.)
    for i in compress(range(len(values)), map(contains, values, repeat("\n"))):
        if opener := parts[3 * i + 1]:
            text = opener + texts[i].replace("\n", "</span>\n" + opener) + "</span>"
            texts[i] = text.replace(opener + "</span>", "")
            parts[3 * i + 1] = parts[3 * i + 3] = ""  # the text holds its spans now
    parts[2::3] = texts
    if not values[-1].endswith("\n"):
        parts.append("\n")  # Pygments ends the last line
    return _OPEN + "".join(parts) + _CLOSE
