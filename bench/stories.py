"""Story clustering quality and cost.

Quality: BCubed precision, recall and F1 (definition in ../shared/datasets/README.md) on
ecbplus-dev (file order: it has no dates) and basil-dev (publication order), with the default
configuration — the same for both.

    .venv/bin/python bench/stories.py                 # quality, through the clusterer
    .venv/bin/python bench/stories.py --store         # quality, end to end through a SQLite store
    .venv/bin/python bench/stories.py --scale 1000 10000 100000   # time per article as the store grows
    .venv/bin/python bench/stories.py --set split_threshold=0      # an ablation: no splits

Story terms (one spaCy parse per article) are cached under bench/out/ so that repeated runs only
time the clustering; --no-cache parses again.
"""

from __future__ import annotations

import argparse
import heapq
import json
import pickle
import random
import resource
import sys
import tempfile
import time
import zlib
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from newsradar import nlp  # noqa: E402
from newsradar.clustering import Clusterer, StoryConfig  # noqa: E402
from newsradar.eventsig import EMPTY  # noqa: E402
from newsradar.normalize import clean_text, parse_datetime  # noqa: E402
from newsradar.stages import ENTITIES, EVENTS, TERMS, ArticleText  # noqa: E402

DATASETS = HERE.parent.parent / "shared" / "datasets"
OUT = HERE / "out"


def bcubed(predicted: list, gold: list) -> tuple[float, float, float]:
    """BCubed precision, recall, F1 over items (Bagga & Baldwin 1998)."""
    by_predicted: dict = defaultdict(set)
    by_gold: dict = defaultdict(set)
    for index, (p, g) in enumerate(zip(predicted, gold, strict=True)):
        by_predicted[p].add(index)
        by_gold[g].add(index)
    precision = recall = 0.0
    for p, g in zip(predicted, gold, strict=True):
        shared = len(by_predicted[p] & by_gold[g])
        precision += shared / len(by_predicted[p])
        recall += shared / len(by_gold[g])
    n = len(gold)
    precision, recall = precision / n, recall / n
    return precision, recall, 2 * precision * recall / (precision + recall)


def load(name: str) -> list[dict]:
    """A dataset's articles in the order the clusterer sees them: by date where dated, then in file order.
    ``NAME-short``: each cut to its title and first sentence, the shape of a summary-only feed."""
    base = name.removesuffix("-short")
    rows = [json.loads(line) for line in (DATASETS / base / f"{base}.jsonl").open(encoding="utf-8")]
    if name.endswith("-short"):
        from newsradar.summaries import lead_sentence

        for row in rows:
            row["text"] = lead_sentence(clean_text(row["text"]), limit=10_000) or clean_text(row["text"])[:300]
    for index, row in enumerate(rows):
        row["_index"] = index
        row["_published"] = parse_datetime(row.get("published"))
    return sorted(rows, key=lambda r: (r["_published"] is None, r["_published"] or datetime.min.replace(tzinfo=UTC),
                                       r["_index"]))


def terms_of(name: str, rows: list[dict], cache: bool = True) -> list[dict[str, float]]:
    path = OUT / f"story-terms-{name}-{nlp.FEATURES_VERSION.replace('/', '-')}.pickle"
    if cache and path.exists():
        return pickle.loads(path.read_bytes())
    from newsradar.analysis import analyze_records

    records = [ArticleText(n, clean_text(r.get("title") or "") or None, clean_text(r["text"]), None)
               for n, r in enumerate(rows)]
    terms = [found["terms"] for _, found in analyze_records(records, [TERMS])]
    OUT.mkdir(exist_ok=True)
    path.write_bytes(pickle.dumps(terms))
    return terms


def events_of(name: str, rows: list[dict], cache: bool = True) -> list[list]:
    """Each article's events as the store's ``events.signatures`` gives them (the events stage, with
    the entities and quotes it needs), cached under bench/out/ like the terms."""
    from newsradar.analysis import analyze_records
    from newsradar.eventsig import from_json, to_json
    from newsradar.eventsig import from_records as signature_of

    path = OUT / f"story-events-{name}-{nlp.FEATURES_VERSION.replace('/', '-')}-{EVENTS.version}.json"
    if cache and path.exists():  # kept as JSON (eventsig.to_json), so a change to the class never reads stale objects
        return [from_json(item) for item in json.loads(path.read_text())]
    records = [ArticleText(n, clean_text(r.get("title") or "") or None, clean_text(r["text"]),
                           r["_published"].date() if r.get("_published") else None) for n, r in enumerate(rows)]
    found = [signature_of(result["events"]) for _, result in analyze_records(records, [EVENTS], n_process=2)]
    OUT.mkdir(exist_ok=True)
    path.write_text(json.dumps([to_json(item) for item in found]))
    return found


