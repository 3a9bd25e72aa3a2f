"""Two `newsradar ingest` processes at once on one store (issue 19, item 8), against the same files
ingested one after the other: every article in one story, no story left empty, and the BCubed
agreement of the two partitions (the closest of the sequential orders: A then B, B then A, both in
one run). The files are the two halves of a dataset (alternate lines).

    .venv/bin/python bench/concurrency.py [--dataset basil-dev] [--db postgresql://…]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.stories import DATASETS, bcubed  # noqa: E402
from newsradar.store import open_store  # noqa: E402


def _ingest(inputs: list[str], db: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "newsradar", "ingest", *inputs, "--db", db],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _wait(*processes: subprocess.Popen) -> None:
    for process in processes:
        _, err = process.communicate()
        if process.returncode != 0:
            raise SystemExit(err)


def _partition(db: str) -> tuple[dict[str, int], int]:
    from sqlalchemy import text

    with open_store(db) as store, store.connect() as conn:
        empty = conn.execute(text("SELECT count(*) FROM stories s WHERE s.merged_into IS NULL AND NOT EXISTS"
                                  " (SELECT 1 FROM articles a WHERE a.story_id = s.id)")).scalar_one()
        return {r.key: r.story_id for r in conn.execute(text("SELECT key, story_id FROM articles"))}, empty


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", default="basil-dev")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    rows = [json.loads(line) for line in (DATASETS / args.dataset / f"{args.dataset}.jsonl").open(encoding="utf-8")]
    with tempfile.TemporaryDirectory() as tmp:
        halves = []
        for part in (0, 1):
            path = Path(tmp) / f"half{part}.jsonl"
            with path.open("w", encoding="utf-8") as handle:
                for index, row in enumerate(rows):
                    if index % 2 == part:
                        handle.write(json.dumps({"id": str(index), "title": row.get("title"), "text": row["text"],
                                                 "published": row.get("published"), "outlet": row.get("outlet")}) + "\n")
            halves.append(str(path))
        orders = []
        for name, sequence in (("ab", ([halves[0]], [halves[1]])), ("ba", ([halves[1]], [halves[0]])),
                               ("one", (halves,))):
            db = f"sqlite:///{tmp}/{name}.db"
            for inputs in sequence:
                _wait(_ingest(inputs, db))
            orders.append(_partition(db)[0])
        results = []
        for round_number in range(args.rounds):
            db = f"sqlite:///{tmp}/together{round_number}.db"
            _wait(_ingest([halves[0]], db), _ingest([halves[1]], db))
            together, empty = _partition(db)
            keys = sorted(together)
            agreement = max(bcubed([together[k] for k in keys], [alone[k] for k in keys])[2] for alone in orders)
            results.append({"articles": len(keys), "unassigned": sum(v is None for v in together.values()),
                            "empty_stories": empty, "bcubed_agreement": round(agreement, 4)})
            print(json.dumps(results[-1]), flush=True)
        between = bcubed([orders[0][k] for k in sorted(orders[0])], [orders[2][k] for k in sorted(orders[0])])[2]
        print(json.dumps({"sequential_orders_agreement_ab_vs_one_run": round(between, 4)}))


if __name__ == "__main__":
    main()
