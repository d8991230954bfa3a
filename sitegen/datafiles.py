"""Layer 1: parse data files (`_data/*.yaml`, `.json`, `.toml`) with errors at their lines."""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from sitegen import yamlsafe
from sitegen.errors import Diagnostic, SitegenError
from sitegen.frontmatter import yaml_problem

DATA_SUFFIXES = (".yaml", ".yml", ".json", ".toml")


class DataFileError(SitegenError):
    pass


def _fail(path: str, line: int | None, message: str) -> DataFileError:
    d = Diagnostic(path, line, message)
    return DataFileError(str(d), [d])


def parse_data(text: str, path: str) -> Any:
    """The value in a YAML, JSON or TOML data file, chosen by its extension."""
    if path.endswith(".json"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise _fail(path, exc.lineno, f"invalid JSON: {exc.msg}") from None
    if path.endswith(".toml"):
        try:
            return read_toml(text)
        except TOMLError as exc:
            raise _fail(path, exc.line, f"invalid TOML: {exc.msg}") from None
    try:
        return yamlsafe.load(text)
    except yamlsafe.YAMLError as exc:
        line, problem = yaml_problem(exc)
        raise _fail(path, line + 1, f"invalid YAML: {problem}") from None


class TOMLError(ValueError):
    """Text that is no TOML, at `line` when tomllib says."""

    def __init__(self, line: int | None, msg: str) -> None:
        super().__init__(msg)
        self.line, self.msg = line, msg


def read_toml(text: str) -> dict[str, Any]:
    """tomllib.loads, imported on first use (a build reading no TOML need not pay for it); a
    TOMLError with the line, which tomllib puts in the message's text."""
    if not text:  # a site without sitegen.toml
        return {}
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+)", str(exc))
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise TOMLError(int(m.group(1)) if m else None, msg) from None


def folder_metadata(value: Any, path: str) -> dict[str, dict[str, Any]]:
    """A per-folder `_data` file: page slug -> metadata (Harp's `_data.json` as is)."""
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        raise _fail(path, 1, "expected a mapping of page names to metadata")
    return {str(k): v for k, v in value.items()}
