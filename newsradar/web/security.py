"""Who may do what: the API token (bearer header or a browser session opened with it), CSRF
tokens for form posts and cookie-authenticated API writes, and per-client rate limits (search,
login).

Writes need NEWSRADAR_API_TOKEN; with none configured they are disabled. Reads are public unless
NEWSRADAR_READ_ACCESS is ``token``. Secrets are compared in constant time; session cookies and CSRF
tokens are HMACs under a key derived from the token, so changing the token ends every session.
Sessions are also rows in the store (``store/sessions.py``): logout revokes one for good. A signed-in
browser's CSRF token is bound to its session (an HMAC of the session id), so a planted cookie and
a token obtained elsewhere do not pass; before login, the login form uses a double-submit cookie."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time

from starlette.requests import Request

from .. import settings
from ..errors import SettingsError, StoreError
from ..store import Store
from ..store import sessions as session_store

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
        self.store: Store | None = None  # where sessions live (set by create_app)

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
        if self.store is not None:
            session_store.open_session(self.store, nonce, SESSION_SECONDS)
        return f"{stamp}.{nonce}.{self._sign('session', stamp + '.' + nonce)}"

    def session_id(self, request: Request) -> str | None:
        """The id of the request's session when its cookie is genuine, unexpired and not revoked."""
        if "newsradar_session_id" in request.scope:  # checked once per request
            return request.scope["newsradar_session_id"]
        request.scope["newsradar_session_id"] = None  # while checking: an error page must not check again
        try:
            found = self._session_id(request.cookies.get(SESSION_COOKIE, ""))
        except StoreError:
            return None  # the store is down: nobody is signed in until it is back
        request.scope["newsradar_session_id"] = found
        return found

    def _session_id(self, value: str) -> str | None:
        parts = value.split(".")
        if not self.token or len(parts) != 3 or not parts[0].isdigit():
            return None
        if time.time() - int(parts[0]) > SESSION_SECONDS:
            return None
        if not hmac.compare_digest(parts[2], self._sign("session", parts[0] + "." + parts[1])):
            return None
        if self.store is not None and not session_store.is_active(self.store, parts[1]):
            return None
        return parts[1]

    def session_valid(self, request: Request) -> bool:
        return self.session_id(request) is not None

    def end_session(self, request: Request) -> None:
        """Revoke the request's session (logout): its cookie is worthless from now on, everywhere."""
        session = self.session_id(request)
        if session is not None and self.store is not None:
            session_store.revoke(self.store, session)
        request.scope["newsradar_session_id"] = None

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
        """(cookie value, form token) for this browser: the CSRF cookie it has (or a new one), and
        the token its forms carry — bound to its session when signed in, else to the cookie."""
        nonce = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(16)
        session = self.session_id(request)
        return nonce, self._sign("csrf-session", session) if session else self._sign("csrf", nonce)

    def csrf_valid(self, request: Request, form_token: str | None) -> bool:
        if not form_token:
            return False
        session = self.session_id(request)
        if session is not None:
            return hmac.compare_digest(form_token, self._sign("csrf-session", session))
        nonce = request.cookies.get(CSRF_COOKIE)
        return bool(nonce) and hmac.compare_digest(form_token, self._sign("csrf", nonce or ""))


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
