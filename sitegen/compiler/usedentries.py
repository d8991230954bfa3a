"""Layer 3: a JSON store of entries kept beside the output (`.sitegen/NAME.KIND.json`) for the
next build: it reads what earlier builds stored, keeps only the entries this build used, and is
written atomically. A store that cannot be read or written never fails a build."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TypeVar

from .keptfile import keep

FORMAT = 1
S = TypeVar("S", bound="UsedEntries")


class UsedEntries:
    KIND = "entries"  # the file's middle name: NAME.KIND.json

    def __init__(self, file: Path, known: dict[str, Any] | None = None) -> None:
        self.file = file
        self._loaded = known  # None: not read yet (read on first use)
        self._used: dict[str, Any] = {}

    @classmethod
    def cache_file(cls, out_dir: Path) -> Path:
        return out_dir.parent / ".sitegen" / f"{out_dir.name}.{cls.KIND}.json"

    @classmethod
    def load(cls: type[S], out_dir: Path) -> S:
        """The store beside `out_dir`, read when first used: a build that takes every page
        over from the last build's model (compiler/modelcache.py) never reads it."""
        return cls(cls.cache_file(out_dir))

    @property
    def _known(self) -> dict[str, Any]:
        if self._loaded is None:
            self._loaded = self._read()
        return self._loaded

    @_known.setter
    def _known(self, entries: dict[str, Any]) -> None:
        self._loaded = entries

    @property
    def loaded(self) -> bool:
        return self._loaded is not None

    def _read(self) -> dict[str, Any]:
        try:
            raw = json.loads(self.file.read_text(encoding="utf-8"))
            if raw.get("format") != FORMAT:
                return {}
            return dict(raw["entries"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return {}

    def save(self, prune: bool = True) -> None:
        """Keep what this build used (and, unless `prune`, what it did not look at: a build
        that took pages over did not use theirs); never fails a build."""
        text = self.encoded(prune)
        if text is not None:
            keep(self.file, text)

    def encoded(self, prune: bool = True) -> str | None:
        """What `save` writes to `self.file`; None: nothing to write (unchanged)."""
        if self._loaded is None and not self._used:
            return None  # neither read nor used
        entries = self._used if prune else {**self._known, **self._used}
        if entries.keys() == self._known.keys():
            return None
        try:
            return json.dumps({"format": FORMAT, "entries": entries})
        except ValueError:
            return None

    @property
    def empty(self) -> bool:
        """Whether no earlier build stored any entry (a first build, or the file was lost)."""
        return not self._known

    def drain(self) -> dict[str, Any]:
        """The entries used since the last drain (a worker process sends them to its parent)."""
        used, self._used = self._used, {}
        return used

    def merge(self, used: dict[str, Any]) -> None:
        """Count entries another process used (drained there) as used by this build."""
        self._used.update(used)
