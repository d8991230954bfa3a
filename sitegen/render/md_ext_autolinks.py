"""Layer 2: a Markdown transform (markdown_transforms.py): GFM autolinks, bare `https://...` and
`www....` URLs in text made links (pulldown-cmark has none), never inside a link, code or script."""

from __future__ import annotations

import re

STAGE = "html"


_SPLIT_TAGS = re.compile(r"(<[^>]*>)")
_BARE_URL = re.compile(r"(?<![\w/@\"'=])((?:https?://|www\.)[^\s<>\"]*[^\s<>\".,:;'!?)\]*_~])")
_NO_LINK_IN = ("a", "code", "pre", "script", "style")
_URL_START = re.compile(r"https?://|www\.")


def _has_bare_url(out: str) -> bool:
    """Cheap pre-check: most URLs in a page are already link targets (href="https://...")."""
    if "www." not in out and out.count("://") == out.count('href="http') + out.count('src="http'):
        return False
    for m in _URL_START.finditer(out):
        if not out.endswith(('href="', 'src="'), max(0, m.start() - 6), m.start()):
            return True
    return False


def _autolink(out: str) -> str:
    parts = _SPLIT_TAGS.split(out)
    depth = 0
    for i, part in enumerate(parts):
        if i % 2 == 1:
            tm = re.match(r"<(/?)([a-zA-Z0-9]+)", part)
            if tm and tm.group(2).lower() in _NO_LINK_IN:
                depth += -1 if tm.group(1) else 1
            continue
        if depth == 0 and ("://" in part or "www." in part):
            parts[i] = _BARE_URL.sub(_link_for, part)
    return "".join(parts)


def _link_for(m: re.Match[str]) -> str:
    text = m.group(1)
    href = text if "://" in text else "http://" + text
    return f'<a href="{href}">{text}</a>'


def transform(out: str) -> str:
    return _autolink(out) if _has_bare_url(out) else out
