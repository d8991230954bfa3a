"""Layer 1: site settings from `sitegen.toml` (and Harp's `harp.json` globals), validated.

Only the site's own settings live here. Where a site comes from and where it is published are the
operator's settings (command line, environment, a deploy file) and are never read from the site.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from sitegen.datafiles import toml_problem
from sitegen.errors import ConfigError, Diagnostic

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CONFIG_FILE = "sitegen.toml"
HARP_FILES = ("harp.json", "_harp.json")

_NOT_SITE_RELATIVE = re.compile(r"^[a-z][a-z0-9+.-]*:|^//|^#")
URL_STYLES = ("pretty", "html")
MARKDOWN_ENGINES = ("pyromark", "python-markdown")
RAW_HTML = ("allow", "escape", "drop")
HEADING_IDS = ("github", "legacy")  # render/markdown_headings.py


@dataclass(frozen=True)
class SiteConfig:
    """The validated settings of one site; unknown top-level keys are kept in `extra`."""

    title: str = "My site"
    description: str = ""
    author: str = ""
    language: str = "en"
    base_url: str = "/"
    theme: str = "default"
    urls: str = "pretty"
    markdown_engine: str = "pyromark"
    template_seconds: float = 10.0  # [limits]: time to render one page
    page_output_chars: int = 20_000_000  # [limits]: size of a page and of any template value
    raw_html: str = "allow"  # raw HTML in Markdown: "allow", "escape" or "drop" (render/rawhtml)
    heading_ids: str = "github"  # heading id rule: "github" (GitHub, GitLab, mdBook) or "legacy"
    strict: bool = True
    timezone: str = "UTC"
    fingerprint: bool = False
    highlight: bool = True  # Pygments classes on fenced code with a language
    feeds: bool | None = None  # feed.xml, sitemap.xml, robots.txt; None: when base_url is absolute
    search_index: bool = False  # search-index.json for client-side search (the docs theme)
    per_page: int = 10  # pagination default
    taxonomies: tuple[str, ...] = ("tags",)
    extra_css: tuple[str, ...] = ()
    nav: tuple[Mapping[str, Any], ...] = ()
    exclude: tuple[str, ...] = ()
    globals: Mapping[str, Any] = field(default_factory=dict)
    extra: Mapping[str, Any] = field(default_factory=dict)

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

    def url(self, path: str) -> str:
        """A site URL for a site-relative path, honouring base_url's sub-folder."""
        if _NOT_SITE_RELATIVE.match(path):
            return path
        return self.base_path + path.lstrip("/")

    def template_view(self) -> dict[str, Any]:
        """What templates see as `site` (before pages, sections and tags are added)."""
        view: dict[str, Any] = dict(self.extra)
        view.update(self.globals)
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


_STR_KEYS = ("title", "description", "author", "language", "base_url", "theme", "timezone")
_BOOL_KEYS = ("strict", "fingerprint", "highlight", "feeds", "search_index")
_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")


def key_line(text: str, key: str) -> int | None:
    m = re.search(rf"^[ \t]*{re.escape(key)}[ \t]*=", text, re.MULTILINE)
    return text.count("\n", 0, m.start()) + 1 if m else None


def _fail(text: str, key: str, message: str, path: str = CONFIG_FILE) -> ConfigError:
    d = Diagnostic(path, key_line(text, key), f"{key}: {message}")
    return ConfigError(str(d), [d])


