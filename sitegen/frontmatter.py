"""Layer 1: split and parse YAML front matter, leniently, with errors at the right line.

Nextcloud's Text and Notes apps sometimes damage front matter (a byte-order mark, CRLF line ends,
trailing spaces after `---`, tabs for indentation, `...` as the closing fence). Those are repaired;
anything still unreadable is reported as `path:line: front matter: ...` with the line inside the
file, never dropped silently.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sitegen import simpleyaml, yamlsafe
from sitegen.errors import Diagnostic, SitegenError

if TYPE_CHECKING:
    import yaml

DATE_KEYS = ("date", "updated", "publish_date", "expiry_date")

_OPEN = re.compile(r"\A(?:\ufeff)?---[ \t]*\r?\n")
_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*\r?$", re.MULTILINE)


@dataclass(frozen=True)
class FrontMatter:
    """A page's metadata, its body, and where things are in the file (1-based lines)."""

    meta: dict[str, Any]
    body: str
    body_line: int = 1
    key_lines: dict[str, int] = field(default_factory=dict)

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, 1)


class FrontMatterError(SitegenError):
    pass


def _error(path: str, line: int, message: str) -> FrontMatterError:
    d = Diagnostic(path, line, f"front matter: {message}")
    return FrontMatterError(str(d), [d])


def split(text: str, path: str) -> tuple[str | None, str, int]:
    """(front matter source or None, body, line of the first YAML line)."""
    m = _OPEN.match(text)
    if not m:
        return None, text.lstrip("\ufeff"), 1
    close = _CLOSE.search(text, m.end())
    if not close:
        raise _error(path, 1, "no closing '---' line")
    body_start = close.end() + (1 if close.end() < len(text) else 0)
    return text[m.end() : close.start()], text[body_start:], 2


def parse(text: str, path: str) -> FrontMatter:
    """Split off and parse front matter; the body keeps its own text untouched."""
    source, body, first_line = split(text, path)
    if source is None:
        return FrontMatter({}, body, 1)
    yaml_src = source.replace("\r\n", "\n")
    body_line = first_line + yaml_src.count("\n") + 1
    # Most front matter is a few `key: value` lines: read without PyYAML, to the same value.
    meta = simpleyaml.load(yaml_src)
    if meta is None:
        meta = _load_yaml(yaml_src, path, first_line)
        if meta is None:  # an empty document
            meta = {}
    if not isinstance(meta, dict):
        raise _error(path, first_line, f"expected key: value pairs, found a {type(meta).__name__}")
    key_lines: dict[str, int] = {}
    for i, src_line in enumerate(yaml_src.split("\n")):
        km = re.match(r"([^\s#:][^:]*):(\s|$)", src_line)
        if km:
            key_lines.setdefault(km.group(1).strip(), first_line + i)
    meta = {str(k): v for k, v in meta.items()}
    for key in DATE_KEYS:
        if key in meta and meta[key] is not None:
            meta[key] = as_date(meta[key], path, key_lines.get(key, first_line), key)
    return FrontMatter(meta, body, body_line, key_lines)


def needs_yaml(text: str) -> bool:
    """Whether `parse` imports PyYAML for this file: its front matter is outside simpleyaml's
    subset."""
    try:
        source = split(text, "")[0]
    except FrontMatterError:  # no closing fence: reported without YAML
        return False
    return source is not None and simpleyaml.load(source.replace("\r\n", "\n")) is None


def _load_yaml(yaml_src: str, path: str, first_line: int) -> Any:
    """yamlsafe.load, retried with tabs repaired; an error at the line of the problem."""
    try:
        return yamlsafe.load(yaml_src)
    except yamlsafe.YAMLError as exc:
        repaired = _repair_tabs(yaml_src)
        try:
            meta = yamlsafe.load(repaired) if repaired != yaml_src else None
        except yamlsafe.YAMLError:
            meta = None
        if meta is None:
            line, message = yaml_problem(exc)
            raise _error(path, first_line + line, f"invalid YAML: {message}") from None
        return meta


def yaml_problem(exc: yaml.YAMLError) -> tuple[int, str]:
    """(0-based line, message) of a YAML error. An unclosed bracket or quote is reported where
    it was opened, since the parser only notices it lines later."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    context_mark = getattr(exc, "context_mark", None)
    line = mark.line if mark is not None else 0
    if context and context_mark is not None and context_mark.line < line:
        return context_mark.line, f"{problem} ({context} that starts here)"
    return line, problem


def _repair_tabs(src: str) -> str:
    """YAML forbids tabs for indentation; editors insert them anyway."""
    return re.sub(r"^\t+", lambda m: "  " * len(m.group(0)), src, flags=re.MULTILINE)


def as_date(value: Any, path: str, line: int, key: str) -> dt.date | dt.datetime:
    """A date or datetime from a YAML value; FrontMatterError at `path:line` otherwise."""
    if isinstance(value, dt.datetime | dt.date):
        return value
    reason = "use YYYY-MM-DD"
    if isinstance(value, str):
        text = (
            value.strip().replace(" ", "T", 1) if re.match(r"\d{4}-\d\d-\d\d \d", value) else value
        )
        try:
            parsed = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        except ValueError as exc:
            if re.match(r"\d{4}-\d\d-\d\d", text.strip()):
                reason = f"{exc}; use YYYY-MM-DD"
        else:
            return parsed.date() if len(text.strip()) == 10 else parsed
    raise _error(path, line, f"{key}: not a date: {value!r} ({reason})")
