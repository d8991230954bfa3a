"""Layer 3: content-hashed asset names (`css/site.3f2a9c1e.css`) with `fingerprint = true`.

A fingerprinted file can be cached by browsers for ever: a new version has a new name. The plain
name is written too, so links from Markdown, from outside the site and from old cached pages keep
working. In built CSS, `url(...)` references to other fingerprinted files are rewritten first, so a
stylesheet's hash changes when an image or font it uses changes.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from sitegen.config import SiteConfig

# What browsers fetch from a page or a stylesheet; other files (PDFs, downloads) keep one name.
FINGERPRINTED = (
    ".css",
    ".js",
    ".mjs",
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".svg",
    ".webp",
    ".avif",
    ".ico",
    ".woff",
    ".woff2",
    ".ttf",
    ".otf",
)
_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+?)\1\s*\)""")
_EXTERNAL = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|//|#)")


@dataclass
class Fingerprints:
    names: dict[str, str] = field(default_factory=dict)  # output path -> fingerprinted output path
    css: dict[str, str] = field(
        default_factory=dict
    )  # output .css path -> CSS with url()s rewritten


def hashed_name(rel: str, data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()[:8]
    folder, name = posixpath.split(rel)
    stem, dot, ext = name.rpartition(".")
    new = f"{stem}.{digest}.{ext}" if dot and stem else f"{name}.{digest}"
    return posixpath.join(folder, new)


def fingerprint(
    assets: Mapping[str, Path], css: Mapping[str, str], config: SiteConfig
) -> Fingerprints:
    """Hash copied assets, then rewrite and hash stylesheets (in path order, so one stylesheet
    may refer to another that sorts before it)."""
    fp = Fingerprints()
    for rel, path in sorted(assets.items()):
        if rel.endswith(FINGERPRINTED):
            fp.names[rel] = hashed_name(rel, path.read_bytes())
    for rel, text in sorted(css.items()):
        if rel in fp.names:  # a plain .css asset: a compiled one of the same name wins
            del fp.names[rel]
        rewritten = rewrite_css_urls(text, rel, fp.names, config)
        fp.css[rel] = rewritten
        fp.names[rel] = hashed_name(rel, rewritten.encode("utf-8"))
    return fp


def rewrite_css_urls(text: str, css_rel: str, names: Mapping[str, str], config: SiteConfig) -> str:
    """Point `url(...)` references of a stylesheet at the fingerprinted names of their files."""
    if "url(" not in text:
        return text
    here = posixpath.dirname(css_rel)

    def fix(m: re.Match[str]) -> str:
        ref = m.group(2).strip()
        if _EXTERNAL.match(ref):
            return m.group(0)
        cut = min((i for i in (ref.find("?"), ref.find("#")) if i >= 0), default=len(ref))
        path, tail = ref[:cut], ref[cut:]  # keep "#iefix" and "?v=2" as written
        if path.startswith("/"):
            base = config.base_path
            if not path.startswith(base):
                return m.group(0)
            target = posixpath.normpath(unquote(path[len(base) :]))
        else:
            target = posixpath.normpath(posixpath.join(here, unquote(path)))
        new = names.get(target)
        if new is None:
            return m.group(0)
        new_ref = (
            path.rsplit("/", 1)[0] + "/" + posixpath.basename(new)
            if "/" in path
            else posixpath.basename(new)
        )
        quote = m.group(1)
        return f"url({quote}{new_ref}{tail}{quote})"

    return _CSS_URL.sub(fix, text)


def asset_function(config: SiteConfig, names: Mapping[str, str]) -> Callable[[str], str]:
    """The templates' `asset(path)`: the site URL of a file, fingerprinted when it has a hash."""

    def asset(path: str) -> str:
        rel = path.split("?", 1)[0].split("#", 1)[0].lstrip("/")
        if rel.endswith((".scss", ".sass")):
            rel = rel.rsplit(".", 1)[0] + ".css"
        return config.url(names.get(rel, rel))

    return asset


def hashed_copies(fp: Fingerprints, assets: Mapping[str, Path]) -> dict[str, bytes | Path]:
    """fingerprinted output path -> its content (compiled CSS) or the file to copy."""
    out: dict[str, bytes | Path] = {}
    for rel, hashed in fp.names.items():
        out[hashed] = fp.css[rel].encode("utf-8") if rel in fp.css else assets[rel]
    return out
