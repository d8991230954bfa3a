"""Layer 1: Harp's `globals` from harp.json (or _harp.json), for sites that come from Harp."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from typing import Any

from sitegen.errors import ConfigError, Diagnostic

HARP_FILES = ("harp.json", "_harp.json")


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
