"""Layer 3: the stylesheets the last build of an output compiled, kept beside it
(`.sitegen/NAME.css.json`), so a build that changed no style file neither loads libsass nor
compiles again (on the 4000-page corpus, 5 % of a one-page edit's rebuild).

A stylesheet's CSS is taken from the cache only when its key matches (the file's signature,
where Sass searches, the names of every style file of the site and its themes, so that a new
file that an `@import` would now find changes it, and libsass as installed) and every file it
imported last time still has the signature it had then. A stylesheet that failed to compile, or
whose files changed too recently for their times to tell two writes apart, is not kept.
"""

from __future__ import annotations

import importlib.util
import json
import os
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from .keptfile import keep
from .stamp import RACY_NS

try:  # hashlib.blake2b without hashlib's loading of OpenSSL (as compiler/stamp.py does)
    from _blake2 import blake2b
except ImportError:  # pragma: no cover
    from hashlib import blake2b

FORMAT = 1
STYLE_SUFFIXES = (".scss", ".sass", ".css")
Compile = Callable[[list[str]], str]  # compiles, appending the files it imported to the list


def _signature(path: str) -> list[int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def _libsass() -> list[object]:
    """libsass as installed (a new version may compile differently), without importing it."""
    spec = importlib.util.find_spec("_sass")
    origin = spec.origin if spec is not None else None
    return [origin, _signature(origin) if origin else None]


class StyleCache:
    def __init__(self, file: Path | None, names: Iterable[str], read: bool = True) -> None:
        """`file`: where it is kept (None: nothing kept); `names`: every style file's display
        name in the site and its themes; `read`: whether to take what it holds (not --clean)."""
        self.file = file
        self._entries: dict[str, dict[str, object]] = self._read() if file and read else {}
        self._names = blake2b("\0".join(sorted(names)).encode(), digest_size=16).hexdigest()
        self._changed = False

    @classmethod
    def beside(cls, out_dir: Path | None, names: Iterable[str], read: bool) -> StyleCache:
        file = out_dir.parent / ".sitegen" / f"{out_dir.name}.css.json" if out_dir else None
        return cls(file, names, read)

    def _read(self) -> dict[str, dict[str, object]]:
        assert self.file is not None
        try:
            raw = json.loads(self.file.read_text(encoding="utf-8"))
            if raw.get("format") != FORMAT or not isinstance(raw.get("styles"), dict):
                return {}
            return {str(k): v for k, v in raw["styles"].items() if isinstance(v, dict)}
        except (OSError, ValueError, AttributeError):
            return {}

    def css(self, out: str, source: Path, search: Sequence[Path], compile_: Compile) -> str:
        """The CSS of the stylesheet `source` written to `out`: kept, or compiled (raising what
        compiling raises)."""
        key = self._key(out, source, search)
        kept = self._entries.get(out)
        if kept is not None and kept.get("key") == key and self._deps_hold(kept.get("deps")):
            text = kept.get("css")
            if isinstance(text, str):
                return text
        imported: list[str] = []
        started = time.time_ns()
        text = compile_(imported)
        found = {path: _signature(path) for path in imported}
        signatures = [_signature(str(source)), *found.values()]
        if all(sig is not None and max(sig[1:3]) < started - RACY_NS for sig in signatures):
            deps = [[path, sig] for path, sig in found.items()]
            self._entries[out] = {"key": key, "css": text, "deps": deps}
        else:  # a file changed too recently for its times to tell two writes apart
            self._entries.pop(out, None)
        self._changed = True
        return text

    def _key(self, out: str, source: Path, search: Sequence[Path]) -> str:
        parts = [FORMAT, out, str(source), _signature(str(source)), [str(p) for p in search]]
        parts += [self._names, _libsass()]
        return blake2b(json.dumps(parts).encode(), digest_size=16).hexdigest()

    @staticmethod
    def _deps_hold(deps: object) -> bool:
        if not isinstance(deps, list):
            return False
        for dep in deps:
            if not (isinstance(dep, list) and len(dep) == 2 and isinstance(dep[0], str)):
                return False
            if dep[1] is None or _signature(dep[0]) != dep[1]:
                return False
        return True

    def save(self, outs: Iterable[str]) -> None:
        """Keep the entries of these stylesheets (of this build) when any changed; never fails
        a build."""
        kept = {out: self._entries[out] for out in outs if out in self._entries}
        if self.file is None or (not self._changed and kept.keys() == self._entries.keys()):
            return
        keep(self.file, json.dumps({"format": FORMAT, "styles": kept}))
