"""Layer 1: every sitegen.toml setting, declared once: a dataclass per section, with each
setting's type, default and one-line doc (docs/site-format.md lists the same, a test checks).

Only the site's own settings live here. Where a site comes from and where it is published are the
operator's settings (command line, environment, a deploy file) and are never read from the site.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from .declare import setting

_NOT_SITE_RELATIVE = re.compile(r"^[a-z][a-z0-9+.-]*:|^//|^#")
_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")
URL_STYLES = ("pretty", "html")
# The Markdown engines: name -> its module in sitegen/render/ (a `make(raw_html)` function).
# Adding an engine is that module and one line here (docs/architecture.md).
MARKDOWN_ENGINES = {"pyromark": "md_pyromark", "python-markdown": "md_python_markdown"}
RAW_HTML = ("allow", "escape", "drop")
HEADING_IDS = ("github", "legacy")  # render/markdown_headings.py


def _positive(v: float) -> bool:
    return v > 0


def _names(v: tuple[str, ...]) -> bool:
    return all(_NAME.match(n) for n in v)


def _nav(v: tuple[Mapping[str, Any], ...]) -> bool:
    return all(isinstance(n.get("title"), str) and isinstance(n.get("url"), str) for n in v)


def _zone(name: str) -> bool:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


@dataclass(frozen=True)
class Limits:
    """`[limits]`: what one page's templates may cost (render/limits)."""

    template_seconds: float = setting(
        10.0, "time one page's templates may take", check=_positive, expect="a number above 0"
    )
    page_output_chars: int = setting(
        20_000_000,
        "size of a page and of any value a template builds",
        check=_positive,
        expect="a whole number above 0",
    )


# Sections: a field whose type is one of these is a table of its own settings.
SECTIONS: dict[str, type[Any]] = {"Limits": Limits}


@dataclass(frozen=True)
class SiteConfig:
    """The validated settings of one site: sitegen.toml's top level and its sections."""

    title: str = setting("My site", "the site's name, shown by themes")
    description: str = setting("", "a sentence about the site, for themes and feeds")
    author: str = setting("", "the site's author, for themes and feeds")
    language: str = setting("en", "the pages' `lang`")
    base_url: str = setting("/", 'where the site is served: "/blog/" or "https://example.org/"')
    theme: str = setting("default", "the theme: in the site's themes/ or shipped with sitegen")
    urls: str = setting("pretty", "page URLs: /about/ or /about.html", choices=URL_STYLES)
    markdown_engine: str = setting(
        "pyromark", "the Markdown engine", choices=tuple(MARKDOWN_ENGINES)
    )
    raw_html: str = setting("allow", "raw HTML in Markdown (render/rawhtml)", choices=RAW_HTML)
    heading_ids: str = setting(
        "github",
        "heading ids: GitHub's rule (GitLab, mdBook too) or sitegen's older one",
        choices=HEADING_IDS,
    )
    strict: bool = setting(True, "an undefined template variable is an error")
    timezone: str = setting(
        "UTC",
        "the zone of dates written without one",
        check=_zone,
        expect='a time zone name like "Europe/Berlin"',
    )
    fingerprint: bool = setting(False, "content hashes in the names asset() gives")
    highlight: bool = setting(True, "Pygments classes on fenced code with a language")
    feeds: bool | None = setting(
        None, "feeds, sitemap, robots.txt (unset: when base_url is absolute)"
    )
    search_index: bool = setting(False, "search-index.json for client-side search")
    per_page: int = setting(
        10, "page size of paginated listings", check=_positive, expect="a whole number above 0"
    )
    taxonomies: tuple[str, ...] = setting(
        ("tags",),
        "taxonomies with a page per term",
        check=_names,
        convert=lambda v: tuple(dict.fromkeys(v)),  # each taxonomy once
        expect='a list of lower-case names (like ["tags", "categories"])',
    )
    extra_css: tuple[str, ...] = setting((), "site stylesheets linked after the theme's")
    nav: tuple[Mapping[str, Any], ...] = setting(
        (),
        "the menu: [{ title = …, url = … }, …]",
        check=_nav,
        expect="a list of tables with a string title and url",
    )
    exclude: tuple[str, ...] = setting((), "glob patterns of files and folders left out")
    globals: Mapping[str, Any] = setting(doc="any values, as site.NAME", factory=dict)
    limits: Limits = field(default_factory=Limits, metadata={"doc": "[limits] section"})
    # Not a setting: the names the file or an option set (a theme applies only when set, say).
    explicit: frozenset[str] = field(default=frozenset(), compare=False, repr=False)

    @functools.cached_property  # url() asks for it on every link of every page
    def base_path(self) -> str:
        """The URL path the site is served under, always with a leading and trailing slash."""
        path = urlsplit(self.base_url).path or "/"
        return "/" + path.strip("/") + "/" if path.strip("/") else "/"

    @property
    def origin(self) -> str:
        """`https://example.org` when base_url is absolute, else ''."""
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""

    @property
    def template_seconds(self) -> float:
        return self.limits.template_seconds

    @property
    def page_output_chars(self) -> int:
        return self.limits.page_output_chars

    def url(self, path: str) -> str:
        """A site URL for a site-relative path, honouring base_url's sub-folder."""
        if _NOT_SITE_RELATIVE.match(path):
            return path
        return self.base_path + path.lstrip("/")

    def template_view(self) -> dict[str, Any]:
        """What templates see as `site` (before pages, sections and tags are added)."""
        view: dict[str, Any] = dict(self.globals)
        view.update(
            title=self.title,
            description=self.description,
            author=self.author,
            language=self.language,
            base_url=self.base_url,
            theme=self.theme,
            extra_css=list(self.extra_css),
            nav=[dict(n) for n in self.nav],
            feeds=self.feeds_on,
        )
        return view

    @property
    def feeds_on(self) -> bool:
        """Whether feeds, sitemap and robots.txt are built: asked for, or base_url is absolute."""
        return self.feeds if self.feeds is not None else bool(self.origin)


def with_globals(config: SiteConfig, extra_globals: Mapping[str, Any]) -> SiteConfig:
    """The config with Harp globals under the site's own `[globals]` (sitegen.toml wins)."""
    merged = dict(extra_globals)
    merged.update(config.globals)
    return dataclasses.replace(config, globals=merged)
