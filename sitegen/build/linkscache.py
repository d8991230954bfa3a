"""Layer 3: the links of each page body found by earlier builds (build/textlinks.py's
`links_in`), by a hash of the body, so a build after an edit scans only the bodies that changed.

Kept beside the output (`.sitegen/NAME.links.json`) as JSON; only entries the last build used
are kept. What a link leads to is checked every build: the cache holds what the text says.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from .textlinks import links_in

FORMAT = 1
Links = list[tuple[int, str]]


def cache_file(out_dir: Path) -> Path:
    return out_dir.parent / ".sitegen" / f"{out_dir.name}.links.json"


class LinksCache:
    def __init__(self, file: Path, known: dict[str, list[list[object]]] | None = None) -> None:
        self.file = file
        self._known = known or {}  # body hash -> [[line index, target], ...]
        self._used: dict[str, list[list[object]]] = {}

    @classmethod
    def load(cls, out_dir: Path) -> LinksCache:
        file = cache_file(out_dir)
        try:
            raw = json.loads(file.read_text(encoding="utf-8"))
            if raw.get("format") != FORMAT:
                return cls(file)
            return cls(file, dict(raw["entries"]))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return cls(file)

    def links(self, body: str) -> Links:
        """links_in(body) as a list, from the cache when this body was scanned before."""
        data = body.encode("utf-8", "surrogatepass")
        key = hashlib.blake2b(data, digest_size=16).hexdigest()
        hit = self._known.get(key)
        if hit is not None:
            try:
                found = [(int(str(n)), str(t)) for n, t in hit]
            except (ValueError, TypeError):
                pass
            else:
                self._used[key] = hit
                return found
        found = list(links_in(body))
        self._used[key] = [[n, t] for n, t in found]
        return found

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
