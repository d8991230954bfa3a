"""A Markdown extension for tests/engine/test_markdown_transforms.py, written as a newcomer would:
`[[other]]` links to the page other.md (a text transform; links between pages do the rest)."""

from __future__ import annotations

import re

STAGE = "text"


def transform(text: str) -> str:
    return re.sub(r"\[\[([\w/-]+)\]\]", r"[\1](\1.md)", text)
