"""Layer 3: the client-side search index, built with the site (`search-index/`).

An inverted index cut into small files, so a search loads only what it needs: `meta.json` (the
shard keys), the term shards a query's words fall in (terms sharing a prefix, each shard at most
SHARD_BYTES) and the document chunks of the hits shown (url, title, section, a short excerpt).
On the 4000-page benchmark corpus a two-word search loads well under 300 kB, where one JSON file
of every page's text would be megabytes. Pagefind would do the same job, but writes a fragment
file per page that changes on every build: thousands of uploads for a Nextcloud publish.

Built when the site sets `search_index = true`, or its theme's `theme.toml` says `search = true`
and the site does not set `search_index = false`.
"""

from __future__ import annotations

import html
import json
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sitegen.config import SiteConfig, key_line
from sitegen.datafiles import parse_data

from .load import LoadedSite
from .tree import THEME_SETTINGS
from .views import PageView

FOLDER = "search-index"
VERSION = 1
SHARD_BYTES = 24_000  # a shard past this is split by one more letter of its terms
MAX_KEY = 4  # ... up to this many letters
DOCS_PER_CHUNK = 40
MAX_POSTINGS = 400  # a term found on more pages keeps only its best-scored ones
EXCERPT_CHARS = 160
TITLE_WEIGHT, HEADING_WEIGHT = 12, 5

_TAGS = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
_ANCHOR = re.compile(r'<a class="anchor"[^>]*>#</a>')
_CODE = re.compile(r"<pre\b.*?</pre>", re.DOTALL)
_WORD = re.compile(r"\w{2,30}")
_PUNCT = re.compile(r" ([,.;:!?)])")  # "<code>a</code>, b" became "a , b"
_MARKS = re.compile(r"[\u0300-\u036f]")


def enabled(site: LoadedSite) -> bool:
    """The site's own `search_index` setting, else the nearest theme's `search`."""
    if key_line(site.config_text, "search_index") is not None:
        return site.config.search_index
    for name, folder in site.themes:
        settings = folder / THEME_SETTINGS
        if settings.is_file():
            value = parse_data(settings.read_text(encoding="utf-8"), f"themes/{name}/theme.toml")
            if isinstance(value, dict) and "search" in value:
                return value["search"] is True
    return False


def search_page(site: LoadedSite, pages: Iterable[PageView]) -> str:
    """What templates see as `site.search`: the URL of the search page (`layout: search`, the
    blog and docs themes ship one), "/" when there is none, "" when the site has no search."""
    if not enabled(site):
        return ""
    found = (p.url for p in pages if p.meta.get("layout") == "search")
    return next(found, "/")


def plain_text(content: str) -> str:
    """A page body as text: no tags, no code blocks, no heading anchors (spaces not squeezed:
    only the excerpt shows them)."""
    return html.unescape(_TAGS.sub(" ", _CODE.sub(" ", _ANCHOR.sub("", content))))


def words(text: str) -> list[str]:
    """Lower-cased words without accents; the theme's search.js splits queries the same way."""
    text = text.lower()
    if not text.isascii():
        text = _MARKS.sub("", unicodedata.normalize("NFD", text))
    return _WORD.findall(text)


def indexed(pages: Iterable[PageView]) -> list[PageView]:
    return sorted(
        (
            p
            for p in pages
            if p.kind != "generated"
            and p.output != "404.html"
            and not p.meta.get("noindex")
            and p.meta.get("search") is not False
        ),
        key=lambda p: p.url,
    )


def index_files(site: LoadedSite, pages: Sequence[PageView]) -> dict[str, bytes]:
    """output path -> bytes of the search index; nothing when the site has no search."""
    if not enabled(site) or any(rel.startswith(FOLDER + "/") for rel in site.files):
        return {}  # a site with files of its own there keeps them
    return build_index(indexed(pages), site.config)


_TF = [1 + round(2 * math.log2(1 + n)) for n in range(64)]  # 1, 3, 4, 5, 6, 6, 7 ...


def _scores(page: PageView, text: str) -> dict[str, int]:
    """term -> score on this page: how often the text has it (damped), more in a heading,
    much more in the title."""
    out = {term: _TF[min(n, 63)] for term, n in Counter(words(text)).items()}
    for term in set(words(" ".join(t["title"] for t in page.toc if t["level"] > 1))):
        out[term] = out.get(term, 1) + HEADING_WEIGHT
    for term in set(words(page.title or "")):
        out[term] = out.get(term, 1) + TITLE_WEIGHT
    return out


def build_index(pages: Sequence[PageView], config: SiteConfig) -> dict[str, bytes]:
    postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
    docs: list[list[str]] = []
    for doc_id, page in enumerate(pages):
        text = plain_text(str(page.content))
        for term, score in _scores(page, text).items():
            postings[term].append((doc_id, score))
        excerpt = str(page.meta.get("summary") or "") or _excerpt(text)
        docs.append([config.url(page.url), page.title or page.url, page.section, excerpt])
    encoded = {term: _encode(p) for term, p in postings.items()}
    shards = _shard(sorted(encoded), encoded)
    out: dict[str, bytes] = {}
    for key, terms in shards.items():
        out[f"{FOLDER}/t-{key}.json"] = _json({t: encoded[t] for t in terms})
    for n in range(0, len(docs), DOCS_PER_CHUNK):
        out[f"{FOLDER}/d-{n // DOCS_PER_CHUNK}.json"] = _json(docs[n : n + DOCS_PER_CHUNK])
    meta = {"v": VERSION, "docs": len(docs), "chunk": DOCS_PER_CHUNK, "shards": sorted(shards)}
    out[f"{FOLDER}/meta.json"] = _json(meta)
    return out


def _excerpt(text: str) -> str:
    """The start of the text, cut at a word: what a result shows under its title."""
    start = _PUNCT.sub(r"\1", _SPACE.sub(" ", text[: EXCERPT_CHARS * 2])).strip()
    if len(start) <= EXCERPT_CHARS:
        return start
    return start[:EXCERPT_CHARS].rsplit(" ", 1)[0].rstrip(",;:") + " …"


def _encode(found: list[tuple[int, int]]) -> list[int]:
    """[id, score, id - previous id, score, ...]: the best MAX_POSTINGS, in id order."""
    best = (
        found
        if len(found) <= MAX_POSTINGS
        else sorted(sorted(found, key=lambda f: -f[1])[:MAX_POSTINGS])
    )
    flat: list[int] = []
    previous = 0
    for doc_id, score in best:
        flat += [doc_id - previous, score]
        previous = doc_id
    return flat


def _shard(terms: list[str], encoded: dict[str, list[int]], depth: int = 0) -> dict[str, list[str]]:
    """Shard key -> its terms: terms grouped by their first `depth` letters, a group too big
    split by one letter more. A term shorter than the key stays in its shorter group."""
    groups: dict[str, list[str]] = defaultdict(list)
    for t in terms:
        groups[t[:depth]].append(t)
    out: dict[str, list[str]] = {}
    for key, members in groups.items():
        size = sum(len(t) + 4 + 4 * len(encoded[t]) for t in members)
        if size <= SHARD_BYTES or depth >= MAX_KEY:
            out[key] = members
            continue
        short = [t for t in members if len(t) <= depth]
        longer = [t for t in members if len(t) > depth]
        if short:
            out[key] = short
        out.update(_shard(longer, encoded, depth + 1))
    return out


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
