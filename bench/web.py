"""Web app benchmark: a generated store of N articles (default 1,000,000) in SQLite, then
server-side latency of topic pages and search (from the Server-Timing header our middleware sets),
then a sustained load from a local load generator.

    .venv/bin/python bench/web.py                      # 1,000,000 articles, 60 s at 50 connections
    .venv/bin/python bench/web.py --articles 20000 --load-seconds 10   # a quick run

The store is generated once into bench/out/web-N.db (kept; --regenerate to redo). Articles are
real headlines and excerpts (about 100 words, the shape of a topic feed's items) from every dev
set in ../shared/datasets and our sample corpus, sliced at random sentence offsets, re-dated
over a year (about 2,700 a day), spread over 60 outlets and grouped into stories of 1 to ~30
articles. The server is `newsradar serve` in its own process with the search rate limit off."""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import re
import socket
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from newsradar.store import open_store  # noqa: E402
from newsradar.store import topics as topic_store  # noqa: E402

DATASETS = HERE.parent.parent / "shared" / "datasets"
OUT = HERE / "out"

TOPICS = [  # name, query, filters
    ("iran", "iran", {}),
    ("venezuela", "venezuela OR maduro OR caracas", {}),
    ("earthquake", '"earthquake"', {}),
    ("sanctions-outlet", "sanctions", {"outlet": "Outlet 07"}),
    ("clinton-spring", "clinton", {"since": "2025-03-01", "until": "2025-06-01"}),
    ("outlet-only", "", {"outlet": "Outlet 23"}),
    ("spanish", "", {"language": "es"}),
]
SEARCHES = ["iran", "nuclear deal", '"white house"', "police shooting", "earthquake OR tsunami", "hurricane",
            "trump -clinton", "election fraud", "oil prices", "sanctions", "rehab", "quake", "merger",
            "senate vote", "refugees", "protest", "apple iphone", "world cup", "arrested", "missile"]


def base_items() -> list[tuple[str, list[str]]]:
    """(headline, sentences) of every real article we have."""
    items = []
    for name in ("ecbplus-dev", "basil-dev", "polnear-dev", "plover-gsr-dev"):
        path = DATASETS / name / f"{name}.jsonl"
        for line in path.open(encoding="utf-8"):
            row = json.loads(line)
            text = row.get("text") or ""
            sentences = [s for s in re.split(r"(?<=[.!?])\s+", " ".join(text.split())) if len(s) > 20]
            if sentences:
                items.append(((row.get("title") or sentences[0][:90]).strip(), sentences))
    from examples.corpus import ARTICLES

    for _story, _outlet, _published, _author, headline, paragraphs in ARTICLES:
        sentences = [s for p in paragraphs for s in re.split(r"(?<=[.!?])\s+", p) if len(s) > 20]
        items.append((headline, sentences))
    return items


def generate(path: Path, count: int, seed: int = 11) -> None:
    """Write ``count`` articles and their stories straight into a migrated SQLite store (the FTS
    index fills through its triggers, as it does on ingest)."""
    if path.exists():
        path.unlink()
    open_store(f"sqlite:///{path}").close()  # migrations
    rng = random.Random(seed)
    items = base_items()
    outlets = [f"Outlet {n:02d}" for n in range(60)]
    start = datetime(2025, 1, 1, tzinfo=UTC)
    step = timedelta(days=365) / count
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    open_stories: list[list] = []  # [id, title, first, last, size]
    story_rows: dict[int, list] = {}
    next_story = 1
    started = time.perf_counter()
    batch = []
    for index in range(count):
        title, sentences = items[rng.randrange(len(items))]
        offset = rng.randrange(max(1, len(sentences) - 3))
        words, text_parts = 0, []
        for sentence in sentences[offset:]:
            text_parts.append(sentence)
            words += sentence.count(" ") + 1
            if words >= 100:
                break
        text = " ".join(text_parts)
        published = start + step * index + timedelta(minutes=rng.uniform(-90, 90))
        if not open_stories or rng.random() < 0.3:
            story = [next_story, title, published, published, 0]
            next_story += 1
            open_stories.append(story)
            story_rows[story[0]] = story
            if len(open_stories) > 40:
                open_stories.pop(0)
        else:
            story = open_stories[min(len(open_stories) - 1, int(rng.expovariate(0.25)))]
        story[2], story[3], story[4] = min(story[2], published), max(story[3], published), story[4] + 1
        when = published.isoformat()
        key = f"https://bench.example/{index}"
        batch.append((key, key, title, text, outlets[rng.randrange(60)], when, "es" if rng.random() < 0.03 else "en",
                      "jsonl", "bench", hashlib.sha1(f"{index}{text}".encode()).hexdigest(), story[0], when))
        if len(batch) == 20000 or index == count - 1:
            conn.executemany("INSERT INTO stories (id, title, first_published, last_published, created_at)"
                             " VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
                             " first_published = excluded.first_published, last_published = excluded.last_published",
                             [(s[0], s[1], s[2].isoformat(), s[3].isoformat(), s[2].isoformat())
                              for s in {b[10]: story_rows[b[10]] for b in batch}.values()])
            conn.executemany("INSERT INTO articles (key, url, title, text, outlet, published, language, source_kind,"
                             " source, content_hash, story_id, ingested_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", batch)
            conn.commit()
            batch = []
            done = index + 1
            if done % 100000 == 0 or done == count:
                print(f"  generated {done:,} articles in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    conn.execute("ANALYZE")
    conn.commit()
    conn.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def server_ms(response: httpx.Response) -> float:
    match = re.search(r"dur=([\d.]+)", response.headers.get("server-timing", ""))
    return float(match.group(1)) if match else float("nan")


def latency(client: httpx.Client, urls: list[str]) -> dict:
    server, wall = [], []
    for url in urls:
        started = time.perf_counter()
        response = client.get(url)
        wall.append(1000 * (time.perf_counter() - started))
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code} {response.text[:200]}")
        server.append(server_ms(response))
    return {"requests": len(urls), "server_p50_ms": round(percentile(server, 0.5), 1),
            "server_p95_ms": round(percentile(server, 0.95), 1), "server_max_ms": round(max(server), 1),
            "client_p95_ms": round(percentile(wall, 0.95), 1)}


