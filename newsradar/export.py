"""The analysis document (shared CONTRACT, schema newsradar.analysis/1) and the other export
formats: JSON, JSON Lines, CSV and Parquet."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import IO, Any

from .stages import registered
from .store import Store
from .store import stories as story_store

SCHEMA = "newsradar.analysis/1"

# Fields of articles[] in the analysis document: the contract's, then ours.
DOCUMENT_ARTICLE_FIELDS = ("id", "external_id", "title", "url", "outlet", "published", "language", "text",
                           "story_id", "duplicate_of", "tone", "canonical_url", "author", "source_kind",
                           "source", "similarity", "summary", "section", "outlet_domain", "text_origin")
# Columns of the flat exports (CSV, Parquet, JSON Lines).
EXPORT_COLUMNS = ("id", "key", "external_id", "title", "url", "canonical_url", "outlet", "section", "outlet_domain",
                  "author", "published",
                  "language", "source_kind", "source", "duplicate_of", "similarity", "story_id", "tone",
                  "ingested_at", "summary", "text")


# Columns of the quotes table in the flat exports (``export --table quotes``).
QUOTE_COLUMNS = ("id", "article_id", "story_id", "outlet", "published", "field", "start", "end", "speaker",
                 "speaker_entity_id", "speaker_name", "speaker_type", "speaker_country", "speaker_sector", "cue",
                 "kind", "content", "hedged", "denial", "question", "sentence")
# Columns of the events table in the flat exports (``export --table events``): one row per event,
# its first source and target flattened, every actor in ``sources``/``targets`` (JSON text).
EVENT_COLUMNS = ("id", "article_id", "story_id", "story_event_id", "outlet", "published", "url", "field", "type",
                 "mode", "trigger", "pattern", "negated", "hypothetical", "in_quote", "date", "date_text",
                 "source_text", "source_name", "source_entity_id", "source_country", "source_sector", "target_text",
                 "target_name", "target_entity_id", "target_country", "target_sector", "location", "intensity",
                 "num_mentions", "num_articles", "num_sources", "sources", "targets", "sentence")
# Columns of the outlets table (``export --table outlets``): the publishers, their domains and
# sections, what the user said of them, and the names their corrections replaced.
OUTLET_COLUMNS = ("name", "domains", "sections", "articles", "copies", "stories", "first_published",
                  "last_published", "lean", "country", "owner", "renamed_from")

TABLES = ("articles", "quotes", "events", "outlets")


def iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def document_article(record: dict) -> dict:
    return {name: iso(record.get(name)) for name in DOCUMENT_ARTICLE_FIELDS}


def document_story(story: dict, keep: set[int] | None = None) -> dict:
    ids = story["article_ids"] if keep is None else [i for i in story["article_ids"] if i in keep]
    return {"id": story["id"], "title": story["title"], "article_ids": ids,
            "first_published": iso(story["first_published"]), "last_published": iso(story["last_published"]),
            # beyond the contract: the whole story's size and outlets, and its attributed summary
            "article_count": len(story["article_ids"]), "outlets": story.get("outlets", []),
            "summary": story.get("summary", [])}


# The contract's lists that stages fill; each is present (empty) until its stage is registered.
STAGE_SECTIONS = ("entities", "quotes", "events")


def stage_article_fields(store: Store, article_ids: Sequence[int]) -> dict[int, dict]:
    """What the registered stages add to each article (the framing stage: tone, loaded_terms,
    entity_tone), by article id."""
    fields: dict[int, dict] = {}
    for stage in registered():
        if stage.article_fields is not None:
            for article_id, values in stage.article_fields(store, article_ids).items():
                fields.setdefault(article_id, {}).update(values)
    return fields


def with_stage_fields(store: Store, documents: list[dict]) -> list[dict]:
    """Articles of the analysis document (or the API) with the stages' fields merged in."""
    fields = stage_article_fields(store, [d["id"] for d in documents])
    for document in documents:
        document.update(fields.get(document["id"], {}))
    return documents


