"""The one JSON error shape of the API, built by one function (``error_body``)."""

from __future__ import annotations

from http import HTTPStatus

# the code for each status, stable for clients to switch on
_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
          409: "conflict", 415: "unsupported_media_type", 422: "invalid", 429: "rate_limited",
          500: "internal_error", 502: "upstream_error", 503: "unavailable"}


def error_body(status: int, message: str) -> dict:
    """``{"error": {"status", "code", "message"}}`` — every API error looks like this."""
    code = _CODES.get(status) or HTTPStatus(status).phrase.lower().replace(" ", "_")
    return {"error": {"status": status, "code": code, "message": message}}


class ApiError(Exception):
    """Raised by handlers; turned into ``error_body`` (API) or the error page (HTML) in one place."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}
