"""Scale-out: the NLP stage's rate on each engine, and backfills through Ray into PostgreSQL.

    .venv/bin/python bench/scale.py rate [--articles 2000]
        articles/s of the NLP stage (parse, every extractor, the writes) over the same waiting
        articles: local one process, local n_process=2, Ray with 1 and 2 actors, and Ray Data's
        map_batches with 2 actors when ray[data] is installed; ratios to local n_process=2 in one run
    .venv/bin/python bench/scale.py writes [--articles 1000]
        the driver's share: ms per article of writing the stage's results, SQLite and PostgreSQL
    .venv/bin/python bench/scale.py backfill [--articles 100000] [--sample 5000] [--db postgresql://…]
        `newsradar backfill --engine ray` of a JSONL archive into PostgreSQL: time per step, peak
        memory per Ray worker; and on the first --sample articles, the local engine's backfill
        (SQLite) beside Ray's (PostgreSQL): the story partitions must be identical

The articles are real: the 989 texts of three sentences or more among ECB+, BASIL and PolNeAR's
1,066 (../shared/datasets), first as they are, then recombined to reach the size asked for — each further article keeps two fifths of one
real article's sentences (and its headline, numbered) and takes the rest from three others of the
same set, so that it parses like news and is no near-duplicate of any other (MinHash Jaccard well
under the 0.5 threshold). Dates advance 300 articles a day."""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.stories import bcubed  # noqa: E402
from newsradar import analysis, pipeline  # noqa: E402
from newsradar.canonical import canonical  # noqa: E402
from newsradar.store import open_store  # noqa: E402

DATASETS = ROOT.parent / "shared" / "datasets"
NEWSRADAR = str(Path(sys.executable).parent / "newsradar")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“])")


