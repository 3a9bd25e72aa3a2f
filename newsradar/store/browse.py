"""Read queries behind the web app and the API: pages of stories for a topic (a query plus
filters), pages of articles, filtered full-text search and coverage counts per day.

Pages are keyset-paged newest first by ``published`` (undated articles after the dated ones, by
id), so a page costs the same at the millionth article as at the first. A cursor is an opaque
URL-safe string; a cursor that does not decode is a QueryError."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from ..errors import QueryError
from ..normalize import parse_datetime
from . import framing
from .store import Store
from .stories import stories as load_stories

MARK_START, MARK_END = "\ue000", "\ue001"  # highlight markers in snippets (private-use characters)


_QUERY_TOKEN = re.compile(r'(-?)"([^"]*)"|(\S+)')


def fts5_query(query: str) -> str:
    """A user's web-search-style query as safe FTS5 syntax: words and "quoted phrases" must all
    match, ``OR`` between terms offers alternatives, a leading ``-`` excludes a term. Returns ""
    when nothing positive is asked for."""
    positive: list[str] = []
    negative: list[str] = []
    for negate, phrase, word in _QUERY_TOKEN.findall(query):
        if word == "OR":
            if positive and positive[-1] != "OR":
                positive.append("OR")
            continue
        if word.startswith("-") and len(word) > 1:
            negate, word = "-", word[1:]
        terms = re.findall(r"\w+", phrase if phrase else word)
        if terms:
            (negative if negate else positive).append('"' + " ".join(terms) + '"')
    while positive and positive[-1] == "OR":
        positive.pop()
    if not positive:
        return ""
    return "(" + " ".join(positive) + ")" + "".join(f" NOT {term}" for term in negative)


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


def where_clauses(store: Store, filters: Filters, params: dict) -> list[str]:
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


_COMMON = 2000  # a query with at least this many matches is walked newest first (see _walk_hint)


def _walk_hint(conn: Connection, store: Store, filters: Filters, params: dict) -> str:
    """How SQLite should find the newest matches of a query: for a common query, walk an index in
    publication order and probe the matches (stops after a page); for a rare one, take the matches
    from the full-text index and sort them (SQLite's own choice, which costs one row read per match
    and is what it would do for both). PostgreSQL plans this itself."""
    if store.dialect != "sqlite" or "match" not in params:
        return ""
    found = conn.execute(text("SELECT count(*) FROM (SELECT rowid FROM articles_fts WHERE articles_fts MATCH :match"
                              " LIMIT :cap)"), {"match": params["match"], "cap": _COMMON}).scalar_one()
    if found < _COMMON:
        return ""
    if filters.outlet:
        return "INDEXED BY articles_outlet_published"
    if filters.language:
        return "INDEXED BY articles_language_published"
    return "INDEXED BY articles_published_id"


def _position(row: Any) -> dict:
    published = row.published
    if isinstance(published, datetime):
        published = published.isoformat()
    return {"p": published, "i": row.id}


def _newest_first(conn: Connection, store: Store, columns: str, clauses: list[str], params: dict,
                  after: dict | None, batch: int, hint: str = "") -> Iterator[Any]:
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
            table = f"articles a {hint}" if phase == "dated" else "articles a"
            rows = conn.execute(text(f"SELECT {columns} FROM {table} WHERE {' AND '.join(where)}"
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
    (newest first). Every item: the story (as ``store.stories.stories`` gives it) plus ``lead`` — that
    newest matching article (id, title, url, outlet, published, excerpt)."""
    after = decode_cursor(cursor, ("p", "i"))
    params: dict = {}
    clauses = ["a.story_id IS NOT NULL", *where_clauses(store, filters, params)]
    found: dict[int, Any] = {}
    last_position = None
    with store.connect() as conn:
        hint = _walk_hint(conn, store, filters, params)
        pending: list[Any] = []
        for row in _newest_first(conn, store, "a.id, a.story_id, a.published", clauses, params, after, 400, hint):
            if row.story_id in found:
                continue
            pending.append(row)
            if len(pending) >= 3 * (limit + 1):
                _settle(conn, store, filters, after, pending, found, limit)
                pending = []
                if len(found) > limit:
                    break
        if pending and len(found) <= limit:
            _settle(conn, store, filters, after, pending, found, limit)
    rows = list(found.values())
    more = len(rows) > limit
    rows = rows[:limit]
    if more:
        last_position = _position(rows[-1])
    stories = {s["id"]: s for s in load_stories(store, [r.story_id for r in rows])}
    leads = {a["id"]: a for a in store.get_articles([r.id for r in rows])}
    representative = framing.representatives(store, [r.story_id for r in rows])
    items = []
    for row in rows:
        story = stories.get(row.story_id)
        lead = leads.get(row.id)
        if story is None or lead is None:
            continue
        # the story's excerpt: its most representative, least loaded article's (the lead is the
        # newest article matching the filters, which a partisan lede could otherwise stand for)
        chosen = representative.get(row.story_id) or {"article_id": lead["id"], "outlet": lead["outlet"],
                                                       "text": lead.get("summary") or lead["text"]}
        items.append({**story, "article_count": len(story["article_ids"]), "lead": _lead(lead),
                      "excerpt": {"article_id": chosen["article_id"], "outlet": chosen["outlet"],
                                  "text": excerpt(chosen["text"])}})
    return Page(items, encode_cursor(last_position) if last_position else None)


