"""Quotes and attribution on PolNeAR's dev split (../shared/datasets/polnear-dev), scored as the
datasets' README says: a predicted attribution matches a gold one when the tokens their contents
share are at least half of the longer one's tokens (one to one, best overlap first); content P/R/F1,
and speaker P/R/F1 over matched pairs whose speakers (as written) share a token. Direct quotes
(gold content opening with a quotation mark; predicted kind ``direct``) and all attributions are
reported apart.

The 84 articles are split by a hash of their id into a part the rules were tuned on and an
untouched part; both are reported, the untouched one predicts the held-out score.

    .venv/bin/python bench/quotes.py [--speed] [--json]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "datasets" / "polnear-dev" / "polnear-dev.jsonl"
_WORD = re.compile(r"\w+")
_OPENING = "\"“”‘’'«»`„"  # some outlets open a quotation with a right mark


def part(article_id: str) -> str:
    """The fixed split: a quarter of the articles (by hash) were never looked at while tuning."""
    return "held_out" if hashlib.sha1(article_id.encode()).digest()[0] % 4 == 0 else "tune"


def tokens(text: str | None) -> Counter:
    return Counter(w.lower() for w in _WORD.findall(text or ""))


def overlap(a: Counter, b: Counter) -> bool:
    longer = max(sum(a.values()), sum(b.values()))
    return longer > 0 and sum((a & b).values()) * 2 >= longer


def match(gold: list[dict], predicted: list[dict]) -> list[tuple[int, int]]:
    """One-to-one pairs (gold index, predicted index), best overlap first."""
    candidates = []
    for g, gold_item in enumerate(gold):
        gt = tokens(gold_item["content"])
        for p, item in enumerate(predicted):
            pt = tokens(item["content"])
            if overlap(gt, pt):
                candidates.append((sum((gt & pt).values()) / max(sum(gt.values()), sum(pt.values())), g, p))
    pairs, used_g, used_p = [], set(), set()
    for _, g, p in sorted(candidates, reverse=True):
        if g not in used_g and p not in used_p:
            pairs.append((g, p))
            used_g.add(g)
            used_p.add(p)
    return pairs


def prf(tp: int, predicted: int, gold: int) -> dict:
    p = tp / predicted if predicted else 0.0
    r = tp / gold if gold else 0.0
    return {"p": round(p, 4), "r": round(r, 4), "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
            "tp": tp, "predicted": predicted, "gold": gold}


def gold_of(article: dict) -> list[dict]:
    out = []
    for a in article["attributions"]:
        if not a.get("content"):
            continue
        out.append({"content": a["content"]["text"], "speaker": (a.get("source") or {}).get("text"),
                    "direct": a["content"]["text"].lstrip()[:1] in _OPENING})
    return out


def score(pairs_of: list[tuple[list[dict], list[dict]]]) -> dict:
    result = {}
    for name, gold_filter, pred_filter in (("all", lambda g: True, lambda p: True),
                                           ("direct", lambda g: g["direct"], lambda p: p["kind"] == "direct")):
        tp = sp_tp = n_gold = n_pred = 0
        for gold, predicted in pairs_of:
            gold = [g for g in gold if gold_filter(g)]
            predicted = [p for p in predicted if pred_filter(p)]
            n_gold += len(gold)
            n_pred += len(predicted)
            pairs = match(gold, predicted)
            tp += len(pairs)
            sp_tp += sum(1 for g, p in pairs if tokens(gold[g]["speaker"]) & tokens(predicted[p].get("speaker")))
        result[name] = {"content": prf(tp, n_pred, n_gold), "speaker": prf(sp_tp, n_pred, n_gold)}
    return result


def predict(articles: list[dict]) -> tuple[list[list[dict]], float]:
    """Each article's attributions from the analysis (the quotes stage on the one parse)."""
    from newsradar.quoteclaims import title_attribution
    from newsradar.stages.quotes import quotes_of_text

    started = time.perf_counter()
    out = quotes_of_text([a["text"] for a in articles])
    for article, items in zip(articles, out, strict=True):
        # PolNeAR's text opens with the headline as its first paragraph: read its colon cue as ours
        headline = title_attribution(article["text"].split("\n\n", 1)[0].rstrip("."))
        if headline and not any(q["start"] < headline["end"] for q in items):
            items.insert(0, headline)
    return out, time.perf_counter() - started


def _broken_by_attribution(text: str, pieces: list[list[int]]) -> list[list[int]]:
    """A quotation's pieces regrouped where words (its attribution) come between them: the pieces
    of one quotation over several paragraphs stay one."""
    groups = [list(pieces[0])]
    for start, end in pieces[1:]:
        if re.search(r"\w", text[groups[-1][1]:start]):
            groups.append([start, end])
        else:
            groups[-1][1] = end
    return groups


