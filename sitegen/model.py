"""Layer 1: the site model (pages and their URLs) and the pure rules placing files in the output."""

from __future__ import annotations

import datetime as dt
import os
import posixpath
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from markupsafe import Markup

PAGE_EXTENSIONS = (".md", ".html")
DATE_PREFIX = re.compile(r"^(\d{4})-(\d\d)-(\d\d)-(.+)$")
# Read by the build, never output.
SETTINGS_FILES = frozenset({"sitegen.toml", "harp.json", "_harp.json", "theme.toml"})
# Never read: editor, sync and OS debris.
IGNORED_NAMES = frozenset({"desktop.ini", "Thumbs.db"})
IGNORED_SUFFIXES = ("~", ".part", ".swp", ".tmp")


def is_private(rel: str) -> bool:
    """Harp's rule: any path segment starting with "_" is read by the build, never output."""
    return rel.startswith("_") or "/_" in rel  # a segment starts the path or follows a slash


# Nextcloud Text keeps a page's pasted images in `.attachments.<fileid>/` beside it: hidden,
# but read, and published when a page links to them (compiler/textlinks.py).
ATTACHMENTS_FOLDER = re.compile(r"^\.attachments\.\d+$")


def is_ignored(rel: str) -> bool:
    """Hidden files (.git, .sitegen, Nextcloud's .~lock files) and editor debris."""
    name = rel.rsplit("/", 1)[-1]
    return (
        any(seg.startswith(".") and not ATTACHMENTS_FOLDER.match(seg) for seg in rel.split("/"))
        or name in IGNORED_NAMES
        or name.endswith(IGNORED_SUFFIXES)
    )


def in_attachments(rel: str) -> bool:
    return ".attachments." in rel and any(ATTACHMENTS_FOLDER.match(s) for s in rel.split("/"))


def is_within(path: str | Path, root: str | Path) -> bool:
    """Whether `path`, symbolic links resolved, is `root` or below it: a shared folder must not
    be able to pull the build machine's own files into a site through a link."""
    real, top = os.path.realpath(path), os.path.realpath(root)
    return real == top or real.startswith(top.rstrip(os.sep) + os.sep)


def is_page(rel: str) -> bool:
    return rel.endswith(PAGE_EXTENSIONS)


def split_date_prefix(stem: str) -> tuple[dt.date | None, str]:
    """`2026-05-01-hello` -> (2026-05-01, "hello"); other names -> (None, name)."""
    m = DATE_PREFIX.match(stem)
    if not m:
        return None, stem
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))), m.group(4)
    except ValueError:
        return None, stem


@dataclass(frozen=True)
class Placement:
    url: str  # site-relative URL path, starting with "/"
    output: str  # output file path relative to the output folder


def place_page(rel: str, urls: str, slug: str | None = None, url: str | None = None) -> Placement:
    """Where a page source goes: pretty URLs (`about/index.html`) or Harp's own (`about.html`)."""
    if url:
        path = "/" + url.strip().lstrip("/")
        if path.endswith("/"):
            return Placement(path, path.lstrip("/") + "index.html")
        if path.endswith(".html"):
            return Placement(path, path.lstrip("/"))
        return Placement(path + "/", path.lstrip("/") + "/index.html")
    folder, name = posixpath.split(rel)
    stem = name.rsplit(".", 1)[0]
    if slug is None:
        slug = split_date_prefix(stem)[1]
    prefix = folder + "/" if folder else ""
    if stem == "index":
        return Placement("/" + prefix, prefix + "index.html")
    if stem == "404" and not folder:
        return Placement("/404.html", "404.html")
    if urls == "html":
        return Placement(f"/{prefix}{slug}.html", f"{prefix}{slug}.html")
    return Placement(f"/{prefix}{slug}/", f"{prefix}{slug}/index.html")


def current_view(url: str, source: str) -> dict[str, Any]:
    """Harp's `current`: the URL segments (an index page ends with "index") and the source name."""
    segs = [s for s in url.split("/") if s]
    stem = posixpath.basename(source).rsplit(".", 1)[0]
    if segs and segs[-1].endswith(".html"):
        segs[-1] = segs[-1][: -len(".html")]
    if stem == "index" or not segs:
        segs.append("index")
    return {"path": segs, "source": stem}


@dataclass(frozen=True)
class RenderedBody:
    content: Markup = field(default_factory=Markup)
    toc: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True, eq=False)
class Page:
    """One page of the site as read from its source: a value, never changed once made.

    What templates see (`page`) is a view of it (compiler/views.py) that adds what the assembled
    site knows: the rendered body, summary and table of contents, its neighbours, a paginator."""

    source: str
    url: str
    output: str
    kind: str  # "md", "html", or "generated" (its body is the HTML the build made)
    slug: str
    title: str
    date: dt.date | dt.datetime | None
    meta: dict[str, Any]
    body: str
    body_line: int
    key_lines: dict[str, int] = field(default_factory=dict)
    updated: dt.date | dt.datetime | None = None
    tags: list[str] = field(default_factory=list)
    draft: bool = False
    weight: int | float | None = None
    section: str = ""

    def listing_view(self) -> tuple[object, ...]:
        """What other pages can show of this one apart from its body: when it is unchanged, a
        page edit needs no listing rendered again."""
        meta = repr(sorted(self.meta.items(), key=lambda kv: kv[0]))
        return (
            self.url,
            self.title,
            self.date,
            self.updated,
            self.tags,
            self.draft,
            self.weight,
            meta,
        )

    @cached_property  # themes read it several times a page; the body never changes
    def word_count(self) -> int:
        # Spaces and line ends approximate the word count at a tenth of the cost of split().
        return self.body.count(" ") + self.body.count("\n")

    @property
    def sort_date(self) -> dt.datetime:
        return as_datetime(self.date) if self.date else dt.datetime.min

    @property
    def reading_time(self) -> int:
        """Minutes to read, at 220 words a minute (at least 1)."""
        return max(1, round(self.word_count / 220))

    def __repr__(self) -> str:
        return f"<Page {self.source} -> {self.url}>"

    def __str__(self) -> str:
        return self.title or self.slug


def as_datetime(value: dt.date | dt.datetime) -> dt.datetime:
    """Naive datetime for sorting and comparing dates with and without a time."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None) if value.tzinfo else value
    return dt.datetime(value.year, value.month, value.day)


def newest_first(page: Page) -> tuple[float, str]:
    """Sort key of listings: dated pages newest first, then undated ones; ties by title."""
    return (-as_datetime(page.date).timestamp() if page.date else 0, page.title)


def section_of(rel: str) -> str:
    return rel.split("/", 1)[0] if "/" in rel else ""


def tags_of(value: Any) -> list[str]:
    """Tags as a list: YAML lists, or the comma-separated strings some editors write."""
    if value is None:
        return []
    if isinstance(value, str):
        return [t.strip() for t in value.split(",") if t.strip()]
    if isinstance(value, list | tuple):
        return [str(t).strip() for t in value if str(t).strip()]
    return [str(value)]
