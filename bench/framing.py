"""Loaded language on BASIL (../shared/datasets/basil-dev): the terms ``find_loaded`` marks against
the biased phrases annotators marked (``bias_spans``; ``bias`` "lex" for a word choice, "inf" for
a biased selection of information, usually a clause or a sentence).

- **recall**: the share of lexical-bias spans (``bias == "lex"``) that contain or overlap a loaded
  term. A span is located by searching its ``txt`` in the title and the text (case, curly and
  straight quotation marks and apostrophes folded; word boundaries kept: "even" is not found in
  "seven"); some of BASIL's spans were annotated on another version of the article and are found
  nowhere: they are counted apart and left out.
- **precision**: the share of loaded terms overlapping any annotated bias span (lex or inf).

A span whose words occur more than once counts every occurrence (annotators marked one, but a
reader cannot tell which); ``precision_first`` counts only the first occurrence of each span, the
stricter reading. Every term counts, in quotes or not (BASIL annotates both; ``quote`` says which).

The 210 articles are split by a hash of their id: ``int(sha1(id).hexdigest(), 16) % 4 == 0`` is
the **untouched** quarter, never looked at while writing or tuning the lexicon; the rest is
**tuned**. The untouched part predicts the held-out score; ``--show`` prints misses and false hits
from the tuned part only.

    .venv/bin/python bench/framing.py [--json] [--show N]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "datasets" / "basil-dev" / "basil-dev.jsonl"
_FOLD = {"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‘": "'", "’": "'", "`": "'", "—": "-", "–": "-",
         "\u00a0": " "}
FIELDS = ("title", "text")


def part(article_id: str) -> str:
    """The fixed split: a quarter of the articles (by hash) was never looked at while tuning."""
    return "untouched" if int(hashlib.sha1(article_id.encode()).hexdigest(), 16) % 4 == 0 else "tuned"


def load() -> list[dict]:
    return [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]


def fold(text: str) -> str:
    """Case and marks folded, one character for one, so offsets carry over."""
    out = []
    for ch in text:
        ch = _FOLD.get(ch, ch)
        low = ch.lower()
        out.append(low if len(low) == 1 else ch)
    return "".join(out)


def occurrences(haystack: str, needle: str) -> list[tuple[int, int]]:
    """Where ``needle`` (folded, trimmed) occurs in the folded ``haystack``, on word boundaries."""
    found: list[tuple[int, int]] = []
    if not needle:
        return found
    at = haystack.find(needle)
    while at >= 0:
        end = at + len(needle)
        left_ok = not needle[0].isalnum() or at == 0 or not haystack[at - 1].isalnum()
        right_ok = not needle[-1].isalnum() or end == len(haystack) or not haystack[end].isalnum()
        if left_ok and right_ok:
            found.append((at, end))
        at = haystack.find(needle, at + 1)
    return found


def locate(article: dict) -> list[dict]:
    """Each bias span with its occurrences: ``[(field, start, end)]``, empty when found nowhere."""
    folded = {f: fold(article.get(f) or "") for f in FIELDS}
    out = []
    for span in article.get("bias_spans") or ():
        needle = fold(span["txt"]).strip()
        where = [(f, s, e) for f in FIELDS for s, e in occurrences(folded[f], needle)]
        out.append({**span, "where": where})
    return out


def parse_all(articles: list[dict]) -> tuple[dict[tuple[str, str], Any], float]:
    """The Doc of every title and text through the bare model (tagger, lemmatizer, entities,
    parser: the base the speed budget is measured against), and the parse's seconds."""
    from newsradar import nlp

    pipeline = nlp.load(())
    keys = [(a["id"], f) for a in articles for f in FIELDS]
    texts = [articles_by_id(articles)[i].get(f) or "" for i, f in keys]
    started = time.perf_counter()
    docs = list(pipeline.pipe(texts, batch_size=32))
    seconds = time.perf_counter() - started
    return dict(zip(keys, docs, strict=True)), seconds


