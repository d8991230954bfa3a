"""Which new pages a new page links to, read from the built files, to order their uploads.

A reader who follows a link from a page just uploaded should find the page it points to: new
pages go after the new pages they link to. Links are found by a plain scan of `href` and `src`
attributes (built output, so quoting is regular); site-absolute links are taken from the target's
root, and `dir/` stands for `dir/index.html`.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path
from urllib.parse import unquote

from sitegen.publish.plan import Plan, is_page

_REF = re.compile(rb"""(?:href|src)\s*=\s*["']([^"'#?]*)""", re.IGNORECASE)


def page_links(page: str, html: bytes) -> set[str]:
    """The site paths `page` refers to (relative and root-absolute links; no external ones)."""
    out: set[str] = set()
    folder = posixpath.dirname(page)
    for m in _REF.finditer(html):
        ref = unquote(m.group(1).decode("utf-8", "replace")).strip()
        if not ref or ref.startswith("//") or re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", ref):
            continue
        joined = ref.lstrip("/") if ref.startswith("/") else posixpath.join(folder, ref)
        path = posixpath.normpath(joined) if joined else ""
        if path.startswith("..") or path == ".":
            path = ""
        if ref.endswith("/") or not path:
            path = posixpath.join(path, "index.html") if path else "index.html"
            out.add(path)
        else:
            out.update((path, f"{path}/index.html"))
    return out


def new_page_batches(plan: Plan, out_dir: Path) -> list[list[str]]:
    """The plan's upload batches, the new pages ordered by the links between them."""
    changed = set(plan.changed)
    links = {}
    for path in plan.new:
        if path not in changed and is_page(path):
            try:
                links[path] = page_links(path, (out_dir / path).read_bytes())
            except OSError:
                links[path] = set()
    return plan.upload_batches(links)
