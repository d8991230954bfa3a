"""The app's HTTP interface (starlette): AppAPI's lifecycle endpoints, the publish API and the
public sites. Every route but /heartbeat checks AppAPI's secret; every failure answers JSON."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from sitegen.errors import BuildError, SitegenError
from sitegen.nextcloud_app import integration
from sitegen.nextcloud_app.hosting import CSP, Sites
from sitegen.nextcloud_app.protocol import Caller, NotAuthorized, check_request
from sitegen.nextcloud_app.publishing import Busy, Publisher
from sitegen.nextcloud_app.request import PublishRequest, folder, parse_request
from sitegen.nextcloud_app.settings import AppSettings
from sitegen.nextcloud_app.watch import Watcher
from sitegen.webdav.errors import AuthenticationError, ForbiddenError, LockedError, NotFoundError

log = logging.getLogger("sitegen.nextcloud_app")
Handler = Callable[[Request], Awaitable[Response]]
Hook = Callable[[AppSettings, bool], None]


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


def build_app(
    settings: AppSettings,
    on_enabled: Hook | None = None,
    poll: float = 60.0,
) -> Starlette:
    sites = Sites(settings.storage)
    publisher = Publisher(settings, sites)
    watcher = Watcher(publisher, poll=poll)

    def run(user: str, req: PublishRequest) -> dict[str, Any]:
        answer = publisher.publish(user, req)
        if req.watch is not None:
            watcher.after_publish(user, req, req.watch, answer.get("source_etag"))
        return answer

    def authorized(handler: Callable[[Request, Caller], Awaitable[Response]]) -> Handler:
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

    async def init(request: Request, caller: Caller) -> Response:
        from sitegen.nextcloud_app.protocol import set_init_progress

        return JSONResponse({}, background=BackgroundTask(set_init_progress, settings, 100))

    async def enabled(request: Request, caller: Caller) -> Response:
        on = request.query_params.get("enabled") == "1"
        error = ""
        if on_enabled is not None:
            try:
                await run_in_threadpool(on_enabled, settings, on)
            except Exception as exc:  # reported to AppAPI, which then keeps the app disabled
                log.exception("enabling failed")
                error = f"{type(exc).__name__}: {exc}"
        return JSONResponse({"error": error})

    async def publish(request: Request, caller: Caller) -> Response:
        if not caller.user:
            return JSONResponse({"error": "log in to publish"}, status_code=401)
        try:
            req = parse_request(await request.body())
            answer: dict[str, Any] = await run_in_threadpool(run, caller.user, req)
        except SitegenError as exc:
            return error_answer(exc)
        return JSONResponse(answer)

    async def file_action(request: Request, caller: Caller) -> Response:
        """ "Publish as website" on a folder in Files: the user's saved settings say where."""
        if not caller.user:
            return JSONResponse({"error": "log in to publish"}, status_code=401)
        try:
            chosen = await request.json()
            name = f"{chosen.get('directory', '')}/{chosen.get('name', '')}"
            saved = await run_in_threadpool(integration.user_settings, settings, caller.user)
            req = PublishRequest(
                folder(name, "folder"),
                folder(saved["target"], "target"),
                bool(saved["public"]),
                bool(saved["watch"]),
            )
            answer: dict[str, Any] = await run_in_threadpool(run, caller.user, req)
        except SitegenError as exc:
            return error_answer(exc)
        except (ValueError, AttributeError):
            return JSONResponse({"error": "a Files action payload expected"}, status_code=400)
        return JSONResponse(answer)

    async def webhook(request: Request, caller: Caller) -> Response:
        try:
            event = await request.json()
        except ValueError:
            return JSONResponse({"error": "JSON expected"}, status_code=400)
        due = watcher.on_event(event) if isinstance(event, dict) else 0
        return JSONResponse({"due": due})

    async def site(request: Request, caller: Caller) -> Response:
        found = sites.find(request.path_params["sid"], request.path_params.get("path", ""))
        headers = {
            "Content-Security-Policy": CSP,
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-cache",
        }
        if found is None:
            return Response("not found\n", 404, headers, media_type="text/plain")
        return FileResponse(found.path, found.status, headers, media_type=found.content_type)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        watcher.start()
        yield
        watcher.stop()

    app = Starlette(
        lifespan=lifespan,
        routes=[
            Route("/heartbeat", heartbeat, methods=["GET"]),
            Route("/init", authorized(init), methods=["POST"]),
            Route("/enabled", authorized(enabled), methods=["PUT"]),
            Route("/api/publish", authorized(publish), methods=["POST"]),
            Route("/api/file-action", authorized(file_action), methods=["POST"]),
            Route("/api/webhook", authorized(webhook), methods=["POST"]),
            Route("/sites/{sid}", authorized(site), methods=["GET"]),
            Route("/sites/{sid}/{path:path}", authorized(site), methods=["GET"]),
        ],
    )
    app.state.watcher = watcher
    return app
