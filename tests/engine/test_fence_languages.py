"""The languages code fences name, found by trying only the lines that hold a fence's marks:
the same as a regular expression tried at every line start."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.render.highlight import fence_languages

EVERY_LINE = re.compile(r"^ {0,3}(?:`{3,}|~{3,})[ \t]*([\w+#.-]+)", re.MULTILINE)

PIECES = st.sampled_from(
    ["\n", " ", "  ", "    ", "\t", "```", "````", "~~~", "``", "~", "py", "c++", "x.y", "-", "a b"]
)


@settings(max_examples=400)
@given(st.lists(PIECES, max_size=30).map("".join))
def test_fence_languages_are_those_at_every_line_start(text: str) -> None:
    assert fence_languages(text) == {m.group(1) for m in EVERY_LINE.finditer(text)}


def test_fence_languages_of_a_page() -> None:
    text = "Text ```no``` here.\n\n```python\nx = 1\n```\n   ~~~~ yaml\na: 1\n~~~~\n    ```go\n"
    assert fence_languages(text) == {"python", "yaml"}
