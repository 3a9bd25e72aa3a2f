"""Alerts on topics in the store: the alerts themselves (``topic_alerts``), the outbox of
deliveries (``alert_deliveries``: one row per alert, trigger and story, the story known by its
first article, UNIQUE so that each goes out once whatever rebuilds, merges and splits do to story
ids), the articles each alert already told of (``alert_articles``), and the reads the triggers
need: which stories changed since the last look, which of them match a topic, and their members.
The decisions are ``newsradar.alerts``'s; every SQL statement about alerts is here."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from ..errors import NotFound, QueryError
from ..normalize import parse_datetime
from .browse import Filters, matching_ids, where_clauses
from .store import Store

_IN = 500
STATUSES = ("pending", "sent", "failed", "skipped")


@dataclass(frozen=True, slots=True)
class Alert:
    id: int
    topic_id: int
    topic: str  # the topic's name
    kind: str  # "webhook" or "email"
    target: str  # the URL or the address
    secret: str | None  # HMAC key of a webhook
    every: str  # "now", "hour" or "day"
    min_outlets: int  # 0: no "covered by N outlets" trigger
    after_article_id: int  # the newest article when the alert was made: a story is new after it
    checked_article_id: int
    checked_at: datetime | None
    created_at: datetime
    last_sent_at: datetime | None


@dataclass(slots=True)
class Delivery:
    id: int
    alert_id: int
    trigger_key: str  # "new" or "outlets:N"
    first_article_id: int
    story_id: int | None
    payload: dict
    status: str
    attempts: int
    created_at: datetime
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_error: str | None
    sent_at: datetime | None


@dataclass(slots=True)
class Member:
    id: int
    title: str | None
    url: str | None
    outlet: str | None
    published: datetime | None
    duplicate_of: int | None


@dataclass(slots=True)
class StoryFacts:
    id: int
    title: str | None
    members: list[Member] = field(default_factory=list)


_ALERT_SELECT = ("SELECT al.id, al.topic_id, t.name AS topic, al.kind, al.target, al.secret, al.every, al.min_outlets,"
                 " al.after_article_id, al.checked_article_id, al.checked_at, al.created_at, al.last_sent_at"
                 " FROM topic_alerts al JOIN topics t ON t.id = al.topic_id")


def _alert(row: Any) -> Alert:
    values = dict(row._mapping)
    for name in ("checked_at", "created_at", "last_sent_at"):
        values[name] = parse_datetime(values[name])
    return Alert(**values)


def _delivery(row: Any) -> Delivery:
    values = dict(row._mapping)
    values["payload"] = json.loads(values["payload"])
    for name in ("created_at", "next_attempt_at", "last_attempt_at", "sent_at"):
        values[name] = parse_datetime(values[name])
    return Delivery(**values)


def _ids(values: Iterable[int]) -> str:
    return ", ".join(str(int(v)) for v in values)


def _chunks(values: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(values), _IN):
        yield values[start:start + _IN]


# --- the alerts ------------------------------------------------------------------------------------

def create(store: Store, topic_id: int, topic_name: str, kind: str, target: str, secret: str | None, every: str,
           min_outlets: int, now: datetime, checked_at: datetime) -> Alert:
    """Save an alert (checked by the caller) made at ``now``. It looks for triggers from the newest
    stored article on, and from ``checked_at`` on the store's clock."""
    with store.connect(write=True) as conn:
        same = conn.execute(text("SELECT id FROM topic_alerts WHERE topic_id = :t AND kind = :k AND target = :target"),
                            {"t": topic_id, "k": kind, "target": target}).first()
        if same is not None:
            raise QueryError(f"topic {topic_name!r} has this {kind} alert already (alert {same.id})")
        newest = conn.execute(text("SELECT coalesce(max(id), 0) FROM articles")).scalar_one()
        alert_id = conn.execute(text(
            "INSERT INTO topic_alerts (topic_id, kind, target, secret, every, min_outlets, after_article_id,"
            " checked_article_id, checked_at, created_at) VALUES (:t, :k, :target, :secret, :every, :min, :newest,"
            " :newest, :checked, :now) RETURNING id"),
            {"t": topic_id, "k": kind, "target": target, "secret": secret, "every": every, "min": min_outlets,
             "newest": int(newest), "now": store.db_time(now), "checked": store.db_time(checked_at)}).scalar_one()
    return get(store, alert_id)


