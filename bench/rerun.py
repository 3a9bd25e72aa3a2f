"""A re-run that adds nothing (issue 19, "Also"): the same generated JSONL ingested twice through
the real CLI (`newsradar ingest --no-stories`, start-up included) into a fresh store; the second
run finds every article stored and should cost a fraction of the first.

    .venv/bin/python bench/rerun.py [--articles 20000] [--db postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from ingest import write_jsonl  # noqa: E402

NEWSRADAR = str(Path(sys.executable).parent / "newsradar")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--db", help="a PostgreSQL URL whose database is emptied of newsradar's tables first; "
                                     "default a fresh SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "in.jsonl"
        write_jsonl(path, args.articles)
        db = args.db or f"sqlite:///{tmp}/s.db"
        if args.db:
            import psycopg

            schema = "nr_bench_rerun"
            with psycopg.connect(args.db, autocommit=True) as conn:
                conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
                conn.execute(f"CREATE SCHEMA {schema}")
            db = f"{args.db}{'&' if '?' in args.db else '?'}options=-csearch_path%3D{schema}"
        timings = {}
        for label in ("first", "rerun"):
            started = time.perf_counter()
            result = subprocess.run([NEWSRADAR, "ingest", str(path), "--no-stories", "--db", db],
                                    capture_output=True, text=True, check=True)
            timings[label] = round(time.perf_counter() - started, 1)
            timings[f"{label}_summary"] = result.stderr.strip().splitlines()[-1]
        timings["rerun_share"] = round(timings["rerun"] / timings["first"], 3)
        print(json.dumps({"articles": args.articles, "store": "postgresql" if args.db else "sqlite", **timings},
                         indent=2))


if __name__ == "__main__":
    main()
