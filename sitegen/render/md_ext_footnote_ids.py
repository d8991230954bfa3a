"""Layer 2: a Markdown transform (markdown_transforms.py): footnote ids that cannot collide with
heading ids. pulldown-cmark names footnotes "1", "2"...; they become "fn-1", "fn-2"..."""

from __future__ import annotations

import re

STAGE = "html"


def transform(out: str) -> str:
    if "footnote-" not in out:
        return out
    out = re.sub(r'(class="footnote-reference"><a href="#)([^"]+)"', r'\1fn-\2"', out)
    return re.sub(r'(class="footnote-definition" id=")([^"]+)"', r'\1fn-\2"', out)
