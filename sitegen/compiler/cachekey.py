"""Layer 3: the secret that authenticates what a build keeps beside its output in a form that is
not plain data (compiler/modelcache.py's pickle).

The output's folder may sit inside a shared or synced folder that co-authors can write to, so a
file there must never be able to run code when read. The key lives outside every site, in the
user's cache folder (`$XDG_CACHE_HOME/sitegen/cache-key`, else `~/.cache/...`), made once with
mode 0600; a file is unpickled only when its MAC under this key checks. No usable key (a
folder that cannot be written, a key file others may read or write): no such cache is read or
written, and builds do all their work.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
from pathlib import Path

KEY_BYTES = 32
MAC_BYTES = 32
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)  # not on Windows, where no key is trusted anyway


def key_file() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "sitegen" / "cache-key"


def secret_key(create: bool = True) -> bytes | None:
    """This user's key (made when missing and `create`), or None when none can be trusted."""
    path = key_file()
    try:
        return _read_key(path)
    except FileNotFoundError:
        if not create:
            return None
    except OSError:
        return None
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(os.urandom(KEY_BYTES))
        return _read_key(path)
    except OSError:  # made by another build meanwhile, or cannot be made
        try:
            return _read_key(path)
        except OSError:
            return None


def _read_key(path: Path) -> bytes | None:
    fd = os.open(path, os.O_RDONLY | _NOFOLLOW)
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        private = stat.S_ISREG(st.st_mode) and not st.st_mode & 0o077
        if not private or not hasattr(os, "getuid") or st.st_uid != os.getuid():
            return None  # others could read it (and forge) or wrote it
        key = f.read(KEY_BYTES + 1)
    return key if len(key) == KEY_BYTES else None


def mac(key: bytes, data: bytes) -> bytes:
    return hashlib.blake2b(data, key=key, digest_size=MAC_BYTES, person=b"sitegen-cache").digest()


def authentic(key: bytes, data: bytes, given: bytes) -> bool:
    return hmac.compare_digest(mac(key, data), given)
