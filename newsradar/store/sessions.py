"""Browser sessions of the web app, kept in the store so that logout revokes a session on every
server process, and a stolen cookie dies with it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from .store import Store


def open_session(store: Store, session_id: str, seconds: int) -> None:
    now = datetime.now(UTC)
    with store.connect(write=True) as conn:
        conn.execute(text("DELETE FROM web_sessions WHERE expires_at < :now"), {"now": store.db_time(now)})
        conn.execute(text("INSERT INTO web_sessions (id, created_at, expires_at) VALUES (:id, :now, :until)"),
                     {"id": session_id, "now": store.db_time(now), "until": store.db_time(now + timedelta(seconds=seconds))})


def is_active(store: Store, session_id: str) -> bool:
    with store.connect() as conn:
        return conn.execute(text("SELECT 1 FROM web_sessions WHERE id = :id AND revoked_at IS NULL"
                                 " AND expires_at > :now"),
                            {"id": session_id, "now": store.db_time(datetime.now(UTC))}).first() is not None


def revoke(store: Store, session_id: str) -> None:
    with store.connect(write=True) as conn:
        conn.execute(text("UPDATE web_sessions SET revoked_at = :now WHERE id = :id"),
                     {"id": session_id, "now": store.db_time(datetime.now(UTC))})
