"""The app's settings, from the environment variables AppAPI sets when it deploys an ExApp."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from sitegen.errors import ConfigError

APP_ID = "sitegen"
PROXY_PATH = "/index.php/apps/app_api/proxy"


@dataclass(frozen=True)
class AppSettings:
    app_id: str
    secret: str = field(repr=False)  # never in a repr, a log or an answer
    version: str
    host: str
    port: int
    nextcloud_url: str  # no trailing slash
    storage: Path  # APP_PERSISTENT_STORAGE: mirrors, hosted sites, state

    @property
    def proxy_prefix(self) -> str:
        """The path under which Nextcloud forwards requests to this app (no trailing slash)."""
        base = urlsplit(self.nextcloud_url).path.rstrip("/")
        return f"{base}{PROXY_PATH}/{self.app_id}"

    @property
    def public_origin(self) -> str:
        parts = urlsplit(self.nextcloud_url)
        return f"{parts.scheme}://{parts.netloc}"


_NAMES = ("APP_ID", "APP_SECRET", "APP_VERSION", "APP_PORT", "NEXTCLOUD_URL")


def from_env(env: Mapping[str, str] | None = None) -> AppSettings:
    """Settings from AppAPI's variables; a ConfigError naming every one that is missing."""
    env = os.environ if env is None else env
    missing = [name for name in _NAMES if not env.get(name)]
    if missing:
        raise ConfigError(
            f"the app needs the environment variables AppAPI sets: {', '.join(missing)} missing"
        )
    try:
        port = int(env["APP_PORT"])
    except ValueError:
        raise ConfigError(f"APP_PORT={env['APP_PORT']!r} is not a port number") from None
    url = env["NEXTCLOUD_URL"].rstrip("/")
    if urlsplit(url).scheme not in ("http", "https"):
        raise ConfigError(f"NEXTCLOUD_URL={url!r} is not an http(s) URL")
    storage = Path(env.get("APP_PERSISTENT_STORAGE") or Path.cwd() / "sitegen-app-data")
    return AppSettings(
        app_id=env["APP_ID"],
        secret=env["APP_SECRET"],
        version=env["APP_VERSION"],
        host=env.get("APP_HOST") or "127.0.0.1",
        port=port,
        nextcloud_url=url,
        storage=storage,
    )
