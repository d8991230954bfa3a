"""Where a machine keeps sitegen's own state: locks, status, caches, the publisher's key."""

from __future__ import annotations

import os
from pathlib import Path

from sitegen.publish.signing import default_key_path


def default_state_dir() -> Path:
    env = os.environ.get("SITEGEN_STATE_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_state_dir("sitegen"))


def signing_key_path(given: Path | None, state_dir: Path | None) -> Path:
    return given or default_key_path(state_dir or default_state_dir())
