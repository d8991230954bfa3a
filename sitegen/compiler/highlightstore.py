"""Layer 3: code blocks highlighted by earlier builds, kept beside the output so the next build
that renders a page again lexes only the blocks that changed.

The store is a folder (`.sitegen/highlight-PYGMENTS_VERSION/`) of 16 JSON shards, by the first
hex digit of a block's key. A build reads only the shards of the blocks it looks up: a one-page
edit reads one or two of ~250 kB, where one file of every block (3.9 MB on the 4000-page corpus)
cost it 3 % of its instructions to decode. Fewer shards are cheaper to write: a cold build wrote
256 of them after its pages, 0.12-0.37 s of serial time while the disk was busy with the pages
it had just written, 16 take 0.02-0.03 s. A build that renders many pages reads every shard
before its render workers fork (`load_all`), so each worker does not read them again.

Workers send the blocks they highlighted back with their results (`drain`), and the parent
`merge`s them and writes the shards that changed once, after the build. A block no build has
used for a month is dropped when its shard is written.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import os
from collections.abc import Callable
from pathlib import Path

from .keptfile import keep

try:  # hashlib.blake2b without hashlib's loading of OpenSSL (as compiler/stamp.py does)
    from _blake2 import blake2b
except ImportError:  # pragma: no cover
    from hashlib import blake2b

FORMAT = 2
SHARDS = tuple(f"{n:x}" for n in range(16))  # a block's shard: its key's first hex digit
_LEGACY_SHARD = 2  # hex digits in the name of a shard of the earlier 256-shard layout


class HighlightStore:
    """Highlighted code blocks by language and code, read shard by shard when asked for."""

    MAX_AGE = dt.timedelta(days=30)

    def __init__(self, folder: Path | Callable[[], Path]) -> None:
        self._folder = folder  # or how to find it, when first needed
        self._known: dict[str, tuple[str, int]] = {}  # key -> (html, ordinal of its last use)
        self._loaded: set[str] = set()  # shards read into _known
        self._fresh: dict[str, str] = {}  # highlighted by this process since the last drain
        self._used: set[str] = set()  # known keys looked up since the last drain

    @classmethod
    def load(cls, out_dir: Path) -> HighlightStore:
        """The store beside `out_dir` (nothing is read until a block is looked up)."""

        def folder() -> Path:  # named by Pygments' version: imported only once a block needs it
            import pygments

            return out_dir.parent / ".sitegen" / f"highlight-{pygments.__version__}"

        return cls(folder)

    @functools.cached_property
    def folder(self) -> Path:
        return self._folder if isinstance(self._folder, Path) else self._folder()

    @staticmethod
    def _key(language: str, code: str) -> str:
        data = f"{language}\0{code}".encode("utf-8", "surrogateescape")
        return blake2b(data, digest_size=16).hexdigest()

    def _shard(self, name: str) -> None:
        """Read one shard into _known, once; a missing, unreadable or foreign one is empty."""
        if name in self._loaded:
            return
        self._loaded.add(name)
        try:
            raw = json.loads((self.folder / f"{name}.json").read_text(encoding="utf-8"))
            if raw.get("format") != FORMAT:
                return
            blocks = {str(k): (str(v[0]), int(v[1])) for k, v in raw["blocks"].items()}
        except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
            return
        for key, entry in blocks.items():
            self._known.setdefault(key, entry)  # a block highlighted here already wins

    def load_all(self) -> None:
        """Read every shard (before forking workers that would each read them)."""
        if self.folder.is_dir():
            for name in SHARDS:
                self._shard(name)
        else:
            self._loaded.update(SHARDS)

    def get(self, language: str, code: str) -> str | None:
        key = self._key(language, code)
        fresh = self._fresh.get(key)
        if fresh is not None:
            return fresh
        self._shard(_shard_of(key))
        known = self._known.get(key)
        if known is None:
            return None
        self._used.add(key)
        return known[0]

    def put(self, language: str, code: str, html: str) -> None:
        self._fresh[self._key(language, code)] = html

    def drain(self) -> tuple[dict[str, str], set[str]]:
        """What this process highlighted and reused since the last drain (a worker sends it to
        the parent); the new blocks stay known here for the worker's next pages."""
        fresh, used = self._fresh, self._used
        self._fresh, self._used = {}, set()
        self._known.update((k, (h, 0)) for k, h in fresh.items())
        return fresh, used

    def merge(self, fresh: dict[str, str], used: set[str]) -> None:
        """Take in what a worker drained."""
        self._fresh.update(fresh)
        self._used |= used

    def save(self, today: dt.date | None = None) -> None:
        """Write the shards this build added to, reused from or dropped from (of those it read);
        never fails a build."""
        day = (today or dt.date.today()).toordinal()
        oldest = day - self.MAX_AGE.days
        changed = {_shard_of(key) for key in self._fresh}
        for name in changed | {_shard_of(key) for key in self._used}:
            self._shard(name)  # a worker's blocks may land in a shard the parent never read
        for key, html in self._fresh.items():
            self._known[key] = (html, day)
        for key in self._used:
            known = self._known.get(key)
            if known is not None and known[1] != day:
                self._known[key] = (known[0], day)
                changed.add(_shard_of(key))
        aged = {key for key, (_, used) in self._known.items() if used < oldest}
        changed |= {_shard_of(key) for key in aged}
        for key in aged:
            del self._known[key]
        self._fresh, self._used = {}, set()
        if not changed:
            return
        shards: dict[str, dict[str, tuple[str, int]]] = {name: {} for name in changed}
        for key, entry in self._known.items():
            blocks = shards.get(_shard_of(key))
            if blocks is not None:
                blocks[key] = entry
        for name, blocks in shards.items():
            self._write(name, blocks)
        self._drop_legacy()

    def _drop_legacy(self) -> None:
        """Remove the stores of earlier sitegens, stale now: the one-file store (the folder's
        name with .json) and the 256 shards named by two hex digits."""
        Path(f"{self.folder}.json").unlink(missing_ok=True)
        with contextlib.suppress(OSError), os.scandir(self.folder) as entries:
            for entry in entries:
                stem, _, suffix = entry.name.partition(".")
                legacy = len(stem) == _LEGACY_SHARD and all(c in SHARDS for c in stem)
                if legacy and suffix == "json":
                    with contextlib.suppress(OSError):
                        os.unlink(entry.path)

    def _write(self, name: str, blocks: dict[str, tuple[str, int]]) -> None:
        keep(self.folder / f"{name}.json", json.dumps({"format": FORMAT, "blocks": blocks}))


def _shard_of(key: str) -> str:
    return key[:1]
