"""Layer 1: settings given on the command line: `--base-url URL` and `--set KEY=VALUE`.

KEY is a setting's name, dotted for a table (`limits.template_seconds`, `globals.contact`);
VALUE is read as a TOML literal (`true`, `5`, `["tags", "categories"]`, `"quoted"`) and, when
it is not one, taken as the plain string it is (`--set base_url=https://example.org/`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sitegen.datafiles import TOMLError, read_toml
from sitegen.errors import ConfigError, Diagnostic

from .tomllines import KeyPath, is_key, split_key
from .validate import Origin, check

OPTION = "--set"


@dataclass(frozen=True)
class Overrides:
    """Settings over the site's own, in the order given (a later one wins)."""

    items: tuple[tuple[KeyPath, Any], ...] = ()

    def mapping(self) -> dict[str, Any]:
        """The overrides as the TOML table they stand for."""
        out: dict[str, Any] = {}
        for path, value in self.items:
            node = out
            for part in path[:-1]:
                if not isinstance(node.get(part), dict):
                    node[part] = {}
                node = node[part]
            node[path[-1]] = value
        return out

    def __bool__(self) -> bool:
        return bool(self.items)


NO_OVERRIDES = Overrides()


def literal(text: str) -> Any:
    """A TOML literal's value, or the text itself when it is not one."""
    try:
        parsed = read_toml(f"v = {text}")
    except TOMLError:
        return text
    return parsed["v"] if len(parsed) == 1 else text


def parse_overrides(base_url: str | None = None, settings: Iterable[str] = ()) -> Overrides:
    """The command line's overrides, checked like sitegen.toml: a ConfigError lists every
    problem (`--set: unknown setting 'base_ulr' (did you mean 'base_url'?)`)."""
    problems: list[Diagnostic] = []
    items: list[tuple[KeyPath, Any]] = []
    if base_url is not None:
        items.append((("base_url",), base_url))
    for given in settings:
        key, eq, value = given.partition("=")
        if not eq or not is_key(key.strip()):
            problems.append(Diagnostic(OPTION, None, f"expected KEY=VALUE, got {given!r}"))
            continue
        items.append((split_key(key.strip()), literal(value.strip())))
    overrides = Overrides(tuple(items))
    check(overrides.mapping(), Origin(OPTION), problems)
    if problems:
        raise ConfigError("\n".join(str(d) for d in problems), problems)
    return overrides
