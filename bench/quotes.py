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
    from newsradar.quotes import title_attribution
    from newsradar.stages.quotes import quotes_of_text

    started = time.perf_counter()
    out = quotes_of_text([a["text"] for a in articles])
    for article, items in zip(articles, out, strict=True):
        # PolNeAR's text opens with the headline as its first paragraph: read its colon cue as ours
        headline = title_attribution(article["text"].split("\n\n", 1)[0].rstrip("."))
        if headline and not any(q["start"] < headline["end"] for q in items):
            items.insert(0, headline)
    return out, time.perf_counter() - started


def speed(texts: list[str], rounds: int = 2) -> dict:
    """Articles per second of a bare parse (the full model, parser included) and of the same parse
    with the attribution component, in one run (ratio as the actors bench reports)."""
    from newsradar import nlp
    from newsradar.stages import quotes as _quotes  # noqa: F401  (registers the component)

    bare = nlp.load(())
    with_quotes = nlp.load(("newsradar_quotes",))
    timings: dict[str, list[float]] = {"bare": [], "quotes": []}
    for _ in range(rounds):
        for name, pipeline in (("bare", bare), ("quotes", with_quotes)):
            started = time.perf_counter()
            for _doc in pipeline.pipe(texts, batch_size=32):
                pass
            timings[name].append(time.perf_counter() - started)
    bare_s, quotes_s = min(timings["bare"]), min(timings["quotes"])
    return {"articles": len(texts), "bare_per_s": round(len(texts) / bare_s, 2),
            "with_quotes_per_s": round(len(texts) / quotes_s, 2), "overhead": round(quotes_s / bare_s - 1, 4)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--speed", action="store_true", help="also the attribution component's cost")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--show", type=int, default=0, help="print this many misses of each kind")
    parser.add_argument("--direct", action="store_true", help="--show direct quotes only")
    args = parser.parse_args(argv)
    articles = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    predicted, seconds = predict(articles)
    report: dict = {"articles": len(articles), "attributions": sum(len(gold_of(a)) for a in articles),
                    "seconds": round(seconds, 1)}
    for name in ("tune", "held_out"):
        chosen = [(gold_of(a), p) for a, p in zip(articles, predicted, strict=True) if part(a["id"]) == name]
        report[name] = score(chosen) | {"article_count": len(chosen)}
    report["all_articles"] = score([(gold_of(a), p) for a, p in zip(articles, predicted, strict=True)])
    if args.show:
        _show(articles, predicted, args.show, args.direct)
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
