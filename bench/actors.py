"""Actor coding benchmark on the PLOVER gold standard (../shared/datasets/plover-gsr-dev): every
`source`/`target` actor string, coded with the record's date, against the gold country and sector.

    .venv/bin/python bench/actors.py [--errors] [--speed] [--knowledge]

Two sets: the PLOVER records' actor strings, coded with their sentence as context and without it;
and bench/data/actor_cases.tsv, actor descriptions we wrote in the style of event-coding test
suites, split in two halves by a hash of the text (fixed before any tuning): "tune" is the half
whose misses we looked at, "held_out" the half we did not. ``--knowledge`` adds the knowledge
base's costs: index load time, memory, and the NLP pass with the knowledge on against off.

Scoring: country accuracy over every actor string. Gold codes that are CAMEO's rather than ISO's
(JAP, ITL, ...) are read as their ISO codes. Sector accuracy over the actor strings whose gold
sector is a clean code: the first three letters of the gold sector (CVLalb → CVL, GOVMOS → GOV),
no sector (gold null) expected as null, records marked *** (unknown) left out. An IGO with no gold
sector counts our sector IGO as right (CAMEO leaves the sector of an IGO empty; we name it)."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from newsradar.actors import code_actor, load_dictionary  # noqa: E402

DATASETS = HERE.parent.parent / "shared" / "datasets"
CAMEO_TO_ISO = {"JAP": "JPN", "ITL": "ITA", "ROM": "ROU", "GER": "DEU", "UK": "GBR", "SUD": "SDN"}
# gold sector codes of CAMEO that mean one of ours
SECTOR_SYNONYMS = {"CIV": "CVL", "UAF": "MIL", "MOS": "REL", "CHR": "REL", "JRN": "MED", "PTY": "PTY"}


def records() -> list[dict]:
    return [json.loads(line) for line in (DATASETS / "plover-gsr-dev" / "plover-gsr-dev.jsonl").open(encoding="utf-8")]


def gold_sector(value: str | None) -> str | None | bool:
    """Our sector code for a gold sector; False when the gold sector is unknown (***)."""
    if value is None:
        return None
    if value.startswith("*"):
        return False
    head = value[:3].upper()
    return SECTOR_SYNONYMS.get(head, head)


CASES = HERE / "data" / "actor_cases.tsv"


def cases() -> list[dict]:
    """Our own actor descriptions: text, date, gold country and sector, optional context; the
    half each belongs to ("tune" or "held_out") fixed by a hash of the text."""
    rows = []
    for line in CASES.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        text, day, country, sector, *context = line.split("\t")
        half = "tune" if hashlib.sha1(text.encode()).digest()[0] % 2 == 0 else "held_out"
        rows.append({"text": text, "date": day, "country": country, "sector": sector or None,
                     "context": context[0] if context else None, "half": half})
    return rows


def evaluate_cases(show_errors: bool = False) -> dict:
    dictionary = load_dictionary()
    scores: dict[str, Counter] = {}
    for case in cases():
        code = code_actor(case["text"], date.fromisoformat(case["date"]), dictionary, context=case["context"])
        score = scores.setdefault(case["half"], Counter())
        score["actors"] += 1
        score["country"] += code.country == case["country"]
        score["sector"] += code.sector == case["sector"]
        if show_errors and (code.country, code.sector) != (case["country"], case["sector"]):
            print(f"[{case['half']}] {case['text']!r:60} gold {case['country']}/{case['sector']} "
                  f"got {code.country}/{code.sector} ({code.name})", file=sys.stderr)
    return {half: {"actors": s["actors"], "country_accuracy": round(s["country"] / s["actors"], 4),
                   "sector_accuracy": round(s["sector"] / s["actors"], 4)}
            for half, s in sorted(scores.items(), key=lambda item: item[0] != "tune")}


# the process's own peak memory in KiB (VmHWM; ru_maxrss would carry the parent's peak over exec)
PEAK = "int(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')).split()[1])"


def knowledge_costs() -> dict:
    """In a fresh process (as a worker starts): importing the actor modules, loading our dictionary
    (with the knowledge base's places and nouns), opening the compiled index and the first lookup;
    then the NLP pass (bench speed's texts) with the knowledge on against off, and the peak memory
    of each of those processes (VmHWM)."""
    import subprocess

    probe = ("import time; t0 = time.perf_counter(); from newsradar.actors import code_actor, knowledge, "
             "load_dictionary; t1 = time.perf_counter(); load_dictionary(); t2 = time.perf_counter(); "
             "knowledge.knowledge(); t3 = time.perf_counter(); "
             "code_actor('Kazakh President Kassym-Jomart Tokayev'); t4 = time.perf_counter(); "
             f"print(t1 - t0, t2 - t1, t3 - t2, t4 - t3, {PEAK})")
    runs = [[float(v) for v in subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                                              check=True, cwd=HERE.parent).stdout.split()] for _ in range(3)]
    best = [min(r[i] for r in runs) for i in range(5)]

    def analysis_process(knowledge: str) -> tuple[float, int]:
        script = ("import json, sys, time; sys.path.insert(0, 'bench'); import actors; "
                  "r = actors.speed(rounds=2); "
                  f"print(json.dumps([r['full_articles_per_s'], {PEAK}]))")
        env = {**os.environ, "NEWSRADAR_ACTORS_INDEX": knowledge}
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                             cwd=HERE.parent, env=env).stdout
        rate, rss = json.loads(out.strip().splitlines()[-1])
        return rate, rss

    on_rate, on_rss = analysis_process(os.environ.get("NEWSRADAR_ACTORS_INDEX", ""))
    off_rate, off_rss = analysis_process("off")
    return {"load_s": {"import": round(best[0], 3), "dictionary": round(best[1], 3), "knowledge_index": round(best[2], 4),
                       "first_lookup": round(best[3], 4)},
            "lookup_process_peak_rss_mib": round(best[4] / 1024),
            "analysis_articles_per_s": {"knowledge_on": on_rate, "knowledge_off": off_rate,
                                        "cost": round(off_rate / on_rate - 1, 3)},
            "analysis_peak_rss_mib": {"knowledge_on": round(on_rss / 1024), "knowledge_off": round(off_rss / 1024),
                                      "added": round((on_rss - off_rss) / 1024)}}


def evaluate(show_errors: bool = False, use_context: bool = True) -> dict:
    dictionary = load_dictionary()
    country_right = country_total = sector_right = sector_total = 0
    errors: Counter = Counter()
    started = time.perf_counter()
    for record in records():
        day = date.fromisoformat(record["date"]) if record.get("date") else None
        for actor in record["source"] + record["target"]:
            code = code_actor(actor["text"], day, dictionary, context=record["text"] if use_context else None)
            gold_country = CAMEO_TO_ISO.get(actor["code"], actor["code"])
            country_total += 1
            country_ok = code.country == gold_country
            country_right += country_ok
            wanted = gold_sector(actor["sector"])
            sector_ok = None
            if wanted is not False:
                sector_total += 1
                sector_ok = code.sector == wanted or (gold_country == "IGO" and wanted is None and code.sector == "IGO")
                sector_right += sector_ok
            if show_errors and (not country_ok or sector_ok is False):
                errors[(actor["text"], f"{gold_country}/{wanted}", f"{code.country}/{code.sector}")] += 1
    elapsed = time.perf_counter() - started
    if show_errors:
        for (text, gold, got), count in sorted(errors.items()):
            print(f"{text!r:60} gold {gold:12} got {got}" + (f" ×{count}" if count > 1 else ""), file=sys.stderr)
    return {"actors": country_total, "country_accuracy": round(country_right / country_total, 4),
            "sector_scored": sector_total, "sector_accuracy": round(sector_right / sector_total, 4),
            "ms_per_actor": round(1000 * elapsed / country_total, 3)}


def speed(rounds: int = 3) -> dict:
    """Articles per second of the full NLP pass (our components, entity coding and story terms, as
    `analysis.analyze_records` runs it) against a bare `nlp.pipe` of the same model over the same
    texts (titles and texts of ecbplus-dev and polnear-dev), in one run; best of ``rounds``."""
    from newsradar import analysis, nlp
    from newsradar.stages import ArticleText

    rows = []
    for name in ("ecbplus-dev", "polnear-dev"):
        rows += [json.loads(line) for line in (DATASETS / name / f"{name}.jsonl").open(encoding="utf-8")]
    texts = [t for r in rows for t in (r.get("title") or "", r["text"][:20000])]
    records = [ArticleText(n, r.get("title"), r["text"], None) for n, r in enumerate(rows)]
    bare = nlp.bare()
    analysis.pipeline()
    analysis.analyze_records(records[:20])  # warm both (the dictionary loads once)
    list(bare.pipe(texts[:40]))
    bare_times, full_times = [], []
    for _ in range(rounds):
        started = time.perf_counter()
        for _doc in bare.pipe(texts, batch_size=32):
            pass
        bare_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        analysis.analyze_records(records)
        full_times.append(time.perf_counter() - started)
    bare_rate, full_rate = len(rows) / min(bare_times), len(rows) / min(full_times)
    started = time.perf_counter()
    for _doc in bare.pipe(texts, batch_size=32, n_process=2):
        pass
    bare_two = len(rows) / (time.perf_counter() - started)
    started = time.perf_counter()
    analysis.analyze_records(records, n_process=2)
    full_two = len(rows) / (time.perf_counter() - started)
    return {"articles": len(rows), "bare_articles_per_s": round(bare_rate, 1), "full_articles_per_s": round(full_rate, 1),
            "overhead": round(bare_rate / full_rate - 1, 3),
            "two_processes": {"bare_articles_per_s": round(bare_two, 1), "full_articles_per_s": round(full_two, 1),
                              "overhead": round(bare_two / full_two - 1, 3)}}


GOLD = HERE.parent / "tests" / "data" / "alias_gold.json"


def alias_resolution(show_errors: bool = False) -> dict:
    """Same-entity pairs of surface forms in the hand-checked articles (tests/data/alias_gold.json):
    precision, recall and F1 of the pairs our entity groups make, over the gold's surface forms.
    A form the pipeline never found loses its pairs (recall); forms the gold does not list are
    left out (the gold lists every named entity, so these are mostly dates or works of art)."""
    from newsradar.analysis import analyze_records
    from newsradar.entities import key_of
    from newsradar.stages import ENTITIES, ArticleText

    gold = json.loads(GOLD.read_text(encoding="utf-8"))["articles"]
    texts: dict[tuple[str, str], dict] = {}
    for name in sorted({g["dataset"] for g in gold}):
        for line in (DATASETS / name / f"{name}.jsonl").open(encoding="utf-8"):
            row = json.loads(line)
            texts[(name, row["id"])] = row
    right = predicted_total = gold_total = 0
    for article in gold:
        row = texts[(article["dataset"], article["id"])]
        gold_group = {key_of(form): n for n, group in enumerate(article["groups"]) for form in group}
        gold_pairs = {frozenset((a, b)) for a in gold_group for b in gold_group if a < b and gold_group[a] == gold_group[b]}
        found: dict[str, set[int]] = {}
        [(_, results)] = analyze_records([ArticleText(0, row.get("title"), row["text"], None)], [ENTITIES])
        entities = results["entities"]
        for n, entity in enumerate(entities):  # as the article's entities are stored
            for mention in entity.mentions:
                key = key_of(mention[3])
                if key in gold_group:
                    found.setdefault(key, set()).add(n)
        predicted_pairs = {frozenset((a, b)) for a in found for b in found if a < b and found[a] & found[b]}
        right += len(predicted_pairs & gold_pairs)
        predicted_total += len(predicted_pairs)
        gold_total += len(gold_pairs)
        if show_errors:
            for pair in sorted(predicted_pairs - gold_pairs, key=sorted):
                print(f"{article['id']}: wrongly merged {sorted(pair)}", file=sys.stderr)
            for pair in sorted(gold_pairs - predicted_pairs, key=sorted):
                print(f"{article['id']}: missed {sorted(pair)}", file=sys.stderr)
    precision = right / predicted_total if predicted_total else 1.0
    recall = right / gold_total if gold_total else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"articles": len(gold), "gold_pairs": gold_total, "predicted_pairs": predicted_total,
            "precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--errors", action="store_true", help="print every miss to stderr")
    parser.add_argument("--speed", action="store_true", help="also time the full NLP pass against a bare nlp.pipe")
    parser.add_argument("--knowledge", action="store_true", help="also measure the knowledge base's load time, "
                        "memory and cost per article")
    args = parser.parse_args()
    results = {"coding": evaluate(args.errors, True), "coding_without_context": evaluate(args.errors, False),
               "cases": evaluate_cases(args.errors), "aliases": alias_resolution(args.errors)}
    if args.speed:
        results["speed"] = speed()
    if args.knowledge:
        results["knowledge"] = knowledge_costs()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