def articles_by_id(articles: list[dict]) -> dict[str, dict]:
    return {a["id"]: a for a in articles}


def find_all(docs: dict, rounds: int = 3) -> tuple[dict[tuple[str, str], list[dict]], float]:
    """``find_loaded`` over every Doc, and its best time over ``rounds`` passes."""
    from newsradar.framing.loaded import find_loaded, lexicon

    lexicon()  # read the YAML before timing
    best = float("inf")
    found: dict[tuple[str, str], list[dict]] = {}
    for _ in range(rounds):
        started = time.perf_counter()
        found = {key: find_loaded(doc) for key, doc in docs.items()}
        best = min(best, time.perf_counter() - started)
    return found, best


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def score(articles: list[dict], terms: dict[tuple[str, str], list[dict]], words: dict[str, int]) -> dict:
    """Recall, precision and the counts for these articles."""
    lex_total = lex_located = lex_hit = 0
    lex_hit_outside = 0
    inside = inside_first = n_terms = 0
    by_category: Counter = Counter()
    category_inside: Counter = Counter()
    in_quote = outside = negated = 0
    quoted_spans = quoted_hit = 0
    n_words = 0
    for article in articles:
        spans = locate(article)
        n_words += words.get(article["id"], 0)
        bias_any = [(f, s, e) for sp in spans for f, s, e in sp["where"]]
        bias_first = [sp["where"][0] for sp in spans if sp["where"]]
        found = [(f, t) for f in FIELDS for t in terms.get((article["id"], f), [])]
        for sp in spans:
            if sp["bias"] != "lex":
                continue
            lex_total += 1
            if not sp["where"]:
                continue
            lex_located += 1
            quoted = sp.get("quote") == "yes"
            quoted_spans += quoted
            hit = [t for f, t in found for g, s, e in sp["where"]
                   if f == g and _overlaps((t["start"], t["end"]), (s, e))]
            if hit:
                lex_hit += 1
                quoted_hit += quoted
                lex_hit_outside += any(not t["in_quote"] for t in hit)
        for f, t in found:
            n_terms += 1
            span = (t["start"], t["end"])
            ok = any(f == g and _overlaps(span, (s, e)) for g, s, e in bias_any)
            inside += ok
            inside_first += any(f == g and _overlaps(span, (s, e)) for g, s, e in bias_first)
            by_category[t["category"]] += 1
            category_inside[t["category"]] += ok
            if t["in_quote"]:
                in_quote += 1
            else:
                outside += 1
            negated += bool(t.get("negated"))
    return {
        "articles": len(articles),
        "lex_spans": lex_total, "lex_spans_not_located": lex_total - lex_located, "lex_spans_located": lex_located,
        "recall": _ratio(lex_hit, lex_located), "lex_spans_hit": lex_hit,
        "recall_by_terms_outside_quotes": _ratio(lex_hit_outside, lex_located),
        "recall_of_quoted_lex_spans": _ratio(quoted_hit, quoted_spans), "quoted_lex_spans": quoted_spans,
        "terms": n_terms, "precision": _ratio(inside, n_terms), "precision_first": _ratio(inside_first, n_terms),
        "terms_per_1000_words": round(1000 * n_terms / n_words, 2) if n_words else 0.0,
        "outlet_terms_per_1000_words": round(1000 * outside / n_words, 2) if n_words else 0.0,
        "terms_in_quotes": in_quote, "terms_outside_quotes": outside, "terms_negated": negated,
        "by_category": {c: {"terms": k, "precision": _ratio(category_inside[c], k)}
                        for c, k in by_category.most_common()},
    }


def _ratio(a: int, b: int) -> float:
    return round(a / b, 4) if b else 0.0


def base_rate(articles: list[dict]) -> float:
    """The share of characters (titles and texts) inside any located bias span: the precision of
    terms placed at random."""
    covered = total = 0
    for article in articles:
        spans = locate(article)
        for f in FIELDS:
            text = article.get(f) or ""
            marks = bytearray(len(text))
            for sp in spans:
                for g, s, e in sp["where"]:
                    if g == f:
                        marks[s:e] = b"\x01" * (e - s)
            covered += sum(marks)
            total += len(text)
    return round(covered / total, 4) if total else 0.0


