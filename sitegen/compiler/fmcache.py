"""Layer 3: front matter parsed by earlier builds, by its exact YAML text, so a build after an
edit parses only the front matter that changed (YAML was most of the time such a build took).

Kept beside the output (`.sitegen/NAME.front-matter.json`) as JSON, never pickle: the folder may
be inside a shared site folder. A value JSON cannot hold exactly (a set, bytes, a non-string
key, or a key starting with NUL, which would read back as a date's tag) is not cached: its front
matter is parsed every time. Only entries the last build used are kept.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sitegen import frontmatter
from sitegen.frontmatter import FrontMatter

from .usedentries import UsedEntries

_DATE, _TIME = "\0date", "\0datetime"


class _NotJSON(Exception):
    pass


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, dt.datetime):
        return {_TIME: value.isoformat()}
    if isinstance(value, dt.date):
        return {_DATE: value.isoformat()}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    # A key starting with NUL could be taken for a date's or time's tag: not cached.
    if isinstance(value, dict) and all(isinstance(k, str) and k[:1] != "\0" for k in value):
        return {k: _encode(v) for k, v in value.items()}
    raise _NotJSON


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, dict):
        if len(value) == 1 and _TIME in value:
            return dt.datetime.fromisoformat(value[_TIME])
        if len(value) == 1 and _DATE in value:
            return dt.date.fromisoformat(value[_DATE])
        return {k: _decode(v) for k, v in value.items()}
    return value


class FrontMatterCache(UsedEntries):
    """YAML text -> [encoded meta, key lines, body line]."""

    KIND = "front-matter"

    def parse(self, text: str, path: str) -> FrontMatter:
        """frontmatter.parse(text, path), from the cache when this YAML was parsed before."""
        source, body, _ = frontmatter.split(text, path)
        if source is None:
            return frontmatter.parse(text, path)
        hit = self._known.get(source)
        if hit is not None:
            try:
                meta, key_lines, body_line = _decode(hit[0]), dict(hit[1]), int(hit[2])
            except (ValueError, TypeError, IndexError):
                pass
            else:
                self._used[source] = hit
                return FrontMatter(meta, body, body_line, key_lines)
        fm = frontmatter.parse(text, path)
        try:
            encoded = _encode(fm.meta)
        except _NotJSON:
            return fm
        if repr(_decode(json.loads(json.dumps(encoded)))) == repr(fm.meta):  # types too
            self._used[source] = [encoded, fm.key_lines, fm.body_line]
        return fm
