"""Stories: the online clusterer, its upkeep (merges, splits, rebuild), titles and attributed
summaries, and the commands that show them — on SQLite and on the real PostgreSQL."""

import json
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from bench.stories import bcubed
from examples.corpus import ARTICLES
from examples.topic_dense import DENSE
from newsradar import nlp, pipeline, stories
from newsradar.cli import app
from newsradar.clustering import Clusterer, StoryConfig, average_linkage
from newsradar.normalize import fold
from newsradar.pipeline import ingest
from newsradar.store import open_store
from newsradar.store import stories as story_store
from newsradar.summaries import lead_sentence, summarize

from .conftest import EXAMPLES

runner = CliRunner()
EXAMPLES_FLOOR = 0.87  # BCubed F1 of the sample corpus against its 27 written stories (measured 0.91)


def gold_story(title: str) -> str:
    """The written story of a stored sample article, by its headline (the pasted page may cut one short)."""
    wanted = fold(title).rstrip("…. ")
    for story, _outlet, _published, _author, headline, _paragraphs in [*ARTICLES, *DENSE]:
        if fold(headline).startswith(wanted):
            return story
    raise AssertionError(f"no sample article is headlined {title!r}")


def partition(store) -> list[frozenset[int]]:
    groups: dict[int, set[int]] = defaultdict(set)
    for article in store.iter_articles():
        groups[article["story_id"]].add(article["id"])
    return sorted(frozenset(g) for g in groups.values())


def test_sample_corpus_clusters_into_its_written_stories(db_url):
    with open_store(db_url) as store:
        ingest([str(EXAMPLES)], store, workers=1)
        report = pipeline.run([], store).stories
        assert report.articles == 62 and store.stats()["unclustered"] == 0  # 65 articles, 3 syndicated copies
        articles = list(store.iter_articles())
        _, _, f1 = bcubed([a["story_id"] for a in articles], [gold_story(a["title"]) for a in articles])
        assert f1 >= EXAMPLES_FLOOR
        by_id = {a["id"]: a for a in articles}
        for story in story_store.stories(store):
            members = [by_id[i] for i in story["article_ids"]]
            assert story["title"] in {a["title"] for a in members}  # its most central headline
            assert story["outlets"] == sorted({a["outlet"] for a in members if a["outlet"]})
            dates = [a["published"] for a in members if a["published"]]
            span = (min(dates), max(dates)) if dates else (None, None)  # the pasted page is undated
            assert (story["first_published"], story["last_published"]) == span
            assert story["summary"]
            for sentence in story["summary"]:  # every sentence names its article and outlet
                source = by_id[sentence["article_id"]]
                assert sentence["article_id"] in story["article_ids"] and source["duplicate_of"] is None
                assert sentence["outlet"] == source["outlet"] and sentence["title"] == source["title"]
                assert sentence["text"].rstrip("…") in " ".join(source["text"].split())


