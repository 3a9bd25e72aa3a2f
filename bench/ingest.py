"""Ingest throughput before NLP: a generated corpus as JSONL and as WARC.gz, through the real CLI
(`newsradar ingest`) into a fresh SQLite store.

    .venv/bin/python bench/ingest.py [--articles 50000] [--kinds jsonl,warc]

Reports articles/s (wall clock, whole command) and the ingest process's peak resident memory.
The corpus is synthetic (random sentences over a news vocabulary, ~250 words each, unique
texts), written to a temporary directory; nothing is kept."""

from __future__ import annotations

import argparse
import io
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NEWSRADAR = str(Path(sys.executable).parent / "newsradar")

WORDS = ("government minister officials said talks sanctions oil navy coast militia election council treasury "
         "tanker strait uranium inspectors protest currency border gang raid court senator envoy harbor crude "
         "refinery ceasefire deployment statement spokesman capital province rally opposition president "
         "parliament agency report week monday tuesday vessel crew shipping prices market analysts warned "
         "security forces police capital reporters interview agreement deal pressure response allies").split()


def article(rng: random.Random, index: int) -> dict:
    sentences = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(12, 24))).capitalize() + "."
                 for _ in range(rng.randint(10, 16))]
    paragraphs = [" ".join(sentences[i:i + 3]) for i in range(0, len(sentences), 3)]
    return {"id": f"b{index}", "title": f"Report {index}: " + " ".join(rng.choice(WORDS) for _ in range(6)),
            "text": "\n\n".join(paragraphs), "url": f"https://bench.example/{index // 1000}/{index}",
            "published": f"2026-11-{1 + index % 28:02d}T{index % 24:02d}:00:00Z", "outlet": f"Outlet {index % 12}"}


def write_jsonl(path: Path, count: int) -> None:
    rng = random.Random(1)
    with path.open("w", encoding="utf-8") as out:
        for i in range(count):
            out.write(json.dumps(article(rng, i)) + "\n")


def write_warc(path: Path, count: int) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    rng = random.Random(1)
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for i in range(count):
            a = article(rng, i)
            body = "".join(f"<p>{p}</p>" for p in a["text"].split("\n\n"))
            page = (f"<!DOCTYPE html><html><head><title>{a['title']}</title>"
                    f"<meta property='og:site_name' content='{a['outlet']}'>"
                    f"<meta property='article:published_time' content='{a['published']}'></head><body>"
                    f"<nav><a href='/'>Home</a> <a href='/world'>World</a></nav><article><h1>{a['title']}</h1>{body}"
                    f"</article><footer>Copyright {a['outlet']}</footer></body></html>").encode()
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(a["url"], "response", payload=io.BytesIO(page), http_headers=http))


def measure(kind: str, count: int, workdir: Path) -> dict:
    corpus = workdir / ("corpus.jsonl" if kind == "jsonl" else "corpus.warc.gz")
    (write_jsonl if kind == "jsonl" else write_warc)(corpus, count)
    db = workdir / f"{kind}.db"
    started = time.perf_counter()
    completed = subprocess.run([NEWSRADAR, "ingest", str(corpus), "--db", f"sqlite:///{db}"],
                               capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        sys.exit(f"ingest failed: {completed.stderr}")
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the largest child so far
    return {"kind": kind, "articles": count, "seconds": round(elapsed, 1),
            "articles_per_second": round(count / elapsed, 1), "peak_rss_mib": round(peak_mib, 1),
            "corpus_mib": round(corpus.stat().st_size / 2**20, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description="Ingest throughput (articles/s, peak memory).")
    parser.add_argument("--articles", type=int, default=50_000)
    parser.add_argument("--kinds", default="jsonl,warc")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for kind in args.kinds.split(","):
            print(json.dumps(measure(kind, args.articles, Path(tmp))), flush=True)


if __name__ == "__main__":
    main()