class MemoryArchive:
    """The store's ``story_anchors`` index and old members, in memory, for the benchmark: what the
    clusterer's ``recall`` reads to continue a story that left the window. Members are kept as
    (seq, vector, signature, full text, published), so "latest" means by seq as in the store."""

    def __init__(self, config: StoryConfig):
        self.config = config
        self.by_anchor: dict[str, set[int]] = defaultdict(set)
        self.anchors: dict[int, set[str]] = defaultdict(set)
        self.members: dict[int, dict[int, tuple]] = defaultdict(dict)
        self.last: dict[int, datetime] = {}

    def record(self, article: int, assignment, published: datetime | None, signature, full: bool) -> None:
        for change in assignment.changes:
            if change.kind == "merge":
                self.members[change.other].update(self.members.pop(change.story, {}))
                terms = self.anchors.pop(change.story, set())
                for term in terms:
                    self.by_anchor[term].discard(change.story)
                self._anchor(change.other, terms)
                self._date(change.other, self.last.pop(change.story, None))
            else:
                for member in change.members:
                    if member in self.members[change.story]:
                        self.members[change.other][member] = self.members[change.story].pop(member)
                self._anchor(change.other, set(change.anchors))
                for story in (change.story, change.other):  # each side's last article, as the store computes it
                    dates = [m[4] for m in self.members[story].values() if m[4] is not None]
                    self.last.pop(story, None)
                    self._date(story, max(dates) if dates else None)
        self.members[assignment.story][article] = (assignment.seq, assignment.vector, signature, full, published)
        self._anchor(assignment.story, set(assignment.anchors))
        self._date(assignment.story, published)

    def _anchor(self, story: int, terms: set[str]) -> None:
        self.anchors[story] |= terms
        for term in terms:
            self.by_anchor[term].add(story)

    def _date(self, story: int, when: datetime | None) -> None:
        if when is not None and (story not in self.last or when > self.last[story]):
            self.last[story] = when

    def recall(self, terms, exclude):
        from newsradar.clustering import Recalled

        shared: dict[int, list[str]] = defaultdict(list)
        for term in terms:
            for story in heapq.nlargest(200, self.by_anchor.get(term, ())):
                if story not in exclude:
                    shared[story].append(term)
        chosen = sorted((s for s, found in shared.items() if len(found) >= self.config.followup_shared),
                        key=lambda s: (-len(shared[s]), -s))[:10]
        return [Recalled(s, self.last.get(s), shared[s],
                         [m[1:4] for m in sorted(self.members[s].values(), key=lambda m: m[0])[-20:]]) for s in chosen]


def cluster(rows: list[dict], terms: list[dict[str, float]], config: StoryConfig,
            events: list | None = None) -> list[int]:
    archive = MemoryArchive(config)
    clusterer = Clusterer(config, recall=archive.recall)
    signatures = events or [EMPTY] * len(rows)
    for index, (row, article_terms, signature) in enumerate(zip(rows, terms, signatures, strict=True)):
        length = len(clean_text(row["text"]))
        assignment = clusterer.assign(index, article_terms, row["_published"], signature, length)
        archive.record(index, assignment, row["_published"], signature, clusterer.is_full(length))
    return [clusterer.entries[index].story for index in range(len(rows))]  # after every merge and split


def with_canonical_entities(rows: list[dict], terms: list[dict[str, float]], mode: str) -> list[dict[str, float]]:
    """An ablation: the actor pipeline's canonical entities (``C:<entity key>``, weighted by
    mentions, headline ×2) in place of (``replace``) or beside (``add``) the NER strings."""
    from newsradar import analysis

    records = [ArticleText(n, clean_text(r.get("title") or "") or None, clean_text(r["text"]), None)
               for n, r in enumerate(rows)]
    changed = []
    for counts, (_, found) in zip(terms, analysis.analyze_records(records, [ENTITIES], n_process=2), strict=True):
        entities = found["entities"]
        counts = {k: v for k, v in counts.items() if mode == "add" or not k.startswith("E:")}
        for entity in entities:
            weight = sum(2.0 if m[0] == "title" else 1.0 for m in entity.mentions)
            counts["C:" + entity.key] = counts.get("C:" + entity.key, 0.0) + weight
        changed.append(counts)
    return changed