def stage_sections(store: Store, article_ids: Sequence[int]) -> dict[str, list[dict]]:
    """Every registered stage's list for these articles, under its section name."""
    sections: dict[str, list[dict]] = {name: [] for name in STAGE_SECTIONS}
    for stage in registered():
        if stage.section and stage.document:
            sections[stage.section] = stage.document(store, article_ids)
    return sections


def analysis_document(store: Store, article_ids: Sequence[int]) -> dict:
    """The analysis document for these articles: every list present, stories limited to them."""
    records = store.get_articles(article_ids)
    keep = {r["id"] for r in records}
    story_ids = sorted({r["story_id"] for r in records if r["story_id"] is not None})
    return {
        "schema": SCHEMA,
        "articles": with_stage_fields(store, [document_article(r) for r in records]),
        "stories": [document_story(s, keep) for s in story_store.stories(store, story_ids)],
        **stage_sections(store, sorted(keep)),
    }


def write_json_document(document: dict, out: IO[str]) -> None:
    json.dump(document, out, ensure_ascii=False, indent=2)
    out.write("\n")


def event_row(event: dict) -> dict:
    """One event as a flat row (EVENT_COLUMNS)."""
    row = {name: event.get(name) for name in EVENT_COLUMNS}
    for side in ("source", "target"):
        actor = event.get(side) or {}
        for key in ("text", "name", "entity_id", "country", "sector"):
            row[f"{side}_{key}"] = actor.get(key)
    row["location"] = (event.get("location") or {}).get("text")
    for side in ("sources", "targets"):
        row[side] = json.dumps([{k: a.get(k) for k in ("text", "name", "entity_id", "country", "sector")}
                                for a in event.get(side) or []], ensure_ascii=False)
    return row


def _outlet_rows(store: Store) -> Iterator[dict]:
    from .store import outlets as outlet_store

    with store.connect() as conn:
        listed = outlet_store.listing(conn, limit=1_000_000)
        renamed: dict[str, list[str]] = {}
        for correction in outlet_store.corrections(conn):
            if correction["key"].startswith("name:"):
                renamed.setdefault(correction["name"], []).append(correction["key"].removeprefix("name:"))
    for outlet in listed:
        row = {name: outlet.get(name) for name in OUTLET_COLUMNS}
        row.update(domains="; ".join(outlet["domains"]), sections="; ".join(outlet["sections"]),
                   renamed_from="; ".join(renamed.get(outlet["name"], [])))
        yield row


def _rows(store: Store, table: str = "articles") -> Iterator[dict]:
    if table == "outlets":
        yield from _outlet_rows(store)
        return
    if table == "events":
        from .store import events as event_store

        for event in event_store.iter_all(store):
            yield event_row(event)
        return
    if table == "quotes":
        from .store import quotes as quote_store

        for quote in quote_store.iter_all(store):
            yield {name: quote.get(name) for name in QUOTE_COLUMNS}
        return
    batch: list[dict] = []
    for record in store.iter_articles():
        batch.append({name: record.get(name) for name in EXPORT_COLUMNS})
        if len(batch) >= 500:
            yield from _with_tone(store, batch)
            batch = []
    yield from _with_tone(store, batch)


def _with_tone(store: Store, rows: list[dict]) -> list[dict]:
    """Flat rows with the contract's tone object (null until measured) from the framing stage."""
    fields = stage_article_fields(store, [r["id"] for r in rows])
    for row in rows:
        row["tone"] = fields.get(row["id"], {}).get("tone")
    return rows


