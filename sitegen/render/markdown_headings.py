"""Layer 2: heading ids and the table of contents, on the HTML an engine produced.

Ids follow GitHub's rule (github-slugger; GitLab and mdBook do the same), so links written for
those tools keep working: lower case, every character that is not a letter, number, mark, `-`,
`_` or space dropped, each space turned into `-` (two in a row stay two: "with + or" ->
`with--or`). A repeated id gets `-1`, `-2`... `heading_ids = "legacy"` keeps sitegen's first
rule (runs of spaces and dashes joined into one `-`, ends trimmed).
"""

from __future__ import annotations

import html
import re
import unicodedata
from typing import Any

HEADING_ID_STYLES = ("github", "legacy")

_HEADING = re.compile(r"<h([1-6])((?:\s[^>]*)?)>(.*?)</h\1>", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_ID_ATTR = re.compile(r'\sid="([^"]*)"')
_KEPT_CATEGORIES = ("L", "N", "M", "Pc")


def heading_text(inner_html: str) -> str:
    if "<" in inner_html:
        inner_html = _TAG.sub("", inner_html)
    return html.unescape(inner_html) if "&" in inner_html else inner_html


def slugify(text: str) -> str:
    """sitegen's first rule (kept for `heading_ids = "legacy"` and tag pages): lower case, words
    joined by one '-', punctuation dropped."""
    return _legacy_slug_of(heading_text(text))


def _legacy_slug_of(text: str) -> str:
    s = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return re.sub(r"[\s]+", "-", s).strip("-") or "section"


def github_slug(text: str) -> str:
    """GitHub's heading id for a heading's HTML (before making it unique)."""
    return _github_slug_of(heading_text(text))


# In ASCII the kept categories are the letters, the digits and "_" (Pc): one regex, at C speed.
_ASCII_DROPPED = re.compile(r"[^a-z0-9_\- ]")


def _github_slug_of(text: str) -> str:
    s = text.strip().lower()
    if s.isascii():
        kept = _ASCII_DROPPED.sub("", s)
    else:
        kept = "".join(
            c
            for c in s
            if c in "- " or unicodedata.category(c).startswith(_KEPT_CATEGORIES) or c == "_"
        )
    return kept.replace(" ", "-") or "section"


def heading_ids(out: str, style: str = "github") -> tuple[str, list[dict[str, Any]]]:
    """Give every heading an id (unique within the page) and a link to itself; the toc."""
    if "<h" not in out:
        return out, []
    make = _github_slug_of if style == "github" else _legacy_slug_of
    used: set[str] = set()
    toc: list[dict[str, Any]] = []

    def fix(m: re.Match[str]) -> str:
        level, attrs, inner = int(m.group(1)), m.group(2), m.group(3)
        title = heading_text(inner)
        idm = _ID_ATTR.search(attrs) if attrs else None
        if idm:
            hid = idm.group(1)
        else:
            base = hid = make(title)
            n = 1
            while hid in used:
                hid, n = f"{base}-{n}", n + 1
            attrs = f' id="{html.escape(hid, quote=True)}"' + attrs
        used.add(hid)
        title = title.strip()
        toc.append({"level": level, "id": hid, "title": title})
        if level > 1 and 'class="anchor"' not in inner:
            label = html.escape(f"Link to section: {title}", quote=True)
            href = html.escape(hid, quote=True)
            inner += f'<a class="anchor" href="#{href}" aria-label="{label}">#</a>'
        return f"<h{level}{attrs}>{inner}</h{level}>"

    return _HEADING.sub(fix, out), toc
