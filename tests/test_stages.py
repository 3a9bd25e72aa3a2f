"""The recipe for a new analysis stage (docs/architecture.md, "Adding a stage"), proven with a small
stage registered here: a spaCy component with declared requires/assigns, an article-level extract,
a store writer, a document section and a version — and nothing else touched."""

from __future__ import annotations

import dataclasses
import json

import pytest
from spacy.language import Language
from spacy.tokens import Doc
from sqlalchemy import text
from typer.testing import CliRunner

from newsradar import analysis, export, nlp, pipeline, stages
from newsradar.cli import app
from newsradar.errors import NewsradarError
from newsradar.store import open_store

if not Doc.has_extension("test_exclamations"):
    Doc.set_extension("test_exclamations", default=None)


@Language.factory("test_exclamations", requires=["doc.ents"], assigns=["doc._.test_exclamations"])
def make_exclamations(nlp, name):
    def component(doc: Doc) -> Doc:
        doc._.test_exclamations = sum(1 for token in doc if token.text == "!")
        return doc

    return component


def extract(article, title_doc, text_doc):
    return {"title": title_doc._.test_exclamations, "text": text_doc._.test_exclamations}


def write(store, conn, results):
    conn.execute(text("CREATE TABLE IF NOT EXISTS test_exclamations (article_id INTEGER PRIMARY KEY, counts TEXT)"))
    for article_id, counts in results:
        conn.execute(text("DELETE FROM test_exclamations WHERE article_id = :a"), {"a": article_id})
        conn.execute(text("INSERT INTO test_exclamations (article_id, counts) VALUES (:a, :c)"),
                     {"a": article_id, "c": json.dumps(counts)})


def document(store, article_ids):
    with store.connect() as conn:
        rows = conn.execute(text("SELECT article_id, counts FROM test_exclamations ORDER BY article_id")).all()
    return [{"article_id": r.article_id, **json.loads(r.counts)} for r in rows if r.article_id in set(article_ids)]


EXCLAIM = stages.Stage(name="exclamations", version="test.exclamations.v1", extract=extract, write=write,
                       pipes=("test_exclamations",), section="exclamations", document=document,
                       help="exclamation marks (a test stage)")


@pytest.fixture()
def registered():
    stages.register(EXCLAIM)
    yield EXCLAIM
    stages.unregister(EXCLAIM.name)


def _jsonl(tmp_path, count=3):
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps({"id": str(n), "title": f"Alarm in harbor {n}!",
                                        "text": f"Dockworkers walked out at pier {n}! Talks resume on Monday. No!",
                                        "url": f"https://example.org/{n}", "published": "2026-11-20"}) + "\n"
                            for n in range(count)), encoding="utf-8")
    return path


def test_a_registered_stage_runs_on_the_one_parse_and_is_stored_versioned_and_documented(tmp_path, registered,
                                                                                          monkeypatch):
    texts = []
    original = nlp.parse
    monkeypatch.setattr(nlp, "parse", lambda given, **kw: original((texts.append(t) or t for t in given), **kw))
    with open_store(f"sqlite:///{tmp_path / 's.db'}") as store:
        report = pipeline.run([str(_jsonl(tmp_path))], store, workers=1)
        assert report.analysis.articles == 3 and len(texts) == 6  # one parse of each headline and text
        assert set(report.analysis.found) == {"terms", "entities", "quotes", "events", "framing", "exclamations"} and report.stories.articles == 3
        document = export.analysis_document(store, report.ingest.article_ids)
        assert [(e["title"], e["text"]) for e in document["exclamations"]] == [(1, 2)] * 3
        assert document["quotes"] == [] and document["events"] == [] and "entities" in document
        with store.connect() as conn:
            versions = dict(conn.execute(text("SELECT component, count(*) FROM analyses"
                                              " WHERE version = 'test.exclamations.v1' GROUP BY component")).all())
        assert versions == {"exclamations": 3}
        # a new version of the stage: ingest does not redo it all; reanalyze redoes that stage only
        stages.register(dataclasses.replace(EXCLAIM, version="test.exclamations.v2"))
        monkeypatch.setattr("newsradar.settings.get", _settings_with(reanalyze_batch=0))
        assert pipeline.run([], store).analysis.articles == 0
        texts.clear()
        redone = pipeline.reanalyze(store, [stages.get("exclamations")])
        assert redone.articles == 3 and set(redone.found) == {"exclamations"} and len(texts) == 6
        with store.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM analyses WHERE version = 'test.exclamations.v2'")).scalar() == 3
            assert conn.execute(text("SELECT count(*) FROM analyses WHERE component = 'entities'")).scalar() == 3
        assert pipeline.reanalyze(store, [stages.get("exclamations")]).articles == 0


def _settings_with(**values):
    from newsradar import settings

    real = settings.get

    def get(name):
        return values[name] if name in values else real(name)

    return get


def test_each_run_reanalyses_a_bounded_batch_newest_first(tmp_path, registered, monkeypatch):
    with open_store(f"sqlite:///{tmp_path / 's.db'}") as store:
        pipeline.run([str(_jsonl(tmp_path, 5))], store, workers=1)
        stages.register(dataclasses.replace(EXCLAIM, version="test.exclamations.v2"))
        monkeypatch.setattr("newsradar.settings.get", _settings_with(reanalyze_batch=2))
        assert pipeline.run([], store).reanalysis.articles == 2
        assert pipeline.run([], store).reanalysis.articles == 2
        assert pipeline.run([], store).reanalysis.articles == 1


def test_the_stages_command_lists_the_registered_stages(registered):
    result = CliRunner().invoke(app, ["stages", "--json"])
    assert result.exit_code == 0
    listed = [json.loads(line) for line in result.output.splitlines()]
    assert [s["name"] for s in listed] == ["terms", "entities", "quotes", "events", "framing", "exclamations"]
    assert listed[1]["pipes"] == ["newsradar_mentions"] and listed[-1]["version"] == "test.exclamations.v1"


def test_a_component_whose_requirement_nothing_assigns_fails_at_load():
    with pytest.raises(NewsradarError, match="mis-ordered"):
        nlp.load(("newsradar_mentions", "test_needs_missing"))


@Language.factory("test_needs_missing", requires=["doc._.never_assigned"], assigns=["doc._.test_needs_missing"])
def make_needs_missing(nlp, name):
    return lambda doc: doc


def test_analysis_pipeline_is_built_from_the_registered_stages(registered):
    assert analysis.pipeline().pipe_names[-4:] == ["newsradar_mentions", "newsradar_quotes", "newsradar_events",
                                                "test_exclamations"]


def test_a_stage_reads_the_results_it_needs_and_only_after_them():
    """``needs``: the stage's extract gets the earlier stages' results; registering it before them fails."""
    from newsradar.stages import Stage, register, unregister

    seen = []

    def extract(article, title_doc, text_doc, prior):
        seen.append(sorted(prior))
        return len(prior["entities"])

    stage = Stage(name="test_reader", version="test.reader.v1", extract=extract, write=lambda *_: None,
                  needs=("entities",))
    register(stage)
    try:
        from newsradar.stages import ArticleText

        results = analysis.analyze_records([ArticleText(1, "Rubio in Caracas", "Marco Rubio met Maduro.", None)])
        assert seen == [["entities"]] and results[0][1]["test_reader"] >= 2
    finally:
        unregister("test_reader")
    with pytest.raises(ValueError, match="must be registered before it"):
        register(Stage(name="test_early", version="v", extract=extract, write=lambda *_: None, needs=("nothing",)))
