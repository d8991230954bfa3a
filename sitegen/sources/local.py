"""A local folder as a source: the build reads it in place, so there is nothing to sync."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sitegen.errors import SourceError
from sitegen.sources.result import NO_CHANGES, SyncResult


class LocalSource:
    remote = False
    offline = False

    def __init__(self, path: Path) -> None:
        if not path.is_dir():
            raise SourceError(f"{path}: no such folder")
        self.local_dir = path.resolve()
        self.label = str(path)

    def sync(self, progress: Callable[[int, int], None] | None = None) -> SyncResult:
        return SyncResult(NO_CHANGES, 0, 0, 0.0)

    def fingerprint(self) -> str | None:
        return None

    def close(self) -> None:
        pass

    def __repr__(self) -> str:
        return f"LocalSource({self.label!r})"
