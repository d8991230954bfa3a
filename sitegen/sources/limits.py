"""What a sync accepts from a server, so a hostile or broken one can neither fill the disk, hang
the sync, nor plant names the local file system cannot hold: the size of the whole mirror, time
per request and for the whole sync, folder depth, number of entries, and name rules.

Each limit is a `--limit KEY=VALUE` option (`size=2GB`, `request=5m`, `sync=30m`, `depth=32`,
`entries=100000`); a limit that is hit stops the sync with a `LimitError` naming the remote path,
before anything in the mirror changed.
"""

from __future__ import annotations

import re
import threading
import time
import unicodedata
from dataclasses import dataclass, fields, replace

from sitegen.errors import SourceError

NAME_MAX_BYTES = 255  # NAME_MAX of ext4, XFS, btrfs, APFS (in UTF-8)
PATH_MAX_BYTES = 1024  # the whole path below the source folder, well under PATH_MAX (4096)


class LimitError(SourceError):
    """The server sent more than a sync accepts (a limit, a name no file system should hold)."""


@dataclass(frozen=True)
class SyncLimits:
    max_bytes: int = 2 * 1024**3  # the whole mirror, by the sizes the listing gave
    request_seconds: float = 300.0  # one request, from sending it to the body's last byte
    sync_seconds: float = 1800.0  # the whole sync
    max_depth: int = 32  # folders below the source folder
    max_entries: int = 100_000  # files and folders

    def with_settings(self, settings: list[str] | tuple[str, ...]) -> SyncLimits:
        """These limits with `KEY=VALUE` settings applied (the `--limit` option)."""
        changes: dict[str, float | int] = {}
        for text in settings:
            key, _, value = text.partition("=")
            parse = _SETTINGS.get(key.strip())
            if parse is None:
                known = ", ".join(_SETTINGS)
                raise SourceError(f"--limit {text}: unknown limit (known: {known})")
            field, convert = parse
            try:
                number = convert(value.strip())
            except ValueError as e:
                raise SourceError(f"--limit {text}: {e}") from None
            if number <= 0:
                raise SourceError(f"--limit {text}: must be more than zero")
            changes[field] = number
        return replace(self, **changes)  # type: ignore[arg-type]


_SIZE = re.compile(r"^(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)$", re.IGNORECASE)
_UNITS = {"": 1, "k": 1000, "m": 1000**2, "g": 1000**3, "t": 1000**4}
_TIME = re.compile(r"^(\d+(?:\.\d+)?)\s*(ms|s|m|min|h)?$")


def parse_size(text: str) -> int:
    """Bytes from `500`, `20MB`, `2GB`, `1GiB`."""
    m = _SIZE.match(text)
    if not m:
        raise ValueError(f"{text!r} is not a size (like 500MB or 2GB)")
    unit = m.group(2).lower()
    base = 1024 if "i" in unit else 1000
    scale = base ** list(_UNITS).index(unit[:1]) if unit[:1] in _UNITS else 1
    return int(float(m.group(1)) * scale)


def parse_seconds(text: str) -> float:
    """Seconds from `30s`, `500ms`, `5m`, `1h` or a bare number of seconds."""
    m = _TIME.match(text)
    if not m:
        raise ValueError(f"{text!r} is not a duration (like 30s, 5m or 1h)")
    scale = {"ms": 0.001, "s": 1, "m": 60, "min": 60, "h": 3600}[m.group(2) or "s"]
    return float(m.group(1)) * scale


def _count(text: str) -> int:
    if not text.isdigit():
        raise ValueError(f"{text!r} is not a whole number")
    return int(text)


_SETTINGS = {
    "size": ("max_bytes", parse_size),
    "request": ("request_seconds", parse_seconds),
    "sync": ("sync_seconds", parse_seconds),
    "depth": ("max_depth", _count),
    "entries": ("max_entries", _count),
}
assert {f for f, _ in _SETTINGS.values()} == {f.name for f in fields(SyncLimits)}


def shorten(path: str, keep: int = 80) -> str:
    return path if len(path) <= keep else path[: keep - 1] + "…"


def name_problem(segment: str) -> str | None:
    """Why a single name cannot be mirrored, or None."""
    if segment in ("", ".", "..") or unicodedata.normalize("NFC", segment) in (".", ".."):
        return f"the name {segment!r} is not a file name"
    for bad in ("/", "\\", "\x00"):
        if bad in segment:
            return f"a name containing {bad!r}"
    size = len(segment.encode("utf-8", "surrogatepass"))
    if size > NAME_MAX_BYTES:
        return f"a name of {size} bytes (at most {NAME_MAX_BYTES})"
    control = next((c for c in segment if unicodedata.category(c) == "Cc"), None)
    if control is not None:
        return f"a name containing the control character {control!r}"
    return None


class SyncGuard:
    """The limits as one sync applies them: each listed entry is checked as it arrives (names,
    depth, count), the listed sizes before any download, and the clock between requests."""

    def __init__(self, limits: SyncLimits, label: str) -> None:
        self.limits = limits
        self.label = label.rstrip("/")
        self.deadline = time.monotonic() + limits.sync_seconds
        self._entries = 0
        self._lock = threading.Lock()

    def where(self, path: str) -> str:
        return f"{self.label}/{shorten(path)}" if path else self.label

    def entry(self, path: str, is_dir: bool) -> None:
        """One listed file or folder (`path` below the source folder)."""
        segments = path.split("/")
        for segment in segments:
            problem = name_problem(segment)
            if problem:
                raise LimitError(f"{self.where(path)}: refusing {problem}")
        size = len(path.encode("utf-8", "surrogatepass"))
        if size > PATH_MAX_BYTES:
            raise LimitError(
                f"{self.where(path)}: a path of {size} bytes (at most {PATH_MAX_BYTES})"
            )
        depth = len(segments) - (0 if is_dir else 1)
        if depth > self.limits.max_depth:
            raise LimitError(
                f"{self.where(path)}: more than {self.limits.max_depth} folders deep "
                "(--limit depth=N)"
            )
        with self._lock:
            self._entries += 1
            over = self._entries > self.limits.max_entries
        if over:
            raise LimitError(
                f"{self.where(path)}: more than {self.limits.max_entries} files and folders "
                "(--limit entries=N)"
            )
        self.clock(path)

    def clock(self, path: str) -> None:
        """Stop when the sync's time is up (checked before each request, and as entries come)."""
        if time.monotonic() > self.deadline:
            raise LimitError(
                f"{self.where(path)}: the sync took longer than {self.limits.sync_seconds:g} s "
                "(--limit sync=DURATION)"
            )

    def total(self, sizes: list[int]) -> None:
        """The listed file sizes together, before anything is downloaded."""
        total = sum(sizes)
        if total > self.limits.max_bytes:
            raise LimitError(
                f"{self.label}: the listed files add up to {total} bytes, more than the "
                f"{self.limits.max_bytes} bytes a mirror may hold (--limit size=SIZE)"
            )
