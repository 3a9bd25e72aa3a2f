"""Polling throughput: 1,000 feeds of 20 entries each served by a local HTTP server (in its own
process), polled into a fresh SQLite store.

    .venv/bin/python bench/poll.py [--feeds 1000] [--entries 20] [--rounds 10]

Round 1 fetches and stores everything; round 2 is conditional (ETag), so every feed answers 304;
further rounds repeat round 2 to show whether memory stays flat over many polling cycles (the
same Poller instance, as `newsradar watch` keeps one)."""

from __future__ import annotations

import argparse
import asyncio
import http.server
import json
import multiprocessing
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.ingest import WORDS  # noqa: E402  (the same news vocabulary)


def feed_xml(number: int, entries: int) -> bytes:
    rng = random.Random(number)
    items = []
    for index in range(entries):
        text = " ".join(rng.choice(WORDS) for _ in range(200))
        items.append(f"<item><title>Feed {number} story {index}</title>"
                     f"<link>https://outlet{number % 50}.example/{number}/{index}</link>"
                     f"<guid>f{number}-{index}</guid><pubDate>Mon, 16 Nov 2026 09:{index:02d}:00 GMT</pubDate>"
                     f"<description>{text[:200]}</description>"
                     f"<content:encoded><![CDATA[<p>{text}</p>]]></content:encoded></item>")
    return (f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0' xmlns:content="
            f"'http://purl.org/rss/1.0/modules/content/'><channel><title>Outlet {number}</title>"
            + "".join(items) + "</channel></rss>").encode()


def serve(port_queue, feeds: int, entries: int) -> None:
    bodies = {f"/feeds/{n}.xml": feed_xml(n, entries) for n in range(feeds)}

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # noqa: N802
            body = bodies.get(self.path)
            if body is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            etag = f'"{hash(self.path) & 0xffffffff:x}"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port_queue.put(server.server_address[1])
    server.serve_forever()


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description="Polling throughput and memory over cycles.")
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--entries", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    os.environ["NEWSRADAR_FETCH_ALLOW"] = "127.0.0.1"
    os.environ.setdefault("NEWSRADAR_PER_HOST_CONCURRENCY", "32")  # every feed is on one host here

    from newsradar.poll import Poller
    from newsradar.store import feeds as feed_store
    from newsradar.store import open_store

    queue: multiprocessing.Queue = multiprocessing.Queue()
    server = multiprocessing.Process(target=serve, args=(queue, args.feeds, args.entries), daemon=True)
    server.start()
    port = queue.get(timeout=60)
    with tempfile.TemporaryDirectory() as tmp, open_store(f"sqlite:///{tmp}/poll.db") as store:
        for n in range(args.feeds):
            feed_store.add(store, f"http://127.0.0.1:{port}/feeds/{n}.xml", interval_seconds=60)
        feeds = feed_store.all_feeds(store)
        poller = Poller(store)

        async def rounds() -> None:
            memory = []
            for number in range(1, args.rounds + 1):
                current = feed_store.all_feeds(store)
                started = time.perf_counter()
                results = await poller.poll(current)
                elapsed = time.perf_counter() - started
                new = sum(r.new_articles for r in results)
                not_modified = sum(r.outcome == "not modified" for r in results)
                errors = sum(r.outcome == "error" for r in results)
                memory.append(round(rss_mib(), 1))
                if number <= 2:
                    print(json.dumps({"round": number, "feeds": len(results), "seconds": round(elapsed, 2),
                                      "requests_per_second": round(len(results) / elapsed, 1),
                                      "new_articles": new, "articles_per_second": round(new / elapsed, 1),
                                      "not_modified": not_modified, "errors": errors, "rss_mib": memory[-1]}),
                          flush=True)
            print(json.dumps({"rounds": args.rounds, "rss_mib_after_each_round": memory}), flush=True)

        assert len(feeds) == args.feeds
        asyncio.run(rounds())
    server.terminate()


if __name__ == "__main__":
    main()