def _settle(conn: Connection, store: Store, filters: Filters, after: dict | None, rows: list[Any],
            found: dict[int, Any], limit: int) -> None:
    """Add the stories of ``rows`` (newest first) to ``found``, leaving out those listed on an
    earlier page: a story is listed at its newest matching article, so on a later page a story
    with a matching article at or before the cursor was shown already."""
    fresh: dict[int, Any] = {}
    for row in rows:
        if row.story_id not in found and row.story_id not in fresh:
            fresh[row.story_id] = row
    if after is not None and fresh:
        params: dict = {}
        clauses = where_clauses(store, Filters("", filters.outlet, filters.language, filters.since, filters.until), params)
        clauses.append(_at_or_before(store, after, params))
        ids = ", ".join(str(int(s)) for s in fresh)
        earlier = conn.execute(text(f"SELECT a.id, a.story_id FROM articles a WHERE a.story_id IN ({ids})"
                                    + "".join(f" AND {c}" for c in clauses)), params).all()
        shown: set[int] = set()
        if earlier and filters.query.strip():
            matching = matching_ids(conn, store, filters.query, [r.id for r in earlier])
            shown = {r.story_id for r in earlier if r.id in matching}
        else:
            shown = {r.story_id for r in earlier}
        fresh = {k: v for k, v in fresh.items() if k not in shown}
    for story_id, row in fresh.items():
        if len(found) > limit:
            break
        found[story_id] = row


