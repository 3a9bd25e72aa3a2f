"""The web app: FastAPI over the store, HTML pages (``pages``) and the JSON API (``api``).

``create_app(db_url)`` builds it; ``newsradar serve`` runs it under uvicorn. Everything shared by
the app as a whole lives here: the store, auth and the rate limiter on ``app.state``, security
headers on every response, and the one place errors become responses (helpers the two halves
share are in ``common``)."""

from __future__ import annotations

import logging
import time

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__, settings
from ..errors import NewsradarError, NotFound, QueryError, StoreError
from ..store import Store, open_store
from . import api, framing, outlets, pages
from .common import HERE, json_response, require_read
from .errors import ApiError, error_body
from .security import Auth, RateLimiter

log = logging.getLogger("newsradar.web")

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
                  openapi_url=None, docs_url=None, redoc_url=None)
    app.state.store = store
    app.state.auth = auth or Auth()
    app.state.search_limiter = RateLimiter(settings.get("search_rate"))
    app.state.login_limiter = RateLimiter(settings.get("login_rate"))
    app.state.auth.store = store

    app.add_middleware(SecurityHeaders)

    def wants_json(request: Request) -> bool:
        return request.url.path.startswith("/api/")

    def failure(request: Request, status: int, message: str, headers: dict | None = None) -> Response:
        if wants_json(request):
            return JSONResponse(error_body(status, message), status_code=status, headers=headers)
        return pages.render_error(request, status, message, headers)

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError):
        return failure(request, exc.status, exc.message, exc.headers)

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound):
        return failure(request, 404, str(exc))

    @app.exception_handler(QueryError)
    async def _query_error(request: Request, exc: QueryError):
        return failure(request, 400, str(exc))

    @app.exception_handler(StoreError)
    async def _store_error(request: Request, exc: StoreError):
        # a server fault, not the client's: 503 (clients may retry), the detail only in the server log
        log.error("store error on %s: %s", request.url.path, exc)
        return failure(request, 503, "the store is unavailable; try again shortly", {"Retry-After": "5"})

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
    schema = app.openapi

    @app.get("/api/v1/openapi.json", include_in_schema=False, dependencies=[Depends(require_read)])
    def openapi_schema(request: Request):
        return json_response(request, schema())

    app.include_router(api.router)
    app.include_router(outlets.api_router)
    app.include_router(framing.api_router)
    app.include_router(pages.router)
    app.include_router(outlets.router)
    app.include_router(framing.router)
    app.include_router(pages.open_router)
    return app


def app_from_environment() -> FastAPI:
    """The app over NEWSRADAR_DB (or the default store): the factory of `serve --workers N`."""
    return create_app()
