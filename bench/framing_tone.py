"""Tone toward entities on BASIL (../shared/datasets/basil-dev): for each article and each target
of its annotated bias spans, the gold sign is the majority polarity of that target's spans (lexical
and informational alike; ties are skipped) and ours the sign of ``entity_tone`` for the entity the
target names (matched by its name's words against our entities' names and mentions). Reported:
balanced accuracy over positive and negative targets among those we give a tone, and coverage,
the share of gold targets we give a tone.

The articles are split by a hash of their id (``int(sha1(id), 16) % 4 == 0``: the untouched
quarter) into a part the rules were checked on and an untouched part; both are reported, the
untouched one predicts the held-out score. ``--speed`` also times article and entity tone against
the parse (the full en_core_web_sm pipeline, parser included).

    .venv/bin/python bench/framing_tone.py [--speed] [--json] [--show N]

``score(records, parsed)`` is the entry bench/framing.py calls: ``records`` are BASIL's lines,
``parsed`` what ``parse(records)`` returns (per record a dict with ``title_doc``, ``text_doc``,
``entities`` — the entities stage's records — and ``quotes`` — the quotes stage's).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "datasets" / "basil-dev" / "basil-dev.jsonl"
_WORD = re.compile(r"[A-Za-z]+")
_GENERIC = frozenset({"and", "of", "the", "for", "a", "an", "in", "on", "to", "mr", "mrs", "ms", "dr"})


def part(article_id: str) -> str:
    """The fixed split: a quarter of the articles (by hash) were never looked at while tuning."""
    return "held_out" if int(hashlib.sha1(article_id.encode()).hexdigest(), 16) % 4 == 0 else "tune"


def load() -> list[dict]:
    return [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]


def parse(records: list[dict]) -> list[dict[str, Any]]:
    """Each record's headline and text parsed with newsradar's pipeline (its entity and quote
    components included) and the entities and quotes stages run on them, as the analysis does."""
    from newsradar import analysis, nlp
    from newsradar.stages import QUOTES, ArticleText

    stages = analysis.related([QUOTES])  # entities, then quotes
    texts: list[str] = []
    for record in records:
        texts += [record.get("title") or "", record.get("text") or ""]
    docs = nlp.parse(texts, pipes=analysis.pipes_of(stages))
    out = []
    for i, record in enumerate(records):
        title_doc, text_doc = next(docs), next(docs)
        article = ArticleText(i, record.get("title"), record.get("text") or "", None)
        found: dict[str, Any] = {}
        for stage in stages:
            prior = {n: found.get(n) for n in stage.needs}
            found[stage.name] = (stage.extract(article, title_doc, text_doc, prior=prior) if stage.needs
                                 else stage.extract(article, title_doc, text_doc))
        out.append({"title_doc": title_doc, "text_doc": text_doc, "entities": found["entities"],
                    "quotes": found["quotes"]})
    return out


def doc_inputs(item: dict[str, Any], field: str) -> tuple[list[tuple[int, int, str]], list[tuple[int, int, str | None]]]:
    """One Doc's (start, end, key) mentions and (start, end, speaker key) quotation pieces."""
    mentions: list[tuple[int, int, str]] = []
    at: dict[tuple[str, int], str] = {}
    for entity in item["entities"]:
        for f, start, end, _text, _title in entity.mentions:
            at[(f, start)] = entity.key
            if f == field:
                mentions.append((start, end, entity.key))
    quotes: list[tuple[int, int, str | None]] = []
    for quote in item.get("quotes") or []:
        if quote.field != field:
            continue
        speaker = at.get((quote.ref_field, quote.ref_start)) if quote.ref_field is not None else None
        for start, end in quote.pieces or [[quote.start, quote.end]]:
            quotes.append((start, end, speaker))
    return mentions, quotes


def predict(item: dict[str, Any]) -> dict:
    """The article's tallies per entity key (headline and text together)."""
    from newsradar.framing import tone

    people = {entity.key: tone.role_words(m[4] for m in entity.mentions)
              for entity in item["entities"] if entity.type == "PERSON"}
    parts = []
    for field in ("title", "text"):
        mentions, quotes = doc_inputs(item, field)
        parts.append(tone.entity_tone(item[f"{field}_doc"], mentions, quotes, people))
    return tone.merge(*parts)


def _words(text: str) -> list[str]:
    return _WORD.findall(unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode())


def _norm(word: str) -> str:
    word = word.lower()
    return word[:-1] if len(word) > 4 and word.endswith("s") and not word.endswith("ss") else word


def gold_targets(record: dict) -> dict[str, int]:
    """Target → +1 or −1, the majority polarity of its spans (ties left out)."""
    votes: dict[str, Counter] = {}
    for span in record.get("bias_spans") or []:
        if span.get("target") and span.get("polarity") in ("pos", "neg"):
            votes.setdefault(span["target"], Counter())[span["polarity"]] += 1
    return {t: (1 if v["pos"] > v["neg"] else -1) for t, v in votes.items() if v["pos"] != v["neg"]}