def matching_ids(conn: Connection, store: Store, query: str, ids: list[int]) -> set[int]:
    """Which of these article ids match the query."""
    matching: set[int] = set()
    for start in range(0, len(ids), 500):
        chunk = ", ".join(str(int(i)) for i in ids[start:start + 500])
        if store.dialect == "sqlite":
            match = fts5_query(query)
            if not match:
                return set()
            rows = conn.execute(text(f"SELECT rowid FROM articles_fts WHERE articles_fts MATCH :m AND rowid IN ({chunk})"),
                                {"m": match})
        else:
            rows = conn.execute(text(f"SELECT id FROM articles WHERE id IN ({chunk})"
                                     " AND search_vector @@ websearch_to_tsquery('english', :m)"), {"m": query})
        matching.update(r[0] for r in rows)
    return matching


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
    clauses = where_clauses(store, filters, params) or ["1 = 1"]
    if story_id is not None:
        clauses.append("a.story_id = :story_id")
        params["story_id"] = story_id
    with store.connect() as conn:
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
    matches are wrapped in MARK_START/MARK_END. Relevance pages by offset (scores have no stable
    key); date pages by keyset, as the other lists."""
    if sort not in SORTS:
        raise QueryError(f"sort {sort!r} is not one of {', '.join(SORTS)}")
    if not filters.query.strip():
        raise QueryError("search needs a query (q)")
    if store.dialect == "sqlite" and not fts5_query(filters.query):
        return Page([], None)
    with store.connect() as conn:
        if sort == "date":
            after = decode_cursor(cursor, ("p", "i"))
            params: dict = {}
            clauses = where_clauses(store, filters, params)
            hint = _walk_hint(conn, store, filters, params)
            rows = []
            for row in _newest_first(conn, store, "a.id, a.published", clauses, params, after, limit + 1, hint):
                rows.append(row)
                if len(rows) > limit:
                    break
            ids = [r.id for r in rows[:limit]]
            next_cursor = encode_cursor(_position(rows[limit - 1])) if len(rows) > limit else None
            scores: dict[int, float] = {}
        else:
            offset = (decode_cursor(cursor, ("o",)) or {"o": 0})["o"]
            if not isinstance(offset, int) or offset < 0:
                raise QueryError("the cursor holds no usable offset; start from the first page")
            ranked = _ranked(conn, store, filters, limit + 1, offset)
            ids = [i for i, _ in ranked[:limit]]
            scores = dict(ranked)
            next_cursor = encode_cursor({"o": offset + limit}) if len(ranked) > limit else None
        snippets = _snippets(conn, store, filters.query, ids)
    records = {a["id"]: a for a in store.get_articles(ids)}
    items = []
    for article_id in ids:
        record = records.get(article_id)
        if record is None:
            continue
        items.append({key: record[key] for key in ("id", "title", "outlet", "published", "url", "story_id", "language")}
                     | {"score": scores.get(article_id), "snippet": snippets.get(article_id) or excerpt(record["text"])})
    return Page(items, next_cursor)


def _ranked(conn: Connection, store: Store, filters: Filters, limit: int, offset: int) -> list[tuple[int, float]]:
    """(article id, score) of the best matches: ranked inside the full-text index, joined to the
    articles only when a filter needs them."""
    params: dict = {"limit": limit, "offset": offset}
    plain = where_clauses(store, Filters("", filters.outlet, filters.language, filters.since, filters.until), params)
    if store.dialect == "sqlite":
        params["match"] = fts5_query(filters.query)
        if plain:
            sql = ("SELECT f.rowid, -bm25(articles_fts, 3.0, 1.0) FROM articles_fts f JOIN articles a ON a.id = f.rowid"
                   f" WHERE articles_fts MATCH :match AND {' AND '.join(plain)}")
        else:
            sql = "SELECT rowid, -bm25(articles_fts, 3.0, 1.0) FROM articles_fts WHERE articles_fts MATCH :match"
        sql += " ORDER BY bm25(articles_fts, 3.0, 1.0), 1 LIMIT :limit OFFSET :offset"
    else:
        params["match"] = filters.query
        sql = ("SELECT a.id, ts_rank(a.search_vector, q) AS score FROM articles a,"
               " websearch_to_tsquery('english', :match) q WHERE a.search_vector @@ q"
               + "".join(f" AND {c}" for c in plain) + " ORDER BY score DESC, a.id LIMIT :limit OFFSET :offset")
    return [(r[0], float(r[1])) for r in conn.execute(text(sql), params)]


def _snippets(conn: Connection, store: Store, query: str, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    listed = ", ".join(str(int(i)) for i in ids)
    if store.dialect == "sqlite":
        rows = conn.execute(text(
            f"SELECT rowid, snippet(articles_fts, 1, '{MARK_START}', '{MARK_END}', '…', 24) FROM articles_fts"
            f" WHERE articles_fts MATCH :match AND rowid IN ({listed})"), {"match": fts5_query(query)})
    else:
        rows = conn.execute(text(
            f"SELECT a.id, ts_headline('english', a.text, q, 'StartSel={MARK_START}, StopSel={MARK_END},"
            f" MaxWords=35, MinWords=15') FROM articles a, websearch_to_tsquery('english', :match) q"
            f" WHERE a.id IN ({listed})"), {"match": query})
    return {r[0]: r[1] for r in rows}


def day_of(store: Store, hourly: bool = False) -> str:
    """SQL for the UTC day (``YYYY-MM-DD``) or hour (``YYYY-MM-DDTHH``) of ``a.published``."""
    if store.dialect == "sqlite":
        return f"substr(a.published, 1, {13 if hourly else 10})"
    form = 'YYYY-MM-DD"T"HH24' if hourly else "YYYY-MM-DD"
    return f"to_char(a.published AT TIME ZONE 'UTC', '{form}')"


def coverage(store: Store, filters: Filters | None = None, story_id: int | None = None,
             hourly: bool = False) -> list[tuple[str, int]]:
    """Articles per day (UTC, ``YYYY-MM-DD``) or per hour (``YYYY-MM-DDTHH``), oldest first, for
    a topic's filters or one story."""
    params: dict = {}
    clauses = ["a.published IS NOT NULL"]
    if filters is not None:
        clauses += where_clauses(store, filters, params)
    if story_id is not None:
        clauses.append("a.story_id = :story_id")
        params["story_id"] = story_id
    day = day_of(store, hourly)
    with store.connect() as conn:
        rows = conn.execute(text(f"SELECT {day} AS day, count(*) FROM articles a WHERE {' AND '.join(clauses)}"
                                 " GROUP BY day ORDER BY day"), params).all()
    return [(r[0], r[1]) for r in rows]


def newest_published(store: Store, filters: Filters) -> datetime | None:
    params: dict = {}
    clauses = ["a.published IS NOT NULL", *where_clauses(store, filters, params)]
    with store.connect() as conn:
        value = conn.execute(text(f"SELECT max(a.published) FROM articles a WHERE {' AND '.join(clauses)}"),
                             params).scalar()
    return parse_datetime(value)


def search(store: Store, query: str, limit: int = 20) -> list[dict]:
    """Full-text search over titles and texts, best first, each hit with a snippet whose matches
    are in [brackets] (the first page of ``search_page``, for the CLI)."""
    if not query.strip():
        return []
    hits = search_page(store, Filters(query), "relevance", None, limit).items
    for hit in hits:
        hit["snippet"] = (hit["snippet"] or "").replace(MARK_START, "[").replace(MARK_END, "]")
    return hits
