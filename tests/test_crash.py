"""Writes are transactional per batch: an ingest killed with SIGKILL midway and run again leaves
every article stored exactly once."""

import json
import os
import random
import signal
import subprocess
import sys
import time

from newsradar.store import open_store
from newsradar.store import stories as story_store

VOCABULARY = ["minister", "government", "talks", "sanctions", "oil", "navy", "coast", "militia", "election", "council", "treasury", "tanker", "strait", "uranium", "inspectors", "protest", "currency", "border", "gang", "raid", "court", "senator", "envoy", "harbor", "crude", "refinery", "ceasefire", "deployment", "militia", "statement", "spokesman", "capital", "province", "rally", "opposition"]


def write_corpus(path, count, seed=7):
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        for index in range(count):
            text = " ".join(rng.choice(VOCABULARY) for _ in range(60)) + f" Item {index}."
            out.write(json.dumps({"id": f"n{index}", "title": f"Report {index}", "text": text}) + "\n")


def test_sigkill_midway_then_rerun_stores_each_article_once(tmp_path, db_url):
    corpus = tmp_path / "corpus.jsonl"
    count = 4000
    write_corpus(corpus, count)
    command = [sys.executable, "-m", "newsradar", "ingest", str(corpus), "--db", db_url, "--batch-size", "25",
               "--no-stories"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open_store(db_url) as store:
        deadline = time.monotonic() + 120
        while store.count_articles() < 200 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        assert process.poll() is None, "the ingest finished before it could be killed; make the corpus larger"
        process.send_signal(signal.SIGKILL)
        process.wait()
        stored_at_kill = store.count_articles()
        assert 0 < stored_at_kill < count
        assert stored_at_kill % 25 == 0  # only whole batches were committed
    rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    with open_store(db_url) as store:
        rows = list(store.iter_articles())
    assert len(rows) == count
    assert sorted(r["external_id"] for r in rows) == sorted(f"n{i}" for i in range(count))
    assert len({r["key"] for r in rows}) == count


def test_sigkill_while_clustering_then_rerun_puts_each_article_in_one_story(tmp_path, db_url):
    """Stories are committed a chunk at a time with their features and term counts: a killed
    `stories update` resumes where it stopped, and no article is counted or clustered twice."""
    corpus = tmp_path / "corpus.jsonl"
    count = 700
    write_corpus(corpus, count)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    base = [sys.executable, "-m", "newsradar"]
    loaded = subprocess.run([*base, "ingest", str(corpus), "--db", db_url, "--no-stories"], env=env,
                            capture_output=True, text=True, timeout=300)
    assert loaded.returncode == 0, loaded.stderr
    process = subprocess.Popen([*base, "stories", "update", "--db", db_url], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open_store(db_url) as store:
        deadline = time.monotonic() + 240
        while store.stats()["unclustered"] == count and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        assert process.poll() is None, "clustering finished before it could be killed; make the corpus larger"
        process.send_signal(signal.SIGKILL)
        process.wait()
        left = store.stats()["unclustered"]
        assert 0 < left < count
    rerun = subprocess.run([*base, "stories", "update", "--db", db_url], env=env, capture_output=True, text=True,
                           timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{left:,} articles clustered" in rerun.stderr
    with open_store(db_url) as store:
        assert store.stats()["unclustered"] == 0
        members = [i for s in story_store.stories(store) for i in s["article_ids"]]
        assert sorted(members) == sorted(a["id"] for a in store.iter_articles())  # each exactly once
        with store.connect() as conn:
            documents = conn.exec_driver_sql(
                "SELECT count(*) FROM story_features WHERE vector IS NOT NULL").scalar_one()
            frequency = conn.exec_driver_sql("SELECT df FROM story_terms WHERE term = 'report'").scalar_one()
        assert documents == count and frequency == count  # every title says "Report N"
