"""Layer 3: `search-index.json` for a theme's client-side search (`search_index = true`).

One record per indexable page: URL, title, section, its headings and the start of its text. The
text is cut so that the index of a docs site stays small enough to fetch on the first search.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable

from sitegen.config import SiteConfig
from sitegen.model import Page

SEARCH_INDEX = "search-index.json"
TEXT_CHARS = 1500
_TAGS = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
_ANCHOR = re.compile(r'<a class="anchor"[^>]*>#</a>')
_CODE = re.compile(r"<pre\b.*?</pre>", re.DOTALL)


def plain_text(content: str) -> str:
    text = _TAGS.sub(" ", _CODE.sub(" ", _ANCHOR.sub("", content)))
    return _SPACE.sub(" ", html.unescape(text)).strip()


def search_index(pages: Iterable[Page], config: SiteConfig) -> bytes:
    records = []
    for p in sorted(pages, key=lambda p: p.url):
        if (
            p.kind == "generated"
            or p.output == "404.html"
            or p.meta.get("noindex")
            or p.meta.get("search") is False
        ):
            continue
        records.append(
            {
                "url": config.url(p.url),
                "title": p.title,
                "section": p.section,
                "headings": [t["title"] for t in p.toc if t["level"] > 1],
                "text": plain_text(str(p.content))[:TEXT_CHARS],
            }
        )
    return json.dumps(records, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