def misses(articles: list[dict], terms: dict, docs: dict) -> dict:
    """What the lexicon misses and what it marks wrongly, on these articles (the tuned part only):
    the missed lex spans by length, quotation and the POS of one-word spans; the false hits by rule."""
    missed: list[dict] = []
    false_hits: list[dict] = []
    pos: Counter = Counter()
    lengths: Counter = Counter()
    for article in articles:
        spans = locate(article)
        found = [(f, t) for f in FIELDS for t in terms.get((article["id"], f), [])]
        bias_any = [(f, s, e) for sp in spans for f, s, e in sp["where"]]
        for sp in spans:
            if sp["bias"] != "lex" or not sp["where"]:
                continue
            if any(f == g and _overlaps((t["start"], t["end"]), (s, e)) for f, t in found for g, s, e in sp["where"]):
                continue
            g, s, e = sp["where"][0]
            n = len(sp["txt"].split())
            lengths["1 word" if n == 1 else "2-3 words" if n <= 3 else "4+ words"] += 1
            if n == 1:
                doc = docs[(article["id"], g)]
                span = doc.char_span(s, e, alignment_mode="expand")
                if span is not None:
                    pos[span.root.pos_] += 1
            text = article.get(g) or ""
            missed.append({"txt": sp["txt"], "polarity": sp.get("polarity"), "quote": sp.get("quote"),
                           "context": text[max(0, s - 60):e + 60].replace("\n", " ")})
        for f, t in found:
            if not any(f == g and _overlaps((t["start"], t["end"]), (s, e)) for g, s, e in bias_any):
                text = article.get(f) or ""
                false_hits.append({"text": t["text"], "rule": t["rule"], "category": t["category"], "in_quote": t["in_quote"],
                                   "context": text[max(0, t["start"] - 60):t["end"] + 60].replace("\n", " ")})
    return {"missed": missed, "missed_lengths": dict(lengths), "missed_one_word_pos": dict(pos.most_common()),
            "false_hits": false_hits, "false_hits_by_rule": dict(Counter(h["rule"] for h in false_hits).most_common(40))}


def consistency(articles: list[dict], terms: dict) -> dict:
    """How consistently annotators mark a word: over the lexicon's entries that lie inside a bias
    span at least once in these articles (a selection that favours the lexicon), the share of all
    their occurrences inside a span. A word lexicon's precision cannot exceed it by much."""
    total: Counter = Counter()
    inside: Counter = Counter()
    for article in articles:
        spans = [(g, s, e) for sp in locate(article) for g, s, e in sp["where"]]
        for f in FIELDS:
            for t in terms.get((article["id"], f), []):
                total[t["rule"]] += 1
                inside[t["rule"]] += any(f == g and _overlaps((t["start"], t["end"]), (s, e)) for g, s, e in spans)
    marked = [rule for rule in total if inside[rule]]
    n = sum(total[r] for r in marked)
    return {"entries_hit": len(total), "entries_ever_inside": len(marked), "their_terms": n,
            "share_inside": _ratio(sum(inside[r] for r in marked), n)}


