"""Entities in the store: one row per canonical entity (keyed by its dictionary id, or its type and
folded name), its mentions (article, field, character offsets, the title written with it), which
version analysed each article, and manual corrections (merge, split, rename) that every later
analysis applies again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from ..errors import NotFound, QueryError
from ..normalize import parse_datetime
from .store import Store
from .writer import select_in


@dataclass(slots=True)
class Corrections:
    merges: dict[str, str]  # entity key → the key it was merged into
    splits: dict[tuple[str, str], str]  # (entity key, folded alias) → the key it was split off to
    names: dict[str, str]  # entity key → the name a person gave it

    def resolve(self, key: str, alias_key: str) -> str:
        for _ in range(50):
            split = self.splits.get((key, alias_key))
            if split:
                key = split
                continue
            merged = self.merges.get(key)
            if merged is None:
                return key
            key = merged
        return key


def load_corrections(conn: Connection) -> Corrections:
    corrections = Corrections({}, {}, {})
    for row in conn.execute(text("SELECT kind, entity_key, target_key, alias, name FROM entity_corrections ORDER BY id")):
        if row.kind == "merge":
            corrections.merges[row.entity_key] = row.target_key
        elif row.kind == "split":
            corrections.splits[(row.entity_key, row.alias)] = row.target_key
        elif row.kind == "rename":
            corrections.names[row.entity_key] = row.name
    return corrections


def _now(store: Store) -> Any:
    return store.db_time(datetime.now(UTC).replace(microsecond=0))


@dataclass(slots=True)
class EntityRecord:
    """What the analysis found for one entity in one article."""

    key: str
    name: str
    type: str
    country: str | None
    sector: str | None
    dictionary_id: str | None
    mentions: list[tuple[str, int, int, str, str | None]]  # field, start, end, text, title


def write(store: Store, conn: Connection, results: Sequence[tuple[int, list[EntityRecord]]],
          corrections: Corrections) -> None:
    """Replace the entities of these articles (in the caller's transaction)."""
    from ..entities import key_of

    now = _now(store)
    ids = [article_id for article_id, _ in results]
    for start in range(0, len(ids), 500):
        chunk = ", ".join(str(int(i)) for i in ids[start:start + 500])
        conn.execute(text(f"DELETE FROM mentions WHERE article_id IN ({chunk})"))
    rows: list[dict] = []
    keys: dict[str, EntityRecord] = {}
    placed: list[tuple[int, str, tuple]] = []
    for article_id, records in results:
        for record in records:
            for mention in record.mentions:
                key = corrections.resolve(record.key, key_of(mention[3]))
                keys.setdefault(key, record)
                placed.append((article_id, key, mention))
    # In key order, so that two writers of different articles naming the same entities take its rows in
    # the same order (no deadlock); a known entity is updated, a new one upserted (a writer naming
    # the same new entity meanwhile makes it known, not a unique-key failure). Only new entities go
    # through the upsert, which spends an id from the sequence even when the row exists.
    known = {r.key: r.id for r in select_in(conn, "SELECT id, key FROM entities WHERE key IN :values", list(keys))}
    for key, record in sorted(keys.items()):
        name = corrections.names.get(key, record.name if key == record.key else key.split(":", 1)[-1].split("#")[-1])
        if key in known:
            conn.execute(text("UPDATE entities SET country = coalesce(:country, country), sector = coalesce(:sector, sector),"
                              " name = CASE WHEN renamed = 1 THEN name ELSE :name END WHERE id = :id"),
                         {"country": record.country, "sector": record.sector, "name": name, "id": known[key]})
            continue
        known[key] = conn.execute(text(
            "INSERT INTO entities (key, name, type, country, sector, dictionary_id, renamed, created_at)"
            " VALUES (:key, :name, :type, :country, :sector, :dictionary_id, :renamed, :now)"
            " ON CONFLICT (key) DO UPDATE SET country = coalesce(excluded.country, entities.country),"
            " sector = coalesce(excluded.sector, entities.sector),"
            " name = CASE WHEN entities.renamed = 1 THEN entities.name ELSE excluded.name END RETURNING id"),
            {"key": key, "name": name, "type": record.type, "country": record.country, "sector": record.sector,
             "dictionary_id": record.dictionary_id, "renamed": int(key in corrections.names), "now": now}).scalar_one()
    for article_id, key, (field, start, end, surface, title) in placed:
        rows.append({"article": article_id, "entity": known[key], "field": field, "start": start, "end": end,
                     "text": surface, "title": title})
    if rows:
        conn.execute(text("INSERT INTO mentions (article_id, entity_id, field, start_char, end_char, text, title)"
                          " VALUES (:article, :entity, :field, :start, :end, :text, :title)"), rows)


# --- reads -------------------------------------------------------------------------------------------

def _entity(row: Any) -> dict:
    return {"id": row.id, "key": row.key, "name": row.name, "type": row.type, "country": row.country,
            "sector": row.sector, "dictionary_id": row.dictionary_id}


def for_articles(store: Store, article_ids: Sequence[int]) -> list[dict]:
    """Entities mentioned in these articles: aliases = every surface form in them, mentions = how
    many times, most mentioned first."""
    if not article_ids:
        return []
    with store.connect() as conn:
        rows = select_in(conn, "SELECT m.entity_id, m.text FROM mentions m WHERE m.article_id IN :values",
                         list(article_ids))
        counts: dict[int, int] = {}
        aliases: dict[int, dict[str, None]] = {}
        for row in rows:
            counts[row.entity_id] = counts.get(row.entity_id, 0) + 1
            aliases.setdefault(row.entity_id, {})[row.text] = None
        entities = {r.id: _entity(r) for r in select_in(conn, "SELECT * FROM entities WHERE id IN :values", list(counts))}
    result = []
    for entity_id, entity in entities.items():
        names = list(aliases[entity_id])
        if entity["name"] not in names:
            names.insert(0, entity["name"])
        result.append({**entity, "aliases": names, "mentions": counts[entity_id]})
    return sorted(result, key=lambda e: (-e["mentions"], e["name"]))


def article_mentions(store: Store, article_id: int) -> list[dict]:
    with store.connect() as conn:
        rows = conn.execute(text(
            "SELECT m.field, m.start_char, m.end_char, m.text, m.title, e.id, e.name, e.type, e.country, e.sector"
            " FROM mentions m JOIN entities e ON e.id = m.entity_id WHERE m.article_id = :a"
            " ORDER BY m.field, m.start_char"), {"a": article_id})
        return [{"field": r.field, "start": r.start_char, "end": r.end_char, "text": r.text, "title": r.title,
                 "entity_id": r.id, "name": r.name, "type": r.type, "country": r.country, "sector": r.sector}
                for r in rows]


def listing(store: Store, limit: int = 50, offset: int = 0, type_: str | None = None,
            query: str | None = None) -> list[dict]:
    """Entities, most mentioned first, with their mention and article counts."""
    where: list[str] = []
    params: dict[str, Any] = {"limit": limit, "offset": offset}
    if type_:
        where.append("e.type = :type")
        params["type"] = type_.upper()
    if query:
        where.append("lower(e.name) LIKE :q")
        params["q"] = f"%{query.lower()}%"
    clause = (" WHERE " + " AND ".join(where)) if where else ""
    with store.connect() as conn:
        rows = conn.execute(text(
            "SELECT e.*, count(m.id) AS mention_count, count(DISTINCT m.article_id) AS article_count"
            f" FROM entities e JOIN mentions m ON m.entity_id = e.id{clause}"
            " GROUP BY e.id ORDER BY mention_count DESC, e.name LIMIT :limit OFFSET :offset"), params)
        return [{**_entity(r), "mentions": r.mention_count, "articles": r.article_count} for r in rows]


def get(store: Store, ref: int | str) -> dict:
    """An entity by id, key or exact name, with its aliases, articles, outlets and co-mentions."""
    with store.connect() as conn:
        if isinstance(ref, int) or str(ref).isdigit():
            row = conn.execute(text("SELECT * FROM entities WHERE id = :r"), {"r": int(ref)}).first()
        else:
            row = conn.execute(text("SELECT * FROM entities WHERE key = :r OR lower(name) = lower(:r)"
                                    " ORDER BY id LIMIT 1"), {"r": ref}).first()
            if row is None:  # an alias: the entity most often written so
                row = conn.execute(text(
                    "SELECT e.* FROM entities e JOIN (SELECT entity_id, count(*) AS n FROM mentions"
                    " WHERE lower(text) = lower(:r) GROUP BY entity_id) m ON m.entity_id = e.id"
                    " ORDER BY m.n DESC, e.id LIMIT 1"), {"r": ref}).first()
        if row is None:
            raise NotFound(f"no entity {ref!r}")
        entity = _entity(row)
        aliases = conn.execute(text("SELECT text, count(*) AS n FROM mentions WHERE entity_id = :e GROUP BY text"
                                    " ORDER BY n DESC, text"), {"e": row.id}).all()
        entity["aliases"] = [{"alias": a.text, "mentions": a.n} for a in aliases]
        entity["titles"] = [r[0] for r in conn.execute(text(
            "SELECT title FROM mentions WHERE entity_id = :e AND title IS NOT NULL GROUP BY title"
            " ORDER BY count(*) DESC LIMIT 10"), {"e": row.id})]
        articles = conn.execute(text(
            "SELECT a.id, a.title, a.outlet, a.published, a.story_id, count(*) AS n FROM mentions m"
            " JOIN articles a ON a.id = m.article_id WHERE m.entity_id = :e"
            " GROUP BY a.id, a.title, a.outlet, a.published, a.story_id ORDER BY a.published DESC, a.id DESC"),
            {"e": row.id}).all()
        entity["articles"] = [{"id": a.id, "title": a.title, "outlet": a.outlet, "published": parse_datetime(a.published),
                               "story_id": a.story_id, "mentions": a.n} for a in articles]
        outlets: dict[str, int] = {}
        for a in articles:
            if a.outlet:
                outlets[a.outlet] = outlets.get(a.outlet, 0) + 1
        entity["outlets"] = sorted(outlets.items(), key=lambda o: (-o[1], o[0]))
        entity["co_mentions"] = [{"id": r.id, "name": r.name, "type": r.type, "articles": r.n} for r in conn.execute(text(
            "SELECT e.id, e.name, e.type, count(DISTINCT m2.article_id) AS n FROM mentions m1"
            " JOIN mentions m2 ON m2.article_id = m1.article_id AND m2.entity_id <> m1.entity_id"
            " JOIN entities e ON e.id = m2.entity_id WHERE m1.entity_id = :e"
            " GROUP BY e.id, e.name, e.type ORDER BY n DESC, e.name LIMIT 15"), {"e": row.id})]
        entity["history"] = [dict(r._mapping) for r in conn.execute(text(
            "SELECT kind, entity_key, target_key, alias, name FROM entity_corrections"
            " WHERE entity_key = :k OR target_key = :k ORDER BY id"), {"k": row.key})]
    return entity


def co_mention_pairs(store: Store, entity_ids: Sequence[int]) -> list[tuple[int, int, int]]:
    """(a, b, articles mentioning both) among these entities."""
    if len(entity_ids) < 2:
        return []
    listed = ", ".join(str(int(i)) for i in entity_ids)
    with store.connect() as conn:
        rows = conn.execute(text(
            "SELECT m1.entity_id AS a, m2.entity_id AS b, count(DISTINCT m1.article_id) AS n FROM mentions m1"
            " JOIN mentions m2 ON m2.article_id = m1.article_id AND m2.entity_id > m1.entity_id"
            f" WHERE m1.entity_id IN ({listed}) AND m2.entity_id IN ({listed}) GROUP BY m1.entity_id, m2.entity_id"))
        return [(r.a, r.b, r.n) for r in rows]


# --- corrections ---------------------------------------------------------------------------------------

def _record(conn: Connection, store: Store, kind: str, key: str, target: str | None = None,
            alias: str | None = None, name: str | None = None) -> None:
    conn.execute(text("INSERT INTO entity_corrections (kind, entity_key, target_key, alias, name, at)"
                      " VALUES (:kind, :key, :target, :alias, :name, :now)"),
                 {"kind": kind, "key": key, "target": target, "alias": alias, "name": name, "now": _now(store)})


def merge(store: Store, source: int | str, target: int | str) -> dict:
    """Merge entity ``source`` into ``target``: its mentions move, and later analyses send its
    name there too."""
    a, b = get(store, source), get(store, target)
    if a["id"] == b["id"]:
        raise QueryError(f"{a['name']!r} and {b['name']!r} are the same entity")
    with store.connect(write=True) as conn:
        _record(conn, store, "merge", a["key"], target=b["key"])
        conn.execute(text("UPDATE mentions SET entity_id = :b WHERE entity_id = :a"), {"a": a["id"], "b": b["id"]})
        conn.execute(text("DELETE FROM entities WHERE id = :a"), {"a": a["id"]})
    return get(store, b["id"])


def split(store: Store, ref: int | str, alias: str) -> dict:
    """Move the mentions written ``alias`` out of an entity into an entity of their own (two
    people who share a surname, say); later analyses keep them apart."""
    from ..entities import key_of

    entity = get(store, ref)
    folded = key_of(alias)
    with store.connect(write=True) as conn:
        moving = [r.id for r in conn.execute(text("SELECT id, text FROM mentions WHERE entity_id = :e"),
                                             {"e": entity["id"]}) if key_of(r.text) == folded]
        if not moving:
            raise QueryError(f"entity {entity['name']!r} has no mention written {alias!r}")
        new_key = f"{entity['key']}#{folded}"
        _record(conn, store, "split", entity["key"], target=new_key, alias=folded)
        new_id = conn.execute(text(
            "INSERT INTO entities (key, name, type, country, sector, dictionary_id, renamed, created_at)"
            " VALUES (:key, :name, :type, NULL, NULL, NULL, 0, :now) ON CONFLICT (key) DO UPDATE SET name = excluded.name"
            " RETURNING id"), {"key": new_key, "name": alias, "type": entity["type"], "now": _now(store)}).scalar_one()
        for start in range(0, len(moving), 500):
            chunk = ", ".join(str(i) for i in moving[start:start + 500])
            conn.execute(text(f"UPDATE mentions SET entity_id = :n WHERE id IN ({chunk})"), {"n": new_id})
    return get(store, new_id)


def rename(store: Store, ref: int | str, name: str) -> dict:
    if not name.strip():
        raise QueryError("a new name cannot be empty")
    entity = get(store, ref)
    with store.connect(write=True) as conn:
        _record(conn, store, "rename", entity["key"], name=name.strip())
        conn.execute(text("UPDATE entities SET name = :n, renamed = 1 WHERE id = :e"), {"n": name.strip(), "e": entity["id"]})
    return get(store, entity["id"])


def mentions_per_day(store: Store, entity_id: int) -> list[tuple[str, int]]:
    """Articles mentioning the entity per day (UTC), oldest first."""
    from .browse import day_of

    day = day_of(store)
    with store.connect() as conn:
        rows = conn.execute(text(
            f"SELECT {day} AS day, count(DISTINCT a.id) FROM mentions m JOIN articles a ON a.id = m.article_id"
            " WHERE m.entity_id = :e AND a.published IS NOT NULL GROUP BY day ORDER BY day"), {"e": entity_id})
        return [(r[0], r[1]) for r in rows]
