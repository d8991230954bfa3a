"""Atom feeds (checked against RFC 4287's rules), sitemap.xml and robots.txt."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

from tests.conftest import SiteBuilder

A = "{http://www.w3.org/2005/Atom}"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)$")

SITE = {
    "sitegen.toml": 'title = "Blog & Co"\nbase_url = "https://example.org/blog/"\n'
    'author = "Ann"\ntimezone = "Europe/Berlin"\n',
    "_layout.html": "<main>{{ content }}</main>",
    "index.md": "home",
    "about.md": "about",
    "posts/index.md": "all posts",
    "posts/2026-05-01-first.md": "---\ntitle: First <post>\ntags: [a]\n---\nHello **world** & [about](../about.md).\n",
    "posts/2026-05-03-second.md": "---\ntitle: Second\nupdated: 2026-05-04T10:00:00\nauthor: Bo\n---\nSecond.\n",
    "notes/n.md": "---\ndate: 2026-04-01\n---\nA note.\n",
    "hidden.md": "---\ndate: 2026-04-02\nnoindex: true\n---\nno\n",
}


def parse(xml: bytes) -> ET.Element:
    assert xml.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(xml)  # strict: any well-formedness error raises


def check_rfc4287(feed: ET.Element) -> None:
    """The MUSTs of RFC 4287 a generated feed can break."""
    assert feed.tag == f"{A}feed"

    def one(el: ET.Element, name: str) -> ET.Element:
        found = el.findall(f"{A}{name}")
        assert len(found) == 1, f"{el.tag} needs exactly one {name}"
        return found[0]

    def absolute_iri(value: str) -> None:
        assert urlsplit(value).scheme, value

    def date(el: ET.Element) -> None:
        assert el.text and RFC3339.match(el.text), el.text

    absolute_iri(one(feed, "id").text or "")
    assert one(feed, "title").text
    date(one(feed, "updated"))
    feed_has_author = bool(feed.findall(f"{A}author"))
    for author in feed.findall(f"{A}author"):
        assert one(author, "name").text
    links = feed.findall(f"{A}link")
    assert [link.get("rel") for link in links].count("self") == 1
    assert [link.get("rel") for link in links].count("alternate") <= 1
    for link in links:
        assert link.get("href")
    ids = set()
    for entry in feed.findall(f"{A}entry"):
        entry_id = one(entry, "id").text or ""
        absolute_iri(entry_id)
        assert entry_id not in ids
        ids.add(entry_id)
        assert one(entry, "title").text
        date(one(entry, "updated"))
        assert feed_has_author or entry.findall(f"{A}author")
        alternates = [
            link
            for link in entry.findall(f"{A}link")
            if link.get("rel", "alternate") == "alternate"
        ]
        assert len(alternates) >= 1 or entry.findall(f"{A}content")
        for kind in ("summary", "content"):
            for el in entry.findall(f"{A}{kind}"):
                assert el.get("type") in ("text", "html", "xhtml", None)


def test_site_feed_is_valid_atom(sb: SiteBuilder) -> None:
    sb.build(SITE)
    feed = parse((sb.out / "feed.xml").read_bytes())
    check_rfc4287(feed)
    assert feed.findtext(f"{A}title") == "Blog & Co"
    assert feed.findtext(f"{A}id") == "https://example.org/blog/feed.xml"
    self_link = next(x for x in feed.findall(f"{A}link") if x.get("rel") == "self")
    assert self_link.get("href") == "https://example.org/blog/feed.xml"
    entries = feed.findall(f"{A}entry")
    assert [e.findtext(f"{A}title") for e in entries] == ["Second", "First <post>", "N"]
    second, first = entries[0], entries[1]
    assert second.findtext(f"{A}updated") == "2026-05-04T10:00:00+02:00"  # Berlin summer time
    assert second.findtext(f"{A}published") == "2026-05-03T00:00:00+02:00"
    assert second.findtext(f"{A}author/{A}name") == "Bo"
    assert feed.findtext(f"{A}updated") == "2026-05-04T10:00:00+02:00"
    assert first.find(f"{A}link").get("href") == "https://example.org/blog/posts/first/"
    assert "<strong>world</strong>" in first.findtext(f"{A}content")
    assert '<a href="/blog/about/">' in first.findtext(f"{A}content")
    assert feed.get("{http://www.w3.org/XML/1998/namespace}base") == "https://example.org/blog/"
    assert first.find(f"{A}category").get("term") == "a"


def test_section_feed(sb: SiteBuilder) -> None:
    sb.build(SITE)
    feed = parse((sb.out / "posts/feed.xml").read_bytes())
    check_rfc4287(feed)
    assert [e.findtext(f"{A}title") for e in feed.findall(f"{A}entry")] == [
        "Second",
        "First <post>",
    ]
    alternate = next(x for x in feed.findall(f"{A}link") if x.get("rel") == "alternate")
    assert alternate.get("href") == "https://example.org/blog/posts/"
    assert (sb.out / "notes/feed.xml").exists()


def test_sitemap_and_robots(sb: SiteBuilder) -> None:
    sb.build(SITE)
    urlset = parse((sb.out / "sitemap.xml").read_bytes())
    locs = [u.findtext(f"{SM}loc") for u in urlset.findall(f"{SM}url")]
    assert "https://example.org/blog/" in locs and "https://example.org/blog/posts/first/" in locs
    assert "https://example.org/blog/hidden/" not in locs
    assert "https://example.org/blog/tags/a/" in locs
    assert (
        sb.read("robots.txt")
        == "User-agent: *\nAllow: /\nSitemap: https://example.org/blog/sitemap.xml\n"
    )


def test_relative_base_url_writes_no_feeds_unless_asked(sb: SiteBuilder) -> None:
    files = {**SITE, "sitegen.toml": 'title = "T"'}
    sb.build(files)
    assert not {"feed.xml", "sitemap.xml", "robots.txt"} & set(sb.outputs())
    sb.build({**files, "sitegen.toml": 'title = "T"\nfeeds = true'})
    feed = parse((sb.out / "feed.xml").read_bytes())
    check_rfc4287(feed)  # ids are urn:uuid, still absolute IRIs
    assert feed.findtext(f"{A}id").startswith("urn:uuid:")
    assert "sitemap.xml" not in sb.outputs()
    assert sb.read("robots.txt") == "User-agent: *\nAllow: /\n"


def test_site_own_robots_txt_wins(sb: SiteBuilder) -> None:
    sb.build({**SITE, "robots.txt": "User-agent: *\nDisallow: /\n"})
    assert sb.read("robots.txt") == "User-agent: *\nDisallow: /\n"


def test_feed_is_the_same_on_every_build(sb: SiteBuilder) -> None:
    sb.build(SITE)
    first = (sb.out / "feed.xml").read_bytes()
    sb.build(now=dt.datetime(2027, 1, 1, tzinfo=dt.timezone.utc))
    assert (sb.out / "feed.xml").read_bytes() == first
