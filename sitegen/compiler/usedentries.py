"""Layer 3: a JSON store of entries kept beside the output (`.sitegen/NAME.KIND.json`) for the
next build: it reads what earlier builds stored, keeps only the entries this build used, and is
written atomically. A store that cannot be read or written never fails a build."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, TypeVar

FORMAT = 1
S = TypeVar("S", bound="UsedEntries")


class UsedEntries:
    KIND = "entries"  # the file's middle name: NAME.KIND.json

    def __init__(self, file: Path, known: dict[str, Any] | None = None) -> None:
        self.file = file
        self._known: dict[str, Any] = known or {}
        self._used: dict[str, Any] = {}

    @classmethod
    def cache_file(cls, out_dir: Path) -> Path:
        return out_dir.parent / ".sitegen" / f"{out_dir.name}.{cls.KIND}.json"

    @classmethod
    def load(cls: type[S], out_dir: Path) -> S:
        file = cls.cache_file(out_dir)
        try:
            raw = json.loads(file.read_text(encoding="utf-8"))
            if raw.get("format") != FORMAT:
                return cls(file)
            return cls(file, dict(raw["entries"]))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return cls(file)

    def save(self) -> None:
        """Keep what this build used; never fails a build."""
        if self._used.keys() == self._known.keys():
            return
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.file.with_suffix(f".tmp-{os.getpid()}")
            tmp.write_text(json.dumps({"format": FORMAT, "entries": self._used}), encoding="utf-8")
            os.replace(tmp, self.file)
        except (OSError, ValueError):
            return

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