def export_json(store: Store, out: IO[str]) -> int:
    """The whole store as one analysis document (the same fields as ``analysis_document``),
    articles and stories streamed in id order."""
    out.write('{\n  "schema": ' + json.dumps(SCHEMA) + ',\n  "articles": [')
    ids: list[int] = []
    batch: list[dict] = []

    def flush() -> None:
        for article in with_stage_fields(store, batch):
            out.write(("," if ids else "") + "\n    " + json.dumps(article, ensure_ascii=False))
            ids.append(article["id"])
        batch.clear()

    for record in store.iter_articles():
        batch.append(document_article(record))
        if len(batch) >= 500:
            flush()
    flush()
    out.write("\n  ],\n  \"stories\": [")
    for index, story in enumerate(story_store.stories(store)):
        out.write(("," if index else "") + "\n    " + json.dumps(document_story(story), ensure_ascii=False))
    out.write("\n  ]")
    for name, items in stage_sections(store, ids).items():
        out.write(",\n  " + json.dumps(name) + ": [")
        out.write(",".join("\n    " + json.dumps(item, ensure_ascii=False) for item in items))
        out.write("\n  ]" if items else "]")
    out.write("\n}\n")
    return len(ids)


def export_jsonl(store: Store, out: IO[str], table: str = "articles") -> int:
    count = 0
    for row in _rows(store, table):
        out.write(json.dumps({k: iso(v) for k, v in row.items()}, ensure_ascii=False) + "\n")
        count += 1
    return count


def export_csv(store: Store, out: IO[str], table: str = "articles") -> int:
    writer = csv.DictWriter(out, fieldnames=_COLUMNS_OF.get(table, EXPORT_COLUMNS))
    writer.writeheader()
    count = 0
    for row in _rows(store, table):
        writer.writerow({k: json.dumps(v) if isinstance(v, dict) else iso(v) for k, v in row.items()})
        count += 1
    return count


def _tone_type(pa: Any) -> Any:
    """The contract's tone object (GDELT V2Tone-like) as a Parquet struct; null until tone is measured."""
    return pa.struct([(name, pa.float64()) for name in ("tone", "positive", "negative", "polarity",
                                                         "activity_density", "self_group_density", "word_count")])


def _quote_schema(pa: Any) -> Any:
    types = {"id": pa.int64(), "article_id": pa.int64(), "story_id": pa.int64(), "start": pa.int64(),
             "end": pa.int64(), "speaker_entity_id": pa.int64(), "published": pa.timestamp("s", tz="UTC"),
             "hedged": pa.bool_(), "denial": pa.bool_(), "question": pa.bool_()}
    return pa.schema([(name, types.get(name, pa.string())) for name in QUOTE_COLUMNS])


def _event_schema(pa: Any) -> Any:
    types = {name: pa.int64() for name in ("id", "article_id", "story_id", "story_event_id", "source_entity_id",
                                           "target_entity_id", "num_mentions", "num_articles", "num_sources")}
    types.update({"published": pa.timestamp("s", tz="UTC"), "negated": pa.bool_(), "hypothetical": pa.bool_(),
                  "in_quote": pa.bool_(), "intensity": pa.float64()})
    return pa.schema([(name, types.get(name, pa.string())) for name in EVENT_COLUMNS])


def _outlet_schema(pa: Any) -> Any:
    types = {"articles": pa.int64(), "copies": pa.int64(), "stories": pa.int64(),
             "first_published": pa.timestamp("s", tz="UTC"), "last_published": pa.timestamp("s", tz="UTC")}
    return pa.schema([(name, types.get(name, pa.string())) for name in OUTLET_COLUMNS])


def export_parquet(store: Store, out: IO[bytes], chunk: int = 5000, table: str = "articles") -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = (_quote_schema(pa) if table == "quotes" else _event_schema(pa) if table == "events"
              else _outlet_schema(pa) if table == "outlets" else pa.schema([
        ("id", pa.int64()), ("key", pa.string()), ("external_id", pa.string()), ("title", pa.string()),
        ("url", pa.string()), ("canonical_url", pa.string()), ("outlet", pa.string()), ("section", pa.string()),
        ("outlet_domain", pa.string()), ("author", pa.string()),
        ("published", pa.timestamp("s", tz="UTC")), ("language", pa.string()), ("source_kind", pa.string()),
        ("source", pa.string()), ("duplicate_of", pa.int64()), ("similarity", pa.float64()),
        ("story_id", pa.int64()), ("tone", _tone_type(pa)), ("ingested_at", pa.timestamp("s", tz="UTC")),
        ("summary", pa.string()), ("text", pa.string()),
    ]))
    sink = out if _seekable(out) else io.BytesIO()
    count = 0
    with pq.ParquetWriter(sink, schema, compression="zstd") as writer:
        for rows in _chunks(_rows(store, table), chunk):
            writer.write_table(pa.Table.from_pylist(rows, schema=schema))
            count += len(rows)
        if count == 0:
            writer.write_table(schema.empty_table())
    if sink is not out:
        out.write(sink.getvalue())  # type: ignore[attr-defined]
    return count


