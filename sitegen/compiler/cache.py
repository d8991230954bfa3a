"""Layer 3: what the last build of an output folder rendered, so the next one can keep pages whose
inputs did not change.

A page is kept (left in the output, or hard-linked into a fresh one; not rendered) only when
- everything outside the page sources is as it was: settings, templates, themes, data and
  assets (by content; files over 256 KB by size and modification time), the list of pages and
  what listings show of each (URL, title, dates, tags, front matter), sitegen's version and the
  day (templates may show dates);
- its own source text is unchanged, and its output file is as the last build left it (size,
  times and inode, from compiler/stamp.py);
- its templates did not list other pages last time, or no page's summary changed (the lists key:
  the Markdown every summary is made from);
- and its templates did not read another page's body last time, or no page's source changed
  (compiler/reads.py: a page showing the full text of the newest posts, say).
Anything else renders again, so a kept page is byte-for-byte what rendering it would give.
The cache lives beside the output (`.sitegen/NAME.render-cache.json`); `--clean` ignores it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sitegen import __version__
from sitegen.model import Page, is_page, is_private
from sitegen.render.markdown import summary_markdown

from .tree import SourceFile

RENDER_FORMAT = 3  # of the render cache


def cache_file(out_dir: Path) -> Path:
    return out_dir.parent / ".sitegen" / f"{out_dir.name}.render-cache.json"


@dataclass
class RenderCache:
    site_key: str = ""
    lists_key: str = ""  # what lists show of pages beyond their listing views: summaries
    pages: dict[str, str] = field(default_factory=dict)  # output path -> key of its source
    readers: set[str] = field(default_factory=set)  # outputs whose templates list other pages
    body_readers: set[str] = field(default_factory=set)  # outputs showing other pages' bodies
    # Output files as the last build left them (compiler/stamp.py); None: trust any file there.
    intact: Collection[str] | None = None

    @classmethod
    def load(cls, out_dir: Path) -> RenderCache:
        """The last build's cache, or an empty one (missing, unreadable, or another format)."""
        try:
            raw = json.loads(cache_file(out_dir).read_text(encoding="utf-8"))
            if raw.get("format") != RENDER_FORMAT or raw.get("version") != __version__:
                return cls()
            return cls(
                str(raw["site_key"]),
                str(raw["lists_key"]),
                dict(raw["pages"]),
                set(raw["readers"]),
                set(raw["body_readers"]),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return cls()

    def save(self, out_dir: Path) -> None:
        path = cache_file(out_dir)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp-{os.getpid()}")
        data = {
            "format": RENDER_FORMAT,
            "version": __version__,
            "site_key": self.site_key,
            "lists_key": self.lists_key,
            "pages": self.pages,
            "readers": sorted(self.readers),
            "body_readers": sorted(self.body_readers),
        }
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, path)

    def reusable(self, now: RenderCache, pages: Iterable[Page], out_dir: Path) -> set[str]:
        """Outputs of `pages` that the previous build in `out_dir` (this cache) already holds as
        they would be rendered now (whose keys are in `now`)."""
        if not self.site_key or now.site_key != self.site_key:
            return set()
        stale = set()
        if now.lists_key != self.lists_key:
            stale |= self.readers
        if now.pages != self.pages:
            stale |= self.body_readers
        return {
            p.output
            for p in pages
            if p.output not in stale
            and self.pages.get(p.output) == now.pages.get(p.output)
            and self._intact(p.output, out_dir)
        }

    def _intact(self, output: str, out_dir: Path) -> bool:
        if self.intact is not None:
            return output in self.intact
        return (out_dir / output).is_file()


class PageKeys:
    """What the render cache keys of each page (its own key, a digest of its summary's source
    and of what listings show of it), made once per page value, each when first asked for.
    Pages a build took over from the last build's model (compiler/modelcache.py) bring theirs,
    so their bodies are not hashed again."""

    def __init__(self) -> None:
        self.known: dict[Page, list[str]] = {}  # page -> [own key, summary, listing] ('': not yet)

    def own(self, page: Page) -> str:
        return self._get(page, 0) or self._set(page, 0, page_key(page))

    def summary(self, page: Page) -> str:
        return self._get(page, 1) or self._set(page, 1, _digest(summary_source(page)))

    def listed(self, page: Page) -> str:
        return self._get(page, 2) or self._set(page, 2, _listed(page))

    def all(self, page: Page) -> list[str]:
        """Every key of `page` (to be kept with it)."""
        self.own(page), self.summary(page), self.listed(page)
        return self.known[page]

    def _get(self, page: Page, i: int) -> str:
        keys = self.known.get(page)
        return keys[i] if keys is not None else ""

    def _set(self, page: Page, i: int, key: str) -> str:
        self.known.setdefault(page, ["", "", ""])[i] = key
        return key


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogateescape"), digest_size=16).hexdigest()


def _listed(page: Page) -> str:
    shown = repr((page.output, page.source, *page.listing_view()))
    return hashlib.blake2b(shown.encode("utf-8", "replace"), digest_size=16).hexdigest()


def keys_now(site_key: str, pages: Iterable[Page], known: PageKeys | None = None) -> RenderCache:
    """The keys of a build about to render `pages` (the site's own and generated ones)."""
    known = known or PageKeys()
    listed = sorted(pages, key=lambda p: p.output)
    lists = hashlib.blake2b(digest_size=16)
    own: dict[str, str] = {}
    for p in listed:
        lists.update(f"{p.output}\0{known.summary(p)}\0".encode("utf-8", "surrogateescape"))
        own[p.output] = known.own(p)
    return RenderCache(site_key, lists.hexdigest(), own)


def page_key(page: Page) -> str:
    """What a page's own rendering depends on, apart from the site key. A generated page's
    body (a taxonomy's list of terms or of pages) is made from what the site key holds: the
    listing views of the pages it lists (their URLs, titles, dates, tags) and the settings; its
    key does not make it (compiler/taxonomy.py makes it only for a page that renders)."""
    h = hashlib.blake2b(digest_size=16)
    h.update(page.source.encode("utf-8", "surrogateescape"))
    h.update(b"\0")
    if page.kind == "generated":
        h.update(b"\0generated")
    else:
        h.update(page.body.encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def summary_source(page: Page) -> str:
    """What a Markdown page's summary is made from (a listing shows it)."""
    return summary_markdown(page.body)[0] if page.kind == "md" else ""


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
    files: Mapping[str, SourceFile],
    pages: Iterable[Page],
    settings: str,
    today: dt.date,
    known: PageKeys | None = None,
) -> str:
    """Everything outside the page sources that any page's rendering may depend on. `settings`
    are the effective ones (sitegen.toml, Harp's globals, a base_url given on the command line)."""
    h = hashlib.blake2b(digest_size=16)
    h.update(repr((__version__, settings, today.isoformat())).encode())
    for rel, sf in files.items():
        if is_page(rel) and not is_private(rel):
            continue  # a page's own text is in its page key; what others see of it, below
        h.update(f"{sf.display}\0{_fingerprint(sf.path)}\n".encode("utf-8", "replace"))
    known = known or PageKeys()
    for p in sorted(pages, key=lambda p: p.output):
        h.update(known.listed(p).encode())
    return h.hexdigest()
