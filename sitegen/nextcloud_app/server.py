"""Run the app under uvicorn until stopped."""

from __future__ import annotations

import logging

import uvicorn

from sitegen.nextcloud_app.routes import build_app
from sitegen.nextcloud_app.settings import AppSettings


def serve(settings: AppSettings) -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per WebDAV call is noise
    settings.storage.mkdir(parents=True, exist_ok=True)
    app = build_app(settings)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="info")
