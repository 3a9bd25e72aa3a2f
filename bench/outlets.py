"""Outlets as publishers, on real pages and real article addresses.

    .venv/bin/python bench/outlets.py [--json]

1. BASIL (``basil-dev``): 210 articles whose gold ``outlet`` is Fox News, The New York Times or
   HuffPost, with their real URLs (2010–2016, several hosts and sections each). Accuracy of the
   publisher derived from the URL alone, and how many distinct names each gold outlet gets (1 is
   right: a publisher is not split in sections).
2. The article-extraction benchmark (``article-extraction``): 181 real pages from 126 hosts,
   extracted by the same code path as a saved page, then named. Reported: which rule named them
   (our map, the page's og:site_name, the domain), and whether the pages of one host get one name.
   There is no gold name here; the figures describe coverage, not accuracy.
3. Speed: derivation per article, in microseconds; and migration 12's backfill (every stored
   article named again) on a store of ``--migrate N`` synthetic articles, SQLite and, with
   ``--postgres URL``, PostgreSQL."""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATASETS = ROOT.parent / "shared" / "datasets"

from newsradar import outlets  # noqa: E402
from newsradar.errors import InputError  # noqa: E402
from newsradar.model import Article  # noqa: E402
from newsradar.normalize import canonical_url  # noqa: E402
from newsradar.sources.webpage import extract_page  # noqa: E402

BASIL_NAMES = {"fox": "Fox News", "nyt": "The New York Times", "hpo": "HuffPost"}  # gold codes, any case


def _named(url: str, **fields) -> outlets.Publisher:
    article = Article(text="", url=url, **fields)
    article.canonical_url = canonical_url(url)
    return outlets.derive(article)


def basil() -> dict:
    rows = [json.loads(line) for line in (DATASETS / "basil-dev" / "basil-dev.jsonl").open(encoding="utf-8")]
    right = 0
    names: dict[str, set[str]] = defaultdict(set)
    wrong: list[tuple[str, str | None]] = []
    for row in rows:
        got = _named(row["url"]).name
        names[row["outlet"].lower()].add(got or "")
        if got == BASIL_NAMES[row["outlet"].lower()]:
            right += 1
        else:
            wrong.append((row["url"], got))
    return {"articles": len(rows), "accuracy": round(right / len(rows), 3),
            "names_per_outlet": {k: sorted(v) for k, v in sorted(names.items())}, "wrong": wrong[:10]}


def pages() -> dict:
    folder = DATASETS / "article-extraction"
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    origins: Counter = Counter()
    by_host: dict[str, set[str]] = defaultdict(set)
    failed = 0
    for page_id, gold in truth.items():
        path = folder / "html" / f"{page_id}.html.gz"
        if not path.exists():
            continue
        try:
            page = extract_page(gzip.decompress(path.read_bytes()), str(path), url=gold["url"], kind="html")
        except InputError:
            failed += 1
            continue
        page.canonical_url = canonical_url(page.url)
        publisher = outlets.derive(page)
        origins[publisher.origin] += 1
        by_host[outlets.host_of(gold["url"]) or ""].add(publisher.name or "")
    named = sum(origins.values())
    shared = {h: n for h, n in by_host.items() if len(n) > 1}
    return {"pages": named, "not_extracted": failed,
            "named_by": {k: round(v / named, 3) for k, v in origins.most_common()},
            "hosts": len(by_host), "hosts_with_more_than_one_name": len(shared),
            "examples": {h: sorted(n) for h, n in list(shared.items())[:5]}}


def speed(repeat: int = 20_000) -> float:
    urls = ["https://www.wsj.com/world/americas/x-1", "https://www.dailyplanet.example/a/b",
            "https://web.archive.org/web/2025/https://www.dw.com/en/x", "https://news.sky.com/story/y"]
    articles = []
    for i in range(repeat):
        article = Article(text="", url=urls[i % len(urls)], section="Section name")
        article.canonical_url = canonical_url(article.url)
        articles.append(article)
    start = time.perf_counter()
    for article in articles:
        outlets.derive(article)
    return (time.perf_counter() - start) / repeat * 1e6


def migration(url: str, count: int) -> float:
    """Articles per second of migration 12's backfill on a store of ``count`` articles."""
    from sqlalchemy import text

    from newsradar.store import open_store
    from newsradar.store import store as store_module
    from newsradar.store.migrations import MIGRATIONS

    hosts = ["www.wsj.com", "www.dailyplanet.example", "news.sky.com", "www.riverside.example", "www.bbc.co.uk"]
    everything = store_module.MIGRATIONS
    store_module.MIGRATIONS = MIGRATIONS[:11]
    try:
        with open_store(url) as old, old.connect(write=True) as conn:
            if old.dialect == "postgresql":
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        with open_store(url) as old, old.connect(write=True) as conn:
            rows = [{"key": f"url:https://{hosts[i % 5]}/a/{i}", "url": f"https://{hosts[i % 5]}/a/{i}",
                     "outlet": ["WSJ.com: World News", "Metro", "Sky News", "www.riverside.example", "BBC"][i % 5],
                     "kind": ["feed", "feed", "html", "html", "jsonl"][i % 5], "hash": str(i)} for i in range(count)]
            conn.execute(text("INSERT INTO articles (key, url, canonical_url, title, text, outlet, source_kind, source,"
                              " content_hash, ingested_at) VALUES (:key, :url, :url, 't', 'x', :outlet, :kind, 's',"
                              " :hash, '2026-11-20')"), rows)
    finally:
        store_module.MIGRATIONS = everything
    start = time.perf_counter()
    with open_store(url):
        pass
    return count / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--migrate", type=int, default=0, metavar="N", help="time the backfill on N articles")
    parser.add_argument("--postgres", metavar="URL", help="also on this PostgreSQL database (emptied first)")
    args = parser.parse_args()
    figures: dict = {"basil": basil(), "pages": pages(), "microseconds_per_article": round(speed(), 1)}
    if args.migrate:
        import tempfile

        with tempfile.TemporaryDirectory() as folder:
            figures["backfill_sqlite_per_s"] = round(migration(f"sqlite:///{folder}/old.db", args.migrate))
        if args.postgres:
            figures["backfill_postgres_per_s"] = round(migration(args.postgres, args.migrate))
    if args.json:
        print(json.dumps(figures, indent=2, ensure_ascii=False))
        return
    b, p = figures["basil"], figures["pages"]
    print(f"BASIL: {b['articles']} articles, publisher from the URL right for {b['accuracy']:.1%}; "
          f"names per gold outlet: {b['names_per_outlet']}")
    print(f"pages: {p['pages']} named ({p['not_extracted']} not extracted); named by {p['named_by']}; "
          f"{p['hosts_with_more_than_one_name']} of {p['hosts']} hosts got more than one name")
    print(f"derivation: {figures['microseconds_per_article']} µs per article")
    for store in ("sqlite", "postgres"):
        if f"backfill_{store}_per_s" in figures:
            print(f"migration 12 backfill ({store}): {figures[f'backfill_{store}_per_s']:,} articles/s")


if __name__ == "__main__":
    main()
