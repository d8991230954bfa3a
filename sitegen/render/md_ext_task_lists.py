"""Layer 2: a Markdown transform (markdown_transforms.py): GFM task-list items get the class
`task-list-item`, whichever engine made them."""

from __future__ import annotations

STAGE = "html"


def transform(out: str) -> str:
    if "<li><input" not in out:
        return out
    return out.replace("<li><input", '<li class="task-list-item"><input')