def _seekable(stream: IO[bytes]) -> bool:
    try:
        return stream.seekable()
    except (AttributeError, ValueError):
        return False


def _chunks(rows: Iterable[dict], size: int) -> Iterator[list[dict]]:
    chunk: list[dict] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# A GDELT 2.0-style event table (docs/exports.md, "events-tsv", says what each column holds).
EVENTS_TSV_COLUMNS = ("GlobalEventID", "Day", "DatePrecision", "Actor1Code", "Actor1Name", "Actor1CountryCode",
                      "Actor1Type1Code", "Actor1EntityID", "Actor2Code", "Actor2Name", "Actor2CountryCode",
                      "Actor2Type1Code", "Actor2EntityID", "EventCode", "EventMode", "QuadClass", "Intensity",
                      "IsNegated", "IsHypothetical", "NumMentions", "NumSources", "NumArticles", "StoryEventID",
                      "StoryID", "ActionGeo_FullName", "ActionGeo_EntityID", "SourceURL", "Outlet", "Trigger",
                      "Pattern", "Sentence")
QUAD_CLASSES = {**dict.fromkeys(("AGREE", "CONSULT", "SUPPORT"), 1),
                **dict.fromkeys(("CONCEDE", "COOPERATE", "AID", "RETREAT"), 2),
                **dict.fromkeys(("REQUEST", "ACCUSE", "REJECT", "THREATEN"), 3),
                **dict.fromkeys(("PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT"), 4)}


def _tsv(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    return " ".join(str(value).split())  # a tab or a line break inside a field would break the table


def _event_tsv_row(event: dict) -> list[Any]:
    day, precision = event.get("date"), "day"
    if not day:
        day, precision = (event.get("day") or ""), "article"
    elif len(day) == 7:
        precision = "month"
    elif len(day) == 4:
        precision = "year"
    row: list[Any] = [event["id"], day.replace("-", ""), precision]
    for side in ("source", "target"):
        actor = event.get(side) or {}
        code = (actor.get("country") or "") + (actor.get("sector") or "")
        row += [code, actor.get("name") or actor.get("text"), actor.get("country"), actor.get("sector"),
                actor.get("entity_id")]
    place = event.get("location") or {}
    row += [event["type"], event.get("mode"), QUAD_CLASSES.get(event["type"]), event["intensity"], event["negated"],
            event["hypothetical"], event.get("num_mentions"), event.get("num_sources"), event.get("num_articles"),
            event.get("story_event_id"), event.get("story_id"), place.get("text"), place.get("entity_id"),
            event.get("url"), event.get("outlet"), event.get("trigger"), event.get("pattern"), event.get("sentence")]
    return row


def export_events_tsv(store: Store, out: IO[str]) -> int:
    """Every event of an original article as one tab-separated row, GDELT 2.0-style (header first)."""
    from .store import events as event_store

    out.write("\t".join(EVENTS_TSV_COLUMNS) + "\n")
    count = 0
    for event in event_store.iter_all(store):
        out.write("\t".join(_tsv(v) for v in _event_tsv_row(event)) + "\n")
        count += 1
    return count


_COLUMNS_OF = {"articles": EXPORT_COLUMNS, "quotes": QUOTE_COLUMNS, "events": EVENT_COLUMNS, "outlets": OUTLET_COLUMNS}
FORMATS: dict[str, Callable[..., int]] = {"json": export_json, "jsonl": export_jsonl, "csv": export_csv,
                                          "parquet": export_parquet, "events-tsv": export_events_tsv}
BINARY_FORMATS = {"parquet"}
