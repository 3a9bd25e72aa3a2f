"""What the two halves of the web app (pages and API) share: the store and auth of a request, the
read/write/rate checks, query parsing, and JSON responses with ETags."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from ..errors import QueryError
from ..normalize import parse_datetime
from ..store import Store
from ..store.browse import Filters
from .errors import ApiError
from .security import Auth

HERE = Path(__file__).resolve().parent


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
    if auth.bearer(request) is None and not auth.csrf_valid(request, request.headers.get("x-csrf-token")):
        # a write authenticated by the browser's session cookie: the page's token must come with it
        raise ApiError(403, "a write with the session cookie needs the page's CSRF token in X-CSRF-Token "
                            "(or send Authorization: Bearer TOKEN)")


def _check_rate(request: Request, limiter: Any, what: str, setting: str) -> None:
    client = request.client.host if request.client else "unknown"
    wait = limiter.take(client)
    if wait > 0:
        raise ApiError(429, f"too many {what} from {client}; try again in {wait:.0f} s ({setting})",
                       {"Retry-After": str(max(1, round(wait)))})


def check_login_rate(request: Request) -> None:
    _check_rate(request, request.app.state.login_limiter, "login attempts", "NEWSRADAR_LOGIN_RATE")


def check_search_rate(request: Request) -> None:
    _check_rate(request, request.app.state.search_limiter, "searches", "NEWSRADAR_SEARCH_RATE")


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