def quality(config: StoryConfig, cache: bool, canonical: str | None = None, short: bool = False) -> dict:
    results = {}
    for name in (("ecbplus-dev-short", "basil-dev-short") if short else ("ecbplus-dev", "basil-dev")):
        rows = load(name)
        terms = terms_of(name, rows, cache)
        if canonical:
            terms = with_canonical_entities(rows, terms, canonical)
        events = events_of(name, rows, cache)
        started = time.perf_counter()
        predicted = cluster(rows, terms, config, events)
        elapsed = time.perf_counter() - started
        p, r, f = bcubed(predicted, [row["story"] for row in rows])
        halves = {}
        for half in (0, 1):  # each half of the gold stories clustered on its own: tuned on one, read the other
            chosen = [i for i, row in enumerate(rows) if _half(row["story"]) == half]
            sub = cluster([rows[i] for i in chosen], [terms[i] for i in chosen], config, [events[i] for i in chosen])
            halves[f"half{half}_f1"] = round(bcubed(sub, [rows[i]["story"] for i in chosen])[2], 4)
        results[name] = {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), **halves,
                         "stories": len(set(predicted)), "gold_stories": len({row["story"] for row in rows}),
                         "articles": len(rows), "ms_per_article": round(1000 * elapsed / len(rows), 3)}
    return results


def _half(story: str) -> int:
    """A fixed split of a set's gold stories into two halves (ECB+ by topic, so a topic's two events
    stay together)."""
    key = story.split("-")[0] if story.split("-")[0].isdigit() else story
    return zlib.crc32(key.encode()) % 2


def followups(config: StoryConfig, cache: bool, days: int = 60) -> dict:
    """Follow-ups beyond the window, simulated on real text: in each BASIL story, the latest article is
    moved ``days`` days later (past the 30-day window), as a later development's report would come;
    publication order is kept otherwise. The story must take it back, and the 69 other stories,
    years apart with the same politicians, must not."""
    every = load("basil-dev")
    every_terms = terms_of("basil-dev", every, cache)
    every_events = events_of("basil-dev", every, cache)
    results = {}
    for part in ("all", "half0", "half1"):
        chosen = [i for i, row in enumerate(every) if part == "all" or _half(row["story"]) == int(part[-1])]
        results[part] = _followups([every[i] for i in chosen], [every_terms[i] for i in chosen],
                                   [every_events[i] for i in chosen], config, days)
    return results


def _followups(rows: list[dict], terms: list, events: list, config: StoryConfig, days: int) -> dict:
    latest: dict[str, int] = {}
    for index, row in enumerate(rows):
        latest[row["story"]] = index  # rows are in publication order: the last one wins
    moved = [dict(row) for row in rows]
    for index in latest.values():
        moved[index]["_published"] = rows[index]["_published"] + timedelta(days=days)
    order = sorted(range(len(rows)), key=lambda i: (moved[i]["_published"], i))
    results = {}
    for label, cfg in (("follow-ups on", config), ("follow-ups off", replace(config, followup_threshold=9.0))):
        predicted = cluster([moved[i] for i in order], [terms[i] for i in order], cfg, [events[i] for i in order])
        p, r, f = bcubed(predicted, [rows[i]["story"] for i in order])
        position = {row: n for n, row in enumerate(order)}
        back = sum(1 for story, i in latest.items()
                   if any(predicted[position[j]] == predicted[position[i]] for j in range(len(rows))
                          if j != i and rows[j]["story"] == story))
        results[label] = {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4),
                          "moved_back_into_their_story": back, "moved": len(latest)}
    return results


