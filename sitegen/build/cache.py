"""Layer 3: what the last build of an output folder rendered, so the next one can keep pages whose
inputs did not change.

A page is kept (hard-linked from the previous output into the new one, not rendered) only when
- everything outside the page sources is as it was: settings, templates, themes, data and
  assets (by content; files over 256 KB by size and modification time), the list of pages and
  what listings show of each (URL, title, dates, tags, front matter), sitegen's version and the
  day (templates may show dates);
- its own source text is unchanged;
- and its templates did not read the site's page collections last time (a listing shows other
  pages' bodies and summaries).
Anything else renders again, so a kept page is byte-for-byte what rendering it would give.
The cache lives beside the output (`.sitegen/NAME.render-cache.json`); `--clean` ignores it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sitegen import __version__
from sitegen.model import Page, is_page, is_private

from .tree import SourceFile

FORMAT = 1


def cache_file(out_dir: Path) -> Path:
    return out_dir.parent / ".sitegen" / f"{out_dir.name}.render-cache.json"


@dataclass
class RenderCache:
    site_key: str = ""
    pages: dict[str, str] = field(default_factory=dict)  # output path -> key of its source
    readers: set[str] = field(default_factory=set)  # outputs whose templates list other pages

    @classmethod
    def load(cls, out_dir: Path) -> RenderCache:
        """The last build's cache, or an empty one (missing, unreadable, or another format)."""
        try:
            raw = json.loads(cache_file(out_dir).read_text(encoding="utf-8"))
            if raw.get("format") != FORMAT or raw.get("version") != __version__:
                return cls()
            return cls(str(raw["site_key"]), dict(raw["pages"]), set(raw["readers"]))
        except (OSError, ValueError, KeyError, TypeError):
            return cls()

    def save(self, out_dir: Path) -> None:
        path = cache_file(out_dir)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp-{os.getpid()}")
        data = {
            "format": FORMAT,
            "version": __version__,
            "site_key": self.site_key,
            "pages": self.pages,
            "readers": sorted(self.readers),
        }
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, path)

    def reusable(self, site_key: str, pages: Iterable[Page], out_dir: Path) -> set[str]:
        """Outputs of `pages` that the previous build in `out_dir` already holds as they would be
        rendered now."""
        if not self.site_key or site_key != self.site_key:
            return set()
        return {
            p.output
            for p in pages
            if p.output not in self.readers
            and self.pages.get(p.output) == page_key(p)
            and (out_dir / p.output).is_file()
        }


def page_key(page: Page) -> str:
    """What a page's own rendering depends on, apart from the site key."""
    h = hashlib.blake2b(digest_size=16)
    h.update(page.source.encode("utf-8", "surrogateescape"))
    h.update(b"\0")
    h.update(page.body.encode("utf-8", "surrogateescape"))
    return h.hexdigest()


SMALL = 256 * 1024


def _fingerprint(path: Path) -> str:
    """Templates, data and settings by content (a mirror's modification times are only as fine
    as the server's); large files, images mostly, by size and modification time."""
    try:
        st = path.stat()
        if st.st_size <= SMALL:
            return hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()
    except OSError:
        return "missing"
    return f"{st.st_size}:{st.st_mtime_ns}"


def site_key(
    files: dict[str, SourceFile],
    pages: Iterable[Page],
    settings: str,
    today: dt.date,
) -> str:
    """Everything outside the page sources that any page's rendering may depend on. `settings`
    are the effective ones (sitegen.toml, Harp's globals, a base_url given on the command line)."""
    h = hashlib.blake2b(digest_size=16)
    h.update(repr((__version__, settings, today.isoformat())).encode())
    for rel, sf in files.items():
        if is_page(rel) and not is_private(rel):
            continue  # a page's own text is in its page key; what others see of it, below
        h.update(f"{sf.display}\0{_fingerprint(sf.path)}\n".encode("utf-8", "replace"))
    for p in sorted(pages, key=lambda p: p.output):
        h.update(repr((p.output, p.source, *p.listing_view())).encode("utf-8", "replace"))
    return h.hexdigest()


class DiskHighlightCache:
    """Highlighted code blocks beside the output (`.sitegen/highlight-PYGMENTS_VERSION/`), one
    small file per block, so every render worker shares them and the next build (a layout edit,
    say, that renders every page again) lexes only the blocks that changed."""

    MAX_AGE = dt.timedelta(days=30)

    def __init__(self, out_dir: Path) -> None:
        import pygments

        self.folder = out_dir.parent / ".sitegen" / f"highlight-{pygments.__version__}"

    def _path(self, language: str, code: str) -> Path:
        key = hashlib.blake2b(
            f"{language}\0{code}".encode("utf-8", "surrogateescape"), digest_size=16
        ).hexdigest()
        return self.folder / key[:2] / f"{key}.html"

    def get(self, language: str, code: str) -> str | None:
        try:
            return self._path(language, code).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def put(self, language: str, code: str, html: str) -> None:
        path = self._path(language, code)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".tmp-{os.getpid()}")
            tmp.write_text(html, encoding="utf-8")
            os.replace(tmp, path)
        except OSError:
            pass  # a cache that cannot be written only makes the next build slower

    def prune(self, now: dt.datetime | None = None) -> None:
        """Forget blocks not written for a month (the cache only grows otherwise)."""
        limit = ((now or dt.datetime.now()) - self.MAX_AGE).timestamp()
        if not self.folder.is_dir():
            return
        for entry in self.folder.glob("*/*.html"):
            try:
                if entry.stat().st_mtime < limit:
                    entry.unlink()
            except OSError:
                continue
