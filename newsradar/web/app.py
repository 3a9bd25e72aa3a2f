"""The web app: FastAPI over the store, HTML pages (``pages``) and the JSON API (``api``).

``create_app(db_url)`` builds it; ``newsradar serve`` runs it under uvicorn. Everything shared by
the two halves lives here: the store, auth, the rate limiter, security headers on every response,
ETags for JSON, and the one place errors become responses."""

from __future__ import annotations

import hashlib
import json
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__, settings
from ..errors import NewsradarError, NotFound, QueryError
from ..normalize import parse_datetime
from ..store import Store, open_store
from ..store.browse import Filters
from .errors import ApiError, error_body
from .security import Auth, RateLimiter

HERE = Path(__file__).resolve().parent

# No inline script anywhere, nothing from another origin, no plugins, no framing.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class SecurityHeaders:
    """Pure ASGI middleware: the security headers on every response, and Server-Timing (the
    handler's time until the response starts, which the benchmark reads)."""

    def __init__(self, app):
        self.app = app
        self.headers = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [h for h in self.headers if h[0] not in present]
                timing = f"app;dur={(time.perf_counter() - started) * 1000:.2f}".encode()
                message["headers"] = [*message.get("headers", []), *extra, (b"server-timing", timing)]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(db_url: str | None = None, store: Store | None = None, auth: Auth | None = None) -> FastAPI:
    """The app over a store (opened from ``db_url``, or the default store)."""
    if store is None:
        store = open_store(db_url or settings.default_db_url())
    app = FastAPI(title="newsradar", version=__version__,
                  description="Stories, articles, search, feeds and topics of a newsradar store.",
                  openapi_url="/api/v1/openapi.json", docs_url=None, redoc_url=None)
    app.state.store = store
    app.state.auth = auth or Auth()
    app.state.search_limiter = RateLimiter(settings.get("search_rate"))

    app.add_middleware(SecurityHeaders)

    def wants_json(request: Request) -> bool:
        return request.url.path.startswith("/api/")

    def failure(request: Request, status: int, message: str, headers: dict | None = None) -> Response:
        if wants_json(request):
            return JSONResponse(error_body(status, message), status_code=status, headers=headers)
        from .pages import render_error

        return render_error(request, status, message, headers)

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError):
        return failure(request, exc.status, exc.message, exc.headers)

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound):
        return failure(request, 404, str(exc))

    @app.exception_handler(QueryError)
    async def _query_error(request: Request, exc: QueryError):
        return failure(request, 400, str(exc))

    @app.exception_handler(NewsradarError)
    async def _newsradar_error(request: Request, exc: NewsradarError):
        return failure(request, 422, str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException):
        message = exc.detail if isinstance(exc.detail, str) else "request failed"
        if exc.status_code == 404 and message == "Not Found":
            message = f"nothing at {request.url.path}"
        return failure(request, exc.status_code, message, getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        problems = []
        for error in exc.errors()[:3]:
            where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("query", "body", "path"))
            problems.append(f"{where or 'request'}: {error.get('msg', 'invalid')}")
        return failure(request, 422, "; ".join(problems) or "invalid request")

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        return failure(request, 500, f"internal error ({type(exc).__name__}); the server log has the details")

    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    from . import api, pages

    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(pages.open_router)
    return app


def app_from_environment() -> FastAPI:
    """The app over NEWSRADAR_DB (or the default store): the factory of `serve --workers N`."""
    return create_app()


# --- helpers for both halves -----------------------------------------------------------------------

def store_of(request: Request) -> Store:
    return request.app.state.store


def auth_of(request: Request) -> Auth:
    return request.app.state.auth


def require_read(request: Request) -> None:
    if not auth_of(request).may_read(request):
        raise ApiError(401, "reading needs the API token (NEWSRADAR_READ_ACCESS is token): send "
                            "Authorization: Bearer TOKEN, or log in at /login", {"WWW-Authenticate": "Bearer"})


def require_write(request: Request) -> None:
    auth = auth_of(request)
    if not auth.writes_enabled:
        raise ApiError(403, "writes are disabled on this server: set NEWSRADAR_API_TOKEN to enable them")
    if not auth.authenticated(request):
        raise ApiError(401, "this needs the API token: send Authorization: Bearer TOKEN",
                       {"WWW-Authenticate": "Bearer"})


def check_search_rate(request: Request) -> None:
    client = request.client.host if request.client else "unknown"
    wait = request.app.state.search_limiter.take(client)
    if wait > 0:
        raise ApiError(429, f"too many searches from {client}; try again in {wait:.0f} s (NEWSRADAR_SEARCH_RATE)",
                       {"Retry-After": str(max(1, round(wait)))})


def parse_day(value: str | None, name: str) -> datetime | None:
    if value is None or not value.strip():
        return None
    parsed = parse_datetime(value.strip())
    if parsed is None:
        raise ApiError(400, f"{name}={value!r} is not a date; use YYYY-MM-DD")
    return parsed


def filters_from(q: str | None, outlet: str | None, language: str | None, since: str | None,
                 until: str | None) -> Filters:
    try:
        return Filters(query=(q or "").strip(), outlet=(outlet or "").strip() or None,
                       language=(language or "").strip() or None,
                       since=parse_day(since, "since"), until=parse_day(until, "until"))
    except QueryError as exc:
        raise ApiError(400, str(exc)) from exc


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot serialize {type(value).__name__}")


def json_response(request: Request, data: Any, status: int = 200, media_type: str = "application/json",
                  body: bytes | None = None) -> Response:
    """JSON (or a prepared body) with a strong ETag; a matching If-None-Match gets 304."""
    if body is None:
        body = json.dumps(data, default=_default, ensure_ascii=False).encode()
    tag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
    headers = {"ETag": tag, "Cache-Control": "no-cache"}
    if status == 200 and tag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers=headers)
    return Response(body, status_code=status, media_type=media_type, headers=headers)
