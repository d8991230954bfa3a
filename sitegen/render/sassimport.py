"""Layer 2: the only way Sass reads a file: inside the site or one of its themes.

libsass would read any path an `@import` names (`@import "/etc/passwd"` put the file's lines in the
CSS or the error message). This importer resolves every import itself, the way Sass does, reads
only files inside the allowed folders, and refuses the rest without opening them. Plain CSS
imports (`x.css`, `url(...)`, `http://...`) are left to libsass, which only writes them out.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from sitegen.model import is_within

_PLAIN_CSS = ("http://", "https://", "//", "url(")
_SUFFIXES = (".scss", ".sass", ".css")


class ImportRefused(Exception):
    """Raised inside libsass's callback; the message is what the user sees."""


class Importer:
    """A libsass importer callback confined to `allowed` folders."""

    def __init__(self, include_paths: Sequence[Path], allowed: Sequence[Path]) -> None:
        self.include_paths = [str(p) for p in include_paths]
        self.allowed = [str(p) for p in allowed]
        self.refused: str | None = None  # the message of the last refusal, for the report
        self.read: list[str] = []  # the files it gave libsass, in order (a cache's dependencies)

    def __call__(self, path: str, prev: str) -> list[tuple[str, str]] | None:
        if path.startswith(_PLAIN_CSS) or path.endswith(".css"):
            return None  # a plain CSS @import: libsass writes it out and reads nothing
        bases = ([os.path.dirname(prev)] if prev != "stdin" else []) + self.include_paths
        found = _resolve(path, bases)
        if found is None:
            self.refused = f"file to import not found: {path!r}"
            raise ImportRefused(self.refused)
        if not any(is_within(found, root) for root in self.allowed):
            self.refused = f"@import {path!r} is outside the site and its themes"
            raise ImportRefused(self.refused)
        with open(found, encoding="utf-8", errors="replace") as f:
            text = f.read()
        self.read.append(found)
        return [(found, text)]


def _resolve(path: str, bases: Sequence[str]) -> str | None:
    """The file Sass would load for `@import path`, searched in `bases` in order."""
    folder, _, name = path.rpartition("/")
    if name.endswith(_SUFFIXES):
        names = [name, "_" + name]
    else:
        names = [f"{p}{name}{s}" for s in _SUFFIXES for p in ("_", "")]
        names += [f"{name}/{p}index{s}" for s in _SUFFIXES for p in ("_", "")]
        names.append(name)  # libsass reads a file of exactly that name too
    for base in [""] if os.path.isabs(path) else bases:
        for candidate in names:
            full = os.path.join(base, folder, candidate)
            if os.path.isfile(full):
                return os.path.normpath(full)
    return None
