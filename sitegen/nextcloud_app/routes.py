"""The app's HTTP interface (starlette): AppAPI's lifecycle endpoints, the publish API and the
public sites. Every route but /heartbeat checks AppAPI's secret; every failure answers JSON."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from sitegen.errors import BuildError, SitegenError
from sitegen.nextcloud_app import integration
from sitegen.nextcloud_app.hosting import CSP, Sites
from sitegen.nextcloud_app.personal import PersonalSettings
from sitegen.nextcloud_app.protocol import Caller, NotAuthorized, check_request
from sitegen.nextcloud_app.publishing import Busy, Publisher
from sitegen.nextcloud_app.request import (
    PublishRequest,
    action_folder,
    action_request,
    parse_request,
)
from sitegen.nextcloud_app.settings import AppSettings
from sitegen.nextcloud_app.watch import Watcher
from sitegen.webdav.errors import AuthenticationError, ForbiddenError, LockedError, NotFoundError

log = logging.getLogger("sitegen.nextcloud_app")
Handler = Callable[[Request], Awaitable[Response]]
CallerHandler = Callable[[Request, Caller], Awaitable[Response]]
Hook = Callable[[AppSettings, bool], None]
SITE_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
}


def error_answer(exc: SitegenError) -> JSONResponse:
    """A user error as JSON: the CLI's lines (`path:line: message`), a 4xx status."""
    if isinstance(exc, BuildError):
        messages = [str(d) for d in exc.diagnostics]
        n = len(messages)
        messages.append(f"build failed: {n} error{'s' if n != 1 else ''}")
        status = 422
    else:
        messages = str(exc).splitlines() or [type(exc).__name__]
        status = next((code for kind, code in _STATUS.items() if isinstance(exc, kind)), 400)
    return JSONResponse({"error": messages[0], "messages": messages}, status_code=status)


_STATUS: dict[type[SitegenError], int] = {
    NotFoundError: 404,
    ForbiddenError: 403,
    AuthenticationError: 403,
    LockedError: 423,
    Busy: 409,
}


def authorized(settings: AppSettings, handler: CallerHandler) -> Handler:
    """The handler behind AppAPI's secret: a request without it is answered 401."""

    async def checked(request: Request) -> Response:
        try:
            caller = check_request(request.headers, settings)
        except NotAuthorized as exc:
            log.warning("refused a request to %s: %s", request.url.path, exc)
            return JSONResponse({"error": "not authorized"}, status_code=401)
        return await handler(request, caller)

    return checked


async def heartbeat(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


class Lifecycle:
    """AppAPI's calls when it registers, enables or disables the app."""

    def __init__(self, settings: AppSettings, on_enabled: Hook | None) -> None:
        self.settings = settings
        self.on_enabled = on_enabled

    async def init(self, request: Request, caller: Caller) -> Response:
        from sitegen.nextcloud_app.protocol import set_init_progress

        task = BackgroundTask(set_init_progress, self.settings, 100)
        return JSONResponse({}, background=task)

    async def enabled(self, request: Request, caller: Caller) -> Response:
        on = request.query_params.get("enabled") == "1"
        error = ""
        if self.on_enabled is not None:
            try:
                await run_in_threadpool(self.on_enabled, self.settings, on)
            except Exception as exc:  # reported to AppAPI, which then keeps the app disabled
                log.exception("enabling failed")
                error = f"{type(exc).__name__}: {exc}"
        return JSONResponse({"error": error})


class Publishing:
    """The publish API, the Files action, the webhook events and the public sites."""

    def __init__(self, settings: AppSettings, poll: float) -> None:
        self.settings = settings
        self.sites = Sites(settings.storage)
        self.publisher = Publisher(settings, self.sites)
        self.watcher = Watcher(self.publisher, poll=poll)

    def run(self, user: str, req: PublishRequest) -> dict[str, Any]:
        answer = self.publisher.publish(user, req)
        if req.watch is not None:
            self.watcher.after_publish(user, req, req.watch, answer.get("source_etag"))
        return answer

    async def publish(self, request: Request, caller: Caller) -> Response:
        if not caller.user:
            return JSONResponse({"error": "log in to publish"}, status_code=401)
        try:
            req = parse_request(await request.body())
            answer = await run_in_threadpool(self.run, caller.user, req)
        except SitegenError as exc:
            return error_answer(exc)
        return JSONResponse(answer)

    async def file_action(self, request: Request, caller: Caller) -> Response:
        """ "Publish as website" on a folder in Files: the user's saved settings say where."""
        if not caller.user:
            return JSONResponse({"error": "log in to publish"}, status_code=401)
        try:
            source = action_folder(await request.body())
            saved = await run_in_threadpool(integration.user_settings, self.settings, caller.user)
            req = action_request(source, saved)
            answer = await run_in_threadpool(self.run, caller.user, req)
        except SitegenError as exc:
            return error_answer(exc)
        except httpx.HTTPError as exc:  # the settings could not be read: publish nothing
            log.warning("reading the settings of %s failed: %s", caller.user, type(exc).__name__)
            return JSONResponse({"error": "your settings could not be read"}, status_code=502)
        return JSONResponse(answer)

    async def webhook(self, request: Request, caller: Caller) -> Response:
        try:
            event = await request.json()
        except ValueError:
            return JSONResponse({"error": "JSON expected"}, status_code=400)
        due = self.watcher.on_event(event) if isinstance(event, dict) else 0
        return JSONResponse({"due": due})

    async def site(self, request: Request, caller: Caller) -> Response:
        path = request.path_params.get("path", "")
        found = self.sites.find(request.path_params["sid"], path)
        if found is None:
            return Response("not found\n", 404, SITE_HEADERS, media_type="text/plain")
        return FileResponse(found.path, found.status, SITE_HEADERS, media_type=found.content_type)


def build_app(
    settings: AppSettings,
    on_enabled: Hook | None = None,
    poll: float = 60.0,
) -> Starlette:
    """The app: every route but /heartbeat behind AppAPI's secret; the republish worker runs
    while the app does."""
    life = Lifecycle(settings, on_enabled)
    api = Publishing(settings, poll)
    page = PersonalSettings(settings)

    def secret(handler: CallerHandler) -> Handler:
        return authorized(settings, handler)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        api.watcher.start()
        yield
        api.watcher.stop()

    app = Starlette(
        lifespan=lifespan,
        routes=[
            Route("/heartbeat", heartbeat, methods=["GET"]),
            Route("/init", secret(life.init), methods=["POST"]),
            Route("/enabled", secret(life.enabled), methods=["PUT"]),
            Route("/api/publish", secret(api.publish), methods=["POST"]),
            Route("/api/file-action", secret(api.file_action), methods=["POST"]),
            Route("/api/webhook", secret(api.webhook), methods=["POST"]),
            Route("/settings", secret(page.show), methods=["GET"]),
            Route("/settings", secret(page.save), methods=["POST"]),
            Route("/sites/{sid}", secret(api.site), methods=["GET"]),
            Route("/sites/{sid}/{path:path}", secret(api.site), methods=["GET"]),
        ],
    )
    app.state.watcher = api.watcher
    return app
