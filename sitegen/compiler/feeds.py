"""Layer 3: Atom feeds (RFC 4287), sitemap.xml and robots.txt, built from the assembled pages.

Feeds and the sitemap are written with ElementTree, so they are well-formed whatever the pages
hold. URLs are absolute when `base_url` is (`https://example.org/blog/`). With a relative
base_url (the default "/") a feed still validates: links are relative to the site root and entry
ids are stable `urn:uuid:` names, but the sitemap protocol requires absolute URLs, so sitemap.xml is
left out and robots.txt names no sitemap. `sitegen check` says so.
"""

from __future__ import annotations

import datetime as dt
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sitegen import __version__
from sitegen.config import SiteConfig
from sitegen.model import as_datetime

from .views import PageView

ATOM_NS = "http://www.w3.org/2005/Atom"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
FEED = "feed.xml"
SITEMAP = "sitemap.xml"
ROBOTS = "robots.txt"
FEED_ENTRIES = 20  # newest entries per feed: readers poll feeds often, keep them small


@dataclass(frozen=True)
class FeedSpec:
    output: str  # "feed.xml", "posts/feed.xml"
    title: str
    home_url: str  # site URL of what the feed follows: "/", "/posts/"
    pages: Sequence[PageView]


def in_feeds(p: PageView) -> bool:
    """Dated content pages that are not a folder's own index, not hidden from indexes."""
    stem = p.source.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return (
        p.date is not None
        and p.kind != "generated"
        and stem not in ("index", "404")
        and not p.meta.get("noindex")
        and p.meta.get("feed", True) is not False
    )


def feed_specs(
    config: SiteConfig, pages: Iterable[PageView], sections: Mapping[str, list[PageView]]
) -> list[FeedSpec]:
    """The site-wide feed, and one per folder that has dated pages."""

    def newest(ps: Iterable[PageView]) -> list[PageView]:
        return sorted(
            (p for p in ps if in_feeds(p)), key=lambda p: (p.sort_date, p.url), reverse=True
        )

    specs = [FeedSpec(FEED, config.title, "/", newest(pages))]
    for folder, members in sections.items():
        dated = newest(members)
        if dated:
            name = folder.rsplit("/", 1)[-1].replace("-", " ").capitalize()
            specs.append(
                FeedSpec(f"{folder}/{FEED}", f"{config.title}: {name}", f"/{folder}/", dated)
            )
    return specs


class _Urls:
    def __init__(self, config: SiteConfig) -> None:
        self.config = config
        self.absolute = bool(config.origin)

    def __call__(self, path: str) -> str:
        url = self.config.url(path)
        return self.config.origin + url if self.absolute else url

    def id_for(self, path: str) -> str:
        if self.absolute:
            return self(path)
        return uuid.uuid5(uuid.NAMESPACE_URL, f"sitegen:{self.config.title}:{path}").urn


def timestamp(value: dt.date | dt.datetime, tz: ZoneInfo) -> str:
    """RFC 3339 date-time; naive dates and times are in the site's time zone."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        moment = value
    else:
        moment = as_datetime(value).replace(tzinfo=tz)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def atom_feed(config: SiteConfig, spec: FeedSpec, now: dt.datetime) -> bytes:
    tz = ZoneInfo(config.timezone)
    urls = _Urls(config)
    entries = list(spec.pages[:FEED_ENTRIES])
    ET.register_namespace("", ATOM_NS)

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        el = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
        if text is not None:
            el.text = text
        return el

    def updated_of(p: PageView) -> dt.date | dt.datetime:
        return p.updated or p.date or now

    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    feed.set("{http://www.w3.org/XML/1998/namespace}lang", config.language)
    if urls.absolute:
        feed.set("{http://www.w3.org/XML/1998/namespace}base", urls("/"))
    sub(feed, "id", urls.id_for(spec.output))
    sub(feed, "title", spec.title)
    if config.description:
        sub(feed, "subtitle", config.description)
    newest = max((timestamp(updated_of(p), tz) for p in entries), default=timestamp(now, tz))
    sub(feed, "updated", newest)
    sub(sub(feed, "author"), "name", config.author or config.title)
    sub(feed, "link", rel="self", type="application/atom+xml", href=urls(spec.output))
    sub(feed, "link", rel="alternate", type="text/html", href=urls(spec.home_url))
    sub(feed, "generator", "sitegen", version=__version__)
    for p in entries:
        entry = sub(feed, "entry")
        sub(entry, "id", urls.id_for(p.url))
        sub(entry, "title", p.title)
        sub(entry, "updated", timestamp(updated_of(p), tz))
        if p.date:
            sub(entry, "published", timestamp(p.date, tz))
        author = p.meta.get("author")
        if isinstance(author, str) and author:
            sub(sub(entry, "author"), "name", author)
        sub(entry, "link", rel="alternate", type="text/html", href=urls(p.url))
        for tag in p.tags:
            sub(entry, "category", term=tag)
        if p.summary:
            sub(entry, "summary", str(p.summary), type="html")
        if p.content:
            sub(entry, "content", str(p.content), type="html")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + _xml(feed) + b"\n"


def in_sitemap(p: PageView) -> bool:
    return (
        p.output != "404.html"
        and not p.meta.get("noindex")
        and not p.draft
        and p.meta.get("sitemap", True) is not False
    )


def sitemap(config: SiteConfig, pages: Iterable[PageView]) -> bytes | None:
    """sitemap.xml of every indexable page; None when base_url is not absolute."""
    if not config.origin:
        return None
    tz = ZoneInfo(config.timezone)
    urls = _Urls(config)
    ET.register_namespace("", SITEMAP_NS)
    root = ET.Element(f"{{{SITEMAP_NS}}}urlset")
    for p in sorted((p for p in pages if in_sitemap(p)), key=lambda p: p.url):
        el = ET.SubElement(root, f"{{{SITEMAP_NS}}}url")
        ET.SubElement(el, f"{{{SITEMAP_NS}}}loc").text = urls(p.url)
        changed = p.updated or p.date
        if changed:
            ET.SubElement(el, f"{{{SITEMAP_NS}}}lastmod").text = timestamp(changed, tz)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + _xml(root) + b"\n"


def robots_txt(config: SiteConfig) -> str:
    lines = ["User-agent: *", "Allow: /"]
    if config.origin:
        lines.append(f"Sitemap: {_Urls(config)(SITEMAP)}")
    return "\n".join(lines) + "\n"


def _xml(root: ET.Element) -> bytes:
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=False)
    return data