def parse_config(text: str, path: str = CONFIG_FILE) -> SiteConfig:
    """Parse and validate sitegen.toml text; errors name the key and its line."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line, msg = toml_problem(exc)
        d = Diagnostic(path, line, f"invalid TOML: {msg}")
        raise ConfigError(str(d), [d]) from None
    return config_from_mapping(raw, text, path)


def config_from_mapping(
    raw: Mapping[str, Any], text: str = "", path: str = CONFIG_FILE
) -> SiteConfig:
    known: dict[str, Any] = {}
    for key in _STR_KEYS:
        if key in raw:
            if not isinstance(raw[key], str):
                raise _fail(text, key, f"must be a string, not {type(raw[key]).__name__}", path)
            known[key] = raw[key]
    for key in _BOOL_KEYS:
        if key in raw:
            if not isinstance(raw[key], bool):
                raise _fail(text, key, "must be true or false", path)
            known[key] = raw[key]
    for key, allowed in (
        ("urls", URL_STYLES),
        ("markdown_engine", MARKDOWN_ENGINES),
        ("raw_html", RAW_HTML),
        ("heading_ids", HEADING_IDS),
    ):
        if key in raw:
            if raw[key] not in allowed:
                choices = " or ".join(f'"{a}"' for a in allowed)
                raise _fail(text, key, f"must be {choices}, not {raw[key]!r}", path)
            known[key] = raw[key]
    for key in ("extra_css", "exclude"):
        if key in raw:
            value = raw[key]
            if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                raise _fail(text, key, "must be a list of strings", path)
            known[key] = tuple(value)
    if "per_page" in raw:
        if not (
            isinstance(raw["per_page"], int)
            and not isinstance(raw["per_page"], bool)
            and raw["per_page"] > 0
        ):
            raise _fail(text, "per_page", "must be a whole number above 0", path)
        known["per_page"] = raw["per_page"]
    if "taxonomies" in raw:
        names = raw["taxonomies"]
        if not (
            isinstance(names, list) and all(isinstance(n, str) and _NAME.match(n) for n in names)
        ):
            raise _fail(
                text,
                "taxonomies",
                'must be a list of lower-case names, e.g. ["tags", "categories"]',
                path,
            )
        known["taxonomies"] = tuple(dict.fromkeys(names))
    if "nav" in raw:
        nav = raw["nav"]
        if not (isinstance(nav, list) and all(isinstance(n, dict) for n in nav)):
            raise _fail(text, "nav", "must be a list of tables with title and url", path)
        for n in nav:
            if not isinstance(n.get("title"), str) or not isinstance(n.get("url"), str):
                raise _fail(text, "nav", "each entry needs a string title and url", path)
        known["nav"] = tuple(nav)
    if "globals" in raw:
        if not isinstance(raw["globals"], dict):
            raise _fail(text, "globals", "must be a table", path)
        known["globals"] = dict(raw["globals"])
    if "limits" in raw:
        known.update(_limits(raw["limits"], text, path))
    if "timezone" in known:
        _check_timezone(text, known["timezone"], path)
    extra = {k: v for k, v in raw.items() if k not in SiteConfig.__dataclass_fields__}
    return SiteConfig(**known, extra=extra)


def _limits(value: Any, text: str, path: str) -> dict[str, Any]:
    """`[limits]`: template_seconds (a number above 0), page_output_chars (a whole number)."""
    if not isinstance(value, dict):
        raise _fail(text, "limits", "must be a table", path)
    out: dict[str, Any] = {}
    for key, kinds in (("template_seconds", (int, float)), ("page_output_chars", (int,))):
        if key in value:
            v = value[key]
            if isinstance(v, bool) or not isinstance(v, kinds) or v <= 0:
                what = "a number" if key == "template_seconds" else "a whole number"
                raise _fail(text, key, f"must be {what} above 0", path)
            out[key] = v
    unknown = sorted(set(value) - {"template_seconds", "page_output_chars"})
    if unknown:
        raise _fail(text, unknown[0], "unknown limit (template_seconds, page_output_chars)", path)
    return out


def _check_timezone(text: str, name: str, path: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise _fail(text, "timezone", f"unknown time zone {name!r}", path) from None


def harp_globals(text: str, path: str, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Harp's `globals` from harp.json, with "$VAR" string values taken from the environment."""
    env = os.environ if environ is None else environ
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        d = Diagnostic(path, exc.lineno, f"invalid JSON: {exc.msg}")
        raise ConfigError(str(d), [d]) from None
    glob = raw.get("globals", {}) if isinstance(raw, dict) else {}
    if not isinstance(glob, dict):
        d = Diagnostic(path, _jsonkey_line(text, "globals"), "globals: must be an object")
        raise ConfigError(str(d), [d])

    def expand(value: Any) -> Any:
        if isinstance(value, str) and value.startswith("$") and len(value) > 1:
            return env.get(value[1:], "")
        if isinstance(value, dict):
            return {k: expand(v) for k, v in value.items()}
        if isinstance(value, list):
            return [expand(v) for v in value]
        return value

    return {k: expand(v) for k, v in glob.items()}


def _jsonkey_line(text: str, key: str) -> int | None:
    m = re.search(rf'"{re.escape(key)}"\s*:', text)
    return text.count("\n", 0, m.start()) + 1 if m else None


def with_globals(config: SiteConfig, extra_globals: Mapping[str, Any]) -> SiteConfig:
    """The config with Harp globals under the site's own `[globals]` (sitegen.toml wins)."""
    merged = dict(extra_globals)
    merged.update(config.globals)
    return dataclasses.replace(config, globals=merged)