def quality_sample() -> dict:
    """The topic-dense sample set (examples/topic_dense.py: gold written before the code) end to end
    through a fresh SQLite store: the pasted page alone, the feed alone, both, and the whole sample
    corpus with it."""
    from examples.corpus import ARTICLES
    from examples.topic_dense import DENSE
    from newsradar import pipeline
    from newsradar.normalize import fold
    from newsradar.store import open_store

    def gold(title: str) -> str:
        wanted = fold(title).rstrip("…. ")
        return next(row[0] for row in [*ARTICLES, *DENSE] if fold(row[4]).startswith(wanted))

    examples = HERE.parent / "examples"
    dense = examples / "topic-dense"
    results = {}
    for label, paths in (("pasted page (undated)", [dense / "andes-digest-venezuela.txt"]),
                         ("feed (summaries)", [dense / "lantern-report.rss"]), ("both", [dense]),
                         ("whole sample corpus", [examples])):
        with tempfile.TemporaryDirectory() as tmp, open_store(f"sqlite:///{tmp}/sample.db") as store:
            pipeline.run([str(p) for p in paths], store, workers=1)
            articles = list(store.iter_articles())
        p, r, f = bcubed([a["story_id"] for a in articles], [gold(a["title"]) for a in articles])
        results[label] = {"articles": len(articles), "precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}
    return results


def quality_through_store() -> dict:
    """The same figures end to end: JSONL into a fresh SQLite store, `pipeline.run` (the analysis and
    the clusterer, timed), story ids read back."""
    from newsradar import pipeline
    from newsradar.store import open_store

    results = {}
    for name in ("ecbplus-dev", "basil-dev"):
        rows = [json.loads(line) for line in (DATASETS / name / f"{name}.jsonl").open(encoding="utf-8")]
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "in.jsonl"
            with path.open("w", encoding="utf-8") as handle:
                for index, row in enumerate(rows):  # ids are not unique in basil-dev: use the line number
                    handle.write(json.dumps({"id": str(index), "title": row.get("title"), "text": row["text"],
                                             "url": row.get("url"), "published": row.get("published"),
                                             "outlet": row.get("outlet")}) + "\n")
            with open_store(f"sqlite:///{tmp}/bench.db") as store:
                report = pipeline.run([str(path)], store, workers=1, analyse=False).ingest
                assert report is not None
                started = time.perf_counter()
                pipeline.run([], store)
                elapsed = time.perf_counter() - started
                by_external = {a["external_id"]: a for a in store.iter_articles()}
        gold, predicted = [], []
        for index, row in enumerate(rows):
            article = by_external.get(str(index))
            if article is None:  # merged into another article by identity (same URL): it shares that story
                continue
            gold.append(row["story"])
            predicted.append(article["story_id"])
        p, r, f = bcubed(predicted, gold)
        results[name] = {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "articles": len(gold),
                         "stored": report.inserted, "seconds_with_nlp": round(elapsed, 1)}
    return results


def scale(sizes: list[int], config: StoryConfig, cache: bool, per_day: int = 300, seed: int = 7) -> list[dict]:
    """Time per article of the clusterer as the store grows: real articles (both dev sets) perturbed
    (a fifth of their terms dropped, the other counts jittered) and re-dated at a steady
    ``per_day`` articles a day, so 100,000 articles span about eleven months and the 30-day window
    fills after about 9,000. Peak memory includes the stand-in for the story_terms table."""
    base = []
    for name in ("ecbplus-dev", "basil-dev"):
        base.extend(terms_of(name, load(name), cache))
    rng = random.Random(seed)
    results = []
    for size in sizes:
        start = datetime(2025, 1, 1, tzinfo=UTC)
        step = timedelta(days=1) / per_day
        # document frequencies live in a table as in the store (story_terms), read a chunk at a
        # time, so the clusterer's own memory is the window's
        table: Counter = Counter()
        archive = MemoryArchive(config)  # the story_anchors index and old members, for follow-ups
        clusterer = Clusterer(config, df_lookup=lambda terms, table=table: {t: table[t] for t in terms if t in table},
                              recall=archive.recall)
        checkpoints = {size // 10 * k for k in range(1, 11)}
        timings = []
        started = last = time.perf_counter()
        for index in range(size):
            terms = base[rng.randrange(len(base))]
            terms = {t: c * rng.uniform(0.7, 1.3) for t, c in terms.items() if rng.random() > 0.2}
            assignment = clusterer.assign(index, terms, start + step * index)
            archive.record(index, assignment, start + step * index, EMPTY, True)
            if (index + 1) % 256 == 0:
                table.update(clusterer.take_counts())
            if index + 1 in checkpoints:
                now = time.perf_counter()
                timings.append(round(1000 * (now - last) / (size // 10), 3))
                last = now
        total = time.perf_counter() - started
        results.append({"articles": size, "ms_per_article": round(1000 * total / size, 3),
                        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                        "ms_per_article_by_tenth": timings, "stories_in_window": len(clusterer.members),
                        "window_entries": len(clusterer.entries)})
        print(json.dumps(results[-1]), flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", action="store_true", help="measure end to end through a SQLite store")
    parser.add_argument("--scale", type=int, nargs="*", help="article counts for the cost-per-article curve")
    parser.add_argument("--no-cache", action="store_true", help="parse the datasets again")
    parser.add_argument("--short", action="store_true", help="each article cut to its title and first sentence")
    parser.add_argument("--sample", action="store_true", help="the topic-dense sample set and the sample corpus")
    parser.add_argument("--followups", type=int, metavar="DAYS",
                        help="each BASIL story's latest article moved DAYS later: is it taken back?")
    parser.add_argument("--canonical", choices=("replace", "add"),
                        help="ablation: canonical entities in place of or beside the NER strings")
    parser.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                        help="override a StoryConfig field, for ablations (e.g. --set split_threshold=0)")
    args = parser.parse_args()
    overrides = {}
    for item in args.set:
        name, _, value = item.partition("=")
        default = getattr(StoryConfig(), name)
        overrides[name] = float(value) if default is None else type(default)(value)
    config = StoryConfig(**overrides)
    if args.scale:
        scale(args.scale, config, not args.no_cache)
        return
    if args.followups:
        print(json.dumps(followups(config, not args.no_cache, args.followups), indent=2))
        return
    if args.sample:
        print(json.dumps(quality_sample(), indent=2))
        return
    result = quality_through_store() if args.store else quality(config, not args.no_cache, args.canonical, args.short)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
