"""Layer 1: a site's settings: sitegen.toml, the command line's overrides, Harp's globals.

- schema.py declares every setting once (a dataclass per section, type, default, doc);
- validate.py checks sitegen.toml against it and reports every problem at its line;
- overrides.py reads `--base-url` and `--set KEY=VALUE`, checked the same way;
- tomllines.py finds the line of a key (tomllib gives none); harp.py reads harp.json.
"""

from __future__ import annotations

from .harp import HARP_FILES, harp_globals
from .overrides import NO_OVERRIDES, Overrides, parse_overrides
from .schema import MARKDOWN_ENGINES, RAW_HTML, URL_STYLES, Limits, SiteConfig, with_globals
from .tomllines import key_lines, line_of, split_key, toml_string
from .validate import CONFIG_FILE, parse_config, setting_names


def key_line(text: str, key: str) -> int | None:
    """The line of a (dotted) key in TOML text, or None when it is not written there."""
    return line_of(key_lines(text), split_key(key))


__all__ = [
    "CONFIG_FILE",
    "HARP_FILES",
    "MARKDOWN_ENGINES",
    "NO_OVERRIDES",
    "RAW_HTML",
    "URL_STYLES",
    "Limits",
    "Overrides",
    "SiteConfig",
    "harp_globals",
    "key_line",
    "parse_config",
    "parse_overrides",
    "setting_names",
    "toml_string",
    "with_globals",
]