def match_target(target: str, entities: list) -> str | None:
    """Our entity a BASIL target names: among those sharing a capitalized, name-like word of the
    target (in their name or a mention), the one whose name's words best fit the target's
    (Jaccard), then whose words with its mentions' do, then the most mentioned."""
    raw = [w for w in _words(target.replace("_", " ")) if w.lower() not in _GENERIC]
    words = {_norm(w) for w in raw}
    names = {_norm(w) for w in raw if w[:1].isupper()}
    best: tuple[float, float, int, str] | None = None
    for entity in entities:
        name = {_norm(w) for w in _words(entity.name) if w.lower() not in _GENERIC}
        own = name | {_norm(w) for m in entity.mentions for w in _words(m[3]) if w.lower() not in _GENERIC}
        if not (words & own & names):
            continue
        candidate = (len(words & name) / len(words | name), len(words & own) / len(words | own),
                     len(entity.mentions), entity.key)
        if best is None or candidate[:3] > best[:3]:
            best = candidate
    return best[3] if best else None


def judge(records: list[dict], parsed: list[dict[str, Any]]) -> list[dict]:
    """One row per article and gold target: its part, gold sign, our entity, tone and sign."""
    rows = []
    for record, item in zip(records, parsed, strict=True):
        tallies = predict(item)
        for target, sign in gold_targets(record).items():
            key = match_target(target, item["entities"])
            tally = tallies.get(key) if key else None
            tone = tally.tone if tally is not None else None
            ours = None if tone is None else (1 if tone > 0 else -1 if tone < 0 else 0)
            rows.append({"id": record["id"], "part": part(record["id"]), "target": target, "gold": sign,
                         "entity": key, "tone": tone, "ours": ours, "words": tally.words if tally else 0})
    return rows


def _figures(rows: list[dict]) -> dict:
    given = [r for r in rows if r["ours"] is not None]
    recall = {}
    for name, sign in (("pos", 1), ("neg", -1)):
        of_sign = [r for r in given if r["gold"] == sign]
        recall[name] = sum(r["ours"] == sign for r in of_sign) / len(of_sign) if of_sign else 0.0
    return {"targets": len(rows), "positive": sum(r["gold"] == 1 for r in rows),
            "negative": sum(r["gold"] == -1 for r in rows), "matched": sum(r["entity"] is not None for r in rows),
            "given": len(given), "coverage": round(len(given) / len(rows), 4) if rows else 0.0,
            "balanced_accuracy": round((recall["pos"] + recall["neg"]) / 2, 4),
            "recall_pos": round(recall["pos"], 4), "recall_neg": round(recall["neg"], 4),
            "accuracy": round(sum(r["ours"] == r["gold"] for r in given) / len(given), 4) if given else 0.0}


def score(records: list[dict], parsed: list[dict[str, Any]]) -> dict:
    """Balanced accuracy and coverage of entity tone, for the tuned and the untouched part and all."""
    rows = judge(records, parsed)
    return {"tune": _figures([r for r in rows if r["part"] == "tune"]),
            "held_out": _figures([r for r in rows if r["part"] == "held_out"]),
            "all": _figures(rows)}


def speed(records: list[dict], parsed: list[dict[str, Any]], rounds: int = 3) -> dict:
    """Seconds for the parse (the full model, parser included, no components of ours: the base the
    issue's budget is measured against) and for article and entity tone over the same articles."""
    from newsradar import nlp
    from newsradar.framing import tone

    texts: list[str] = []
    for record in records:
        texts += [record.get("title") or "", record.get("text") or ""]
    model = nlp.load(())
    tone.lexicon()
    parse_best = article_best = entity_best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for _doc in model.pipe(texts, batch_size=32):
            pass
        parse_best = min(parse_best, time.perf_counter() - started)
        started = time.perf_counter()
        for item in parsed:
            tone.article_tone([item["title_doc"], item["text_doc"]], language="en")
        article_best = min(article_best, time.perf_counter() - started)
        started = time.perf_counter()
        for item in parsed:
            predict(item)
        entity_best = min(entity_best, time.perf_counter() - started)
    return {"articles": len(records), "parse_s": round(parse_best, 3), "article_tone_s": round(article_best, 4),
            "entity_tone_s": round(entity_best, 4),
            "share_of_parse": round((article_best + entity_best) / parse_best, 4)}


def main(argv: list[str] | None = None) -> int:
    argparser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    argparser.add_argument("--speed", action="store_true", help="also tone's cost as a share of the parse")
    argparser.add_argument("--json", action="store_true")
    argparser.add_argument("--show", type=int, default=0, help="print this many wrong or untoned tuned targets")
    args = argparser.parse_args(argv)
    records = load()
    started = time.perf_counter()
    parsed = parse(records)
    seconds = time.perf_counter() - started
    result: dict[str, Any] = {"articles": len(records), "parse_and_stages_s": round(seconds, 2),
                              **score(records, parsed)}
    if args.speed:
        result["speed"] = speed(records, parsed)
    if args.show:
        rows = [r for r in judge(records, parsed) if r["part"] == "tune" and r["ours"] != r["gold"]]
        for r in rows[:args.show]:
            print(f"{r['target']:<35} gold {r['gold']:+d} ours {r['ours']} tone {r['tone']} entity {r['entity']}")
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for name in ("tune", "held_out", "all"):
            f = result[name]
            print(f"{name:<9} targets {f['targets']:>4} (+{f['positive']}/-{f['negative']})  matched {f['matched']:>4}  "
                  f"coverage {f['coverage']:.3f}  balanced accuracy {f['balanced_accuracy']:.3f} "
                  f"(pos {f['recall_pos']:.3f}, neg {f['recall_neg']:.3f})")
        if args.speed:
            print("speed:", result["speed"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
