"""Layer 3: the files a build keeps for the next one (the stamp, the model, the caches): each
written whole or not at all (a reader sees the old file or the new one, never half), and
never the reason a build fails: a file that cannot be written only makes the next build slower."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def keep(path: Path, data: str | bytes) -> bool:
    """Write `data` (text as UTF-8) to `path` through a file beside it, then rename it into
    place; False when it could not be (no room, no permission), nothing left behind."""
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            tmp.write_text(data, encoding="utf-8")
        else:
            tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        return False
    return True