def test_result_does_not_depend_on_batch_size_chunking_or_restarts(tmp_path, monkeypatch):
    partitions = []
    for run, (batch_size, chunk) in enumerate([(500, 256), (3, 5)]):
        monkeypatch.setattr(stories, "_CHUNK", chunk)
        with open_store(f"sqlite:///{tmp_path}/run{run}.db") as store:
            ingest([str(EXAMPLES)], store, batch_size=batch_size, workers=1)
            pipeline.run([], store)
            partitions.append(partition(store))
    assert partitions[0] == partitions[1]
    # a restart between two updates (the clusterer reloads its window from the store) changes
    # nothing when the second update's articles come later, as a stream's do
    monkeypatch.setattr(stories, "_CHUNK", 256)
    lines = sorted((EXAMPLES / "jsonl" / "harbor-wire.jsonl").read_text().splitlines(),
                   key=lambda line: json.loads(line)["published"])
    halves = [tmp_path / "first.jsonl", tmp_path / "second.jsonl"]
    halves[0].write_text("\n".join(lines[: len(lines) // 2]) + "\n")
    halves[1].write_text("\n".join(lines[len(lines) // 2:]) + "\n")
    with open_store(f"sqlite:///{tmp_path}/whole.db") as store:
        ingest([str(p) for p in halves], store, workers=1)
        pipeline.run([], store)
        whole = partition(store)
    with open_store(f"sqlite:///{tmp_path}/halves.db") as store:
        for half in halves:
            ingest([str(half)], store, workers=1)
            pipeline.run([], store)
        assert partition(store) == whole


def test_rebuild_reclusters_without_parsing_again(db_url, monkeypatch):
    with open_store(db_url) as store:
        ingest([str(EXAMPLES)], store, workers=1)
        pipeline.run([], store)
        before = partition(store)
        monkeypatch.setattr(nlp, "parse", lambda *a, **k: pytest.fail("rebuild parsed an article again"))
        report = pipeline.run([], store, rebuild=True).stories
        assert report.articles == 62
        assert partition(store) == before
        # with other settings, rebuild regroups the same articles
        strict = pipeline.run([], store, rebuild=True, config=StoryConfig(threshold=0.9, split_threshold=0.0)).stories
        assert strict.joined == 0 and store.stats()["stories"] == 62


def test_merges_and_splits_keep_their_history(db_url):
    """A bridging article merges two stories; a story whose members fall apart into two events is
    split. Both are recorded, and a merged story's id leads to the story it joined."""
    config = StoryConfig(threshold=0.3, merge_threshold=0.3, split_threshold=0.2, split_min=4)
    with open_store(db_url) as store:
        write = lambda rows: store.write_batch([_article(*row) for row in rows])  # noqa: E731
        write([("a1", "Harbor cranes collapse in storm at the container port", 0),
               ("b1", "Wildfire smoke closes mountain schools across the valley", 1)])
        pipeline.run([], store, config=config)
        first_two = {a["id"]: a["story_id"] for a in store.iter_articles()}
        assert len(set(first_two.values())) == 2
        # one article on both events bridges them
        write([("ab", "Harbor cranes collapse in storm at the container port as wildfire smoke closes "
                "mountain schools across the valley", 2)])
        report = pipeline.run([], store, config=config).stories
        assert report.merges == 1
        survivor = min(first_two.values())
        merged = max(first_two.values())
        assert story_store.resolve(store, merged) == survivor
        assert [h["kind"] for h in story_store.history(store, survivor)] == ["merge"]
        # more of each event: the merged story now holds two groups that do not belong together
        write([(f"a{i}", "Harbor cranes collapse in storm at the container port, engineers inspect cranes", 2 + i)
               for i in range(2, 5)]
              + [(f"b{i}", "Wildfire smoke closes mountain schools across the valley, parents keep children home",
                  2 + i) for i in range(2, 5)])
        report = pipeline.run([], store, config=config).stories
        assert report.splits >= 1
        kinds = [h["kind"] for h in story_store.history(store, survivor)]
        assert "split" in kinds
        titles = {a["title"]: a["story_id"] for a in store.iter_articles()}
        assert titles["a4"] != titles["b4"] and titles["a2"] == titles["a4"] and titles["b2"] == titles["b4"]


def _article(title, text, day):
    from newsradar.model import Article
    from newsradar.normalize import normalize_article

    words = text + ". Reported by " + " ".join(f"desk{day}x{i}" for i in range(12)) + "."
    return normalize_article(Article(text=words, title=title, source_kind="jsonl", source="test",
                                     url=f"https://news.example/{title}",
                                     published_raw=(datetime(2026, 11, 16, tzinfo=UTC) + timedelta(hours=day)).isoformat()))


def test_time_decay_keeps_the_same_words_a_month_apart_in_two_stories():
    clusterer = Clusterer(StoryConfig())
    terms = {"earthquake": 2.0, "magnitude": 1.0, "E:qeshm": 2.0, "island": 1.0, "collapse": 1.0}
    start = datetime(2026, 1, 1, tzinfo=UTC)
    first = clusterer.assign(1, terms, start)
    same_day = clusterer.assign(2, terms, start + timedelta(hours=6))
    month_later = clusterer.assign(3, terms, start + timedelta(days=25))
    undated = clusterer.assign(4, terms, None)  # no dates to compare: the words decide
    assert same_day.joined and same_day.story == first.story
    assert not month_later.joined and month_later.story != first.story
    assert undated.joined


def test_window_bounds_the_candidates():
    terms = {"tanker": 1.0, "strait": 1.0, "E:hormuz": 1.0}
    joined = []
    for window in (100, 3):
        clusterer = Clusterer(StoryConfig(window_articles=window))
        clusterer.assign(1, terms, None)
        for i in range(2, 6):
            clusterer.assign(i, {f"unrelated{i}": 1.0, f"other{i}": 1.0}, None)
        joined.append(clusterer.assign(6, terms, None).joined)
    assert joined == [True, False]  # in a window of 3, article 1 has left it


def test_average_linkage_finds_two_groups():
    a = {"cranes": 0.8, "port": 0.6}
    b = {"smoke": 0.8, "schools": 0.6}
    groups, between = average_linkage([a, a, b, b, a], 0.5)
    assert sorted(sorted(g) for g in groups) == [[0, 1, 4], [2, 3]]
    assert between < 0.5


def test_lead_sentence_skips_datelines_and_cuts_long_sentences():
    text = "May 03, 2013\nAfter skipping rehab, the actress checked into a clinic on Friday. She said more later."
    assert lead_sentence(text) == "After skipping rehab, the actress checked into a clinic on Friday."
    long = "Officials said " + "very " * 200 + "much."
    assert lead_sentence(long).endswith("…") and len(lead_sentence(long)) <= 321
    assert lead_sentence("Too short.") is None


def test_summary_prefers_distinct_outlets_and_skips_repeats():
    vector = {"tanker": 1.0}
    members = [
        {"id": 1, "title": "Guards seize tanker", "outlet": "Wire", "published": None, "vector": vector,
         "text": "Iran's Revolutionary Guards seized an oil tanker in the Strait of Hormuz on Thursday morning."},
        {"id": 2, "title": "Tanker seized (copy)", "outlet": "Wire", "published": None, "vector": vector,
         "text": "Iran's Revolutionary Guards seized an oil tanker in the Strait of Hormuz on Thursday."},
        {"id": 3, "title": "Seizure condemned", "outlet": "Post", "published": None, "vector": vector,
         "text": "Washington condemned the seizure of the tanker and called for its immediate release."},
    ]
    title, summary = summarize(members)
    assert title == "Guards seize tanker"
    assert [s["article_id"] for s in summary] == [1, 3]  # one per outlet first; the near-repeat is skipped
    assert summary[1]["outlet"] == "Post"


def test_stories_commands(db_url):
    result = runner.invoke(app, ["analyze", str(EXAMPLES), "--db", db_url, "--json", "-"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    story = max(document["stories"], key=lambda s: len(s["article_ids"]))
    assert story["summary"] and story["outlets"] and story["article_count"] == len(story["article_ids"])
    listed = [json.loads(line) for line in runner.invoke(app, ["stories", "list", "--db", db_url, "--json",
                                                               "--limit", "100"]).stdout.splitlines()]
    assert {s["id"] for s in listed} == {s["id"] for s in document["stories"]}
    dates = [s["last_published"] for s in listed]
    dated = [d for d in dates if d is not None]
    assert dates == sorted(dated, reverse=True) + [None] * (len(dates) - len(dated))  # most recent first, undated last
    shown = runner.invoke(app, ["stories", "show", str(story["id"]), "--db", db_url])
    assert shown.exit_code == 0 and story["title"] in shown.stdout and "[article " in shown.stdout
    shown_json = json.loads(runner.invoke(app, ["stories", "show", str(story["id"]), "--db", db_url, "--json"]).stdout)
    assert [a["id"] for a in shown_json["articles"]] == story["article_ids"]
    missing = runner.invoke(app, ["stories", "show", "99999", "--db", db_url])
    assert missing.exit_code == 1 and "no story with id 99999" in missing.output
    rebuilt = runner.invoke(app, ["stories", "rebuild", "--db", db_url])
    assert rebuilt.exit_code == 0 and "62 articles clustered into" in rebuilt.output
    exported = json.loads(runner.invoke(app, ["export", "--format", "json", "--db", db_url]).stdout)
    assert len(exported["stories"]) == len(document["stories"])
    assert all(a["story_id"] is not None for a in exported["articles"])


def test_stories_update_after_a_bulk_load_analyses_then_clusters(db_url):
    """`ingest --no-stories` leaves articles unparsed; `stories update` then analyses them (story
    terms and entities from one parse) before clustering, so nothing is left without entities."""
    loaded = runner.invoke(app, ["ingest", str(EXAMPLES), "--db", db_url, "--no-stories"])
    assert loaded.exit_code == 0, loaded.output
    with open_store(db_url) as store:
        assert store.stats()["stories"] == 0
    updated = runner.invoke(app, ["stories", "update", "--db", db_url])
    assert updated.exit_code == 0 and "62 articles clustered" in updated.output, updated.output
    with open_store(db_url) as store:
        assert all(a["story_id"] is not None for a in store.iter_articles())
        with store.connect() as conn:
            analysed = conn.execute(text("SELECT count(DISTINCT article_id) FROM analyses")).scalar_one()
            mentioned = conn.execute(text("SELECT count(DISTINCT article_id) FROM mentions")).scalar_one()
    assert analysed == 62 and mentioned > 30
