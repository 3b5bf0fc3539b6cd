"""Bearer-token access (a seam now, roles later). Every path except /health,
/fhir/R4/metadata and the static web assets needs ``Authorization: Bearer <token>``.
The caller's name is put in ``scope["tiercare.actor"]`` for the audit trail."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from starlette.concurrency import run_in_threadpool

from tiercare.adapters.postgres.database import Database
from tiercare.adapters.postgres.tokens import lookup_token
from tiercare.api.errors import FHIR_JSON, operation_outcome

PUBLIC_PATHS = frozenset({"/health", "/fhir/R4/metadata", "/openapi.json", "/favicon.ico"})
PUBLIC_PREFIXES = ("/static/",)
CACHE_SECONDS = 60.0

Scope = dict[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]]


class BearerAuth:
    """ASGI middleware; verified tokens are cached for a minute (by hash, not by value)."""

    def __init__(self, app: ASGIApp, database: Database) -> None:
        self.app = app
        self.database = database
        self._cache: dict[str, tuple[str, float]] = {}

    def _verify(self, token: str) -> str | None:
        with self.database.connection() as conn:
            return lookup_token(conn, token)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] in PUBLIC_PATHS or scope["path"].startswith(PUBLIC_PREFIXES):
            await self.app(scope, receive, send)
            return
        header = b""
        for key, value in scope["headers"]:
            if key == b"authorization":
                header = value
                break
        actor = None
        if header[:7].lower() == b"bearer ":
            token = header[7:].decode("latin-1").strip()
            key = hashlib.sha256(token.encode()).hexdigest()
            hit = self._cache.get(key)
            now = time.monotonic()
            if hit and hit[1] > now:
                actor = hit[0]
            else:
                actor = await run_in_threadpool(self._verify, token)
                if actor is not None:
                    self._cache[key] = (actor, now + CACHE_SECONDS)
        if actor is None:
            body = orjson.dumps(operation_outcome("a valid bearer token is required", "login"))
            await send({"type": "http.response.start", "status": 401, "headers": [
                (b"content-type", FHIR_JSON.encode()), (b"www-authenticate", b'Bearer realm="tiercare"'),
                (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        scope["tiercare.actor"] = actor
        await self.app(scope, receive, send)
