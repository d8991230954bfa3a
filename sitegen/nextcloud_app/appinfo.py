"""The app info AppAPI registers: routes (what Nextcloud forwards, to whom), port and secret.

One route table feeds both forms: the JSON for `occ app_api:app:register --json-info` (a manual
install; `access_level` must be a number there, the strings register but every call then fails
with 500) and `appinfo/info.xml` for Docker / HaRP deployments (names there: PUBLIC, USER, ADMIN).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from sitegen import __version__
from sitegen.nextcloud_app.settings import AppSettings

PUBLIC, USER, ADMIN = 0, 1, 2
_LEVEL_NAMES = {PUBLIC: "PUBLIC", USER: "USER", ADMIN: "ADMIN"}


@dataclass(frozen=True)
class Route:
    url: str  # a regex AppAPI matches against "/<path>"
    verb: str  # "GET", or several: "GET,POST"
    access_level: int


# /api/webhook is not here: webhook_listeners calls the app directly, never through the proxy,
# so no user can post a made-up event.
ROUTES = (
    Route("^/api/publish$", "POST", USER),
    Route("^/api/file-action$", "POST", USER),
    Route("^/settings$", "GET,POST", USER),  # the personal settings page (personal.py)
    Route("^/sites/", "GET", PUBLIC),
)

NAME = "sitegen"
SUMMARY = "Publish a folder as a website, and host it"
DESCRIPTION = (
    "Builds a website from a folder in your files (Markdown, Jinja2 layouts, Sass) with "
    "sitegen, publishes it to another folder and, if you want, serves it publicly."
)


def app_info(settings: AppSettings) -> dict[str, Any]:
    """The JSON `--json-info` takes; it carries the secret, so it is printed, never logged."""
    return {
        "id": settings.app_id,
        "name": NAME,
        "version": settings.version,
        "secret": settings.secret,
        "port": settings.port,
        "routes": [{"url": r.url, "verb": r.verb, "access_level": r.access_level} for r in ROUTES],
    }


def app_info_json(settings: AppSettings) -> str:
    return json.dumps(app_info(settings), separators=(",", ":"))


def info_xml(version: str = __version__, image: str = "sitegen/sitegen-nextcloud-app") -> str:
    """appinfo/info.xml for an App Store, Docker or HaRP install (AppAPI makes the secret)."""
    routes = "\n".join(
        "\t\t\t<route>\n"
        f"\t\t\t\t<url>{escape(r.url)}</url>\n"
        f"\t\t\t\t<verb>{r.verb}</verb>\n"
        f"\t\t\t\t<access_level>{_LEVEL_NAMES[r.access_level]}</access_level>\n"
        "\t\t\t</route>"
        for r in ROUTES
    )
    return f"""<?xml version="1.0"?>
<info xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
\txsi:noNamespaceSchemaLocation="https://apps.nextcloud.com/schema/apps/info.xsd">
\t<id>{NAME}</id>
\t<name>{NAME}</name>
\t<summary>{escape(SUMMARY)}</summary>
\t<description>{escape(DESCRIPTION)}</description>
\t<version>{version}</version>
\t<licence>mit</licence>
\t<author>The sitegen authors</author>
\t<category>tools</category>
\t<bugs>https://github.com/sitegen/sitegen/issues</bugs>
\t<dependencies>
\t\t<nextcloud min-version="32" max-version="34"/>
\t</dependencies>
\t<external-app>
\t\t<docker-install>
\t\t\t<registry>ghcr.io</registry>
\t\t\t<image>{image}</image>
\t\t\t<image-tag>{version}</image-tag>
\t\t</docker-install>
\t\t<routes>
{routes}
\t\t</routes>
\t</external-app>
</info>
"""
