"""Layer 3: `aliases:` in front matter: the old URLs of a page, kept alive by redirect pages.

Like Hugo's aliases: each alias gets a small HTML page that sends the reader on at once
(`<meta http-equiv="refresh">`) and tells search engines where the page now is (canonical).
A relative alias is taken from the page's folder; `/old/` and `/old` both make `old/index.html`,
`/old.html` makes `old.html`.
"""

from __future__ import annotations

import html
import posixpath
from collections.abc import Iterable

from sitegen.config import SiteConfig
from sitegen.errors import Diagnostic
from sitegen.model import Page


def redirect_html(target: str) -> str:
    t = html.escape(target, quote=True)
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">\n'
        f'<title>{t}</title>\n<link rel="canonical" href="{t}">\n'
        '<meta name="robots" content="noindex">\n'
        f'<meta http-equiv="refresh" content="0; url={t}">\n'
        f'</head><body><p>This page has moved to <a href="{t}">{t}</a>.</p></body></html>\n'
    )


def alias_output(alias: str, folder: str) -> str | None:
    """The output file of an alias written in a page of `folder`; None if it leaves the site."""
    path = alias.split("#", 1)[0].split("?", 1)[0].strip()
    joined = path.lstrip("/") if path.startswith("/") else posixpath.join(folder, path)
    rel = posixpath.normpath(joined) if joined else ""
    if rel == ".." or rel.startswith("../") or rel.startswith("/"):
        return None
    rel = "" if rel == "." else rel
    if rel.endswith((".html", ".htm")):
        return rel
    return f"{rel}/index.html" if rel else "index.html"


def alias_pages(
    pages: Iterable[Page], config: SiteConfig, taken: set[str], problems: list[Diagnostic]
) -> dict[str, bytes]:
    """Output path -> redirect page for every alias; an alias that would overwrite another
    output, or leave the site, is a problem at its front matter line."""
    out: dict[str, bytes] = {}
    for page in sorted(pages, key=lambda p: p.source):
        raw = page.meta.get("aliases")
        if raw is None:
            continue
        line = page.key_lines.get("aliases", 1)
        values = [raw] if isinstance(raw, str) else raw
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            problems.append(Diagnostic(page.source, line, "aliases: must be a list of paths"))
            continue
        target = config.origin + config.url(page.url)
        folder = posixpath.dirname(page.source)
        for alias in values:
            dest = alias_output(alias, folder)
            if dest is None:
                msg = f"aliases: {alias} leads outside the site"
            elif dest in taken or dest in out:
                msg = f"aliases: {alias} would replace {dest}, which the site already writes"
            else:
                out[dest] = redirect_html(target).encode()
                continue
            problems.append(Diagnostic(page.source, line, msg))
    return out
