"""Errors as the API reports them: OpenAI's shape, `{"error": {"message", "type", "param", "code"}}`.

askdocs' own errors carry their kind (`ingest.errors`); here, and only here, a kind becomes an
HTTP status. Anything else is a 500 whose details go to the log, not to the client.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ingest.errors import AskdocsError, Conflict, InvalidInput, NotFound, Unavailable

log = logging.getLogger(__name__)


class Busy(AskdocsError):
    """Too many questions are waiting already; the client should try again after `retry_after` seconds (429)."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = max(1, math.ceil(retry_after))


class NotReady(Unavailable):
    """The server is still loading the index and the embedding model (503)."""

    retry_after = 5


class Refused(InvalidInput):
    """An upload refused as a whole: every file too large (413) or of a type with no reader (415)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message, param="files")
        self.status = status


# status, type, code
_KINDS: list[tuple[type[AskdocsError], int, str, str]] = [
    (Busy, 429, "rate_limit_error", "busy"),
    (NotReady, 503, "server_error", "not_ready"),
    (Unavailable, 503, "server_error", "unavailable"),
    (NotFound, 404, "invalid_request_error", "not_found"),
    (Conflict, 409, "invalid_request_error", "conflict"),
    (InvalidInput, 400, "invalid_request_error", "invalid_input"),
]
_HTTP_TYPES = {401: ("authentication_error", "invalid_api_key"), 404: ("invalid_request_error", "not_found"),
               405: ("invalid_request_error", "method_not_allowed"), 413: ("invalid_request_error", "too_large"),
               415: ("invalid_request_error", "unsupported_type")}


def error_body(message: str, type_: str, param: str | None = None, code: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


def describe(exc: AskdocsError) -> tuple[int, dict[str, Any], dict[str, str]]:
    """The status, body and headers an askdocs error is reported with."""
    if isinstance(exc, Refused):
        code = "too_large" if exc.status == 413 else "unsupported_type"
        return exc.status, error_body(str(exc), "invalid_request_error", exc.param, code), {}
    for kind, status, type_, code in _KINDS:
        if isinstance(exc, kind):
            param = exc.param if isinstance(exc, InvalidInput) else None
            headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, (Busy, NotReady)) else {}
            return status, error_body(str(exc), type_, param, code), headers
    log.error("askdocs error with no HTTP status: %s", exc)
    return 500, error_body(str(exc), "server_error", None, "internal"), {}


def validation_message(errors: list[Any]) -> tuple[str, str | None]:
    """Pydantic's errors as one line naming each field, and the first field's name."""
    problems = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path", "form")]
        problems.append(f"{'.'.join(loc) or 'request'}: {error.get('msg', 'invalid')}")
    first = [str(p) for p in errors[0].get("loc", ()) if p not in ("body", "query", "path", "form")] if errors else []
    return "Invalid request: " + "; ".join(problems[:5]) + (" …" if len(problems) > 5 else ""), (".".join(first) or None)


def install(app: FastAPI) -> None:
    """Report every error of the API's own routes in the one shape."""

    @app.exception_handler(AskdocsError)
    async def askdocs_error(request: Request, exc: AskdocsError) -> JSONResponse:
        status, body, headers = describe(exc)
        return JSONResponse(body, status_code=status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_fields(request: Request, exc: RequestValidationError) -> JSONResponse:
        message, param = validation_message(list(exc.errors()))
        return JSONResponse(error_body(message, "invalid_request_error", param, "invalid_fields"), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        type_, code = _HTTP_TYPES.get(exc.status_code, ("invalid_request_error" if exc.status_code < 500 else "server_error", None))
        return JSONResponse(error_body(str(exc.detail), type_, None, code), status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("%s %s failed", request.method, request.url.path)
        return JSONResponse(error_body("The server failed to handle the request; its log says why.", "server_error", None, "internal"), status_code=500)
