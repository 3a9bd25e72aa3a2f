"""Scale checks, behind the `slow` marker (make test-slow): correctness at a size where batching,
worker processes and the indexes all matter. Speed is measured in bench/, not asserted here."""

import subprocess
import sys

import pytest

from newsradar.store import open_store

from .test_crash import write_corpus


@pytest.mark.slow
def test_twenty_thousand_articles_then_a_rerun(tmp_path):
    corpus = tmp_path / "big.jsonl"
    write_corpus(corpus, 20_000)
    db = f"sqlite:///{tmp_path / 'big.db'}"
    command = [sys.executable, "-m", "newsradar", "ingest", str(corpus), "--db", db, "--workers", "2", "--no-stories"]
    first = subprocess.run(command, capture_output=True, text=True, timeout=900)
    assert first.returncode == 0, first.stderr
    assert "20,000 new" in first.stderr
    second = subprocess.run(command, capture_output=True, text=True, timeout=900)
    assert second.returncode == 0 and "0 new" in second.stderr and "20,000 already stored" in second.stderr
    with open_store(db) as store:
        stats = store.stats()
    assert stats["articles"] == 20_000 and stats["sightings"] == 20_000 and stats["duplicates"] == 0
