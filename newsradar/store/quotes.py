"""Quotes in the store: one row per attribution (content, its offsets and pieces, cue, speaker as
written, the claim's attributes). The speaker's entity is not copied: it is the entity of the
mention at ``(article_id, ref_field, ref_start)``, joined when read, so entity merges, splits and
re-analysis never leave a quote pointing at a stale entity."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from ..normalize import parse_datetime
from .store import Store
from .writer import select_in

OFFICIAL = frozenset({"GOV", "MIL", "COP", "JUD", "LEG"})
# newest first, undated last, the same on both stores (PostgreSQL sorts NULL first in DESC)
_NEWEST_FIRST = "(a.published IS NULL), a.published DESC"

_SPEAKER_JOIN = (" LEFT JOIN mentions m ON m.article_id = q.article_id AND m.field = q.ref_field"
                 " AND m.start_char = q.ref_start LEFT JOIN entities e ON e.id = m.entity_id")
_COLUMNS = ("q.id, q.article_id, q.field, q.start_char, q.end_char, q.pieces, q.content, q.kind, q.cue, q.speaker,"
            " q.speaker_start, q.speaker_end, q.speaker_type, q.sentence, q.hedged, q.denial, q.question,"
            " e.id AS entity_id, e.name AS entity_name, e.type AS entity_type, e.country AS entity_country,"
            " e.sector AS entity_sector")


@dataclass(slots=True)
class QuoteRecord:
    """One attribution found in one article (what the quotes stage hands the writer)."""

    field: str  # "title" or "text"
    start: int
    end: int
    pieces: list[list[int]]
    content: str
    kind: str
    cue: str | None
    speaker: str | None
    speaker_start: int | None
    speaker_end: int | None
    speaker_type: str | None  # named, role, group, anonymous, pronoun (unresolved); None: no speaker written
    ref_field: str | None  # the entities stage's mention the speaker resolves to
    ref_start: int | None
    ref_text: str | None  # that mention as written ("Pete Hegseth" for a "he"): searchable with the speaker
    sentence: str
    hedged: bool
    denial: bool
    question: bool


def write(store: Store, conn: Connection, results: Sequence[tuple[int, list[QuoteRecord]]]) -> None:
    """Replace the quotes of these articles (in the caller's transaction)."""
    ids = [article_id for article_id, _ in results]
    for start in range(0, len(ids), 500):
        chunk = ", ".join(str(int(i)) for i in ids[start:start + 500])
        conn.execute(text(f"DELETE FROM quotes WHERE article_id IN ({chunk})"))
    rows = [{"a": article_id, "field": q.field, "s": q.start, "e": q.end, "pieces": json.dumps(q.pieces),
             "content": q.content, "kind": q.kind, "cue": q.cue, "speaker": q.speaker,
             "words": " ".join(w for w in (q.speaker, q.ref_text) if w).casefold() or None, "ss": q.speaker_start,
             "se": q.speaker_end, "st": q.speaker_type, "rf": q.ref_field, "rs": q.ref_start, "sentence": q.sentence,
             "h": int(q.hedged), "d": int(q.denial), "qq": int(q.question)}
            for article_id, quotes in results for q in quotes]
    if rows:
        conn.execute(text(
            "INSERT INTO quotes (article_id, field, start_char, end_char, pieces, content, kind, cue, speaker,"
            " speaker_words, speaker_start, speaker_end, speaker_type, ref_field, ref_start, sentence, hedged, denial, question)"
            " VALUES (:a, :field, :s, :e, :pieces, :content, :kind, :cue, :speaker, :words, :ss, :se, :st, :rf, :rs,"
            " :sentence, :h, :d, :qq)"), rows)


def _quote(row: Any) -> dict:
    return {"id": row.id, "article_id": row.article_id, "field": row.field, "start": row.start_char,
            "end": row.end_char, "pieces": json.loads(row.pieces), "content": row.content, "kind": row.kind,
            "cue": row.cue, "speaker": row.speaker, "speaker_start": row.speaker_start,
            "speaker_end": row.speaker_end, "speaker_type": row.speaker_type, "sentence": row.sentence,
            "hedged": bool(row.hedged), "denial": bool(row.denial), "question": bool(row.question),
            "speaker_entity_id": row.entity_id, "speaker_name": row.entity_name,
            "speaker_entity_type": row.entity_type, "speaker_country": row.entity_country,
            "speaker_sector": row.entity_sector}


def for_articles(store: Store, article_ids: Sequence[int]) -> list[dict]:
    """The quotes of these articles, in article and text order."""
    if not article_ids:
        return []
    with store.connect() as conn:
        rows = select_in(conn, f"SELECT {_COLUMNS} FROM quotes q{_SPEAKER_JOIN} WHERE q.article_id IN :values",
                         list(article_ids))
    return sorted((_quote(r) for r in rows), key=lambda q: (q["article_id"], q["field"] != "title", q["start"]))


@dataclass(slots=True)
class QuoteFilters:
    speaker: str | None = None  # a speaker as written or the name of the entity it resolves to
    story_id: int | None = None
    outlet: str | None = None
    since: datetime | None = None
    entity_id: int | None = None
    article_id: int | None = None
    query: str | None = None  # full-text over the speaker (and whom it resolves to), cue and content
    kinds: tuple[str, ...] = field(default_factory=tuple)


def listing(store: Store, filters: QuoteFilters, limit: int = 50, offset: int = 0) -> list[dict]:
    """Quotes, newest articles first, with their article's title, outlet, date and story."""
    params: dict[str, Any] = {"limit": int(limit), "offset": int(offset)}
    where: list[str] = []
    if filters.speaker:
        # speaker_words is stored case-folded (SQLite's lower() folds ASCII only); % and _ are literal
        folded = filters.speaker.casefold().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params["speaker"] = f"%{folded}%"
        where.append("(q.speaker_words LIKE :speaker ESCAPE '\\' OR lower(e.name) LIKE :speaker ESCAPE '\\')")
    if filters.story_id is not None:
        params["story"] = filters.story_id
        where.append("a.story_id = :story")
    if filters.outlet:
        params["outlet"] = filters.outlet.lower()
        where.append("lower(a.outlet) = :outlet")
    if filters.since is not None:
        params["since"] = store.db_time(filters.since)
        where.append("a.published >= :since")
    if filters.entity_id is not None:
        params["entity"] = filters.entity_id
        where.append("e.id = :entity")
    if filters.article_id is not None:
        params["article"] = filters.article_id
        where.append("q.article_id = :article")
    else:
        where.append("a.duplicate_of IS NULL")  # an article found to be a copy later: its original speaks
    if filters.kinds:
        where.append("q.kind IN (" + ", ".join(f":k{i}" for i in range(len(filters.kinds))) + ")")
        params.update({f"k{i}": k for i, k in enumerate(filters.kinds)})
    if filters.query and filters.query.strip():
        if store.dialect == "sqlite":
            from .browse import fts5_query

            match = fts5_query(filters.query)
            params["match"] = match or '""'
            where.append("q.id IN (SELECT rowid FROM quotes_fts WHERE quotes_fts MATCH :match)" if match else "1 = 0")
        else:
            params["match"] = filters.query
            where.append("q.search_vector @@ websearch_to_tsquery('english', :match)")
    sql = (f"SELECT {_COLUMNS}, a.title AS article_title, a.outlet, a.published, a.story_id, a.url"
           f" FROM quotes q JOIN articles a ON a.id = q.article_id{_SPEAKER_JOIN}"
           + (" WHERE " + " AND ".join(where) if where else "")
           + f" ORDER BY {_NEWEST_FIRST}, q.article_id DESC, q.field DESC, q.start_char, q.id LIMIT :limit OFFSET :offset")
    with store.connect() as conn:
        rows = conn.execute(text(sql), params).all()
    out = []
    for row in rows:
        item = _quote(row)
        item.update({"article_title": row.article_title, "outlet": row.outlet, "published": parse_datetime(row.published),
                     "story_id": row.story_id, "url": row.url})
        out.append(item)
    return out


def speaker_key(quote: dict) -> str:
    """One speaker across articles: the entity it resolves to, else the words as written."""
    if quote.get("speaker_entity_id") is not None:
        return f"entity:{quote['speaker_entity_id']}"
    return "text:" + " ".join((quote.get("speaker") or "unattributed").lower().split())


def is_official(quote: dict) -> bool:
    return (quote.get("speaker_sector") or "") in OFFICIAL


def diversity(quotes: Sequence[dict]) -> dict:
    """Source diversity: distinct speakers, the share of anonymous sources, the share of official
    (government, military, police, courts, legislature) voices among the attributed ones."""
    total = len(quotes)
    speakers = {speaker_key(q) for q in quotes if q.get("speaker") or q.get("speaker_entity_id")}
    anonymous = sum(1 for q in quotes if q.get("speaker_type") == "anonymous")
    coded = [q for q in quotes if q.get("speaker_sector")]
    official = sum(1 for q in coded if is_official(q))
    return {"quotes": total, "speakers": len(speakers),
            "anonymous_share": round(anonymous / total, 3) if total else None,
            "official_share": round(official / len(coded), 3) if coded else None,
            "official": official, "other_coded": len(coded) - official}


def who_said_what(store: Store, story_id: int) -> dict:
    """A story's speakers, what each said and which outlets carried it; the speakers × outlets
    table; and per outlet the sides it quoted nobody from (official vs other voices; and, where the
    story's speakers come from two or more countries, each country)."""
    quotes = listing(store, QuoteFilters(story_id=story_id), limit=20_000)  # a story's quotes, all of them in practice
    with store.connect() as conn:
        outlets = sorted({r.outlet or "unknown" for r in conn.execute(
            text("SELECT outlet FROM articles WHERE story_id = :s"), {"s": story_id})})
    speakers: dict[str, dict] = {}
    for quote in quotes:
        key = speaker_key(quote)
        entry = speakers.setdefault(key, {"key": key, "speaker": quote.get("speaker_name") or quote.get("speaker")
                                          or "unattributed", "entity_id": quote.get("speaker_entity_id"),
                                          "country": quote.get("speaker_country"),
                                          "sector": quote.get("speaker_sector"), "speaker_type": quote["speaker_type"],
                                          "quotes": [], "outlets": {}})
        entry["quotes"].append(quote)
        outlet = quote.get("outlet") or "unknown"
        entry["outlets"][outlet] = entry["outlets"].get(outlet, 0) + 1
    ordered = sorted(speakers.values(), key=lambda s: (-len(s["outlets"]), -len(s["quotes"]), s["speaker"]))
    countries = sorted({s["country"] for s in ordered if s["country"] and len(s["country"]) == 3})
    sides = ["official", "other"] + (countries if len(countries) >= 2 else [])
    present = {side: {o for s in ordered for o in s["outlets"] if _on_side(s, side)} for side in sides}
    silent = {outlet: [side for side in sides if any(present[side]) and outlet not in present[side]]
              for outlet in outlets}
    return {"speakers": ordered, "outlets": outlets, "sides": sides, "silent": silent,
            "diversity": diversity(quotes),
            "by_outlet": {o: diversity([q for q in quotes if (q.get("outlet") or "unknown") == o]) for o in outlets}}


def _on_side(speaker: dict, side: str) -> bool:
    if side == "official":
        return (speaker.get("sector") or "") in OFFICIAL
    if side == "other":
        return bool(speaker.get("sector")) and speaker["sector"] not in OFFICIAL
    return speaker.get("country") == side


def quoted_by(store: Store, entity_id: int) -> dict:
    """What an entity said over time, and which outlets give it a voice."""
    quotes = listing(store, QuoteFilters(entity_id=entity_id), limit=500)
    with store.connect() as conn:
        rows = conn.execute(text(
            f"SELECT a.outlet, count(*) AS n FROM quotes q JOIN articles a ON a.id = q.article_id{_SPEAKER_JOIN}"
            " WHERE e.id = :entity AND a.duplicate_of IS NULL GROUP BY a.outlet"), {"entity": entity_id}).all()
    outlets = [(row.outlet or "unknown", int(row.n)) for row in rows]
    return {"quotes": quotes, "outlets": sorted(outlets, key=lambda kv: (-kv[1], kv[0]))}


def by_outlet(store: Store, since: datetime | None = None) -> list[dict]:
    """Source diversity per outlet over every stored quote (or those of articles since a day): its
    quotes, distinct speakers, share of anonymous sources, share of official voices."""
    params: dict[str, Any] = {}
    where = ""
    if since is not None:
        params["since"] = store.db_time(since)
        where = " WHERE a.published >= :since"
    where = (where + " AND" if where else " WHERE") + " a.duplicate_of IS NULL"
    sql = (f"SELECT a.outlet, q.speaker, q.speaker_type, e.id AS entity_id, e.sector AS entity_sector"
           f" FROM quotes q JOIN articles a ON a.id = q.article_id{_SPEAKER_JOIN}{where}")
    grouped: dict[str, list[dict]] = {}
    with store.connect() as conn:
        for row in conn.execute(text(sql), params):
            grouped.setdefault(row.outlet or "unknown", []).append(
                {"speaker": row.speaker, "speaker_type": row.speaker_type, "speaker_entity_id": row.entity_id,
                 "speaker_sector": row.entity_sector})
    return sorted(({"outlet": outlet, **diversity(quotes)} for outlet, quotes in grouped.items()),
                  key=lambda d: (-d["quotes"], d["outlet"]))


def iter_all(store: Store, chunk: int = 2000):
    """Every stored quote with its article's outlet, date and story, in id order (for the flat exports)."""
    last = 0
    while True:
        with store.connect() as conn:
            rows = conn.execute(text(
                f"SELECT {_COLUMNS}, a.outlet, a.published, a.story_id FROM quotes q JOIN articles a ON a.id = q.article_id"
                f"{_SPEAKER_JOIN} WHERE q.id > :last ORDER BY q.id LIMIT :n"), {"last": last, "n": chunk}).all()
        if not rows:
            return
        for row in rows:
            yield _quote(row) | {"outlet": row.outlet, "published": parse_datetime(row.published), "story_id": row.story_id}
        last = rows[-1].id


def count(store: Store) -> int:
    with store.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM quotes")).scalar_one())
