"""What stands before the API's routes: the API key, and a size limit on request bodies.

Both are plain ASGI middleware over the whole server, deciding by path, so that every route under
/v1 and /mcp is covered, including any added later, without a route having to ask for it. The
web chat at "/" has its own login (`--auth`) and is not touched here.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Iterable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ui.api.errors import error_body

PROTECTED = ("/v1", "/mcp")


def protected(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in PROTECTED)


def key_matches(given: str, keys: Iterable[str]) -> bool:
    """Whether `given` is one of `keys`, compared in constant time (every key is compared, always)."""
    found = False
    for key in keys:
        found |= hmac.compare_digest(given.encode(), key.encode())
    return found


async def _reply(send: Send, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
    payload = json.dumps(body).encode()
    raw_headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    raw_headers += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": payload})


class RequireKey:
    """With API keys configured, /v1 and /mcp answer only requests bearing one (`Authorization: Bearer KEY`)."""

    def __init__(self, app: ASGIApp, keys: frozenset[str]) -> None:
        self.app = app
        self.keys = keys

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.keys and protected(scope["path"]):
            header = dict(scope["headers"]).get(b"authorization", b"").decode("latin-1")
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not key_matches(token.strip(), self.keys):
                message = (
                    "No API key given: send it as 'Authorization: Bearer KEY'." if not header
                    else "The API key is not valid: send one of the keys in ASKDOCS_API_KEY as 'Authorization: Bearer KEY'."
                )
                await _reply(send, 401, error_body(message, "authentication_error", None, "invalid_api_key"), {"WWW-Authenticate": "Bearer"})
                return
        await self.app(scope, receive, send)


class LimitBody:
    """Refuse (413) a request to the API whose body is larger than `limit` bytes: by its declared
    length before reading it, and, for a body sent without one (chunked), as soon as it passes it:
    the 413 goes out, and the route reads a disconnected client from then on."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not protected(scope["path"]):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(send, int(declared))
            return
        received = 0
        started = refused = False

        async def counted() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request" and not started:
                received += len(message.get("body", b""))
                if received > self.limit:
                    refused = True
                    await self._refuse(send, received)
                    return {"type": "http.disconnect"}
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            if refused:  # the 413 has been sent; what the route answers to the disconnect is dropped
                return
            started |= message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except Exception:
            if not refused:
                raise

    async def _refuse(self, send: Send, size: int) -> None:
        message = f"The request body is {size / 1_000_000:.1f} MB or more, more than this server takes ({self.limit / 1_000_000:.1f} MB)."
        await _reply(send, 413, error_body(message, "invalid_request_error", None, "too_large"))
