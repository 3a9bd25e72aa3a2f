"""Feed subscriptions: their settings and health, stored beside the articles."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text

from ..errors import NotFound
from ..model import Feed
from ..normalize import parse_datetime
from .store import Store

_COLUMNS = ("id", "url", "outlet", "title", "interval_seconds", "full_text", "etag", "last_modified", "last_fetch_at",
            "last_success_at", "last_status", "error_count", "last_error", "next_poll_at", "not_before", "paused",
            "articles_count", "created_at")
_TIMES = ("last_fetch_at", "last_success_at", "next_poll_at", "not_before", "created_at")
_SELECT = "SELECT " + ", ".join(_COLUMNS) + " FROM feeds"


def _feed(row: Any) -> Feed:
    values = dict(row._mapping)
    for name in _TIMES:
        values[name] = parse_datetime(values[name])
    values["full_text"] = bool(values["full_text"])
    values["paused"] = bool(values["paused"])
    return Feed(**values)


def add(store: Store, url: str, outlet: str | None = None, interval_seconds: int = 900, full_text: bool = True,
        title: str | None = None) -> tuple[Feed, bool]:
    """Subscribe to a feed; returns (feed, created). Adding a known URL changes nothing and
    returns the stored feed."""
    now = datetime.now(UTC).replace(microsecond=0)
    with store.connect(write=True) as conn:
        row = conn.execute(text(
            "INSERT INTO feeds (url, outlet, title, interval_seconds, full_text, next_poll_at, created_at)"
            " VALUES (:url, :outlet, :title, :interval, :full_text, :now, :now) ON CONFLICT (url) DO NOTHING RETURNING id"),
            {"url": url, "outlet": outlet, "title": title, "interval": interval_seconds, "full_text": int(full_text),
             "now": store.db_time(now)}).first()
    return get(store, url), row is not None


def get(store: Store, ref: str | int) -> Feed:
    """A feed by id or URL; NotFound when there is none."""
    with store.connect() as conn:
        if isinstance(ref, int) or str(ref).isdigit():
            row = conn.execute(text(f"{_SELECT} WHERE id = :id"), {"id": int(ref)}).first()
        else:
            row = conn.execute(text(f"{_SELECT} WHERE url = :url"), {"url": ref}).first()
    if row is None:
        raise NotFound(f"no feed {ref!r}")
    return _feed(row)


def all_feeds(store: Store) -> list[Feed]:
    with store.connect() as conn:
        return [_feed(row) for row in conn.execute(text(f"{_SELECT} ORDER BY id"))]


def due(store: Store, now: datetime) -> list[Feed]:
    """Feeds not paused whose next poll time has come, longest waiting first; not those a worker
    holds a lease on (``store/leases.py``)."""
    with store.connect() as conn:
        rows = conn.execute(text(f"{_SELECT} WHERE paused = 0 AND (next_poll_at IS NULL OR next_poll_at <= :now)"
                                 " AND (lease_until IS NULL OR lease_until <= :now) ORDER BY next_poll_at, id"),
                            {"now": store.db_time(now)})
        return [_feed(row) for row in rows]


def fetchable(store: Store, now: datetime) -> list[Feed]:
    """Feeds not paused that no server hint or backoff holds back now (a manual poll's set)."""
    with store.connect() as conn:
        rows = conn.execute(text(f"{_SELECT} WHERE paused = 0 AND (not_before IS NULL OR not_before <= :now)"
                                 " ORDER BY next_poll_at, id"), {"now": store.db_time(now)})
        return [_feed(row) for row in rows]


def active(store: Store) -> list[Feed]:
    with store.connect() as conn:
        return [_feed(row) for row in conn.execute(text(f"{_SELECT} WHERE paused = 0 ORDER BY id"))]


def next_due(store: Store) -> datetime | None:
    """When the next feed falls due: its next poll time, or when a worker's lease on it runs out
    if that is later (a feed another worker holds is not due to this one before then)."""
    with store.connect() as conn:
        value = conn.execute(text(
            "SELECT min(CASE WHEN lease_until IS NOT NULL AND (next_poll_at IS NULL OR lease_until > next_poll_at)"
            " THEN lease_until ELSE next_poll_at END) FROM feeds WHERE paused = 0")).scalar()
    return parse_datetime(value)


def remove(store: Store, ref: str | int) -> Feed:
    """Unsubscribe. The articles already stored stay."""
    feed = get(store, ref)
    with store.connect(write=True) as conn:
        conn.execute(text("DELETE FROM feeds WHERE id = :id"), {"id": feed.id})
    return feed


def update(store: Store, feed_id: int, **values: Any) -> None:
    """Set columns of one feed (times as datetimes, flags as bools)."""
    update_many(store, [(feed_id, values)])


def update_many(store: Store, updates: list[tuple[int, dict[str, Any]]]) -> None:
    """Set columns of several feeds in one transaction."""
    with store.connect(write=True) as conn:
        for feed_id, values in updates:
            unknown = set(values) - set(_COLUMNS)
            if unknown:
                raise ValueError(f"unknown feed columns {sorted(unknown)}")
            params = {name: (store.db_time(v) if name in _TIMES else int(v) if isinstance(v, bool) else v)
                      for name, v in values.items()}
            assignments = ", ".join(f"{name} = :{name}" for name in params)
            conn.execute(text(f"UPDATE feeds SET {assignments} WHERE id = :feed_id"), {**params, "feed_id": feed_id})


def move(store: Store, feed_id: int, new_url: str) -> bool:
    """Give a feed its new address after a permanent redirect; False (nothing changed) when
    another subscription already has that address."""
    with store.connect(write=True) as conn:
        taken = conn.execute(text("SELECT id FROM feeds WHERE url = :url"), {"url": new_url}).first()
        if taken is not None:
            return False
        conn.execute(text("UPDATE feeds SET url = :url WHERE id = :id"), {"url": new_url, "id": feed_id})
    return True