def topic_urls(client: httpx.Client, rng: random.Random, n: int) -> list[str]:
    """Topic pages as readers reach them: first pages, and deeper pages by their cursors."""
    urls = []
    while len(urls) < n:
        name = TOPICS[rng.randrange(len(TOPICS))][0]
        cursor = None
        for _depth in range(rng.randrange(1, 5)):
            urls.append(f"/topics/{name}" + (f"?cursor={cursor}" if cursor else ""))
            # the API gives the next page's cursor; the page URL above is what a reader requests
            cursor = client.get(f"/api/v1/topics/{name}", params={"cursor": cursor} if cursor else {}).json().get(
                "next_cursor")
            if not cursor:
                break
    return urls[:n]


def search_urls(rng: random.Random, n: int) -> list[str]:
    urls = []
    for _ in range(n):
        params = {"q": SEARCHES[rng.randrange(len(SEARCHES))], "sort": rng.choice(["relevance", "date"])}
        if rng.random() < 0.3:
            params["outlet"] = f"Outlet {rng.randrange(60):02d}"
        urls.append("/search?" + httpx.QueryParams(params).__str__())
    return urls


async def load(base: str, seconds: float, concurrency: int, urls: list[str]) -> dict:
    statuses: dict[str, int] = {}
    times: list[float] = []
    stop = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        async def worker(seed: int) -> None:
            rng = random.Random(seed)
            while time.perf_counter() < stop:
                url = urls[rng.randrange(len(urls))]
                started = time.perf_counter()
                try:
                    response = await client.get(url)
                    key = str(response.status_code)
                except httpx.HTTPError as exc:
                    key = type(exc).__name__
                times.append(1000 * (time.perf_counter() - started))
                statuses[key] = statuses.get(key, 0) + 1

        began = time.perf_counter()
        await asyncio.gather(*(worker(n) for n in range(concurrency)))
        elapsed = time.perf_counter() - began
    total = sum(statuses.values())
    return {"seconds": round(elapsed, 1), "concurrency": concurrency, "requests": total,
            "requests_per_s": round(total / elapsed, 1), "statuses": statuses,
            "errors": total - statuses.get("200", 0), "p50_ms": round(percentile(times, 0.5), 1),
            "p95_ms": round(percentile(times, 0.95), 1), "p99_ms": round(percentile(times, 0.99), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--requests", type=int, default=300, help="timed requests per kind")
    parser.add_argument("--load-seconds", type=float, default=60)
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    path = OUT / f"web-{args.articles}.db"
    if args.regenerate or not path.exists():
        started = time.perf_counter()
        generate(path, args.articles)
        print(f"generated {args.articles:,} articles in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    url = f"sqlite:///{path}"
    with open_store(url) as store:
        for name, query, filters in TOPICS:
            since = datetime.fromisoformat(filters["since"]).replace(tzinfo=UTC) if "since" in filters else None
            until = datetime.fromisoformat(filters["until"]).replace(tzinfo=UTC) if "until" in filters else None
            topic_store.add(store, name, query, filters.get("outlet"), filters.get("language"), since, until, replace=True)
        stats = {"articles": store.count_articles()}
        with store.connect() as conn:
            from sqlalchemy import text

            stats["stories"] = conn.execute(text("SELECT count(*) FROM stories")).scalar_one()
    port = free_port()
    env = {**os.environ, "NEWSRADAR_SEARCH_RATE": "0"}
    server = subprocess.Popen([sys.executable, "-m", "newsradar", "serve", "--db", url, "--port", str(port)],
                              env=env, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=60) as client:
            for _ in range(300):
                try:
                    client.get("/api/v1/stats")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            rng = random.Random(5)
            results: dict = {"store": stats, "db_size_mb": round(path.stat().st_size / 2**20)}
            warm = topic_urls(client, rng, 50) + search_urls(rng, 50)
            for warm_url in warm:  # first touches read the file into the page cache
                client.get(warm_url)
            results["topic_pages"] = latency(client, topic_urls(client, rng, args.requests))
            results["home_pages"] = latency(client, ["/"] * (args.requests // 3))
            results["search"] = latency(client, search_urls(rng, args.requests))
            story_ids = [rng.randrange(1, stats["stories"] + 1) for _ in range(args.requests // 3)]
            results["story_pages"] = latency(client, [f"/stories/{s}" for s in story_ids])
            mix = (topic_urls(client, rng, 200) + ["/", "/api/v1/stories", "/api/v1/articles"] * 20
                   + [f"/stories/{rng.randrange(1, stats['stories'] + 1)}" for _ in range(200)]
                   + [f"/articles/{rng.randrange(1, stats['articles'] + 1)}" for _ in range(200)]
                   + [f"/api/v1/search?q={q}" for q in SEARCHES])
        if args.load_seconds > 0:
            results["load"] = asyncio.run(load(base, args.load_seconds, args.concurrency, mix))
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
