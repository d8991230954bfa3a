"""Layer 2: what happens to raw HTML written in Markdown (`raw_html` in sitegen.toml).

CommonMark passes raw HTML through, `<script>` included: right for a site whose authors are all
trusted, wrong for a shared folder that is not. "escape" shows the HTML as text, "drop" removes
it. pulldown-cmark (pyromark) finds the raw HTML with its source ranges, so the Markdown itself is
rewritten before either engine renders it; Python-Markdown also has its own HTML handling turned
off (anything it alone takes for HTML is escaped). `risky_html` finds what `sitegen check` reports.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from html import unescape

_HTML_EVENTS = ("Html", "InlineHtml")
_MAX_PASSES = 8  # rewriting may expose new raw HTML (rarely); rewrite until none is left
_RISKY = (
    (re.compile(r"<script\b", re.I), "<script>"),
    (re.compile(r"<[^>]*\son[a-z]+\s*=", re.I), "an event-handler attribute"),
    (re.compile(r"""=\s*["']?\s*javascript:""", re.I), "a javascript: URL"),
)


_URL_ATTR = re.compile(r"""(\s(?:href|src)=)(["'])(.*?)\2""", re.I | re.S)
_SCRIPT_SCHEME = re.compile(r"(?:javascript:|vbscript:|data:text/html)", re.I)


def neutralize_urls(html: str) -> str:
    """Markdown links and images to javascript:/vbscript: (or HTML data:) URLs point nowhere:
    they are links a reader clicks, not raw HTML, so the policy must cover them too."""

    def fix(m: re.Match[str]) -> str:
        url = re.sub(r"[\x00-\x20]", "", unescape(m.group(3)))
        if _SCRIPT_SCHEME.match(url):
            return f"{m.group(1)}{m.group(2)}#{m.group(2)}"
        return m.group(0)

    return _URL_ATTR.sub(fix, html) if ":" in html else html


def _spans(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, html) in characters of each piece of raw HTML in `text`."""
    import pyromark

    from .md_pyromark import options as pyromark_options

    data = None if text.isascii() else text.encode("utf-8")  # pyromark counts bytes

    def char(offset: int) -> int:
        return offset if data is None else len(data[:offset].decode("utf-8", "replace"))

    for event, where in pyromark.events_with_range(text, options=pyromark_options()):
        if isinstance(event, dict) and any(kind in event for kind in _HTML_EVENTS):
            start, end = char(where["start"]), char(where["end"])
            yield start, end, text[start:end]


def _escape(html: str) -> str:
    return html.replace("&", "&amp;").replace("<", "&lt;")


def _drop(html: str) -> str:
    return "\n" * html.count("\n")  # keep the lines: a block quote's "> " stays on its own line


def apply_policy(text: str, policy: str) -> str:
    """The Markdown `text` with its raw HTML escaped or dropped (`policy` "allow": as is)."""
    if policy == "allow":
        return text
    replace: Callable[[str], str] = _escape if policy == "escape" else _drop
    for _ in range(_MAX_PASSES):
        spans = list(_spans(text))
        if not spans:
            return text
        for start, end, html in reversed(spans):
            text = text[:start] + replace(html) + text[end:]
    return _escape(text)  # still HTML after many passes: show all of it as text


def risky_html(text: str) -> list[tuple[int, str]]:
    """(1-based line in `text`, what) for raw HTML that runs script: <script>, on*=, javascript:."""
    found: list[tuple[int, str]] = []
    for start, _end, html in _spans(text):
        for pattern, what in _RISKY:
            m = pattern.search(html)
            if m:
                found.append((text.count("\n", 0, start + m.start()) + 1, what))
    return sorted(set(found))
