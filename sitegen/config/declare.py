"""Layer 1: how a setting is declared, and the kinds of value a setting can hold.

A setting is a dataclass field made by `setting(...)`: its Python type says what kind of TOML
value it takes (KINDS), its metadata carries the one-line doc and any narrower rule (choices, a
check). Validation, the documentation test and `--set` all read these declarations.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Check = Callable[[Any], bool]


def setting(
    default: Any = dataclasses.MISSING,
    doc: str = "",
    *,
    factory: Callable[[], Any] | None = None,
    choices: tuple[str, ...] = (),
    expect: str = "",
    check: Check | None = None,
    convert: Callable[[Any], Any] | None = None,
) -> Any:
    """A declared setting: default, one-line doc, and (optionally) narrower rules than its type.
    `expect` words the narrower rule for messages: "expected a whole number above 0, got -1"."""
    assert doc, "every setting has a doc line"
    meta = {"doc": doc, "choices": choices, "expect": expect, "check": check, "convert": convert}
    if factory is not None:
        return dataclasses.field(default_factory=factory, metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


@dataclass(frozen=True)
class Kind:
    """A kind of TOML value: how messages name it, whether a value is one, the Python value."""

    expect: str
    accepts: Check
    convert: Callable[[Any], Any] = lambda v: v


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_list_of(kind: type) -> Check:
    return lambda v: isinstance(v, list) and all(isinstance(x, kind) for x in v)


# The Python type of a field (as written in its annotation) -> the TOML values it takes.
KINDS: dict[str, Kind] = {
    "str": Kind("a string", lambda v: isinstance(v, str)),
    "bool": Kind("true or false", lambda v: isinstance(v, bool)),
    "bool | None": Kind("true or false", lambda v: isinstance(v, bool)),
    "int": Kind("a whole number", _is_int),
    "float": Kind("a number", lambda v: _is_int(v) or isinstance(v, float), float),
    "tuple[str, ...]": Kind("a list of strings", _is_list_of(str), tuple),
    "tuple[Mapping[str, Any], ...]": Kind("a list of tables", _is_list_of(dict), tuple),
    "Mapping[str, Any]": Kind("a table", lambda v: isinstance(v, dict), dict),
}


@dataclass(frozen=True)
class Rule:
    """Everything a declared field says about the values it takes."""

    name: str
    doc: str
    kind: Kind
    choices: tuple[str, ...]
    expect: str
    check: Check | None
    convert: Callable[[Any], Any]

    def problem(self, value: Any) -> str | None:
        """None when `value` is right, else "expected …, got …"."""
        ok = self.kind.accepts(value)
        if ok and self.choices:
            ok = value in self.choices
        if ok and self.check is not None:
            ok = self.check(self.convert(value))
        if ok:
            return None
        wanted = self.expect or _one_of(self.choices) or self.kind.expect
        return f"expected {wanted}, got {shown(value)}"


def _one_of(choices: tuple[str, ...]) -> str:
    """'"a", "b" or "c"'."""
    quoted = [json.dumps(c) for c in choices]
    return " or ".join([", ".join(quoted[:-1]), quoted[-1]]) if len(quoted) > 1 else "".join(quoted)


def rule_of(f: dataclasses.Field[Any]) -> Rule | None:
    """The rule of a declared setting; None for a field that is not a setting, or a section."""
    if "doc" not in f.metadata or f.type not in KINDS:
        return None
    m = f.metadata
    kind = KINDS[str(f.type)]
    convert = m["convert"] or kind.convert
    return Rule(f.name, m["doc"], kind, m["choices"], m["expect"], m["check"], convert)


def shown(value: Any, room: int = 40) -> str:
    """A value as it would be written in TOML, cut short: 3, "x", true, [1, 2], a table."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, list):
        text = "[" + ", ".join(shown(v, room) for v in value) + "]"
    elif isinstance(value, Mapping):
        return "a table"
    elif isinstance(value, dt.date | dt.time):
        text = value.isoformat()
    else:
        text = repr(value)
    return text if len(text) <= room else text[: room - 1] + "…"
