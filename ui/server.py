"""`askdocs serve`: one process, one port, every surface.

    /v1/...        REST and the OpenAI-compatible routes (ui.api.rest, ui.api.chat)
    /mcp           the MCP server, streamable HTTP (ui.api.tools)
    /healthz, /readyz, /docs, /openapi.json
    /              the web chat (Gradio), mounted last so that the routes above take precedence

All of them share one library, one set of assistants and one LLM queue. uvicorn runs it.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any
from importlib import metadata

from fastapi import FastAPI, Request
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException
from starlette.routing import Match, Mount

from index.library import Library
from ingest.errors import NotFound
from ui.api import chat, errors, rest, tools
from ui.api.guards import LimitBody, RequireKey
from ui.api.service import Service
from ui.assistants import Assistants
from ui.settings import Settings

log = logging.getLogger(__name__)

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

DESCRIPTION = """Ask your documents over HTTP: cited answers, search, documents, collections and evaluation runs.

Every route under /v1 (and /mcp) needs `Authorization: Bearer KEY` when ASKDOCS_API_KEY is set.
Errors are `{"error": {"message", "type", "param", "code"}}` with the status that fits.
/v1/chat/completions and /v1/models follow OpenAI's API, so OpenAI clients work unchanged."""


def create_app(
    settings: Settings,
    library: Library,
    host: str = "127.0.0.1",
    port: int = 7860,
    web_auth: tuple[str, str] | None = None,
    web: bool = True,
) -> FastAPI:
    """The server's ASGI app; `web=False` leaves the web chat out."""
    assistants = Assistants(settings.assistant)
    service = Service(settings, library, assistants)
    mcp = tools.build(service, host)
    mcp_app = mcp.streamable_http_app()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        service.start()
        try:
            async with mcp.session_manager.run():
                yield
        finally:
            service.close()

    try:
        version = metadata.version("askdocs")
    except metadata.PackageNotFoundError:
        version = "0"
    # /docs from files installed with fastapi-offline: the page loads nothing from outside (as the web chat).
    app = FastAPIOffline(title="askdocs", version=version, description=DESCRIPTION, lifespan=lifespan, redoc_url=None)
    app.state.service = service
    errors.install(app)
    app.include_router(rest.health)
    app.include_router(rest.router)
    app.include_router(chat.router)
    app.router.routes.extend(mcp_app.routes)  # /mcp, in this app so that the key check and the lifespan cover it

    @app.api_route("/v1/{rest_of_path:path}", methods=list(METHODS), include_in_schema=False)
    async def no_such_route(request: Request, rest_of_path: str) -> None:
        """Unknown /v1 paths get the API's 404 (or 405), not the web chat's page."""
        allowed = [m for m in METHODS if m != request.method and _routed(app, {**request.scope, "method": m}, no_such_route)]
        if allowed:
            raise HTTPException(405, f"{request.method} is not allowed on {request.url.path}: use {', '.join(allowed)}",
                                headers={"Allow": ", ".join(allowed)})
        raise NotFound(f"No route {request.method} {request.url.path}: /docs lists the API's routes.")

    # Added last, the key check runs first: nothing reads a body before the key is known good.
    app.add_middleware(LimitBody, limit=_body_limit(settings))
    app.add_middleware(RequireKey, keys=settings.api.keys())
    if web:
        from ui.web import mount

        mount(app, settings, library, assistants, auth=web_auth, readiness=service.readiness, host=host, port=port)
    return app


def _routed(app: FastAPI, scope: dict[str, Any], fallback: Any) -> bool:
    """Whether a route of the API (not the fallback, not the web chat) takes this request."""
    for route in app.router.routes:
        if isinstance(route, Mount) or getattr(route, "endpoint", None) is fallback:
            continue
        if route.matches(scope)[0] == Match.FULL:
            return True
    return False


def _body_limit(settings: Settings) -> int:
    """The largest request body the API reads: a full upload of the largest files, and some room for the form."""
    return int(settings.ingest.max_file_mb * 1_000_000 * settings.api.api_max_files) + 1_000_000


def run(
    settings: Settings, library: Library, host: str, port: int, web_auth: tuple[str, str] | None = None, verbose: int = 0
) -> None:
    """Serve until interrupted."""
    import uvicorn

    app = create_app(settings, library, host=host, port=port, web_auth=web_auth)
    # The access log would record every question asked in a query string: on only when asked for.
    uvicorn.run(
        app, host=host, port=port, log_level="info" if verbose else "warning", access_log=verbose > 0,
        timeout_graceful_shutdown=5, server_header=False,
    )
