"""Framing in the store: an article's tone, its loaded terms and its tone toward each entity
(written by the framing stage; read by the analysis document, the API and the pages)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from .outlets import SIDES
from .writer import select_in

if TYPE_CHECKING:
    from .store import Store

TONE_FIELDS = ("tone", "positive", "negative", "polarity", "activity_density", "self_group_density", "word_count")


@dataclass(slots=True)
class FramingRecord:
    """What the framing stage found in one article."""

    tone: dict[str, float] | None
    reason: str | None  # why there is no tone (never a guess)
    # field, start, end, text, category, rule, in_quote, speaker, target_start (the start of the entity
    # mention it is said of, in the same field)
    loaded: list[dict[str, Any]] = field(default_factory=list)
    entity_tone: list[tuple[str, int, float, int]] = field(default_factory=list)  # ref field, ref start, tone, mentions


def write(conn: Connection, results: Sequence[tuple[int, FramingRecord]]) -> None:
    """Replace the framing of these articles (in the caller's transaction)."""
    ids = [article_id for article_id, _ in results]
    for start in range(0, len(ids), 500):
        chunk = ", ".join(str(int(i)) for i in ids[start:start + 500])
        for table in ("article_tones", "loaded_terms", "entity_tones"):
            conn.execute(text(f"DELETE FROM {table} WHERE article_id IN ({chunk})"))
    tones = [{"a": article_id, **{k: (r.tone or {}).get(k) for k in TONE_FIELDS}, "reason": r.reason}
             for article_id, r in results]
    if tones:
        conn.execute(text(
            "INSERT INTO article_tones (article_id, tone, positive, negative, polarity, activity_density,"
            " self_group_density, word_count, reason) VALUES (:a, :tone, :positive, :negative, :polarity,"
            " :activity_density, :self_group_density, :word_count, :reason)"), tones)
    loaded = [{"a": article_id, "f": t["field"], "s": t["start"], "e": t["end"], "t": t["text"], "c": t["category"],
               "r": t.get("rule"), "q": int(bool(t.get("in_quote"))), "sp": t.get("speaker"),
               "ts": t.get("target_start")}
              for article_id, r in results for t in r.loaded]
    if loaded:
        conn.execute(text("INSERT INTO loaded_terms (article_id, field, start_char, end_char, text, category, rule,"
                          " in_quote, speaker, target_start) VALUES (:a, :f, :s, :e, :t, :c, :r, :q, :sp, :ts)"), loaded)
    toward = [{"a": article_id, "f": f, "s": s, "tone": tone, "n": n}
              for article_id, r in results for f, s, tone, n in r.entity_tone]
    if toward:
        conn.execute(text("INSERT INTO entity_tones (article_id, ref_field, ref_start, tone, mentions)"
                          " VALUES (:a, :f, :s, :tone, :n)"), toward)


NOT_ANALYSED = "not analysed: a copy of another article (see its original), or waiting for analysis"


def for_articles(store: Store, article_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Per article: ``tone`` (the contract's object, or None), ``tone_reason`` (why None),
    ``loaded_terms`` and ``entity_tone`` — empty, with the reason, for articles not analysed."""
    ids = list(article_ids)
    found: dict[int, dict[str, Any]] = {}
    if not ids:
        return found
    with store.connect() as conn:
        for row in select_in(conn, "SELECT * FROM article_tones WHERE article_id IN :values", ids):
            tone = None if row.reason else {k: (int(getattr(row, k)) if k == "word_count" else getattr(row, k))
                                              for k in TONE_FIELDS}
            found[row.article_id] = {"tone": tone, "tone_reason": row.reason, "loaded_terms": [], "entity_tone": []}
        for row in select_in(conn, "SELECT t.*, m.entity_id FROM loaded_terms t LEFT JOIN mentions m"
                             " ON m.article_id = t.article_id AND m.field = t.field AND m.start_char = t.target_start"
                             " WHERE t.article_id IN :values"
                             " ORDER BY t.article_id, t.field DESC, t.start_char", ids):
            if row.article_id in found:
                found[row.article_id]["loaded_terms"].append({
                    "text": row.text, "field": row.field, "start": row.start_char, "end": row.end_char,
                    "category": row.category, "target_entity_id": row.entity_id, "in_quote": bool(row.in_quote),
                    "speaker": row.speaker, "rule": row.rule})
        for row in select_in(conn, "SELECT t.article_id, t.tone, t.mentions, m.entity_id, e.name FROM entity_tones t"
                             " JOIN mentions m ON m.article_id = t.article_id AND m.field = t.ref_field"
                             " AND m.start_char = t.ref_start JOIN entities e ON e.id = m.entity_id"
                             " WHERE t.article_id IN :values ORDER BY t.article_id, t.tone", ids):
            if row.article_id in found:
                found[row.article_id]["entity_tone"].append({"entity_id": row.entity_id, "name": row.name,
                                                             "tone": round(row.tone, 3), "mentions": row.mentions})
    for article_id in ids:
        found.setdefault(article_id, {"tone": None, "tone_reason": NOT_ANALYSED, "loaded_terms": [], "entity_tone": []})
    return found


# --- a story, outlet by outlet ------------------------------------------------------------------------

_NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?:\s?(%|percent|million|billion|thousand))?", re.I)


def _lede(text_value: str, limit: int = 320) -> str:
    first = (text_value or "").split("\n\n", 1)[0].strip()
    return first if len(first) <= limit else first[:limit].rsplit(" ", 1)[0] + "…"


def _numbers(text_value: str) -> set[str]:
    """The figures a text reports ("5,000", "70", "12 percent"), normalized; years are dates, not facts."""
    found = set()
    for match in _NUMBER.finditer(text_value or ""):
        written = match.group(1)
        number = written.replace(",", "")
        if "," not in written and len(number) == 4 and number.startswith(("19", "20")) and not match.group(2):
            continue
        found.add(number + ((" " + match.group(2).lower().replace("percent", "%")) if match.group(2) else ""))
    return found


def story_framing(store: Store, story_id: int, actors: int = 5) -> dict[str, Any]:
    """How each outlet told one story: per outlet its article(s) — headline, lede, tone, loaded terms
    (its own, outside quotations), tone toward the story's main actors, whom it quoted — and what it
    left out: the actors and figures that at least two other outlets of the story report and it
    does not. Coverage by the lean users gave the outlets."""
    with store.connect() as conn:
        rows = conn.execute(text(
            "SELECT a.id, a.title, a.text, a.outlet, a.url, a.published, a.duplicate_of, o.id AS outlet_id, o.lean"
            " FROM articles a LEFT JOIN outlets o ON o.name = a.outlet WHERE a.story_id = :s ORDER BY a.published, a.id"),
            {"s": story_id}).all()
        # a copy is read through its original (copies are not analysed: their text is the original's)
        source = {r.id: r.duplicate_of or r.id for r in rows}
        ids = sorted(set(source.values()))
        named: dict[int, set[int]] = {}
        names: dict[int, str] = {}
        for r in select_in(conn, "SELECT m.article_id, e.id, e.name FROM mentions m JOIN entities e ON e.id = m.entity_id"
                           " WHERE m.article_id IN :values AND e.type IN ('PERSON', 'ORG', 'GPE', 'NORP')", ids):
            named.setdefault(r.article_id, set()).add(r.id)
            names[r.id] = r.name
        quoted: dict[int, list[str]] = {}
        for r in select_in(conn, "SELECT q.article_id, coalesce(e.name, q.speaker) AS who FROM quotes q"
                           " LEFT JOIN mentions m ON m.article_id = q.article_id AND m.field = q.ref_field"
                           " AND m.start_char = q.ref_start LEFT JOIN entities e ON e.id = m.entity_id"
                           " WHERE q.article_id IN :values AND q.speaker IS NOT NULL", ids):
            if r.who and r.who not in quoted.setdefault(r.article_id, []):
                quoted[r.article_id].append(r.who)
    framing = for_articles(store, ids)
    outlets: dict[str, dict[str, Any]] = {}
    for row in rows:
        name = row.outlet or "unknown outlet"
        entry = outlets.setdefault(name, {"outlet": name, "outlet_id": row.outlet_id, "lean": row.lean,
                                          "articles": [], "entities": set(), "numbers": set()})
        read_as = source[row.id]
        found = framing.get(read_as, {})
        own = [t for t in found.get("loaded_terms", []) if not t["in_quote"]]
        words = ((found.get("tone") or {}).get("word_count") or len((row.text or "").split())) or 1
        entry["articles"].append({
            "id": row.id, "title": row.title, "url": row.url, "published": row.published, "copy": row.duplicate_of is not None,
            "lede": _lede(row.text), "tone": found.get("tone"), "tone_reason": found.get("tone_reason"),
            "loaded_terms": own, "quoted_terms": [t for t in found.get("loaded_terms", []) if t["in_quote"]],
            "loaded_per_1000_words": round(1000 * len(own) / words, 1), "entity_tone": found.get("entity_tone", []),
            "quoted": quoted.get(read_as, [])})
        entry["entities"] |= named.get(read_as, set())
        entry["numbers"] |= _numbers(f"{row.title or ''}\n{row.text or ''}")
    reach: dict[int, int] = {}
    for entry in outlets.values():
        for entity_id in entry["entities"]:
            reach[entity_id] = reach.get(entity_id, 0) + 1
    main = sorted(reach, key=lambda e: (-reach[e], names[e]))[:actors]
    for entry in outlets.values():
        others = [o for o in outlets.values() if o is not entry]
        left_actors = [e for e in main if e not in entry["entities"] and sum(e in o["entities"] for o in others) >= 2]
        counted: dict[str, int] = {}
        for other in others:
            for number in other["numbers"]:
                counted[number] = counted.get(number, 0) + 1
        entry["left_out"] = {"actors": [{"entity_id": e, "name": names[e]} for e in left_actors],
                             "figures": sorted(n for n, c in counted.items() if c >= 2 and n not in entry["numbers"])}
        toward: dict[int, list[float]] = {}
        for article in entry["articles"]:
            for et in article["entity_tone"]:
                toward.setdefault(et["entity_id"], []).append(et["tone"])
        entry["toward"] = [{"entity_id": e, "name": names[e],
                            "tone": round(sum(toward[e]) / len(toward[e]), 3) if e in toward else None} for e in main]
    for entry in outlets.values():
        del entry["entities"], entry["numbers"]
    by_lean: dict[str, list[str]] = {}
    for entry in outlets.values():
        by_lean.setdefault(SIDES.get(entry["lean"] or "", "undescribed"), []).append(entry["outlet"])
    return {"story_id": story_id, "main_actors": [{"entity_id": e, "name": names[e], "outlets": reach[e]} for e in main],
            "outlets": sorted(outlets.values(), key=lambda o: (-len(o["articles"]), o["outlet"])), "by_lean": by_lean}


def blindspots(store: Store, limit: int = 50) -> list[dict[str, Any]]:
    """Stories that outlets of only one side covered: some outlet the user described as left (or
    center-left) and none described as right (or center-right), or the reverse — the newest first.
    Empty until outlets of both sides are described (``newsradar outlets set NAME --lean …``)."""
    with store.connect() as conn:
        rows = conn.execute(text(
            "SELECT a.story_id, o.lean, count(DISTINCT a.outlet) AS n, max(a.published) AS last FROM articles a"
            " JOIN outlets o ON o.name = a.outlet WHERE o.lean IS NOT NULL AND a.story_id IS NOT NULL"
            " GROUP BY a.story_id, o.lean")).all()
        described = {SIDES[r[0]] for r in conn.execute(text("SELECT DISTINCT lean FROM outlets WHERE lean IS NOT NULL"))}
    if not {"left", "right"} <= described:
        return []
    sides: dict[int, dict[str, Any]] = {}
    for row in rows:
        entry = sides.setdefault(row.story_id, {"story_id": row.story_id, "left": 0, "center": 0, "right": 0, "last": None})
        entry[SIDES[row.lean]] += row.n
        entry["last"] = max(filter(None, (entry["last"], str(row.last) if row.last else None)), default=None)
    found = [dict(e, covered_by=("left" if e["left"] else "right"), missing=("right" if e["left"] else "left"))
             for e in sides.values() if bool(e["left"]) != bool(e["right"])]
    found.sort(key=lambda e: (e["last"] or "", e["story_id"]), reverse=True)
    return found[:limit]


def representatives(store: Store, story_ids: Sequence[int], actors: int = 5) -> dict[int, dict[str, Any]]:
    """Each story's most representative, least loaded original: the article that names most of the
    story's main actors (those the most of its articles name), less its own loaded terms per 100
    words; ties to the earliest. Only stories of two or more articles the framing stage analysed."""
    if not story_ids:
        return {}
    with store.connect() as conn:
        rows = select_in(conn, "SELECT a.id, a.story_id, a.published, a.outlet, a.title, a.summary, a.text,"
                         " t.word_count, (SELECT count(*) FROM loaded_terms l WHERE l.article_id = a.id"
                         " AND l.in_quote = 0) AS loaded FROM articles a JOIN article_tones t ON t.article_id = a.id"
                         " WHERE a.story_id IN :values AND a.duplicate_of IS NULL", list(story_ids))
        named: dict[int, set[int]] = {}
        for r in select_in(conn, "SELECT DISTINCT m.article_id, m.entity_id FROM mentions m WHERE m.article_id IN :values",
                           [r.id for r in rows]):
            named.setdefault(r.article_id, set()).add(r.entity_id)
    by_story: dict[int, list[Any]] = {}
    for row in rows:
        by_story.setdefault(row.story_id, []).append(row)
    chosen: dict[int, dict[str, Any]] = {}
    for story_id, members in by_story.items():
        if len(members) < 2:
            continue
        reach: dict[int, int] = {}
        for member in members:
            for entity in named.get(member.id, ()):
                reach[entity] = reach.get(entity, 0) + 1
        main = set(sorted(reach, key=lambda e: -reach[e])[:actors])

        def score(member: Any, main: set[int] = main) -> float:
            covered = len(main & named.get(member.id, set())) / (len(main) or 1)
            return covered - 100 * (member.loaded or 0) / max(member.word_count or 0, 50)

        best = min(members, key=lambda m: (-score(m), m.published is None, m.published or "", m.id))
        chosen[story_id] = {"article_id": best.id, "outlet": best.outlet, "title": best.title,
                            "text": best.summary or best.text}
    return chosen



def outlet_profile(store: Store, name: str, actors: int = 8, speakers: int = 10) -> dict[str, Any]:
    """One outlet's framing over all it published: its mean tone, its own loaded terms per 1,000
    words (outside quotations) and by category, its tone toward the actors it names most, and
    whom it quotes most."""
    with store.connect() as conn:
        tone = conn.execute(text(
            "SELECT count(*) AS n, avg(t.tone) AS tone, sum(t.word_count) AS words FROM article_tones t"
            " JOIN articles a ON a.id = t.article_id WHERE a.outlet = :o AND t.reason IS NULL"), {"o": name}).one()
        categories = conn.execute(text(
            "SELECT l.category, count(*) AS n FROM loaded_terms l JOIN articles a ON a.id = l.article_id"
            " WHERE a.outlet = :o AND l.in_quote = 0 GROUP BY l.category ORDER BY count(*) DESC, l.category"),
            {"o": name}).all()
        toward = conn.execute(text(
            "SELECT e.id, e.name, count(DISTINCT t.article_id) AS articles, avg(t.tone) AS tone FROM entity_tones t"
            " JOIN articles a ON a.id = t.article_id JOIN mentions m ON m.article_id = t.article_id"
            " AND m.field = t.ref_field AND m.start_char = t.ref_start JOIN entities e ON e.id = m.entity_id"
            " WHERE a.outlet = :o GROUP BY e.id, e.name ORDER BY count(DISTINCT t.article_id) DESC, e.name LIMIT :n"),
            {"o": name, "n": actors}).all()
        quoted = conn.execute(text(
            "SELECT coalesce(e.name, q.speaker) AS who, e.id AS entity_id, count(*) AS n FROM quotes q"
            " JOIN articles a ON a.id = q.article_id LEFT JOIN mentions m ON m.article_id = q.article_id"
            " AND m.field = q.ref_field AND m.start_char = q.ref_start LEFT JOIN entities e ON e.id = m.entity_id"
            " WHERE a.outlet = :o AND q.speaker IS NOT NULL GROUP BY coalesce(e.name, q.speaker), e.id"
            " ORDER BY count(*) DESC, coalesce(e.name, q.speaker) LIMIT :n"), {"o": name, "n": speakers}).all()
    own = sum(r.n for r in categories)
    words = int(tone.words or 0)
    return {"articles_with_tone": int(tone.n or 0), "mean_tone": round(float(tone.tone), 3) if tone.tone is not None else None,
            "loaded_terms": own, "loaded_per_1000_words": round(1000 * own / words, 2) if words else None,
            "loaded_by_category": {r.category: r.n for r in categories},
            "toward": [{"entity_id": r.id, "name": r.name, "articles": r.articles, "tone": round(float(r.tone), 3)}
                       for r in toward],
            "quotes": [{"speaker": r.who, "entity_id": r.entity_id, "quotes": r.n} for r in quoted]}
