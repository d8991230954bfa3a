"""Layer 1: sitegen.toml (and the command line's overrides) checked against the declarations in
schema.py. Every problem is collected, each at its line, before one ConfigError reports them all.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sitegen.datafiles import TOMLError
from sitegen.datafiles import read_toml as toml_value
from sitegen.errors import ConfigError, Diagnostic

from .declare import rule_of, shown
from .schema import SECTIONS, SiteConfig
from .tomllines import KeyPath, key_lines, line_of

CONFIG_FILE = "sitegen.toml"


@dataclass(frozen=True)
class Origin:
    """Where settings were written: a file (problems at a key's line) or an option (`--set`)."""

    path: str
    lines: Mapping[KeyPath, int] = field(default_factory=dict)

    def at(self, key: KeyPath, message: str) -> Diagnostic:
        return Diagnostic(self.path, line_of(dict(self.lines), key), message)


def read_toml(text: str, path: str = CONFIG_FILE) -> dict[str, Any]:
    try:
        return toml_value(text)
    except TOMLError as exc:
        d = Diagnostic(path, exc.line, f"invalid TOML: {exc.msg}")
        raise ConfigError(str(d), [d]) from None


def check(raw: Mapping[str, Any], origin: Origin, problems: list[Diagnostic]) -> dict[str, Any]:
    """The values of `raw` that are right, converted; a Diagnostic in `problems` for the rest."""
    return _check_table(raw, SiteConfig, (), origin, problems)


def _check_table(
    raw: Mapping[str, Any],
    section: type[Any],
    prefix: KeyPath,
    origin: Origin,
    problems: list[Diagnostic],
) -> dict[str, Any]:
    declared = {f.name: f for f in dataclasses.fields(section) if "doc" in f.metadata}
    out: dict[str, Any] = {}
    for key, value in raw.items():
        path = (*prefix, key)
        name = ".".join(path)
        f = declared.get(key)
        if f is None:
            problems.append(origin.at(path, unknown(path, value)))
        elif str(f.type) in SECTIONS:
            if isinstance(value, dict):
                out[key] = _check_table(value, SECTIONS[str(f.type)], path, origin, problems)
            else:
                problems.append(origin.at(path, f"{name}: expected a table, got {shown(value)}"))
        else:
            rule = rule_of(f)
            assert rule is not None, f"{name}: its type has no entry in declare.KINDS"
            problem = rule.problem(value)
            if problem:
                problems.append(origin.at(path, f"{name}: {problem}"))
            else:
                out[key] = rule.convert(value)
    return out


def setting_names(section: type[Any] = SiteConfig, prefix: str = "") -> dict[str, bool]:
    """Every setting's dotted name -> whether it is written as a table (a section, [globals])."""
    names: dict[str, bool] = {}
    for f in dataclasses.fields(section):
        if "doc" not in f.metadata:
            continue
        sub = SECTIONS.get(str(f.type))
        names[prefix + f.name] = sub is not None or str(f.type) == "Mapping[str, Any]"
        if sub is not None:
            names.update(setting_names(sub, f"{prefix}{f.name}."))
    return names


def unknown(path: KeyPath, value: Any) -> str:
    """`unknown setting 'base_ulr' (did you mean 'base_url'?)`, or where such values belong."""
    name = ".".join(path)
    table = isinstance(value, dict)
    candidates = [n for n, is_table in setting_names().items() if is_table == table]
    import difflib  # only for a misspelt setting

    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.7)
    if not close:  # `template_seconds` written outside [limits]
        close = [n for n in candidates if n.rsplit(".", 1)[-1] == path[-1]][:1]
    if close:
        return f"unknown setting {name!r} (did you mean {close[0]!r}?)"
    if len(path) > 1:
        prefix = ".".join(path[:-1]) + "."
        known = ", ".join(n for n in setting_names() if n.startswith(prefix))
        return f"unknown setting {name!r} (known: {known})"
    where = "settings go at the top of the file; " if table else ""
    return f"unknown setting {name!r} ({where}values for templates go under [globals])"


def merged(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """`base` with `over` written on top; tables merge key by key, anything else is replaced."""
    out = dict(base)
    for key, value in over.items():
        old = out.get(key)
        both = isinstance(old, Mapping) and isinstance(value, Mapping)
        out[key] = merged(old, value) if both else value  # type: ignore[arg-type]
    return out


def build(values: Mapping[str, Any], explicit: frozenset[str]) -> SiteConfig:
    """A SiteConfig from checked values (sections as dicts of their own settings)."""
    kw = dict(values)
    for f in dataclasses.fields(SiteConfig):
        if str(f.type) in SECTIONS and f.name in kw:
            kw[f.name] = SECTIONS[str(f.type)](**kw[f.name])
    return SiteConfig(**kw, explicit=explicit)


def parse_config(
    text: str, path: str = CONFIG_FILE, overrides: Mapping[str, Any] | None = None
) -> SiteConfig:
    """sitegen.toml's text, with `overrides` (already checked: see overrides.py) on top; a
    ConfigError lists every problem of the file, each at its line."""
    raw = read_toml(text, path)
    problems: list[Diagnostic] = []
    values = check(raw, Origin(path, key_lines(text)), problems)
    if overrides:
        values = merged(values, check(overrides, Origin("--set"), problems))
    if problems:
        raise ConfigError("\n".join(str(d) for d in problems), problems)
    given = frozenset(raw) | frozenset(overrides or ())
    return build(values, given)
