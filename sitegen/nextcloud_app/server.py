"""Run the app under uvicorn until stopped."""

from __future__ import annotations

import logging
import os

import uvicorn

from sitegen.nextcloud_app.routes import build_app
from sitegen.nextcloud_app.settings import AppSettings


def serve(settings: AppSettings) -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per WebDAV call is noise
    settings.storage.mkdir(parents=True, exist_ok=True)
    poll = float(os.environ.get("SITEGEN_APP_POLL_SECONDS", "60"))
    app = build_app(settings, on_enabled=_on_enabled, poll=poll)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="info")


def _on_enabled(settings: AppSettings, enabled: bool) -> None:
    """Enabling registers the Files action and the settings form (AppAPI drops them itself
    when the app is disabled or removed)."""
    from sitegen.nextcloud_app.integration import register_ui

    if enabled:
        register_ui(settings)
