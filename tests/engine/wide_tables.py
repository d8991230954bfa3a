"""A Markdown extension for tests/engine/test_markdown_transforms.py: every table in a scrolling
wrapper (an HTML transform)."""

from __future__ import annotations

STAGE = "html"


def transform(html: str) -> str:
    html = html.replace("<table>", '<div class="wide"><table>')
    return html.replace("</table>", "</table></div>")
