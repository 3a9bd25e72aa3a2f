"""Inputs that failed to ingest, stored as data (as feed errors are): what, why, when first and
last, and how many attempts — shown by ``stats``, the API and the web app, not only printed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import text

from ..normalize import parse_datetime
from .store import Store


def record(store: Store, failures: Sequence[tuple[str, str, str]]) -> None:
    """(input, kind, reason) of each failed input; the same failure again counts another attempt."""
    if not failures:
        return
    now = store.db_time(datetime.now(UTC).replace(microsecond=0))
    with store.connect(write=True) as conn:
        conn.execute(text(
            "INSERT INTO input_failures (input, kind, reason, first_at, last_at) VALUES (:input, :kind, :reason, :now, :now)"
            " ON CONFLICT (input, reason) DO UPDATE SET last_at = excluded.last_at, kind = excluded.kind,"
            " attempts = input_failures.attempts + 1"),
            [{"input": name, "kind": kind, "reason": reason, "now": now} for name, kind, reason in failures])


def recent(store: Store, limit: int = 50) -> list[dict]:
    """The latest failures first."""
    with store.connect() as conn:
        rows = conn.execute(text("SELECT input, kind, reason, first_at, last_at, attempts FROM input_failures"
                                 " ORDER BY last_at DESC, id DESC LIMIT :n"), {"n": limit})
        return [{**dict(r._mapping), "first_at": parse_datetime(r.first_at), "last_at": parse_datetime(r.last_at)}
                for r in rows]