def get(store: Store, alert_id: int) -> Alert:
    with store.connect() as conn:
        row = conn.execute(text(f"{_ALERT_SELECT} WHERE al.id = :id"), {"id": alert_id}).first()
    if row is None:
        raise NotFound(f"no alert {alert_id}")
    return _alert(row)


def alerts(store: Store, topic_id: int | None = None) -> list[Alert]:
    """Every alert (or a topic's), by topic name, then in the order they were made."""
    where = " WHERE al.topic_id = :t" if topic_id is not None else ""
    with store.connect() as conn:
        rows = conn.execute(text(f"{_ALERT_SELECT}{where} ORDER BY t.name, al.id"), {"t": topic_id})
        return [_alert(row) for row in rows]


def exists(store: Store) -> bool:
    with store.connect() as conn:
        return conn.execute(text("SELECT 1 FROM topic_alerts LIMIT 1")).first() is not None


def remove(store: Store, alert_id: int) -> None:
    """Delete an alert with its deliveries (the rows that reference it go with it)."""
    with store.connect(write=True) as conn:
        for table in ("alert_articles", "alert_deliveries"):
            conn.execute(text(f"DELETE FROM {table} WHERE alert_id = :id"), {"id": alert_id})
        conn.execute(text("DELETE FROM topic_alerts WHERE id = :id"), {"id": alert_id})


# --- what the triggers read ------------------------------------------------------------------------

def newest_article_id(conn: Connection) -> int:
    return int(conn.execute(text("SELECT coalesce(max(id), 0) FROM articles")).scalar_one())


def touched_stories(store: Store, conn: Connection, after_id: int, since: datetime) -> list[int]:
    """Stories that may have changed since the last look: those of articles stored after
    ``after_id`` (a copy joins its original's story as it is written) and those the clusterer
    wrote at or after ``since`` (new members, merges, splits, a rebuild)."""
    rows = conn.execute(text(
        "SELECT story_id FROM articles WHERE id > :after AND story_id IS NOT NULL"
        " UNION SELECT id FROM stories WHERE updated_at >= :since AND merged_into IS NULL"),
        {"after": after_id, "since": store.db_time(since)})
    return sorted({r[0] for r in rows})


def matching(store: Store, conn: Connection, filters: Filters, story_ids: Sequence[int]) -> list[int]:
    """Which of these stories have an article matching a topic (its query and filters, as the
    topic's page matches them)."""
    found: set[int] = set()
    plain = Filters("", filters.outlet, filters.language, filters.since, filters.until)
    for chunk in _chunks(story_ids):
        params: dict = {}
        clauses = "".join(f" AND {c}" for c in where_clauses(store, plain, params))
        rows = conn.execute(text(f"SELECT a.id, a.story_id FROM articles a WHERE a.story_id IN ({_ids(chunk)})"
                                 f"{clauses}"), params).all()
        if filters.query.strip():
            hits = matching_ids(conn, store, filters.query, [r.id for r in rows])
            rows = [r for r in rows if r.id in hits]
        found.update(r.story_id for r in rows)
    return sorted(found)


def story_facts(conn: Connection, story_ids: Sequence[int]) -> dict[int, StoryFacts]:
    """These stories (merged ones left out) with every article in them, copies included."""
    found: dict[int, StoryFacts] = {}
    for chunk in _chunks(story_ids):
        for row in conn.execute(text(f"SELECT id, title FROM stories WHERE id IN ({_ids(chunk)})"
                                     " AND merged_into IS NULL")):
            found[row.id] = StoryFacts(row.id, row.title)
        for row in conn.execute(text("SELECT id, story_id, title, url, outlet, published, duplicate_of FROM articles"
                                     f" WHERE story_id IN ({_ids(chunk)}) ORDER BY id")):
            if row.story_id in found:
                found[row.story_id].members.append(Member(row.id, row.title, row.url, row.outlet,
                                                          parse_datetime(row.published), row.duplicate_of))
    return found


