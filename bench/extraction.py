"""Main-text extraction on the Zyte/ScrapingHub article-extraction benchmark.

    .venv/bin/python bench/extraction.py [--limit N]

Scores newsradar's HTML source (the code path every saved page and WARC record takes) with the
benchmark's own measure: per page, counts of 4-word shingles (tokens are \\w+ runs) give
precision and recall, normalized per page; precision and recall are averaged over pages and F1
is their harmonic mean."""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "datasets" / "article-extraction"

from newsradar.errors import InputError  # noqa: E402
from newsradar.sources.webpage import extract_page  # noqa: E402

_TOKEN = re.compile(r"\w+")


def shingles(text: str, n: int = 4) -> Counter:
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i:i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i:i + n])


def page_counts(gold: str, predicted: str) -> tuple[float, float, float]:
    """Normalized (tp, fp, fn) of one page."""
    truth, guess = shingles(gold), shingles(predicted)
    tp = sum(min(truth[k], guess[k]) for k in truth.keys() | guess.keys())
    fp = sum(max(0, guess[k] - truth[k]) for k in guess)
    fn = sum(max(0, truth[k] - guess[k]) for k in truth)
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def score(counts: list[tuple[float, float, float]]) -> dict:
    def precision(tp, fp, fn):
        return 1.0 if fp == fn == 0 else (0.0 if tp == fp == 0 else tp / (tp + fp))

    def recall(tp, fp, fn):
        return 1.0 if fp == fn == 0 else (0.0 if tp == fn == 0 else tp / (tp + fn))

    p = statistics.mean(precision(*c) for c in counts if c[0] + c[1] > 0)
    r = statistics.mean(recall(*c) for c in counts if c[0] + c[2] > 0)
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def run(limit: int | None = None) -> dict:
    truth = json.loads((DATA / "ground-truth.json").read_text(encoding="utf-8"))
    keys = sorted(truth)[:limit] if limit else sorted(truth)
    counts = []
    started = time.perf_counter()
    for key in keys:
        html = gzip.decompress((DATA / "html" / f"{key}.html.gz").read_bytes())
        try:
            text = extract_page(html, key, url=truth[key].get("url")).text
        except InputError:
            text = ""
        counts.append(page_counts(truth[key].get("articleBody", ""), text))
    elapsed = time.perf_counter() - started
    return {**score(counts), "pages": len(keys), "pages_per_second": len(keys) / elapsed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    if not DATA.is_dir():
        sys.exit(f"dataset not found at {DATA}")
    result = run(args.limit)
    print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in result.items()}))


if __name__ == "__main__":
    main()
