"""Layer 2: the pyromark Markdown engine (pulldown-cmark, native: the default)."""

from __future__ import annotations

from typing import Any

from .markdown import MarkdownEngine


def options() -> Any:
    """CommonMark plus the GFM parts Nextcloud Text writes."""
    import pyromark

    o = pyromark.Options
    return (
        o.ENABLE_TABLES
        | o.ENABLE_FOOTNOTES
        | o.ENABLE_STRIKETHROUGH
        | o.ENABLE_TASKLISTS
        | o.ENABLE_HEADING_ATTRIBUTES
        | o.ENABLE_GFM
    )


def make(raw_html: str) -> MarkdownEngine:
    """The engine; raw HTML is handled by render/rawhtml.py around it (`raw_html` unused)."""
    import pyromark

    md = pyromark.Markdown(options=options())

    def render(text: str) -> str:
        return str(md.html(text))

    return render
