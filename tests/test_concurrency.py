"""Concurrent runs on one store (issue 19, item 8): two `ingest` processes at once give every
article exactly one story, no story left empty without a merge record, and the stories of the
same files ingested one after the other — on SQLite and the real PostgreSQL.

The clusterer is online, so a serialized run that clusters part of the second file with the first
can move an article or two against every sequential order; on these 45 articles one moved article
is BCubed 0.968, so the floor here is 0.95. The goal (≥ 0.98) is measured on BASIL's 210 articles
by bench/concurrency.py (docs/benchmarks.md)."""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy import text

from bench.stories import bcubed
from newsradar.store import open_store

from .conftest import EXAMPLES

FIRST = [str(EXAMPLES / "feeds"), str(EXAMPLES / "jsonl")]
SECOND = [str(EXAMPLES / "pages"), str(EXAMPLES / "pasted"), str(EXAMPLES / "warc")]


def _ingest(inputs: list[str], db: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "newsradar", "ingest", *inputs, "--workers", "1", "--db", db],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _stories_by_key(db: str) -> tuple[dict[str, int], int]:
    with open_store(db) as store, store.connect() as conn:
        empty = conn.execute(text("SELECT count(*) FROM stories s WHERE s.merged_into IS NULL AND NOT EXISTS"
                                  " (SELECT 1 FROM articles a WHERE a.story_id = s.id)")).scalar_one()
        rows = conn.execute(text("SELECT key, story_id FROM articles")).all()
    return {r.key: r.story_id for r in rows}, empty


def _wait(process: subprocess.Popen) -> None:
    out, err = process.communicate(timeout=600)
    assert process.returncode == 0, err


def test_concurrent_ingests_give_the_stories_of_a_sequential_run(db_url, tmp_path):
    """Story assignment is serialized (the store's lock), so the concurrent run is one of the
    sequential ones: both files in one run, or one after the other in either order (these differ
    on this sample — BCubed 0.968 between the two orders, 0.888 between an order and one run —
    the clusterer being online and taking what waits in publication order)."""
    orders = []
    for name, sequence in (("ab", (FIRST, SECOND)), ("ba", (SECOND, FIRST)), ("one", (FIRST + SECOND,))):
        sequential = f"sqlite:///{tmp_path / name}.db"
        for inputs in sequence:
            _wait(_ingest(inputs, sequential))
        orders.append(_stories_by_key(sequential)[0])
    first, second = _ingest(FIRST, db_url), _ingest(SECOND, db_url)
    _wait(first)
    _wait(second)
    together, empty = _stories_by_key(db_url)
    assert empty == 0
    assert all(sorted(together) == sorted(alone) for alone in orders) and None not in together.values()
    keys = sorted(together)
    agreement = max(bcubed([together[k] for k in keys], [alone[k] for k in keys])[2] for alone in orders)
    assert agreement >= 0.95