def sample_gold() -> dict:
    """Our own hand gold over the sample corpus (tests/data/quotes_gold.jsonl, written before the
    extractor): content P/R/F1 as above (a quotation broken by its attribution counts piece by
    piece, as the gold writes it), speaker as written, the resolved speaker (the gold's
    ``speaker_name`` sharing a word with the mention the speaker resolved to), and over matched
    pairs the accuracy of kind, speaker type, hedged, denial and question."""
    from examples.corpus import ARTICLES
    from newsradar import analysis
    from newsradar.stages import ENTITIES, QUOTES, ArticleText

    gold_by_headline: dict[str, list[dict]] = {}
    for line in (ROOT / "tests" / "data" / "quotes_gold.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            gold_by_headline.setdefault(record["headline"], []).append(record)
    records = [ArticleText(i, headline, "\n\n".join(paragraphs), None)
               for i, (_s, _o, _p, _a, headline, paragraphs) in enumerate(ARTICLES)]
    results = analysis.analyze_records(records, [ENTITIES, QUOTES])
    totals = Counter()
    for record, (_, found) in zip(records, results, strict=True):
        predicted = []
        for q in found["quotes"]:
            text = record.title if q.field == "title" else record.text
            pieces = _broken_by_attribution(text, q.pieces) if q.kind == "direct" else [[q.start, q.end]]
            for start, end in pieces:
                predicted.append({"content": text[start:end] if len(pieces) > 1 else q.content, "speaker": q.speaker,
                                  "resolved": q.ref_text, "kind": q.kind, "speaker_type": q.speaker_type,
                                  "hedged": q.hedged, "denial": q.denial, "question": q.question})
        gold = gold_by_headline.get(record.title or "", [])
        pairs = match(gold, predicted)
        totals["gold"] += len(gold)
        totals["predicted"] += len(predicted)
        totals["matched"] += len(pairs)
        for g, p in pairs:
            gold_item, item = gold[g], predicted[p]
            totals["speaker"] += bool(tokens(gold_item["speaker"]) & tokens(item["speaker"]))
            if gold_item.get("speaker_name"):
                totals["named_gold"] += 1
                totals["resolved"] += bool(tokens(gold_item["speaker_name"]) & tokens(item["resolved"]))
            expected = dict(gold_item)
            if expected["speaker_type"] == "pronoun" and expected.get("speaker_name"):
                expected["speaker_type"] = "named"  # the convention: `pronoun` is a pronoun left unresolved
            for name in ("kind", "speaker_type", "hedged", "denial", "question"):
                totals[name] += expected[name] == item[name]
    matched = totals["matched"] or 1
    return {"gold": totals["gold"], "content": prf(totals["matched"], totals["predicted"], totals["gold"]),
            "speaker": prf(totals["speaker"], totals["predicted"], totals["gold"]),
            "resolved_accuracy": round(totals["resolved"] / (totals["named_gold"] or 1), 4),
            **{f"{name}_accuracy": round(totals[name] / matched, 4)
               for name in ("kind", "speaker_type", "hedged", "denial", "question")}}


def speed(texts: list[str], rounds: int = 5) -> dict:
    """Articles per second, in one run, best of ``rounds``: the model without its parser (what the
    analysis ran before quotes), the full model (the base the issue's budget is measured against),
    and the full model with the attribution component; the component's cost is the last two's ratio."""
    import spacy

    from newsradar import nlp
    from newsradar.stages import quotes as _quotes  # noqa: F401  (registers the component)

    pipelines = {"no_parser": spacy.load(nlp.MODEL, exclude=["parser"]), "full": nlp.load(()),
                 "full_quotes": nlp.load(("newsradar_quotes",))}
    best: dict[str, float] = {}
    for _ in range(rounds):
        for name, pipeline in pipelines.items():
            started = time.perf_counter()
            for _doc in pipeline.pipe(texts, batch_size=32):
                pass
            best[name] = min(best.get(name, float("inf")), time.perf_counter() - started)
    # the component alone on the full model's Docs (the pipeline ratio above carries the noise of
    # two whole parses; this is the component's own time against one)
    from newsradar.quotes import attributions

    docs = list(pipelines["full"].pipe(texts, batch_size=32))
    component = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for doc in docs:
            attributions(doc)
        component = min(component, time.perf_counter() - started)
    rate = {name: round(len(texts) / seconds, 2) for name, seconds in best.items()}
    return {"articles": len(texts), "per_s": rate,
            "parser_cost": round(best["full"] / best["no_parser"] - 1, 4),
            "quotes_overhead": round(best["full_quotes"] / best["full"] - 1, 4),
            "component_seconds": round(component, 3),
            "component_share_of_parse": round(component / best["full"], 4)}


def miss_causes(articles: list[dict], predicted: list[list[dict]]) -> dict[str, int]:
    """The tuned part's missed gold attributions, by what their cue is (what a reporting-word
    extractor can and cannot find)."""
    from newsradar import nlp
    from newsradar import quotes as rules

    known = rules.SPEECH | rules.OBJECT_CUES | rules._TO_CUES | set(rules._PREP_CUES)
    parse = nlp.load(())
    causes: Counter = Counter()
    for article, items in zip(articles, predicted, strict=True):
        if part(article["id"]) != "tune":
            continue
        gold = [a for a in article["attributions"] if a.get("content")]
        found = {g for g, _ in match([{"content": a["content"]["text"]} for a in gold], items)}
        for index, attribution in enumerate(gold):
            if index in found:
                continue
            cue = (attribution.get("cue") or {}).get("text", "")
            doc = parse(cue) if cue else None
            lemmas = {t.lemma_.lower() for t in doc} if doc else set()
            tags = {t.pos_ for t in doc} if doc else set()
            if attribution["content"]["text"].lstrip()[:1] in _OPENING:
                cause = "direct quote"
            elif not cue:
                cause = "no cue"
            elif "accord" in lemmas:
                cause = "according to"
            elif lemmas & rules.SPEECH:
                cause = "a reporting verb we know: content bounded differently"
            elif lemmas & known:
                cause = "an object, preposition or 'to' report we know: bounded differently"
            elif lemmas & rules.NOUN_CUES:
                cause = "a claim noun we know"
            elif tags <= {"ADP", "PUNCT", "SCONJ", "CCONJ", "DET"}:
                cause = "a bare preposition or punctuation"
            elif "NOUN" in tags:
                cause = "another noun"
            else:
                cause = "an attitude or action, not a report"
            causes[cause] += 1
    return dict(causes.most_common())


def evaluate() -> tuple[list[dict], list[list[dict]], dict]:
    """PolNeAR's articles, the predictions, and the scores: the tuned part, the untouched part, all."""
    articles = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    predicted, seconds = predict(articles)
    report: dict = {"articles": len(articles), "attributions": sum(len(gold_of(a)) for a in articles),
                    "seconds": round(seconds, 1)}
    for name in ("tune", "held_out"):
        chosen = [(gold_of(a), p) for a, p in zip(articles, predicted, strict=True) if part(a["id"]) == name]
        report[name] = score(chosen) | {"article_count": len(chosen)}
    report["all_articles"] = score([(gold_of(a), p) for a, p in zip(articles, predicted, strict=True)])
    return articles, predicted, report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--speed", action="store_true", help="also the attribution component's cost")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--sample", action="store_true", help="also our hand gold over the sample corpus")
    parser.add_argument("--why", action="store_true", help="also the tuned part's misses by what their cue is")
    parser.add_argument("--show", type=int, default=0, help="print this many misses of each kind")
    parser.add_argument("--direct", action="store_true", help="--show direct quotes only")
    args = parser.parse_args(argv)
    articles, predicted, report = evaluate()
    if args.show:
        _show(articles, predicted, args.show, args.direct)
    if args.sample:
        report["sample_gold"] = sample_gold()
    if args.why:
        report["misses_by_cue"] = miss_causes(articles, predicted)
    if args.speed:
        report["speed"] = speed([a["text"] for a in articles])
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for name in ("tune", "held_out", "all_articles"):
            r = report[name]
            print(f"{name:12} all: content F1 {r['all']['content']['f1']:.3f} (P {r['all']['content']['p']:.3f} "
                  f"R {r['all']['content']['r']:.3f}) speaker F1 {r['all']['speaker']['f1']:.3f} | direct: content "
                  f"F1 {r['direct']['content']['f1']:.3f} (P {r['direct']['content']['p']:.3f} R "
                  f"{r['direct']['content']['r']:.3f}) speaker F1 {r['direct']['speaker']['f1']:.3f}")
        if "misses_by_cue" in report:
            print("tuned part's misses by cue:", json.dumps(report["misses_by_cue"]))
        if "sample_gold" in report:
            print("sample corpus gold:", json.dumps(report["sample_gold"]))
        if "speed" in report:
            print("speed:", report["speed"])
    return 0


def _show(articles: list[dict], predicted: list[list[dict]], count: int, direct: bool) -> None:
    misses, extras, speakers = [], [], []
    for article, items in zip(articles, predicted, strict=True):
        if part(article["id"]) != "tune":
            continue
        gold = gold_of(article)
        if direct:
            gold = [g for g in gold if g["direct"]]
            items = [p for p in items if p["kind"] == "direct"]
        pairs = match(gold, items)
        got_g, got_p = {g for g, _ in pairs}, {p for _, p in pairs}
        misses += [gold[g] for g in range(len(gold)) if g not in got_g]
        extras += [items[p] for p in range(len(items)) if p not in got_p]
        speakers += [(gold[g]["speaker"], items[p].get("speaker"), items[p]["content"][:80]) for g, p in pairs
                     if not tokens(gold[g]["speaker"]) & tokens(items[p].get("speaker"))]
    import random
    rng = random.Random(1)
    for title, rows in (("MISSED", misses), ("EXTRA", extras), ("SPEAKER", speakers)):
        print(f"--- {title} ({len(rows)})")
        for row in rng.sample(rows, min(count, len(rows))):
            if isinstance(row, dict):
                print("  ", (row.get("speaker"), row.get("kind"), row.get("cue"), row["content"][:160]))
            else:
                print("  ", row)


if __name__ == "__main__":
    raise SystemExit(main())
