"""Layer 3: the links of each page body found by earlier builds (compiler/textlinks.py's
`links_in`), by a hash of the body, so a build after an edit scans only the bodies that changed.

Kept beside the output (`.sitegen/NAME.links.json`) as JSON; only entries the last build used
are kept. What a link leads to is checked every build: the cache holds what the text says.
"""

from __future__ import annotations

import hashlib

from .textlinks import links_in
from .usedentries import UsedEntries

Links = list[tuple[int, str]]


class LinksCache(UsedEntries):
    """Body hash -> [[line index, target], ...]."""

    KIND = "links"

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


class LinksMemo:
    """links_in by body, in memory, for the preview's builds (its pages' bodies are the keys,
    which those pages hold anyway). `forget_unused` drops what the last load did not ask for."""

    def __init__(self) -> None:
        self._known: dict[str, Links] = {}
        self._used: dict[str, Links] = {}

    def links(self, body: str) -> Links:
        found = self._used.get(body)
        if found is None:
            found = self._known.get(body)
            if found is None:
                found = list(links_in(body))
            self._used[body] = found
        return found

    def forget_unused(self) -> None:
        self._known, self._used = self._used, {}