def told(conn: Connection, alert_id: int, trigger_key: str, article_ids: Sequence[int]) -> bool:
    """Whether the alert already told of one of these articles under this trigger."""
    for chunk in _chunks(article_ids):
        row = conn.execute(text(f"SELECT 1 FROM alert_articles WHERE alert_id = :a AND trigger_key = :t"
                                f" AND article_id IN ({_ids(chunk)}) LIMIT 1"), {"a": alert_id, "t": trigger_key}).first()
        if row is not None:
            return True
    return False


def enqueue(store: Store, conn: Connection, alert_id: int, trigger_key: str, first_article_id: int, story_id: int,
            payload: dict, status: str, article_ids: Sequence[int], now: datetime) -> bool:
    """Put a delivery in the outbox (``status`` pending, or skipped when another delivery tells it)
    and note the articles it tells of; False when this alert, trigger and first article are there already."""
    at = store.db_time(now)
    inserted = conn.execute(text(
        "INSERT INTO alert_deliveries (alert_id, trigger_key, first_article_id, story_id, payload, status, attempts,"
        " created_at, next_attempt_at) VALUES (:a, :t, :first, :story, :payload, :status, 0, :now, :next)"
        " ON CONFLICT (alert_id, trigger_key, first_article_id) DO NOTHING RETURNING id"),
        {"a": alert_id, "t": trigger_key, "first": first_article_id, "story": story_id,
         "payload": json.dumps(payload, ensure_ascii=False, default=_iso), "status": status,
         "now": at, "next": at if status == "pending" else None}).first()
    conn.execute(text("INSERT INTO alert_articles (alert_id, trigger_key, article_id) VALUES (:a, :t, :article)"
                      " ON CONFLICT (alert_id, trigger_key, article_id) DO NOTHING"),
                 [{"a": alert_id, "t": trigger_key, "article": a} for a in article_ids])
    return inserted is not None


def _iso(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} in an alert payload")


def advance(store: Store, conn: Connection, alert_ids: Sequence[int], article_id: int, at: datetime) -> None:
    """Where the look for triggers got to."""
    for chunk in _chunks(alert_ids):
        conn.execute(text(f"UPDATE topic_alerts SET checked_article_id = :a, checked_at = :at WHERE id IN ({_ids(chunk)})"),
                     {"a": article_id, "at": store.db_time(at)})


# --- deliveries ------------------------------------------------------------------------------------

_DELIVERY_SELECT = ("SELECT id, alert_id, trigger_key, first_article_id, story_id, payload, status, attempts,"
                    " created_at, next_attempt_at, last_attempt_at, last_error, sent_at FROM alert_deliveries")


def due(store: Store, now: datetime, periods: Mapping[str, timedelta], per_alert: int = 500) -> list[Delivery]:
    """Pending deliveries whose time has come, of the alerts that may send now, oldest first: a
    webhook's or a ``now`` e-mail's at once, an hourly or daily e-mail's once its period (``periods``)
    has passed since its last send (or its making). Taken alert by alert — up to ``per_alert`` of a
    webhook, every one of an e-mail (a digest tells of all that waits) — so that neither a digest's
    waiting deliveries nor one alert's backlog keeps the other alerts from being sent."""
    ready = ["al.kind = 'webhook'", "al.every = 'now'"]
    params: dict[str, Any] = {"now": store.db_time(now)}
    for number, (every, period) in enumerate(sorted(periods.items())):
        if period > timedelta(0):
            ready.append(f"(al.every = :every{number} AND coalesce(al.last_sent_at, al.created_at) <= :since{number})")
            params |= {f"every{number}": every, f"since{number}": store.db_time(now - period)}
    found: list[Delivery] = []
    with store.connect() as conn:
        alerts = conn.execute(text(
            "SELECT d.alert_id, al.kind, min(d.id) AS first FROM alert_deliveries d"
            " JOIN topic_alerts al ON al.id = d.alert_id"
            f" WHERE d.status = 'pending' AND d.next_attempt_at <= :now AND ({' OR '.join(ready)})"
            " GROUP BY d.alert_id, al.kind ORDER BY first"), params).all()
        for row in alerts:
            limit = f" LIMIT {int(per_alert)}" if row.kind == "webhook" else ""
            rows = conn.execute(text(f"{_DELIVERY_SELECT} WHERE alert_id = :a AND status = 'pending'"
                                     f" AND next_attempt_at <= :now ORDER BY id{limit}"),
                                {"a": row.alert_id, "now": params["now"]})
            found.extend(_delivery(r) for r in rows)
    return found


