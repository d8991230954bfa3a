"""The app's own personal settings page, `GET`/`POST /settings` through AppAPI's proxy (the
HTML and the guards: personal_form.py). It saves into the store Nextcloud's declarative form
reads, the user's ExApp preferences, acting as the user AppAPI authenticated."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from urllib.parse import urlsplit

import httpx
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from sitegen.errors import ConfigError
from sitegen.nextcloud_app import integration
from sitegen.nextcloud_app.personal_form import (
    PAGE_CSP,
    CrossSite,
    check_same_origin,
    check_token,
    form_values,
    issue_token,
    read_posted,
    render_page,
)
from sitegen.nextcloud_app.protocol import Caller
from sitegen.nextcloud_app.settings import AppSettings

log = logging.getLogger("sitegen.nextcloud_app")
PAGE_HEADERS = {
    "Content-Security-Policy": PAGE_CSP,
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
}
UNREADABLE = "Your settings could not be read from Nextcloud; try again in a moment."


class PersonalSettings:
    def __init__(self, settings: AppSettings) -> None:
        self.settings = settings
        # Settings > Sharing, where the declarative form is (a path: NEXTCLOUD_URL's host may
        # be an internal name the browser cannot reach)
        base = urlsplit(settings.nextcloud_url).path.rstrip("/")
        self.back = f"{base}/index.php/settings/user/{integration.SETTINGS_SECTION}"

    def _page(
        self, user: str, values: Mapping[str, object], message: str = "", status: int = 200
    ) -> Response:
        token = issue_token(self.settings, user)
        html = render_page(values, token, user, self.back, message, error=status >= 400)
        return HTMLResponse(html, status, PAGE_HEADERS)

    async def show(self, request: Request, caller: Caller) -> Response:
        if not caller.user:
            return HTMLResponse("log in to Nextcloud first\n", 401, PAGE_HEADERS)
        try:
            values = await run_in_threadpool(integration.user_settings, self.settings, caller.user)
        except httpx.HTTPError as exc:
            log.warning("reading the settings of %s failed: %s", caller.user, type(exc).__name__)
            return self._page(caller.user, dict(integration.DEFAULTS), UNREADABLE, 502)
        return self._page(caller.user, values)

    async def save(self, request: Request, caller: Caller) -> Response:
        """A POST of the page's form: checked to come from the page, then stored as the user."""
        if not caller.user:
            return HTMLResponse("log in to Nextcloud first\n", 401, PAGE_HEADERS)
        posted = read_posted(await request.body())
        try:
            check_same_origin(request.headers, self.settings)
            check_token(self.settings, caller.user, posted.get("token", ""))
        except CrossSite as exc:
            log.warning("refused a settings POST for %s: %s", caller.user, exc)
            page = "Not saved: this form did not come from this page. Open the page again."
            return HTMLResponse(page + "\n", 403, PAGE_HEADERS)
        try:
            values = form_values(posted)
        except ConfigError as exc:
            shown = {k: posted.get(k, "") for k in integration.DEFAULTS}  # as sent, to correct
            return self._page(caller.user, shown, f"Not saved: {exc}", 400)
        try:
            await run_in_threadpool(
                integration.save_user_settings, self.settings, caller.user, values
            )
        except httpx.HTTPError as exc:
            log.warning("saving the settings of %s failed: %s", caller.user, type(exc).__name__)
            return self._page(caller.user, values, "Not saved: Nextcloud refused it.", 502)
        return self._page(caller.user, values, "Saved.")
