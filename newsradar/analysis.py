"""The NLP stage: every article not yet analysed by the current versions is parsed once (title and
text, spaCy with our components) and everything that reads the parse is written in one
transaction per chunk: its story terms (for the clusterer) and its entities with their mentions.

``analyze_records`` is the engine-independent seam: plain records in, plain results out, no
database — the same function can run on worker processes or Ray; only ``analyze_pending`` (the
writer) touches the store."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import text

from . import nlp, settings
from .entities import VERSION, EntityResolver, Group, code_groups, key_of, mentions_of
from .normalize import parse_datetime
from .prepare import default_workers
from .store import Store
from .store import entities as entity_store

_CHUNK = 128
_PROCESS_CHUNK = 1000  # articles per chunk when parsing on several processes


@dataclass(slots=True)
class AnalysisReport:
    articles: int = 0
    mentions: int = 0


class AnalysisProgress:
    def started(self, total: int) -> None: ...
    def advanced(self, count: int) -> None: ...


def entity_key(group: Group) -> str:
    """A dictionary entry's id; else a person's folded full name; else the folded name alone (NER
    labels a dateline's "CARACAS" ORG and the city GPE: one place)."""
    if group.dictionary_id:
        return group.dictionary_id
    if group.label == "PERSON":
        return f"PERSON:{key_of(group.name)}"
    return f"name:{key_of(group.name)}"


def analyze_records(records: Sequence[tuple[int, str | None, str, date | None]], n_process: int = 1
                    ) -> list[tuple[int, dict[str, float], list[entity_store.EntityRecord]]]:
    """(article id, title, text, day) → (article id, story terms, entities). Parses each title and
    text once; ``n_process`` > 1 parses on that many processes (each loads the model: it pays from
    a few hundred articles on)."""
    texts: list[str] = []
    for _, title, body, _ in records:
        texts.append(title or "")
        texts.append(body)
    # newsradar_entities groups a single doc; an article's headline and text are grouped together
    # below, so that component is left out here rather than run and thrown away
    docs = nlp.parse(texts, n_process=n_process, disable=("newsradar_entities",))
    resolver = EntityResolver()
    results = []
    for article_id, _title, _body, day in records:
        terms: dict[str, float] = {}
        title_doc, text_doc = next(docs), next(docs)
        nlp.doc_terms(title_doc, nlp.TITLE_WEIGHT, terms)
        nlp.doc_terms(text_doc, 1.0, terms)
        # the headline and the text are one article: their mentions are resolved together
        title_mentions = [replace(m, field="title") for m in mentions_of(title_doc)]
        acronyms = {**(title_doc._.acronyms or {}), **(text_doc._.acronyms or {})}
        groups = resolver.group([*mentions_of(text_doc), *title_mentions], acronyms)
        code_groups(groups, day, text_doc.text)
        found: dict[str, entity_store.EntityRecord] = {}
        for group in groups:
            key = entity_key(group)
            record = found.get(key)
            if record is None:
                record = found[key] = entity_store.EntityRecord(key, group.name, group.label, group.country,
                                                                 group.sector, group.dictionary_id, [])
            record.mentions += [(m.field, m.start, m.end, m.text, m.title) for m in group.mentions]
        results.append((article_id, dict(terms), list(found.values())))
    return results


def processes_for(count: int) -> int:
    """Parsing processes for ``count`` articles: NEWSRADAR_WORKERS (0: one per CPU, at most 4),
    and only one below 500 articles, where starting processes costs more than it saves."""
    workers = settings.get("workers") or default_workers()
    return max(1, workers) if count >= 500 else 1


def analyze_pending(store: Store, progress: AnalysisProgress | None = None) -> AnalysisReport:
    """Analyse every original article whose analysis is missing or older than the current
    versions. Each chunk is one transaction; safe to interrupt and run again."""
    progress = progress or AnalysisProgress()
    report = AnalysisReport()
    pending_sql = ("FROM articles a LEFT JOIN analyses n ON n.article_id = a.id AND n.component = 'entities'"
                   " WHERE a.duplicate_of IS NULL AND (n.version IS NULL OR n.version <> :v)")
    with store.connect() as conn:
        total = conn.execute(text(f"SELECT count(*) {pending_sql}"), {"v": VERSION}).scalar_one()
    progress.started(total)
    n_process = processes_for(total)
    chunk = _PROCESS_CHUNK if n_process > 1 else _CHUNK
    last = 0
    while True:
        with store.connect() as conn:
            rows = conn.execute(text(f"SELECT a.id, a.title, a.text, a.published {pending_sql} AND a.id > :last"
                                     " ORDER BY a.id LIMIT :n"), {"v": VERSION, "last": last, "n": chunk}).all()
        if not rows:
            return report
        last = rows[-1].id
        records = [(r.id, r.title, r.text, _day(parse_datetime(r.published))) for r in rows]
        results = analyze_records(records, n_process=n_process if len(records) >= 500 else 1)
        with store.connect(write=True) as conn:
            corrections = entity_store.load_corrections(conn)
            entity_store.write(store, conn, [(a, found) for a, _, found in results], VERSION, corrections)
            conn.execute(text("INSERT INTO story_features (article_id, terms) VALUES (:id, :terms)"
                              " ON CONFLICT (article_id) DO NOTHING"),
                         [{"id": a, "terms": json.dumps(terms, separators=(",", ":"))} for a, terms, _ in results])
        report.articles += len(rows)
        report.mentions += sum(len(m.mentions) for _, _, found in results for m in found)
        progress.advanced(len(rows))


def _day(value: datetime | None) -> date | None:
    return value.date() if value else None