def evaluate() -> tuple[dict, dict]:
    """Parse, find, score: the report and what ``--show`` reads."""
    articles = load()
    docs, parse_seconds = parse_all(articles)
    terms, find_seconds = find_all(docs)
    words = Counter[str]()
    for (article_id, _f), doc in docs.items():
        words[article_id] += sum(1 for t in doc if t.is_alpha)
    parts = {name: [a for a in articles if part(a["id"]) == name] for name in ("tuned", "untouched")}
    report: dict = {"command": ".venv/bin/python bench/framing.py", "predicts_held_out": "untouched"}
    for name, subset in parts.items():
        report[name] = score(subset, terms, words)
        report[name]["base_rate"] = base_rate(subset)
        shown = misses(subset, terms, docs)  # counts only: the items are printed for the tuned part alone
        report[name]["missed_lengths"] = shown["missed_lengths"]
        report[name]["missed_one_word_pos"] = shown["missed_one_word_pos"]
        report[name]["annotation_consistency"] = consistency(subset, terms)
    report["all"] = score(articles, terms, words)
    report["speed"] = {"docs": len(docs), "parse_seconds": round(parse_seconds, 3),
                       "find_loaded_seconds": round(find_seconds, 4),
                       "find_loaded_share_of_parse": round(find_seconds / parse_seconds, 4)}
    extra = {"tuned_articles": parts["tuned"], "terms": terms, "docs": docs}
    return report, extra


def _print(report: dict) -> None:
    for name in ("tuned", "untouched"):
        r = report[name]
        print(f"{name:9} articles {r['articles']:3}  lex spans {r['lex_spans']} (not located {r['lex_spans_not_located']})"
              f"  recall {r['recall']:.3f}  precision {r['precision']:.3f} (first occurrence {r['precision_first']:.3f};"
              f" at random {r['base_rate']:.3f})  terms {r['terms']}")
        print(f"{'':9} recall by terms outside quotes {r['recall_by_terms_outside_quotes']:.3f}; quoted lex spans "
              f"{r['quoted_lex_spans']} recall {r['recall_of_quoted_lex_spans']:.3f}; terms per 1,000 words "
              f"{r['terms_per_1000_words']} (outlet's own {r['outlet_terms_per_1000_words']}); in quotes "
              f"{r['terms_in_quotes']}, outside {r['terms_outside_quotes']}, negated {r['terms_negated']}")
        c = r["annotation_consistency"]
        print(f"{'':9} missed lex spans by length {r['missed_lengths']}; one-word misses by POS "
              f"{r['missed_one_word_pos']}")
        print(f"{'':9} entries inside a span at least once: {c['entries_ever_inside']} of {c['entries_hit']}; "
              f"their {c['their_terms']} occurrences are inside a span {c['share_inside']:.3f} of the time")
        print(f"{'':9} by category: " + ", ".join(f"{c} {v['terms']} (p {v['precision']:.2f})"
                                                 for c, v in r["by_category"].items()))
    s = report["speed"]
    print(f"speed: parse {s['parse_seconds']} s for {s['docs']} docs; find_loaded {s['find_loaded_seconds']} s = "
          f"{100 * s['find_loaded_share_of_parse']:.2f} % of the parse")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="the report as JSON")
    parser.add_argument("--show", type=int, default=0, help="print this many misses and false hits (tuned part)")
    parser.add_argument("--tone", action="store_true",
                        help="also tone toward each target (bench/framing_tone.py: its own parse, with the entity stages)")
    args = parser.parse_args(argv)
    report, extra = evaluate()
    if args.tone:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import framing_tone

        records = framing_tone.load()
        report["entity_tone"] = framing_tone.score(records, framing_tone.parse(records))
        if not args.json:
            print("entity tone:", json.dumps(report["entity_tone"]))
    if args.show:
        shown = misses(extra["tuned_articles"], extra["terms"], extra["docs"])
        report["tuned_misses"] = {k: v for k, v in shown.items() if k not in ("missed", "false_hits")}
        if not args.json:
            print(f"missed lex spans (tuned): {len(shown['missed'])}; by length {shown['missed_lengths']}; "
                  f"one-word POS {shown['missed_one_word_pos']}")
            for m in shown["missed"][:args.show]:
                print(f"  MISS {m['txt']!r} ({m['polarity']}, quote {m['quote']}): …{m['context']}…")
            print(f"false hits (tuned): {len(shown['false_hits'])}; by rule {shown['false_hits_by_rule']}")
            for h in shown["false_hits"][:args.show]:
                print(f"  FALSE {h['text']!r} [{h['rule']}{', in quote' if h['in_quote'] else ''}]: …{h['context']}…")
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        _print(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
