"""Layer 1: the line each key of a TOML file is written on (tomllib gives no positions), and
how to write any text as a TOML string.

A small line scanner, not a parser: the file has already parsed, so it only follows table
headers, `key =` lines (dotted and quoted keys too) and skips the inside of multi-line arrays,
inline tables and strings, where a `word =` is a value's text, not a key of its own.
"""

from __future__ import annotations

import re

KeyPath = tuple[str, ...]

_PART = r'(?:[A-Za-z0-9_-]+|"[^"\n]*"|\'[^\'\n]*\')'
_DOTTED = rf"{_PART}(?:[ \t]*\.[ \t]*{_PART})*"
_KEY = re.compile(rf"[ \t]*({_DOTTED})[ \t]*=")
_HEADER = re.compile(rf"[ \t]*\[\[?[ \t]*({_DOTTED})[ \t]*\]\]?")
_SPLIT = re.compile(rf"[ \t]*({_PART})[ \t]*\.?")


def is_key(text: str) -> bool:
    """Whether `text` is a TOML key: `title`, `limits.template_seconds`, `globals."a b"`."""
    return re.fullmatch(_DOTTED, text) is not None


def split_key(dotted: str) -> KeyPath:
    """`a."b.c".d` -> ("a", "b.c", "d")."""
    parts = [m.group(1) for m in _SPLIT.finditer(dotted) if m.group(1)]
    return tuple(p[1:-1] if p[:1] in "\"'" else p for p in parts)


def key_lines(text: str) -> dict[KeyPath, int]:
    """Every key and table of a TOML text by its path, with the line it first appears on."""
    lines: dict[KeyPath, int] = {}
    table: KeyPath = ()
    depth = 0  # open brackets and braces of a multi-line value
    closing: str | None = None  # the delimiter of the multi-line string we are in
    for n, line in enumerate(text.splitlines(), 1):
        rest = line
        if closing is not None:
            end = line.find(closing)
            if end < 0:
                continue
            rest, closing = line[end + 3 :], None
        elif depth == 0:
            header = _HEADER.match(line)
            key = None if header else _KEY.match(line)
            if header:
                table = split_key(header.group(1))
                _record(lines, table, n)
                continue
            if key:
                _record(lines, table + split_key(key.group(1)), n)
                rest = line[key.end() :]
        depth, closing = _scan(rest, depth)
    return lines


def _record(lines: dict[KeyPath, int], path: KeyPath, n: int) -> None:
    for i in range(1, len(path) + 1):  # `a.b = 1` also writes table `a`
        lines.setdefault(path[:i], n)


def _scan(s: str, depth: int) -> tuple[int, str | None]:
    """The bracket depth after `s`, and the delimiter of a multi-line string left open."""
    i = 0
    while i < len(s):
        c = s[i]
        if c == "#":
            break
        if s.startswith(('"""', "'''"), i):
            end = s.find(s[i : i + 3], i + 3)
            if end < 0:
                return depth, s[i : i + 3]
            i = end + 3
            continue
        if c in "\"'":
            i = _string_end(s, i)
        elif c in "[{":
            depth += 1
        elif c in "]}":
            depth = max(0, depth - 1)
        i += 1
    return depth, None


def _string_end(s: str, start: int) -> int:
    quote, i = s[start], start + 1
    while i < len(s) and s[i] != quote:
        i += 2 if quote == '"' and s[i] == "\\" else 1
    return i


def line_of(lines: dict[KeyPath, int], path: KeyPath) -> int | None:
    """The line of `path`, else of the nearest table or key above it that is written down."""
    for i in range(len(path), 0, -1):
        if path[:i] in lines:
            return lines[path[:i]]
    return None


_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def toml_string(text: str) -> str:
    """`text` as a TOML basic string that reads back as the same text (a lone surrogate, which
    no UTF-8 file can hold, becomes U+FFFD)."""
    out = []
    for c in text:
        n = ord(c)
        if c in _ESCAPES:
            out.append(_ESCAPES[c])
        elif 0xD800 <= n <= 0xDFFF:
            out.append("\ufffd")
        elif n < 0x20 or n == 0x7F:
            out.append(f"\\u{n:04X}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'
