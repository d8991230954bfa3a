"""Layer 2: compiled templates kept between builds, so a build need not compile them again.

A kept template is Python code that runs when it is loaded, outside the sandbox, so where it is
kept must be safe from anyone who may not run code as this user:

- beside the output (`.sitegen/jinja-KIND-HASH/`), a folder that may sit in a shared or synced
  folder co-authors can write to, a file counts only under the MAC of the user's cache key
  (compiler/cachekey.py), as the model cache's does;
- in the user's cache folder (`private`), shared by every site, for the templates of the themes
  shipped with sitegen, a file is read only from a real folder of this user's that no one else
  may write to (made so here).
"""

from __future__ import annotations

import hashlib
import hmac
import io
import os
import stat
from pathlib import Path

import jinja2
import jinja2.bccache

from sitegen import __version__

from . import environments, inlining
from . import limits as guards

_MAC_BYTES = 32


class KeptBytecode(jinja2.BytecodeCache):
    """Compiled templates of one kind ("sandbox", "trusted") in FOLDER/jinja-KIND-HASH/: read
    when there, written only by `save()`, after a build that succeeded (a failed build writes
    nothing). The folder's name hashes the code that shapes what templates compile to (the
    sandbox, guards, inlining, the environments' options); `depends` is what else a template's
    compiled code depends on besides its source (the partials compiled into it), part of the
    checksum a kept template must match. `key`: the MAC key of a store beside the output;
    `private`: a store in the user's own cache folder (see the module). Neither: not kept."""

    def __init__(
        self, folder: Path | None, kind: str, *, key: bytes | None = None, private: bool = False
    ) -> None:
        h = hashlib.blake2b(digest_size=8)
        h.update(f"{__version__}\0{jinja2.__version__}\0{kind}".encode())
        here = Path(__file__)
        shaping = (guards.__file__, inlining.__file__, environments.__file__, here)
        for file in (*map(Path, map(str, shaping)), here.with_name("templates.py")):
            h.update(file.read_bytes())
        usable = folder is not None and (key is not None or private)
        self.folder = folder / f"jinja-{kind}-{h.hexdigest()}" if usable and folder else None
        self.key, self.private = key, private
        self._readable: bool | None = None  # a private store's folder checked (once)
        self.pending: dict[str, bytes] = {}
        self.depends = ""

    def get_source_checksum(self, source: str) -> str:
        return hashlib.sha1(f"{self.depends}\0{source}".encode()).hexdigest()

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if self.folder is None or not self._may_read():
            return
        try:
            with open(self.folder / f"{bucket.key}.cache", "rb") as f:
                data = f.read()
        except OSError:
            return
        if self.key is not None:
            given, data = data[:_MAC_BYTES], data[_MAC_BYTES:]
            if not hmac.compare_digest(given, self._mac(data)):
                return  # not written by this user's builds: compiled again
        bucket.load_bytecode(io.BytesIO(data))

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        data = bucket.bytecode_to_string()
        self.pending[bucket.key] = self._mac(data) + data if self.key is not None else data

    def save(self) -> None:
        """Write what was compiled since the last save; never fails a build."""
        if self.folder is None or not self.pending:
            return
        try:
            self.folder.mkdir(mode=0o700 if self.private else 0o777, parents=True, exist_ok=True)
            if self.private and not _only_mine(self.folder):
                return  # not a folder it would read from
            for key, data in self.pending.items():
                tmp = self.folder / f"{key}.tmp-{os.getpid()}"
                tmp.write_bytes(data)
                os.replace(tmp, self.folder / f"{key}.cache")
        except OSError:
            return  # only the next build compiles again
        self.pending = {}

    def _may_read(self) -> bool:
        if not self.private:
            return True
        if self._readable is None:
            assert self.folder is not None
            self._readable = _only_mine(self.folder)
        return self._readable

    def _mac(self, data: bytes) -> bytes:
        assert self.key is not None
        return hashlib.blake2b(
            data, key=self.key, digest_size=_MAC_BYTES, person=b"sitegen-jinja"
        ).digest()


def _only_mine(folder: Path) -> bool:
    """Whether `folder` is a folder (not a link) of this user's that no one else may write to."""
    try:
        st = os.lstat(folder)
    except OSError:
        return False
    owner = os.getuid() if hasattr(os, "getuid") else None  # none on Windows: never trusted
    return stat.S_ISDIR(st.st_mode) and st.st_uid == owner and not st.st_mode & 0o022