def current_stories(store: Store, article_ids: Sequence[int]) -> dict[int, int]:
    """The story each of these articles is in now (a rebuild or a merge may have moved it)."""
    found: dict[int, int] = {}
    with store.connect() as conn:
        for chunk in _chunks(list(article_ids)):
            for row in conn.execute(text(f"SELECT id, story_id FROM articles WHERE id IN ({_ids(chunk)})"
                                         " AND story_id IS NOT NULL")):
                found[row.id] = row.story_id
    return found


def record(store: Store, updates: Sequence[dict], sent_alert: int | None = None, now: datetime | None = None) -> None:
    """Write the outcome of delivery attempts (``updates``: id, status, attempts, next_attempt_at,
    last_attempt_at, last_error, sent_at); ``sent_alert``: the alert that was just sent (its last send is ``now``)."""
    rows = [{**u, **{k: store.db_time(u[k]) for k in ("next_attempt_at", "last_attempt_at", "sent_at")}}
            for u in updates]
    with store.connect(write=True) as conn:
        if rows:
            conn.execute(text("UPDATE alert_deliveries SET status = :status, attempts = :attempts,"
                              " next_attempt_at = :next_attempt_at, last_attempt_at = :last_attempt_at,"
                              " last_error = :last_error, sent_at = :sent_at WHERE id = :id"), rows)
        if sent_alert is not None:
            conn.execute(text("UPDATE topic_alerts SET last_sent_at = :now WHERE id = :id"),
                         {"id": sent_alert, "now": store.db_time(now)})


def recent(store: Store, alert_id: int, limit: int = 10) -> list[Delivery]:
    """An alert's latest deliveries, the newest first."""
    with store.connect() as conn:
        rows = conn.execute(text(f"{_DELIVERY_SELECT} WHERE alert_id = :a ORDER BY id DESC LIMIT :n"),
                            {"a": alert_id, "n": limit})
        return [_delivery(row) for row in rows]


def counts(store: Store, alert_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """Deliveries per status of each alert (every status present, zero when none)."""
    found = {a: dict.fromkeys(STATUSES, 0) for a in alert_ids}
    if not alert_ids:
        return found
    with store.connect() as conn:
        for chunk in _chunks(list(alert_ids)):
            for row in conn.execute(text(f"SELECT alert_id, status, count(*) AS n FROM alert_deliveries"
                                         f" WHERE alert_id IN ({_ids(chunk)}) GROUP BY alert_id, status")):
                found[row.alert_id][row.status] = row.n
    return found


def requeue_failed(store: Store, alert_ids: Sequence[int], now: datetime) -> int:
    """Failed deliveries of these alerts become pending again, with a fresh count of attempts."""
    changed = 0
    with store.connect(write=True) as conn:
        for chunk in _chunks(list(alert_ids)):
            changed += conn.execute(text(
                "UPDATE alert_deliveries SET status = 'pending', attempts = 0, next_attempt_at = :now"
                f" WHERE status = 'failed' AND alert_id IN ({_ids(chunk)})"), {"now": store.db_time(now)}).rowcount
    return changed
