"""Events in the store: one row per coded event (sentence, trigger, PLOVER type and mode, the
pattern that coded it, negation, hypothesis, date, place, intensity) and one row per actor in
``event_actors`` (role ``source``, ``target`` or ``location``; its text as written, the country and
sector coded on the article's day, and the entities stage's mention it resolves to). As with quotes,
an actor's entity is joined when read, through that mention, so merges and re-analysis never leave
a stale entity id. Grouping of reports into one real-world event is done when read
(``events/grouping.py``)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from .. import eventsig
from ..events.grouping import group
from ..eventsig import Signature
from ..normalize import parse_datetime
from .store import Store
from .writer import select_in

NO_COUNTRY = "XXX"  # a dyad side whose actors have no country coded (listed, not dropped)
_NEWEST_FIRST = "(a.published IS NULL), a.published DESC"
_COLUMNS = ("ev.id, ev.article_id, ev.field, ev.sentence_start, ev.sentence_end, ev.sentence, ev.trigger_text,"
            " ev.trigger_start, ev.trigger_end, ev.type, ev.mode, ev.pattern, ev.negated, ev.hypothetical,"
            " ev.in_quote, ev.event_date, ev.date_text, ev.location, ev.location_start, ev.location_end, ev.intensity,"
            " a.title AS article_title, a.outlet, a.published, a.story_id, a.url")
_ACTOR_JOIN = (" LEFT JOIN mentions m ON m.article_id = ea.article_id AND m.field = ea.ref_field"
               " AND m.start_char = ea.ref_start LEFT JOIN entities en ON en.id = m.entity_id")


@dataclass(slots=True)
class EventActor:
    role: str  # source, target or location
    text: str
    start: int | None
    end: int | None
    country: str | None
    sector: str | None
    name: str | None  # what it resolves to ("Pete Hegseth" for a "he"; the speaker for a quoted "we")
    ref_field: str | None
    ref_start: int | None


@dataclass(slots=True)
class EventRecord:
    """One event found in one article (what the events stage hands the writer)."""

    field: str
    sentence_start: int
    sentence_end: int
    sentence: str
    trigger: str
    trigger_start: int
    trigger_end: int
    type: str
    mode: str | None
    pattern: str
    negated: bool
    hypothetical: bool
    in_quote: bool
    date: str | None
    date_text: str | None
    location: str | None
    location_start: int | None
    location_end: int | None
    intensity: float
    actors: list[EventActor] = dataclass_field(default_factory=list)


def write(store: Store, conn: Connection, results: Sequence[tuple[int, list[EventRecord]]]) -> None:
    """Replace the events of these articles (in the caller's transaction)."""
    ids = [article_id for article_id, _ in results]
    for start in range(0, len(ids), 500):
        chunk = ", ".join(str(int(i)) for i in ids[start:start + 500])
        conn.execute(text(f"DELETE FROM event_actors WHERE article_id IN ({chunk})"))
        conn.execute(text(f"DELETE FROM events WHERE article_id IN ({chunk})"))
    insert = text(
        "INSERT INTO events (article_id, field, sentence_start, sentence_end, sentence, trigger_text, trigger_start,"
        " trigger_end, type, mode, pattern, negated, hypothetical, in_quote, event_date, date_text, location,"
        " location_start, location_end, intensity) VALUES (:a, :field, :ss, :se, :sentence, :trigger, :ts, :te, :type,"
        " :mode, :pattern, :neg, :hyp, :q, :date, :dt, :loc, :ls, :le, :intensity) RETURNING id")
    actors: list[dict[str, Any]] = []
    for article_id, events in results:
        for ev in events:
            event_id = conn.execute(insert, {
                "a": article_id, "field": ev.field, "ss": ev.sentence_start, "se": ev.sentence_end,
                "sentence": ev.sentence[:2000], "trigger": ev.trigger[:200], "ts": ev.trigger_start,
                "te": ev.trigger_end, "type": ev.type, "mode": ev.mode, "pattern": ev.pattern, "neg": int(ev.negated),
                "hyp": int(ev.hypothetical), "q": int(ev.in_quote), "date": ev.date, "dt": ev.date_text,
                "loc": ev.location, "ls": ev.location_start, "le": ev.location_end,
                "intensity": float(ev.intensity)}).scalar_one()
            positions: dict[str, int] = {}
            for actor in ev.actors:
                positions[actor.role] = positions.get(actor.role, -1) + 1
                actors.append({"e": event_id, "a": article_id, "role": actor.role, "pos": positions[actor.role],
                               "text": actor.text[:300], "s": actor.start, "en": actor.end, "c": actor.country,
                               "sec": actor.sector, "name": actor.name, "rf": actor.ref_field, "rs": actor.ref_start})
    if actors:
        conn.execute(text(
            "INSERT INTO event_actors (event_id, article_id, role, position, text, start_char, end_char, country,"
            " sector, name, ref_field, ref_start) VALUES (:e, :a, :role, :pos, :text, :s, :en, :c, :sec, :name, :rf,"
            " :rs)"), actors)


def signatures(conn: Connection, article_ids: Sequence[int]) -> dict[int, Signature]:
    """Each article's event signature (``eventsig``: its events' types, sources and targets by country
    or name, dates, weighted by where the article tells them), for the stories stage: two reports of
    one kind of event are told apart by them. Articles without events are left out."""
    rows = select_in(conn, "SELECT ev.id, ev.article_id, ev.type, ev.event_date, ev.field, ev.sentence_start,"
                     " ev.in_quote, ea.role, ea.country, ea.name FROM events ev"
                     " LEFT JOIN event_actors ea ON ea.event_id = ev.id AND ea.position = 0"
                     " AND ea.role IN ('source', 'target') WHERE ev.article_id IN :values AND ev.negated = 0"
                     " AND ev.hypothetical = 0", list(article_ids))
    events: dict[int, dict[str, Any]] = {}
    for row in rows:
        item = events.setdefault(row.id, {"article": row.article_id, "type": row.type, "date": row.event_date,
                                          "weight": eventsig.weight_of(row.field, row.sentence_start,
                                                                       bool(row.in_quote))})
        if row.role:
            item[row.role] = row.country or row.name
    signals: dict[int, list[eventsig.Signal]] = {}
    for event_id in sorted(events):
        item = events[event_id]
        signals.setdefault(item["article"], []).append(eventsig.Signal(
            item["type"], item.get("source"), item.get("target"), eventsig.day_of(item["date"]), item["weight"]))
    return {article: eventsig.signature(found) for article, found in signals.items()}


def _actors(conn: Connection, event_ids: Sequence[int]) -> dict[int, dict[str, list[dict]]]:
    rows = select_in(conn, "SELECT ea.event_id, ea.role, ea.position, ea.text, ea.start_char, ea.end_char,"
                     " ea.country, ea.sector, ea.name, en.id AS entity_id, en.name AS entity_name,"
                     f" en.country AS entity_country, en.sector AS entity_sector FROM event_actors ea{_ACTOR_JOIN}"
                     " WHERE ea.event_id IN :values", list(event_ids))
    out: dict[int, dict[str, list[dict]]] = {}
    for row in sorted(rows, key=lambda r: (r.event_id, r.role, r.position)):
        out.setdefault(row.event_id, {}).setdefault(row.role, []).append({
            "text": row.text, "entity_id": row.entity_id, "name": row.entity_name or row.name,
            "country": row.country, "sector": row.sector, "start": row.start_char, "end": row.end_char})
    return out


def _event(row: Any, actors: dict[str, list[dict]]) -> dict:
    sources, targets = actors.get("source", []), actors.get("target", [])
    places = actors.get("location") or []
    place = places[0] if places else None
    published = parse_datetime(row.published)
    return {"id": row.id, "article_id": row.article_id, "field": row.field, "sentence": row.sentence,
            "sentence_start": row.sentence_start, "sentence_end": row.sentence_end, "trigger": row.trigger_text,
            "trigger_start": row.trigger_start, "trigger_end": row.trigger_end, "type": row.type, "mode": row.mode,
            "pattern": row.pattern, "negated": bool(row.negated), "hypothetical": bool(row.hypothetical),
            "in_quote": bool(row.in_quote), "date": row.event_date, "date_text": row.date_text,
            "location": ({"text": row.location, "entity_id": place["entity_id"] if place else None,
                          "start": row.location_start, "end": row.location_end} if row.location else None),
            "intensity": float(row.intensity), "sources": sources, "targets": targets,
            "source": sources[0] if sources else None, "target": targets[0] if targets else None,
            "article_title": row.article_title, "outlet": row.outlet, "published": published,
            "story_id": row.story_id, "url": row.url,
            "day": row.event_date if row.event_date and len(row.event_date) == 10
            else (published.date().isoformat() if published else None)}


def _load(conn: Connection, rows: Sequence[Any]) -> list[dict]:
    actors = _actors(conn, [r.id for r in rows])
    return [_event(r, actors.get(r.id, {})) for r in rows]


def _grouped(store: Store, events: list[dict]) -> list[dict]:
    """Give these events their story_event_id and report counts, grouping each with every event of
    its story (read now: stories change as news arrives)."""
    stories = sorted({e["story_id"] for e in events if e["story_id"] is not None})
    peers: dict[int, dict] = {e["id"]: e for e in events}
    if stories:
        with store.connect() as conn:
            rows = select_in(conn, f"SELECT {_COLUMNS} FROM events ev JOIN articles a ON a.id = ev.article_id"
                             " WHERE a.story_id IN :values AND a.duplicate_of IS NULL", stories)
            peers.update({e["id"]: e for e in _load(conn, [r for r in rows if r.id not in peers])})
    group(list(peers.values()))
    return events


def for_articles(store: Store, article_ids: Sequence[int]) -> list[dict]:
    """The events of these articles, in article and text order, grouped within their stories."""
    if not article_ids:
        return []
    with store.connect() as conn:
        rows = select_in(conn, f"SELECT {_COLUMNS} FROM events ev JOIN articles a ON a.id = ev.article_id"
                         " WHERE ev.article_id IN :values", list(article_ids))
        events = _load(conn, rows)
    events.sort(key=lambda e: (e["article_id"], e["field"] != "title", e["trigger_start"]))
    return _grouped(store, events)


@dataclass(slots=True)
class EventFilters:
    type: str | None = None
    source: str | None = None  # an actor as written, the entity's name, or a country code
    target: str | None = None
    since: date | None = None  # the event's day (its date, else its article's) on or after
    story_id: int | None = None
    article_id: int | None = None
    entity_id: int | None = None
    role: str | None = None  # with entity_id: "source" or "target" (either when None)
    source_country: str | None = None  # a dyad: NO_COUNTRY for actors without one
    target_country: str | None = None
    source_sector: str | None = None
    target_sector: str | None = None
    certain: bool = False  # leave out negated and hypothetical events


def _actor_clause(role: str, value: str, params: dict, key: str) -> str:
    folded = value.casefold().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    params[key] = f"%{folded}%"
    params[key + "_code"] = value.upper()
    return (f"EXISTS (SELECT 1 FROM event_actors ea{_ACTOR_JOIN} WHERE ea.event_id = ev.id AND ea.role = '{role}'"
            f" AND (lower(ea.text) LIKE :{key} ESCAPE '\\' OR lower(en.name) LIKE :{key} ESCAPE '\\'"
            f" OR lower(ea.name) LIKE :{key} ESCAPE '\\' OR ea.country = :{key}_code))")


def _side_clause(role: str, country: str | None, sector: str | None, params: dict) -> str | None:
    if country is None and sector is None:
        return None
    parts = [f"ea.event_id = ev.id AND ea.role = '{role}'"]
    if country is not None:
        if country.upper() == NO_COUNTRY:
            parts.append("ea.country IS NULL")
        else:
            params[f"{role}_country"] = country.upper()
            parts.append(f"ea.country = :{role}_country")
    if sector is not None:
        params[f"{role}_sector"] = sector.upper()
        parts.append(f"ea.sector = :{role}_sector")
    return "EXISTS (SELECT 1 FROM event_actors ea WHERE " + " AND ".join(parts) + ")"


def listing(store: Store, filters: EventFilters, limit: int = 50, offset: int = 0) -> list[dict]:
    """Events, newest articles first, with their article's title, outlet, date and story, grouped."""
    params: dict[str, Any] = {"limit": int(limit), "offset": int(offset)}
    where: list[str] = []
    if filters.type:
        params["type"] = filters.type.upper()
        where.append("ev.type = :type")
    if filters.source:
        where.append(_actor_clause("source", filters.source, params, "src"))
    if filters.target:
        where.append(_actor_clause("target", filters.target, params, "tgt"))
    if filters.since is not None:
        params["since_day"] = filters.since.isoformat()
        params["since"] = store.db_time(datetime(filters.since.year, filters.since.month, filters.since.day))
        where.append("(ev.event_date >= :since_day OR (ev.event_date IS NULL AND a.published >= :since))")
    if filters.story_id is not None:
        params["story"] = filters.story_id
        where.append("a.story_id = :story")
    if filters.article_id is not None:
        params["article"] = filters.article_id
        where.append("ev.article_id = :article")
    else:
        where.append("a.duplicate_of IS NULL")  # a copy found later: its original reports the event
    if filters.entity_id is not None:
        params["entity"] = filters.entity_id
        roles = f" AND ea.role = '{filters.role}'" if filters.role in ("source", "target") else \
            " AND ea.role IN ('source', 'target')"
        where.append(f"EXISTS (SELECT 1 FROM event_actors ea{_ACTOR_JOIN} WHERE ea.event_id = ev.id{roles}"
                     " AND en.id = :entity)")
    for role, country, sector in (("source", filters.source_country, filters.source_sector),
                                  ("target", filters.target_country, filters.target_sector)):
        clause = _side_clause(role, country, sector, params)
        if clause:
            where.append(clause)
    if filters.certain:
        where.append("ev.negated = 0 AND ev.hypothetical = 0")
    sql = (f"SELECT {_COLUMNS} FROM events ev JOIN articles a ON a.id = ev.article_id"
           + (" WHERE " + " AND ".join(where) if where else "")
           + f" ORDER BY {_NEWEST_FIRST}, ev.article_id DESC, ev.field DESC, ev.trigger_start, ev.id"
             " LIMIT :limit OFFSET :offset")
    with store.connect() as conn:
        events = _load(conn, conn.execute(text(sql), params).all())
    return _grouped(store, events)


def story_events(store: Store, story_id: int) -> list[dict]:
    """A story's "what happened": one entry per real-world event (its earliest report first in each
    group), in date order, each with all its reports."""
    events = listing(store, EventFilters(story_id=story_id), limit=5000)
    groups: dict[int, list[dict]] = {}
    for event in events:
        groups.setdefault(event["story_event_id"], []).append(event)
    out = []
    for members in groups.values():
        members.sort(key=lambda e: e["id"])
        lead = dict(members[0])
        lead["reports"] = members
        dated = [m["date"] for m in members if m["date"]]
        lead["date"] = max(dated, key=len) if dated else None  # the most precise date its reports give
        out.append(lead)
    # a month or a year sorts after the days within it ("2026-11~" after "2026-11-30")
    out.sort(key=lambda e: ((e["date"] + "~" if len(e["date"]) < 10 else e["date"]) if e["date"]
                            else (e["day"] or "9999"), e["id"]))
    return out


def dyads(store: Store, limit: int = 10, since: date | None = None) -> list[dict]:
    """The most active directed dyads (source country → target country, over asserted events),
    actors without a country on either side counted under NO_COUNTRY."""
    params: dict[str, Any] = {"limit": int(limit)}
    since_clause = ""
    if since is not None:  # as listing(): an undated event by its article's day
        params["since_day"] = since.isoformat()
        params["since"] = store.db_time(datetime(since.year, since.month, since.day))
        since_clause = " AND (ev.event_date >= :since_day OR (ev.event_date IS NULL AND a.published >= :since))"
    # one row per event and pair of countries first, so an event with two actors of one country
    # counts (and weighs in the mean intensity) once
    pairs = ("SELECT DISTINCT ev.id, coalesce(s.country, :none) AS source, coalesce(t.country, :none) AS target,"
             " ev.intensity FROM events ev JOIN articles a ON a.id = ev.article_id"
             " JOIN event_actors s ON s.event_id = ev.id AND s.role = 'source'"
             " JOIN event_actors t ON t.event_id = ev.id AND t.role = 'target'"
             " WHERE a.duplicate_of IS NULL AND ev.negated = 0 AND ev.hypothetical = 0"
             " AND (s.country IS NOT NULL OR t.country IS NOT NULL)" + since_clause)
    sql = (f"SELECT p.source, p.target, count(*) AS n, avg(p.intensity) AS intensity FROM ({pairs}) p"
           " GROUP BY p.source, p.target ORDER BY n DESC, p.source, p.target LIMIT :limit")
    params["none"] = NO_COUNTRY
    with store.connect() as conn:
        rows = conn.execute(text(sql), params).all()
    return [{"source": r.source, "target": r.target, "key": f"{r.source}-{r.target}", "events": int(r.n),
             "intensity": round(float(r.intensity), 2)} for r in rows]


def dyad(store: Store, source: str, target: str, source_sector: str | None = None,
         target_sector: str | None = None, limit: int = 5000) -> dict:
    """One directed dyad: its events (latest first, negated and hypothetical ones flagged), and over
    its asserted events (as ``dyads`` counts them) the counts by type, the escalation series (per
    day: events and mean intensity) and each side's sectors (events per sector of that side's
    country's actors)."""
    events = listing(store, EventFilters(source_country=source, target_country=target, source_sector=source_sector,
                                         target_sector=target_sector), limit=limit)
    counts: dict[str, int] = {}
    days: dict[str, list[float]] = {}
    asserted = [e for e in events if not e["negated"] and not e["hypothetical"]]
    for event in asserted:
        counts[event["type"]] = counts.get(event["type"], 0) + 1
        if event["day"]:
            days.setdefault(event["day"], []).append(event["intensity"])
    series = [{"day": day, "events": len(values), "intensity": round(sum(values) / len(values), 2),
               "min": min(values)} for day, values in sorted(days.items())]
    sectors: dict[str, dict[str, int]] = {"source": {}, "target": {}}
    for event in asserted:
        for role, side, country in (("sources", "source", source), ("targets", "target", target)):
            wanted = None if country.upper() == NO_COUNTRY else country.upper()
            found = {a.get("sector") or "—" for a in event[role] if a.get("country") == wanted}
            for key in found:
                sectors[side][key] = sectors[side].get(key, 0) + 1
    return {"source": source.upper(), "target": target.upper(), "source_sector": source_sector,
            "target_sector": target_sector, "events": events,
            "counts": dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))), "series": series,
            "sectors": sectors}


def iter_all(store: Store, chunk: int = 2000) -> Iterator[dict]:
    """Every stored event of an original article, grouped, in id order (for the flat exports)."""
    last = 0
    while True:
        with store.connect() as conn:
            rows = conn.execute(text(
                f"SELECT {_COLUMNS} FROM events ev JOIN articles a ON a.id = ev.article_id"
                " WHERE ev.id > :last AND a.duplicate_of IS NULL ORDER BY ev.id LIMIT :n"),
                {"last": last, "n": chunk}).all()
            if not rows:
                return
            events = _load(conn, rows)
        yield from _grouped(store, events)
        last = rows[-1].id


def count(store: Store) -> int:
    with store.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM events")).scalar_one())
