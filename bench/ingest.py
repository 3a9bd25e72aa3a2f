"""Ingest throughput before NLP: a generated corpus as JSONL and as WARC.gz, through the real CLI
(`newsradar ingest`) into a fresh SQLite store.

    .venv/bin/python bench/ingest.py [--articles 50000] [--kinds jsonl,warc] [--workers 1,2]

Reports articles/s (wall clock, whole command, start-up included) and the peak resident memory of
the ingest process and its workers together, for each worker count asked for.
The corpus is synthetic (random sentences over a news vocabulary, ~250 words each, unique
texts), written to a temporary directory; nothing is kept."""

from __future__ import annotations

import argparse
import io
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NEWSRADAR = str(Path(sys.executable).parent / "newsradar")

WORDS = ["government", "minister", "officials", "said", "talks", "sanctions", "oil", "navy", "coast", "militia", "election", "council", "treasury", "tanker", "strait", "uranium", "inspectors", "protest", "currency", "border", "gang", "raid", "court", "senator", "envoy", "harbor", "crude", "refinery", "ceasefire", "deployment", "statement", "spokesman", "capital", "province", "rally", "opposition", "president", "parliament", "agency", "report", "week", "monday", "tuesday", "vessel", "crew", "shipping", "prices", "market", "analysts", "warned", "security", "forces", "police", "capital", "reporters", "interview", "agreement", "deal", "pressure", "response", "allies"]


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


def measure(kind: str, count: int, workdir: Path, workers: int) -> dict:
    corpus = workdir / ("corpus.jsonl" if kind == "jsonl" else "corpus.warc.gz")
    if not corpus.exists():
        (write_jsonl if kind == "jsonl" else write_warc)(corpus, count)
    db = workdir / f"{kind}-{workers}.db"
    command = [NEWSRADAR, "ingest", str(corpus), "--db", f"sqlite:///{db}", "--workers", str(workers),
               "--no-stories"]  # the stage before NLP; stories are measured by bench/stories.py
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = 0
    while process.poll() is None:
        peak = max(peak, tree_rss(process.pid))
        time.sleep(0.2)
    elapsed = time.perf_counter() - started
    if process.returncode != 0:
        sys.exit(f"ingest failed: {process.stderr.read() if process.stderr else ''}")
    return {"kind": kind, "workers": workers, "articles": count, "seconds": round(elapsed, 1),
            "articles_per_second": round(count / elapsed, 1), "peak_rss_mib_all_processes": round(peak / 2**20, 1),
            "corpus_mib": round(corpus.stat().st_size / 2**20, 1)}


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants (Linux /proc)."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
            for task in Path(f"/proc/{current}/task").iterdir():
                stack += [int(child) for child in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description="Ingest throughput (articles/s, peak memory).")
    parser.add_argument("--articles", type=int, default=50_000)
    parser.add_argument("--kinds", default="jsonl,warc")
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts to measure")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for kind in args.kinds.split(","):
            for workers in (int(w) for w in args.workers.split(",")):
                print(json.dumps(measure(kind, args.articles, Path(tmp), workers)), flush=True)


if __name__ == "__main__":
    main()
