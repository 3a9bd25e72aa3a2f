"""Topics: saved searches (a query plus outlet, language and date filters) that the web app serves
as pages, Atom feeds and JSON Feeds."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text

from ..errors import NotFound, QueryError
from ..normalize import parse_datetime
from .store import Store

NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


@dataclass(frozen=True, slots=True)
class Topic:
    id: int
    name: str
    query: str
    outlet: str | None
    language: str | None
    since: datetime | None
    until: datetime | None
    created_at: datetime

    def filters(self) -> dict[str, Any]:
        return {"query": self.query, "outlet": self.outlet, "language": self.language,
                "since": self.since, "until": self.until}


def _topic(row: Any) -> Topic:
    values = dict(row._mapping)
    for name in ("since", "until", "created_at"):
        values[name] = parse_datetime(values[name])
    return Topic(**values)


def check_name(name: str) -> str:
    if not NAME.match(name):
        raise QueryError(f"topic name {name!r} is not usable: use 1 to 64 lower-case letters, digits, - or _,"
                         " starting with a letter or digit (it becomes part of URLs)")
    return name


def add(store: Store, name: str, query: str, outlet: str | None = None, language: str | None = None,
        since: datetime | None = None, until: datetime | None = None, replace: bool = False) -> tuple[Topic, bool]:
    """Save a topic; returns (topic, created). An existing name is left as it is unless ``replace``."""
    check_name(name)
    if not (query.strip() or outlet or language or since or until):
        raise QueryError(f"topic {name!r} needs a query or at least one filter (outlet, language, since, until)")
    if since and until and since >= until:
        raise QueryError(f"topic {name!r}: since ({since.date()}) must come before until ({until.date()})")
    values = {"name": name, "query": query.strip(), "outlet": outlet or None, "language": language or None,
              "since": store.db_time(since), "until": store.db_time(until),
              "now": store.db_time(datetime.now(UTC).replace(microsecond=0))}
    with store.connect(write=True) as conn:
        exists = conn.execute(text("SELECT id FROM topics WHERE name = :name"), {"name": name}).first()
        if exists is None:
            conn.execute(text("INSERT INTO topics (name, query, outlet, language, since, until, created_at)"
                              " VALUES (:name, :query, :outlet, :language, :since, :until, :now)"), values)
        elif replace:
            conn.execute(text("UPDATE topics SET query = :query, outlet = :outlet, language = :language,"
                              " since = :since, until = :until WHERE name = :name"), values)
    return get(store, name), exists is None


def get(store: Store, name: str) -> Topic:
    with store.connect() as conn:
        row = conn.execute(text("SELECT * FROM topics WHERE name = :name"), {"name": name}).first()
    if row is None:
        raise NotFound(f"no topic {name!r}")
    return _topic(row)


def all_topics(store: Store) -> list[Topic]:
    with store.connect() as conn:
        return [_topic(row) for row in conn.execute(text("SELECT * FROM topics ORDER BY name"))]


def remove(store: Store, name: str) -> Topic:
    topic = get(store, name)
    with store.connect(write=True) as conn:
        conn.execute(text("DELETE FROM topics WHERE id = :id"), {"id": topic.id})
    return topic
