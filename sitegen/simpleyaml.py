"""Layer 1: the value of trivial YAML front matter without PyYAML, exactly as yamlsafe gives it.

Almost every page's front matter is a few `key: value` lines, and PyYAML (its C parser, a Python
constructor, yamlsafe's alias check) costs far more than the rest of reading a page; importing it
is ~40 ms of CPU that an edit rebuild pays for nothing else. `load` reads only this subset:

    title: A plain scalar           (top-level keys that are simple words, at column 0)
    date: 2019-03-04
    tags: [alpha, beta]             (a flow list of plain scalars)
    aliases:                        (a block list of plain scalars, at one indentation)
      - old-name

and returns None for anything else: quoted scalars, comments, anchors, tags, block scalars,
nesting, tabs, duplicate keys, an empty document, and characters outside a small alphabet (a
value's first character, and flow list items, are held to the smallest). The caller
then asks yamlsafe, so refusing is always safe; the subset is kept small so that what is
accepted is exact. Scalars are resolved by PyYAML's own (YAML 1.1) resolver patterns, copied
below and tried as it tries them, and built by its constructors' rules:
`yes`/`off` are booleans, `~`/`null`/nothing is None, `0x1f`, octal `017`, `1_000` and `1:30`
are ints (`0o7` a string), `.inf` a float, `2024-01-31` a date (and `2024-02-30`, no day of the
calendar, the string, as yamlsafe keeps it). A scalar that PyYAML builds otherwise or fails on
(`.nan`, a timestamp with a time, `0b_`) is refused. tests/engine/test_simple_yaml.py checks
what is accepted against yamlsafe.load on generated documents and near misses.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Any

# PyYAML 6's yaml/resolver.py implicit resolvers: those for bool and null match lists of words;
# the others (re.X: blanks are not literal) are tried in its order as one pattern, whose first
# match names the tag. It is compiled when first needed (a few ms): most scalars are words.
_WORDS: dict[str, bool | None] = {
    **dict.fromkeys(["yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"], True),
    **dict.fromkeys(["no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"], False),
    **dict.fromkeys(["~", "null", "Null", "NULL", ""]),
}
_IMPLICIT = {
    "float": r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
    |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
    |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    "int": r"""^(?:[-+]?0b[0-1_]+
    |[-+]?0[0-7_]+
    |[-+]?(?:0|[1-9][0-9_]*)
    |[-+]?0x[0-9a-fA-F_]+
    |[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$""",
    "merge": r"^(?:<<)$",
    "timestamp": r"""^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
    |[0-9][0-9][0-9][0-9] -[0-9][0-9]? -[0-9][0-9]?
     (?:[Tt]|[ \t]+)[0-9][0-9]?
     :[0-9][0-9] :[0-9][0-9] (?:\.[0-9]*)?
     (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$""",
    "value": r"^(?:=)$",
}
_STARTS = "+-.0123456789<="  # what those patterns start with: PyYAML tries them only then
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")  # only the timestamp pattern matches

_KEY_LINE = re.compile(r"([A-Za-z_][\w-]{0,99}):(?:( .*))?", re.ASCII)  # a simple key < 1024
_ITEM_LINE = re.compile(r"( *)- (.*)")
# A plain scalar: it starts with no indicator. After its first character a value may hold the
# indicators YAML reads as text there (`Don't`, `C#`, `100% sure!`, `[draft]`), but not ` #`
# (a comment), `: ` or a final `:` (a mapping; _block_scalar checks those). In a flow list
# `,` `:` `?` and brackets separate, and the other indicators are refused too (tags rarely
# hold them): there the subset stays small.
_PLAIN = re.compile(r"(?:[.+~(/$_]|-(?=[^ ])|[^\W_])[ .+~()/$;^?,=\-\w:'\"!&*%@`#|>\[\]{}\\]*")
_FLOW_ITEM = re.compile(r"(?:[.+~(/$_]|-(?=[^ ])|[^\W_])[ .+~()/$;^=\-\w]*")
_NO: Any = object()  # a value outside the subset


def load(text: str) -> dict[str, Any] | None:
    """The mapping `text` holds, as yamlsafe.load would give it; None when `text` is not in the
    subset (the caller then parses it with yamlsafe, which also reports any error)."""
    out: dict[str, Any] = {}
    items: list[Any] | None = None  # the block list being read, if any
    key = ""
    indent = -1  # that list's indentation (-1: its first item is still to come)
    for line in text.split("\n"):
        if not line.strip(" "):
            continue
        m = _KEY_LINE.fullmatch(line)
        if m is not None:
            key, raw = m.group(1), (m.group(2) or "").strip(" ")
            if key in out or not isinstance(_scalar(key), str):
                return None  # `yes:` is the key True, `null:` None
            value = _value(raw) if raw else None
            if raw and value is _NO:
                return None
            out[key] = value
            items, indent = ([] if not raw else None), -1
            continue
        item = _ITEM_LINE.fullmatch(line)
        if item is None or items is None or indent not in (-1, len(item.group(1))):
            return None
        value = _block_scalar(item.group(2).strip(" "))
        if value is _NO:
            return None
        if indent == -1:  # the list's first item
            out[key] = items
        indent = len(item.group(1))
        items.append(value)
    return out or None


def _value(raw: str) -> Any:
    """A mapping value: a plain scalar or a flow list of them; _NO for anything else."""
    if raw.startswith("[") and raw.endswith("]"):
        inner = raw[1:-1]
        if not inner.strip(" "):
            return [] if "," not in inner else _NO
        parts = [part.strip(" ") for part in inner.split(",")]
        if not all(_FLOW_ITEM.fullmatch(part) for part in parts):
            return _NO
        values = [_scalar(part) for part in parts]
        return _NO if any(v is _NO for v in values) else values
    return _block_scalar(raw)


def _block_scalar(raw: str) -> Any:
    if not _PLAIN.fullmatch(raw) or ": " in raw or raw.endswith(":") or " #" in raw:
        return _NO
    return _scalar(raw)


def _scalar(s: str) -> Any:
    """A plain scalar's value by PyYAML's resolver and SafeConstructor, or _NO."""
    if s in _WORDS:
        return _WORDS[s]
    if s[0] not in _STARTS:
        return s
    date = _DATE.fullmatch(s)
    if date is not None:
        try:
            return dt.date(int(date.group(1)), int(date.group(2)), int(date.group(3)))
        except ValueError:  # no day of the calendar: yamlsafe keeps the string
            return s
    m = _resolver().match(s)
    tag = m.lastgroup if m is not None else "str"
    if tag == "str":
        return s
    if tag == "float":
        return _float(s)
    if tag == "int":
        return _int(s)
    return _NO  # a timestamp with a time of day, a merge key, `=`


@functools.cache
def _resolver() -> re.Pattern[str]:
    return re.compile("|".join(f"(?P<{tag}>{p})" for tag, p in _IMPLICIT.items()), re.X)


def _sign(s: str) -> tuple[int, str]:
    return (-1 if s[0] == "-" else 1), (s[1:] if s[0] in "+-" else s)


def _int(s: str) -> Any:
    """SafeConstructor.construct_yaml_int's rules; _NO where they raise (`0b_`, 5000 digits)."""
    sign, v = _sign(s.replace("_", ""))
    try:
        if v == "0":
            return 0
        if v.startswith("0b"):
            return sign * int(v[2:], 2)
        if v.startswith("0x"):
            return sign * int(v[2:], 16)
        if v[0] == "0":
            return sign * int(v, 8)
        if ":" in v:
            return sign * _base60([int(part) for part in v.split(":")])
        return sign * int(v)
    except ValueError:
        return _NO


def _float(s: str) -> Any:
    """SafeConstructor.construct_yaml_float's rules; _NO for NaN (never equal to itself)."""
    sign, v = _sign(s.replace("_", "").lower())
    if v == ".inf":
        return sign * float("inf")
    if v == ".nan":
        return _NO
    try:
        if ":" in v:
            return sign * _base60([float(part) for part in v.split(":")])
        return sign * float(v)
    except ValueError:
        return _NO


def _base60(digits: list[Any]) -> Any:
    value, base = 0, 1
    for digit in reversed(digits):
        value += digit * base
        base *= 60
    return value
