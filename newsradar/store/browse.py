"""Read queries behind the web app and the API: pages of stories for a topic (a query plus
filters), pages of articles, filtered full-text search and coverage counts per day.

Pages are keyset-paged newest first by ``published`` (undated articles after the dated ones, by
id), so a page costs the same at the millionth article as at the first. A cursor is an opaque
URL-safe string; a cursor that does not decode is a QueryError."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from ..errors import QueryError
from ..normalize import parse_datetime
from .store import Store, fts5_query

MARK_START, MARK_END = "\ue000", "\ue001"  # highlight markers in snippets (private-use characters)


@dataclass(slots=True)
class Filters:
    """What a topic or a page asks for: a search query and article filters (all optional)."""

    query: str = ""
    outlet: str | None = None
    language: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def __post_init__(self) -> None:
        if self.since and self.until and self.since >= self.until:
            raise QueryError("since must come before until")


@dataclass(slots=True)
class Page:
    items: list[dict]
    next_cursor: str | None
    extra: dict = field(default_factory=dict)


def encode_cursor(values: dict) -> str:
    raw = json.dumps(values, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, keys: tuple[str, ...]) -> dict | None:
    if not cursor:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise QueryError(f"cursor {cursor[:40]!r} is not one this server made; start from the first page") from exc
    if not isinstance(values, dict) or set(values) != set(keys):
        raise QueryError(f"cursor {cursor[:40]!r} is not one this server made; start from the first page")
    return values


# --- building blocks -------------------------------------------------------------------------------

def _match_clause(store: Store, query: str, params: dict) -> str | None:
    """SQL restricting ``a`` (articles) to those matching a web-search-style query, or None when
    the query asks for nothing (no clause). A query with only excluded words matches nothing."""
    if not query.strip():
        return None
    if store.dialect == "sqlite":
        match = fts5_query(query)
        if not match:
            return "1 = 0"
        params["match"] = match
        return "a.id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH :match)"
    params["match"] = query
    return "a.search_vector @@ websearch_to_tsquery('english', :match)"


def _where(store: Store, filters: Filters, params: dict) -> list[str]:
    clauses = []
    match = _match_clause(store, filters.query, params)
    if match:
        clauses.append(match)
    if filters.outlet:
        clauses.append("a.outlet = :outlet")
        params["outlet"] = filters.outlet
    if filters.language:
        clauses.append("a.language = :language")
        params["language"] = filters.language
    if filters.since:
        clauses.append("a.published >= :since")
        params["since"] = store.db_time(filters.since)
    if filters.until:
        clauses.append("a.published < :until")
        params["until"] = store.db_time(filters.until)
    return clauses


def _position(row: Any) -> dict:
    published = row.published
    if isinstance(published, datetime):
        published = published.isoformat()
    return {"p": published, "i": row.id}


def _newest_first(conn: Connection, store: Store, columns: str, clauses: list[str], params: dict,
                  after: dict | None, batch: int) -> Iterator[Any]:
    """Rows of ``articles a`` matching ``clauses``, newest first, strictly after the position
    ``after``: dated articles by (published, id) descending, then undated ones by id descending.
    Two index-ordered phases instead of one ORDER BY with NULLS LAST, which no index serves."""
    phases = []
    if after is None or after["p"] is not None:
        phases.append("dated")
    phases.append("undated")
    position = after
    for phase in phases:
        while True:
            local = dict(params)
            where = list(clauses)
            if phase == "dated":
                where.append("a.published IS NOT NULL")
                if position is not None and position["p"] is not None:
                    where.append("(a.published < :cp OR (a.published = :cp AND a.id < :ci))")
                    local.update(cp=_db_position(store, position["p"]), ci=position["i"])
                order = "a.published DESC, a.id DESC"
            else:
                where.append("a.published IS NULL")
                if position is not None and position["p"] is None:
                    where.append("a.id < :ci")
                    local["ci"] = position["i"]
                order = "a.id DESC"
            local["batch"] = batch
            rows = conn.execute(text(f"SELECT {columns} FROM articles a WHERE {' AND '.join(where)}"
                                     f" ORDER BY {order} LIMIT :batch"), local).all()
            yield from rows
            if len(rows) < batch:
                break
            position = _position(rows[-1])
        position = {"p": None, "i": 2**62}


def _db_position(store: Store, published: str) -> Any:
    value = parse_datetime(published)
    if value is None:
        raise QueryError("the cursor holds no usable date; start from the first page")
    return store.db_time(value)


def _at_or_before(store: Store, position: dict, params: dict) -> str:
    """SQL: article ``a`` comes at or before ``position`` in newest-first order."""
    params["bp"] = None if position["p"] is None else _db_position(store, position["p"])
    params["bi"] = position["i"]
    if position["p"] is None:
        return "(a.published IS NOT NULL OR a.id >= :bi)"
    return "(a.published > :bp OR (a.published = :bp AND a.id >= :bi))"


# --- pages -----------------------------------------------------------------------------------------

def story_page(store: Store, filters: Filters, cursor: str | None = None, limit: int = 20) -> Page:
    """Stories with an article matching ``filters``, each placed by its newest matching article
    (newest first). Every item: the story (as ``Store.stories`` gives it) plus ``lead`` — that
    newest matching article (id, title, url, outlet, published, excerpt)."""
    after = decode_cursor(cursor, ("p", "i"))
    params: dict = {}
    clauses = ["a.story_id IS NOT NULL", *_where(store, filters, params)]
    found: dict[int, Any] = {}
    last_position = None
    with store._connect() as conn:
        pending: list[Any] = []

        def settle(rows: list[Any]) -> None:
            # a story with a matching article at or before the cursor was listed on an earlier page
            fresh = [r for r in rows if r.story_id not in found]
            if after is not None and fresh:
                check_params = dict(params)
                ids = ", ".join(str(int(s)) for s in {r.story_id for r in fresh})
                shown = {r[0] for r in conn.execute(text(
                    f"SELECT DISTINCT a.story_id FROM articles a WHERE a.story_id IN ({ids}) AND "
                    + " AND ".join([*clauses, _at_or_before(store, after, check_params)])), check_params)}
                fresh = [r for r in fresh if r.story_id not in shown]
            for row in fresh:
                if row.story_id not in found and len(found) <= limit:
                    found[row.story_id] = row

        for row in _newest_first(conn, store, "a.id, a.story_id, a.published", clauses, params, after, 200):
            if row.story_id in found:
                continue
            pending.append(row)
            if len(pending) >= 50:
                settle(pending)
                pending = []
                if len(found) > limit:
                    break
        if pending and len(found) <= limit:
            settle(pending)
    rows = list(found.values())
    more = len(rows) > limit
    rows = rows[:limit]
    if more:
        last_position = _position(rows[-1])
    stories = {s["id"]: s for s in store.stories([r.story_id for r in rows])}
    leads = {a["id"]: a for a in store.get_articles([r.id for r in rows])}
    items = []
    for row in rows:
        story = stories.get(row.story_id)
        lead = leads.get(row.id)
        if story is None or lead is None:
            continue
        items.append({**story, "article_count": len(story["article_ids"]), "lead": _lead(lead)})
    return Page(items, encode_cursor(last_position) if last_position else None)


def _lead(article: dict) -> dict:
    return {"id": article["id"], "title": article["title"], "url": article["url"], "outlet": article["outlet"],
            "published": article["published"], "excerpt": excerpt(article.get("summary") or article["text"])}


def excerpt(text_value: str | None, limit: int = 280) -> str:
    """The first ``limit`` characters of a text, cut at a word boundary."""
    value = " ".join((text_value or "").split())
    if len(value) <= limit:
        return value
    cut = value[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"


def article_page(store: Store, filters: Filters, cursor: str | None = None, limit: int = 20,
                 story_id: int | None = None) -> Page:
    """Articles matching ``filters`` (and, when given, of one story), newest first."""
    after = decode_cursor(cursor, ("p", "i"))
    params: dict = {}
    clauses = _where(store, filters, params) or ["1 = 1"]
    if story_id is not None:
        clauses.append("a.story_id = :story_id")
        params["story_id"] = story_id
    with store._connect() as conn:
        rows = []
        for row in _newest_first(conn, store, "a.id, a.published", clauses, params, after, limit + 1):
            rows.append(row)
            if len(rows) > limit:
                break
    more = len(rows) > limit
    rows = rows[:limit]
    items = store.get_articles([r.id for r in rows])
    return Page(items, encode_cursor(_position(rows[-1])) if more and rows else None)


SORTS = ("relevance", "date")


def search_page(store: Store, filters: Filters, sort: str = "relevance", cursor: str | None = None,
                limit: int = 20) -> Page:
    """Full-text search with filters, by relevance or newest first; each hit with a snippet whose
    matches are wrapped in MARK_START/MARK_END. Pages by offset (relevance has no stable key)."""
    if sort not in SORTS:
        raise QueryError(f"sort {sort!r} is not one of {', '.join(SORTS)}")
    if not filters.query.strip():
        raise QueryError("search needs a query (q)")
    offset = (decode_cursor(cursor, ("o",)) or {"o": 0})["o"]
    if not isinstance(offset, int) or offset < 0:
        raise QueryError("the cursor holds no usable offset; start from the first page")
    params: dict = {"limit": limit + 1, "offset": offset}
    plain = Filters("", filters.outlet, filters.language, filters.since, filters.until)
    clauses = _where(store, plain, params)
    extra = "".join(f" AND {c}" for c in clauses)
    with store._connect() as conn:
        if store.dialect == "sqlite":
            match = fts5_query(filters.query)
            if not match:
                return Page([], None)
            params["match"] = match
            order = "a.published DESC, a.id DESC" if sort == "date" else "bm25(articles_fts, 3.0, 1.0), a.id"
            rows = conn.execute(text(
                "SELECT a.id, a.title, a.outlet, a.published, a.url, a.story_id, a.language,"
                " -bm25(articles_fts, 3.0, 1.0) AS score,"
                f" snippet(articles_fts, 1, '{MARK_START}', '{MARK_END}', '…', 24) AS snippet"
                " FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid"
                f" WHERE articles_fts MATCH :match{extra} ORDER BY {order} LIMIT :limit OFFSET :offset"), params).all()
        else:
            params["match"] = filters.query
            order = "a.published DESC NULLS LAST, a.id DESC" if sort == "date" else "score DESC, a.id"
            rows = conn.execute(text(
                "SELECT a.id, a.title, a.outlet, a.published, a.url, a.story_id, a.language,"
                " ts_rank(a.search_vector, q) AS score,"
                f" ts_headline('english', a.text, q, 'StartSel={MARK_START}, StopSel={MARK_END},"
                " MaxWords=35, MinWords=15') AS snippet"
                " FROM articles a, websearch_to_tsquery('english', :match) q"
                f" WHERE a.search_vector @@ q{extra} ORDER BY {order} LIMIT :limit OFFSET :offset"), params).all()
    items = [{**dict(r._mapping), "published": parse_datetime(r.published)} for r in rows[:limit]]
    more = len(rows) > limit
    return Page(items, encode_cursor({"o": offset + limit}) if more else None)


def coverage(store: Store, filters: Filters | None = None, story_id: int | None = None,
             hourly: bool = False) -> list[tuple[str, int]]:
    """Articles per day (UTC, ``YYYY-MM-DD``) or per hour (``YYYY-MM-DDTHH``), oldest first, for
    a topic's filters or one story."""
    params: dict = {}
    clauses = ["a.published IS NOT NULL"]
    if filters is not None:
        clauses += _where(store, filters, params)
    if story_id is not None:
        clauses.append("a.story_id = :story_id")
        params["story_id"] = story_id
    if store.dialect == "sqlite":
        day = f"substr(a.published, 1, {13 if hourly else 10})"
    else:
        form = 'YYYY-MM-DD"T"HH24' if hourly else "YYYY-MM-DD"
        day = f"to_char(a.published AT TIME ZONE 'UTC', '{form}')"
    with store._connect() as conn:
        rows = conn.execute(text(f"SELECT {day} AS day, count(*) FROM articles a WHERE {' AND '.join(clauses)}"
                                 " GROUP BY day ORDER BY day"), params).all()
    return [(r[0], r[1]) for r in rows]


def newest_published(store: Store, filters: Filters) -> datetime | None:
    params: dict = {}
    clauses = ["a.published IS NOT NULL", *_where(store, filters, params)]
    with store._connect() as conn:
        value = conn.execute(text(f"SELECT max(a.published) FROM articles a WHERE {' AND '.join(clauses)}"),
                             params).scalar()
    return parse_datetime(value)


def outlets(store: Store) -> list[str]:
    with store._connect() as conn:
        return [r[0] for r in conn.execute(text(
            "SELECT DISTINCT outlet FROM articles WHERE outlet IS NOT NULL ORDER BY outlet"))]


def languages(store: Store) -> list[str]:
    with store._connect() as conn:
        return [r[0] for r in conn.execute(text(
            "SELECT DISTINCT language FROM articles WHERE language IS NOT NULL ORDER BY language"))]
