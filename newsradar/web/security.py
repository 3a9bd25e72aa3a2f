"""Who may do what: the API token (bearer header or a browser session opened with it), CSRF
tokens for form posts, and a per-client rate limit for search.

Writes need NEWSRADAR_API_TOKEN; with none configured they are disabled. Reads are public unless
NEWSRADAR_READ_ACCESS is ``token``. Secrets are compared in constant time; session cookies and CSRF
tokens are HMACs under a key derived from the token, so changing the token ends every session."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time

from starlette.requests import Request

from .. import settings
from ..errors import SettingsError

SESSION_COOKIE = "newsradar_session"
CSRF_COOKIE = "newsradar_csrf"
SESSION_SECONDS = 7 * 24 * 3600


class Auth:
    def __init__(self, token: str | None = None, read_access: str | None = None):
        self.token = settings.get("api_token") if token is None else token
        self.read_access = (settings.get("read_access") if read_access is None else read_access).strip().lower()
        if self.read_access not in ("public", "token"):
            raise SettingsError(f"NEWSRADAR_READ_ACCESS={self.read_access!r} is not public or token")
        if self.read_access == "token" and not self.token:
            raise SettingsError("NEWSRADAR_READ_ACCESS=token needs NEWSRADAR_API_TOKEN to be set")
        seed = self.token.encode() if self.token else secrets.token_bytes(32)
        self._key = hashlib.sha256(b"newsradar/web/1\0" + seed).digest()

    @property
    def writes_enabled(self) -> bool:
        return bool(self.token)

    def _sign(self, purpose: str, value: str) -> str:
        return hmac.new(self._key, f"{purpose}\0{value}".encode(), hashlib.sha256).hexdigest()

    # --- the bearer token and browser sessions ---------------------------------------------------

    def token_matches(self, candidate: str) -> bool:
        return bool(self.token) and hmac.compare_digest(candidate.encode(), self.token.encode())

    def bearer(self, request: Request) -> str | None:
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        return value.strip() if scheme.lower() == "bearer" and value.strip() else None

    def new_session(self) -> str:
        stamp, nonce = str(int(time.time())), secrets.token_urlsafe(16)
        return f"{stamp}.{nonce}.{self._sign('session', stamp + '.' + nonce)}"

    def session_valid(self, request: Request) -> bool:
        value = request.cookies.get(SESSION_COOKIE, "")
        parts = value.split(".")
        if not self.token or len(parts) != 3 or not parts[0].isdigit():
            return False
        if time.time() - int(parts[0]) > SESSION_SECONDS:
            return False
        return hmac.compare_digest(parts[2], self._sign("session", parts[0] + "." + parts[1]))

    def authenticated(self, request: Request) -> bool:
        """The request carries the token (bearer) or a valid session cookie."""
        bearer = self.bearer(request)
        if bearer is not None:
            return self.token_matches(bearer)
        return self.session_valid(request)

    def may_read(self, request: Request) -> bool:
        return self.read_access == "public" or self.authenticated(request)

    # --- CSRF: a random cookie, and its HMAC in every form ----------------------------------------

    def csrf_pair(self, request: Request) -> tuple[str, str]:
        """(cookie value, form token) for this browser: the cookie it has, or a new one."""
        nonce = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(16)
        return nonce, self._sign("csrf", nonce)

    def csrf_valid(self, request: Request, form_token: str | None) -> bool:
        nonce = request.cookies.get(CSRF_COOKIE)
        if not nonce or not form_token:
            return False
        return hmac.compare_digest(form_token, self._sign("csrf", nonce))


class RateLimiter:
    """A token bucket per client address: ``per_minute`` requests a minute, bursts up to the same."""

    def __init__(self, per_minute: int):
        self.rate = per_minute / 60.0
        self.capacity = float(per_minute)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, client: str) -> float:
        """0 when a request may go ahead now, else the seconds to wait before the next one."""
        if self.rate <= 0:
            return 0.0
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(client, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            if tokens >= 1:
                self._buckets[client] = (tokens - 1, now)
                if len(self._buckets) > 10000:  # forget idle clients
                    idle = [k for k, (t, at) in self._buckets.items() if now - at > 300]
                    for key in idle:
                        del self._buckets[key]
                return 0.0
            self._buckets[client] = (tokens, now)
            return (1 - tokens) / self.rate
