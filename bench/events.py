"""Event coding on the PLOVER gold standard records (../shared/datasets/plover-gsr-dev), scored as
the datasets' README says: per gold record, the events predicted for its sentence; (a) type
accuracy (some predicted event has the gold type), (b) type + source country + target country (one
predicted event of the gold type whose sources' countries meet the gold sources' and whose targets'
meet the gold targets' — an empty side must be empty), (c) predicted events per sentence.

The records are split by a hash of their id into a part the patterns were checked on and an
untouched part; both are reported, the untouched one predicts the held-out score. ``--sample``
scores our hand gold over the sample corpus (tests/data/events_gold.jsonl): type, type + actors,
precision, and over matched events mode, negation, hypothesis, date and in-quote accuracy.

    .venv/bin/python bench/events.py [--sample] [--speed] [--json] [--show N]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "datasets" / "plover-gsr-dev" / "plover-gsr-dev.jsonl"
SAMPLE_GOLD = ROOT / "tests" / "data" / "events_gold.jsonl"
# the gold standard writes a few countries in CAMEO's codes; newsradar codes ISO 3166 alpha-3
_CAMEO = {"JAP": "JPN", "ITL": "ITA", "IMG": "IGO"}


def part(record_id: str) -> str:
    """The fixed split: a quarter of the records (by hash) were never looked at while tuning."""
    return "held_out" if hashlib.sha1(record_id.encode()).digest()[0] % 4 == 0 else "tune"


def load() -> list[dict]:
    return [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]


def _gold_codes(actors: list[dict]) -> set[str]:
    return {_CAMEO.get(a["code"], a["code"]) for a in actors if a.get("code")}


def sides_agree(gold: set[str], predicted: set[str]) -> bool:
    return bool(gold & predicted) if gold else not predicted


def predict(texts: list[str]) -> tuple[list[list[dict]], float]:
    """The events of each text, through the analysis path (entities, quotes, events) with no store."""
    from newsradar import analysis
    from newsradar.stages import EVENTS, ArticleText

    started = time.perf_counter()
    results = analysis.analyze_records([ArticleText(i, None, t, None) for i, t in enumerate(texts)], [EVENTS])
    seconds = time.perf_counter() - started
    out = []
    for _, found in results:
        out.append([{"type": e.type, "mode": e.mode, "trigger": e.trigger, "pattern": e.pattern,
                     "sources": {a.country for a in e.actors if a.role == "source" and a.country},
                     "targets": {a.country for a in e.actors if a.role == "target" and a.country},
                     "actors": [(a.role, a.text, a.country, a.sector) for a in e.actors]}
                    for e in found["events"]])
    return out, seconds


def score(records: list[dict], predicted: list[list[dict]]) -> dict:
    totals: Counter = Counter()
    for record, events in zip(records, predicted, strict=True):
        totals["records"] += 1
        totals["events"] += len(events)
        typed = [e for e in events if e["type"] == record["event"]]
        totals["type"] += bool(typed)
        sources, targets = _gold_codes(record["source"]), _gold_codes(record["target"])
        totals["full"] += any(sides_agree(sources, e["sources"]) and sides_agree(targets, e["targets"]) for e in typed)
        totals["none"] += not events
    n = totals["records"] or 1
    return {"records": totals["records"], "type_accuracy": round(totals["type"] / n, 4),
            "full_accuracy": round(totals["full"] / n, 4), "events_per_sentence": round(totals["events"] / n, 3),
            "no_event": round(totals["none"] / n, 4)}


def evaluate() -> tuple[list[dict], list[list[dict]], dict]:
    records = load()
    predicted, seconds = predict([r["text"] for r in records])
    report: dict = {"records": len(records), "seconds": round(seconds, 1)}
    for name in ("tune", "held_out"):
        chosen = [(r, p) for r, p in zip(records, predicted, strict=True) if part(r["id"]) == name]
        report[name] = score([r for r, _ in chosen], [p for _, p in chosen])
    report["all"] = score(records, predicted)
    return records, predicted, report


def sample_gold() -> dict:
    """Our hand gold over the sample corpus: per gold event, whether an event of its type was coded
    in its sentence (type recall), with its sources' and targets' countries (full); the share of
    coded events in gold sentences that match a gold event's type (precision); over matched events,
    the accuracy of mode, negated, hypothetical, date and in_quote; coded events per gold event."""
    from examples.corpus import ARTICLES
    from newsradar import analysis
    from newsradar.normalize import parse_datetime
    from newsradar.stages import EVENTS, ArticleText

    gold_by_headline: dict[str, list[dict]] = {}
    for line in SAMPLE_GOLD.read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            gold_by_headline.setdefault(record["headline"], []).append(record)
    records = []
    for i, (_s, _o, published, _a, headline, paragraphs) in enumerate(ARTICLES):
        when = parse_datetime(published) if isinstance(published, str) else published
        records.append(ArticleText(i, headline, "\n\n".join(paragraphs), when.date() if when else None))
    results = analysis.analyze_records(records, [EVENTS])
    totals: Counter = Counter()
    for record, (_, found) in zip(records, results, strict=True):
        gold = gold_by_headline.get(record.title or "", [])
        totals["coded"] += len(found["events"])
        spans: dict[int, tuple[str, int, int]] = {}
        for g, item in enumerate(gold):
            text = record.title if item["field"] == "title" else record.text
            start = (text or "").find(item["sentence"])
            spans[g] = (item["field"], start, start + len(item["sentence"]))
        in_gold_sentences = [e for e in found["events"] if any(
            f == e.field and s <= e.trigger_start < t for f, s, t in spans.values() if s >= 0)]
        totals["coded_in_gold_sentences"] += len(in_gold_sentences)
        used: set[int] = set()
        for g, item in enumerate(gold):
            totals["gold"] += 1
            field, start, end = spans[g]
            here = [e for e in in_gold_sentences if e.field == field and start <= e.trigger_start < end]
            typed = [e for e in here if e.type == item["type"] and id(e) not in used]
            if not typed:
                continue
            totals["type"] += 1
            best = typed[0]
            gold_sources = {a["country"] for a in item["sources"] if a.get("country")}
            gold_targets = {a["country"] for a in item["targets"] if a.get("country")}
            for event in typed:
                sources = {a.country for a in event.actors if a.role == "source" and a.country}
                targets = {a.country for a in event.actors if a.role == "target" and a.country}
                if sides_agree(gold_sources, sources) and sides_agree(gold_targets, targets):
                    totals["full"] += 1
                    best = event
                    break
            used.add(id(best))
            totals["mode"] += (best.mode or None) == item["mode"]
            totals["negated"] += best.negated == item["negated"]
            totals["hypothetical"] += best.hypothetical == item["hypothetical"]
            totals["date"] += best.date == item["date"]
            totals["in_quote"] += best.in_quote == item["in_quote"]
        totals["precise"] += len(used)
    matched = totals["type"] or 1
    return {"gold": totals["gold"], "type_recall": round(totals["type"] / totals["gold"], 4),
            "full_recall": round(totals["full"] / totals["gold"], 4),
            "precision": round(totals["precise"] / (totals["coded_in_gold_sentences"] or 1), 4),
            "coded_per_gold_event": round(totals["coded"] / totals["gold"], 3),
            **{f"{name}_accuracy": round(totals[name] / matched, 4)
               for name in ("mode", "negated", "hypothetical", "date", "in_quote")}}


def speed(texts: list[str], rounds: int = 3) -> dict:
    """The coder's own time against the parse it reads, in one run (best of ``rounds``): the full
    model with the entity and quote components, then the event component alone on its Docs."""
    from newsradar import nlp
    from newsradar.events.coder import code_doc
    from newsradar.stages import events as _events  # noqa: F401  (registers the component)

    pipeline = nlp.load(("newsradar_mentions", "newsradar_quotes"))
    parse = float("inf")
    docs: list = []
    for _ in range(rounds):
        started = time.perf_counter()
        docs = list(pipeline.pipe(texts, batch_size=32))
        parse = min(parse, time.perf_counter() - started)
    component = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for doc in docs:
            code_doc(doc)
        component = min(component, time.perf_counter() - started)
    return {"articles": len(texts), "parse_seconds": round(parse, 3), "coder_seconds": round(component, 3),
            "coder_share_of_parse": round(component / parse, 4)}


def _speed_texts() -> list[str]:
    path = ROOT.parent / "shared" / "datasets" / "polnear-dev" / "polnear-dev.jsonl"
    return [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample", action="store_true", help="also our hand gold over the sample corpus")
    parser.add_argument("--speed", action="store_true", help="also the coder's cost against the parse")
    parser.add_argument("--show", type=int, default=0, help="print this many tuned-part misses")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    records, predicted, report = evaluate()
    if args.sample:
        report["sample"] = sample_gold()
    if args.speed:
        report["speed"] = speed(_speed_texts())
    if args.show:
        shown = 0
        for record, events in zip(records, predicted, strict=True):
            if part(record["id"]) != "tune" or any(e["type"] == record["event"] for e in events):
                continue
            print(f"- {record['event']} ({record['event_text']}): {record['text'][:200]}")
            for event in events:
                print(f"    got {event['type']} {event['mode']} [{event['pattern']}] {event['actors']}")
            shown += 1
            if shown >= args.show:
                break
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for name in ("tune", "held_out", "all"):
            r = report[name]
            print(f"{name:9} records {r['records']:4}  type {r['type_accuracy']:.3f}  type+actors "
                  f"{r['full_accuracy']:.3f}  events/sentence {r['events_per_sentence']:.2f}  none {r['no_event']:.3f}")
        for name in ("sample", "speed"):
            if name in report:
                print(name, json.dumps(report[name]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