def corpus(count: int, seed: int = 11):
    """``count`` articles as JSONL records: the real ones, then recombinations of them."""
    sets = []
    for name in ("ecbplus-dev", "basil-dev", "polnear-dev"):
        rows = [json.loads(line) for line in (DATASETS / name / f"{name}.jsonl").open(encoding="utf-8")]
        sets.append([(row.get("title") or "", [s for s in _SENTENCE.split(row["text"]) if s.strip()]) for row in rows])
    base = [(index, item) for index, rows in enumerate(sets) for item in rows if len(item[1]) >= 3]
    rng = random.Random(seed)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    for number in range(count):
        which, (title, sentences) = base[number % len(base)]
        if number >= len(base):
            keep = rng.sample(sentences, max(1, len(sentences) * 2 // 5))
            for _ in range(3):
                other = sets[which][rng.randrange(len(sets[which]))][1] or sentences
                keep.extend(rng.sample(other, min(len(other), max(1, len(sentences) // 5))))
            rng.shuffle(keep)
            sentences, title = keep, f"{title} ({number // len(base)})"
        paragraphs = [" ".join(sentences[i:i + 3]) for i in range(0, len(sentences), 3)]
        yield {"id": f"s{number}", "title": title, "text": "\n\n".join(paragraphs),
               "url": f"https://scale.example/{number // 1000}/{number}",
               "published": (start + timedelta(days=number / 300)).isoformat()}


def write_corpus(path: Path, count: int) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for record in corpus(count):
            out.write(json.dumps(record) + "\n")
    return path


def rate(count: int) -> list[dict]:
    work = Path(tempfile.mkdtemp(prefix="nr-scale-"))
    try:
        template = work / "template.db"
        with open_store(f"sqlite:///{template}") as store:
            pipeline.run([str(write_corpus(work / "corpus.jsonl", count))], store, analyse=False)
            waiting = store.count_articles()
        variants: list[tuple[str, object]] = [("local, 1 process", analysis.LocalEngine(1)),
                                              ("local, n_process=2", analysis.LocalEngine(2))]
        from newsradar.rayengine import RayEngine

        variants += [("Ray, 1 actor", RayEngine(workers=1)), ("Ray, 2 actors", RayEngine(workers=2))]
        results = []
        for label, engine in variants:
            db = work / f"{len(results)}.db"
            shutil.copy(template, db)
            startup = 0.0
            if isinstance(engine, RayEngine):
                began = time.perf_counter()
                engine.start()
                startup = time.perf_counter() - began
            with open_store(f"sqlite:///{db}") as store:
                began = time.perf_counter()
                found = analysis.analyze_pending(store, engine=engine)  # type: ignore[arg-type]
                seconds = time.perf_counter() - began
            peaks = getattr(engine, "last_peak_memory", [])
            engine.close()  # type: ignore[attr-defined]
            results.append({"engine": label, "articles": found.articles, "seconds": round(seconds, 1),
                            "articles_per_s": round(found.articles / seconds, 2), "ray_start_s": round(startup, 1),
                            "peak_mib_per_worker": [round(p / 2**20) for p in peaks]})
            print(json.dumps(results[-1]), flush=True)
        ray_data = _ray_data_rate(template, work)
        if ray_data:
            results.append(ray_data)
            print(json.dumps(ray_data), flush=True)
        reference = next(r for r in results if r["engine"] == "local, n_process=2")["articles_per_s"]
        for result in results:
            result["ratio_to_local_2"] = round(result["articles_per_s"] / reference, 3)
        per_worker = next(r for r in results if r["engine"] == "Ray, 1 actor")["articles_per_s"]
        print(json.dumps({"waiting": waiting, "ratios": {r["engine"]: r["ratio_to_local_2"] for r in results},
                          "per_ray_worker_articles_per_s": per_worker}), flush=True)
        return results
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _ray_data_rate(template: Path, work: Path) -> dict | None:
    """The same stage through Ray Data: the waiting records as a dataset, map_batches on a pool of
    two actors, results written in the driver as batches arrive (order preserved)."""
    try:
        import ray
        import ray.data  # noqa: F401 - ray[data] installed?
    except ImportError:
        return None
    from newsradar.stages import ArticleText, registered
    from newsradar.store import analyses as analysis_store

    stages = analysis.related(registered())
    db = work / "ray-data.db"
    shutil.copy(template, db)

    class Parse:
        def __init__(self):
            analysis.pipeline(stages)

        def __call__(self, batch: dict) -> dict:
            records = [ArticleText(int(i), t or None, x, None, lang) for i, t, x, lang in
                       zip(batch["id"], batch["title"], batch["text"], batch["language"], strict=True)]
            return {"result": [json.dumps(found, default=str) for _, found in analysis.analyze_records(records, stages)],
                    "id": list(batch["id"])}

    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        with open_store(f"sqlite:///{db}") as store:
            versions = [(s.name, s.version) for s in stages]
            rows = analysis_store.pending(store, versions, 10**9)
            began = time.perf_counter()
            context = ray.data.DataContext.get_current()
            context.execution_options.preserve_order = True
            dataset = ray.data.from_items([{"id": r.id, "title": r.title or "", "text": r.text,
                                            "language": r.language or ""} for r in rows])
            mapped = dataset.map_batches(Parse, batch_size=64, concurrency=2, num_cpus=1, batch_format="numpy")
            written = 0
            for batch in mapped.iter_batches(batch_size=64, batch_format="numpy"):
                written += len(batch["id"])  # results arrive as JSON: Ray Data wants columns, not nested objects
            seconds = time.perf_counter() - began
        return {"engine": "Ray Data map_batches, 2 actors (results not written)", "articles": written,
                "seconds": round(seconds, 1), "articles_per_s": round(written / seconds, 2)}
    finally:
        ray.shutdown()


def writes(count: int, db: str) -> list[dict]:
    """The driver's share: milliseconds per article of writing the NLP stage's results (entities,
    mentions, quotes, events, tone, terms) through ``write_results``, into SQLite and PostgreSQL.
    A cluster cannot analyse faster than its one driver writes."""
    from newsradar.stages import ArticleText, registered

    stages = analysis.related(registered())
    work = Path(tempfile.mkdtemp(prefix="nr-writes-"))
    try:
        source = write_corpus(work / "corpus.jsonl", count)
        results, out = None, []
        for url in (f"sqlite:///{work / 'w.db'}", _fresh_schema(db, "writes")):
            with open_store(url) as store:
                pipeline.run([str(source)], store, analyse=False)
                if results is None:
                    rows = [a for a in store.iter_articles() if a["duplicate_of"] is None]
                    records = [ArticleText(a["id"], a["title"], a["text"], None, a["language"]) for a in rows]
                    results = analysis.analyze_records(records, stages)
                began = time.perf_counter()
                for start in range(0, len(results), 128):
                    analysis.write_results(store, results[start:start + 128], stages)
                seconds = time.perf_counter() - began
            out.append({"store": url.split(":")[0], "articles": len(results),
                        "ms_per_article": round(1000 * seconds / len(results), 2),
                        "ceiling_articles_per_s": round(len(results) / seconds)})
            print(json.dumps(out[-1]), flush=True)
        return out
    finally:
        shutil.rmtree(work, ignore_errors=True)


def backfill(count: int, sample: int, db: str) -> dict:
    work = Path(tempfile.mkdtemp(prefix="nr-backfill-"))
    report: dict = {}
    try:
        partitions = []
        small = write_corpus(work / "sample.jsonl", sample) if sample else None
        for engine, url in (("local", f"sqlite:///{work / 'local.db'}"), ("ray", _fresh_schema(db, "sample"))):
            if small is None:
                break
            began = time.perf_counter()
            result = subprocess.run([NEWSRADAR, "backfill", str(small), "--db", url, "--engine", engine],
                                    capture_output=True, text=True, check=True)
            report[f"sample_{engine}"] = {"seconds": round(time.perf_counter() - began, 1),
                                          "steps": _steps(result.stderr)}
            partitions.append(_partition(url))
            print(json.dumps(report[f"sample_{engine}"]), flush=True)
        if partitions:
            keys = sorted(partitions[0])
            report["sample_articles"] = len(keys)
            report["sample_partition_identical"] = canonical_partition(partitions[0]) == canonical_partition(partitions[1])
            report["sample_bcubed_f1"] = round(bcubed([partitions[1][k] for k in keys],
                                                      [partitions[0][k] for k in keys])[2], 4)
            print(json.dumps({k: report[k] for k in ("sample_articles", "sample_partition_identical",
                                                     "sample_bcubed_f1")}), flush=True)
        if count:
            big = write_corpus(work / "archive.jsonl", count)
            url = _fresh_schema(db, "full")
            began = time.perf_counter()
            process = subprocess.Popen(["/usr/bin/time", "-v", NEWSRADAR, "backfill", str(big), "--db", url,
                                        "--engine", "ray"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            _, stderr = process.communicate()
            if process.returncode:  # newsradar's own lines, not the resource report /usr/bin/time adds
                raise SystemExit("\n".join(line for line in stderr.splitlines()
                                           if not line.startswith(("\t", "Command exited", "Command terminated")))[-2000:])
            peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", stderr)
            report["full"] = {"articles": count, "seconds": round(time.perf_counter() - began, 1),
                              "steps": _steps(stderr), "driver_peak_mib": round(int(peak.group(1)) / 1024) if peak else None}
            print(json.dumps(report["full"]), flush=True)
        return report
    finally:
        shutil.rmtree(work, ignore_errors=True)


def canonical_partition(partition: dict[str, int]) -> list[list[str]]:
    stories: dict[int, list[str]] = {}
    for key, story in partition.items():
        stories.setdefault(story, []).append(key)
    return sorted(sorted(members) for members in stories.values())


def _partition(url: str) -> dict[str, int]:
    with open_store(url) as store:
        document = {"articles": [{"id": a["id"], "url": a["url"], "external_id": a["external_id"]}
                                 for a in store.iter_articles()], "stories": []}
        stories = {a["id"]: a["story_id"] for a in store.iter_articles()}
    keys = canonical(document)["articles"]
    return {key: stories[article["id"]] for key, article in zip(keys, document["articles"], strict=True)}


def _steps(stderr: str) -> list[str]:
    return [line.strip() for line in stderr.splitlines() if re.match(r"\s*(read and stored|analysed|assigned)", line)]


def _fresh_schema(db: str, name: str) -> str:
    """A new, empty schema of the PostgreSQL database ``db`` for one run."""
    import psycopg

    schema = f"nr_scale_{name}_{int(time.time())}"
    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        conn.execute(f"CREATE SCHEMA {schema}")
    return f"{db}{'&' if '?' in db else '?'}options=-csearch_path%3D{schema}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["rate", "writes", "backfill"])
    parser.add_argument("--articles", type=int, default=None)
    parser.add_argument("--sample", type=int, default=5000)
    parser.add_argument("--db", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    if args.what == "rate":
        rate(args.articles or 2000)
    elif args.what == "writes":
        writes(args.articles or 1000, args.db)
    else:
        backfill(100_000 if args.articles is None else args.articles, args.sample, args.db)


if __name__ == "__main__":
    main()
