"""The house rules of issue 12: one entry point, missing things are one NotFound (404 in the API,
one line in the CLI), failed inputs stored as data, every database failure one StoreError, and one
writer of the analysis document — on SQLite and the real PostgreSQL."""

from __future__ import annotations

import io
import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from typer.testing import CliRunner

from newsradar import export, pipeline
from newsradar.cli import app
from newsradar.errors import NotFound, StoreError
from newsradar.store import articles as article_store
from newsradar.store import feeds as feed_store
from newsradar.store import open_store
from newsradar.store import stories as story_store
from newsradar.web.app import create_app
from newsradar.web.security import Auth

from .conftest import EXAMPLES

runner = CliRunner()


def test_a_missing_thing_is_a_404_in_the_api_and_one_line_in_the_cli(db_url):
    with open_store(db_url) as store:
        client = TestClient(create_app(store=store, auth=Auth("s3cret")))
        for method, path in (("delete", "/api/v1/feeds/999"), ("get", "/api/v1/stories/999"),
                             ("get", "/api/v1/articles/999"), ("get", "/api/v1/topics/nope")):
            headers = {"Authorization": "Bearer s3cret"}
            response = getattr(client, method)(path, headers=headers)
            assert response.status_code == 404, (path, response.text)
            body = response.json()["error"]
            assert body["code"] == "not_found" and "newsradar" not in body["message"], body
        assert client.get("/stories/999").status_code == 404
    for args, message in ((["feeds", "remove", "999"], "error: no feed '999'"),
                          (["stories", "show", "999"], "error: no story with id 999"),
                          (["articles", "show", "999"], "error: no article with id 999"),
                          (["topics", "remove", "nope"], "error: no topic 'nope'")):
        result = runner.invoke(app, [*args, "--db", db_url])
        assert result.exit_code == 1 and result.output.strip().splitlines() == [message], result.output


def test_a_failed_input_is_stored_once_and_shown_everywhere(db_url, tmp_path):
    bad = tmp_path / "broken.jsonl"
    bad.write_text("this is not json\n", encoding="utf-8")
    missing = tmp_path / "gone.html"
    with open_store(db_url) as store:
        for _ in range(2):
            report = pipeline.run([str(EXAMPLES / "pages"), str(missing), str(bad)], store, workers=1)
            assert report.ingest is not None and len(report.ingest.errors) >= 1
        stored = {f["input"]: f for f in _failures(store)}
        assert str(missing) in stored and stored[str(missing)]["attempts"] == 2
        assert "no such file" in stored[str(missing)]["reason"].lower() or "not found" in stored[str(missing)]["reason"].lower()
        assert store.stats()["failed_inputs"] == len(stored)
        client = TestClient(create_app(store=store, auth=Auth("")))
        listed = client.get("/api/v1/failures").json()["items"]
        assert str(missing) in {f["input"] for f in listed}
        assert str(missing) in client.get("/feeds").text
    stats = runner.invoke(app, ["stats", "--json", "--db", db_url])
    assert stats.exit_code == 0 and json.loads(stats.output)["failed_inputs"] == len(stored)


def _failures(store):
    from newsradar.store import failures

    return failures.recent(store)


def test_a_database_failure_anywhere_is_one_store_error(tmp_path):
    with open_store(f"sqlite:///{tmp_path / 's.db'}") as store:
        with store.connect(write=True) as conn:
            conn.execute(text("DROP TABLE feeds"))
        with pytest.raises(StoreError, match="no such table: feeds"):
            feed_store.all_feeds(store)
        response = TestClient(create_app(store=store, auth=Auth(""))).get("/api/v1/feeds")
        assert response.status_code == 503 and response.headers["retry-after"] == "5"
        assert response.json()["error"]["message"] == "the store is unavailable; try again shortly"  # no path
    result = runner.invoke(app, ["feeds", "list", "--db", f"sqlite:///{tmp_path / 's.db'}"])
    assert result.exit_code == 1 and result.output.startswith("error: the store sqlite:///") and "feeds" in result.output


def test_one_detail_read_and_one_document_writer(db_url):
    with open_store(db_url) as store:
        report = pipeline.run([str(EXAMPLES)], store, workers=1)
        assert report.ingest is not None and report.stories.articles > 20
        story = max(story_store.stories(store), key=lambda s: len(s["article_ids"]))
        found = story_store.detail(store, story["id"])
        assert [a["id"] for a in found["articles"]] == story["article_ids"] and found["requested_id"] == story["id"]
        with pytest.raises(NotFound):
            story_store.detail(store, 10**6)
        details = [article_store.detail(store, a) for a in story["article_ids"]]
        assert all(d["story"]["id"] == story["id"] for d in details) and any(d["entities"] for d in details)
        copies = [d for d in details if d["original"] is not None]
        assert all(d["article"]["id"] in [c["id"] for c in d["original"] and article_store.detail(
            store, d["original"]["id"])["duplicates"]] for d in copies)
        # `export --format json` writes the same analysis document as `analyze --json`
        ids = [a["id"] for a in store.iter_articles()]
        document = export.analysis_document(store, ids)
        buffer = io.StringIO()
        export.export_json(store, buffer)
        exported = json.loads(buffer.getvalue())
        assert exported["entities"] == document["entities"] and len(exported["entities"]) > 10
        assert exported["articles"] == document["articles"]
        assert {s["id"] for s in exported["stories"]} == {s["id"] for s in document["stories"]}
        assert exported["quotes"] == document["quotes"] and exported["quotes"]
        assert exported["events"] == document["events"] and exported["events"]


def test_parquet_tone_is_the_contract_object(tmp_path):
    import pyarrow.parquet as pq

    with open_store(f"sqlite:///{tmp_path / 's.db'}") as store:
        pipeline.run([str(EXAMPLES / "jsonl")], store, workers=1, analyse=False)
        path = tmp_path / "out.parquet"
        with path.open("wb") as handle:
            export.export_parquet(store, handle)
    tone = pq.read_table(path).schema.field("tone").type
    assert [tone.field(i).name for i in range(tone.num_fields)] == [
        "tone", "positive", "negative", "polarity", "activity_density", "self_group_density", "word_count"]
