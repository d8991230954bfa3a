"""links_in skips the lines no link pattern can match before trying the patterns: it finds
exactly what trying every pattern on every line outside code finds."""

from __future__ import annotations

import re
from collections.abc import Iterator

from hypothesis import example, given, settings
from hypothesis import strategies as st

from sitegen.compiler.textlinks import MD_LINKS, links_in

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+).+?\1")


def every_line(body: str) -> Iterator[tuple[int, str]]:
    """The plain rule: every pattern on every line that is not code."""
    fence: str | None = None
    for n, line in enumerate(body.split("\n")):
        fm = _FENCE.match(line)
        if fence is not None:
            if line.strip().startswith(fence):
                fence = None
            continue
        if fm:
            fence = fm.group(1)[0] * len(fm.group(1))
            continue
        if line.startswith(("    ", "\t")) and not line.strip().startswith(("-", "*", "<")):
            continue
        line = _CODE_SPAN.sub("", line)
        for pattern in MD_LINKS:
            for m in pattern.finditer(line):
                yield n, m.group(1)


# Pieces of Markdown that make and break links, code and fences, joined at random.
PIECES = st.sampled_from(
    [
        "\n",
        " ",
        "    ",
        "\t",
        "text",
        "[a]",
        "(b.md)",
        "](",
        "](<c d.md>)",
        "]: ",
        "[r]: e.md",
        "[^n]: f",
        "<",
        ">",
        '<a href="g.md">',
        "<img src='h.png'>",
        " src = 'i.png'",
        "=",
        "`",
        "``",
        "```",
        "````",
        "~~~",
        "```py",
        "- ",
        "* ",
        "\r",
        "\\",
        "x=1",
        '"',
        "'",
    ]
)


@settings(max_examples=400)
@given(st.lists(PIECES, max_size=40).map("".join))
@example("[a]```(b.md)")  # a code span taken out joins "]" and "(": the quick check came first
def test_links_in_finds_what_every_line_holds(body: str) -> None:
    assert list(links_in(body)) == list(every_line(body))


def test_links_in_skips_code_and_keeps_line_numbers() -> None:
    body = 'x\n```\n[no](a.md)\n```\n[yes](b.md) `[no](c.md)`\n    [no](d.md)\n<img src="e.png">\n'
    assert list(links_in(body)) == [(4, "b.md"), (6, "e.png")]
