"""The pipeline gives the same store whatever the batch size and the number of worker processes."""

import json

from newsradar.pipeline import ingest
from newsradar.prepare import Preparer, prepare
from newsradar.sources import read_input
from newsradar.store import open_store

from .conftest import EXAMPLES
from .test_crash import write_corpus


def _snapshot(db_url):
    with open_store(db_url) as store:
        return [(a["key"], a["duplicate_of"], a["story_id"], a["title"], a["text"]) for a in store.iter_articles()]


def test_same_result_for_any_batch_size_and_worker_count(tmp_path):
    corpus = tmp_path / "c.jsonl"
    write_corpus(corpus, 300)
    with corpus.open("a", encoding="utf-8") as out:  # syndicated copies of the first lines, later on
        for line in corpus.read_text(encoding="utf-8").splitlines()[:20]:
            record = json.loads(line)
            out.write(json.dumps({"text": "WIRE - " + record["text"], "title": record["title"]}) + "\n")
    snapshots = []
    for batch_size, workers in ((500, 1), (7, 1), (64, 2)):
        url = f"sqlite:///{tmp_path / f'{batch_size}-{workers}.db'}"
        with open_store(url) as store:
            report = ingest([str(corpus), str(EXAMPLES)], store, batch_size=batch_size, workers=workers)
        assert report.processed == 320 + 65 and report.errors == []
        snapshots.append(_snapshot(url))
    assert snapshots[0] == snapshots[1] == snapshots[2]
    assert sum(1 for row in snapshots[0] if row[1] is not None) == 20 + 3


def test_worker_processes_prepare_exactly_what_inline_does():
    items = [item for source in read_input(str(EXAMPLES), lambda message: None) for item in source.articles]
    inline = [prepare(item) for item in items]
    items = [item for source in read_input(str(EXAMPLES), lambda message: None) for item in source.articles]
    with Preparer(workers=2, min_parallel=1) as preparer:
        pooled = preparer.submit(items).result()
    assert [(a.key, a.text, a.fingerprint) for a in pooled] == [(a.key, a.text, a.fingerprint) for a in inline]
