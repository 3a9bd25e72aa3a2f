"""Framing through the house: the framing stage on the sample corpus (tone, loaded terms, entity
tone in the analysis document and the API), a story told outlet by outlet (page, API, CLI), the
leans users give outlets, blindspots and the story excerpt — on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from newsradar.cli import app
from newsradar.errors import NotFound, QueryError
from newsradar.export import analysis_document
from newsradar.store import framing as framing_store
from newsradar.store import open_store
from newsradar.store import outlets as outlet_store

from .test_web import client_for, sample_url  # noqa: F401  (sample_url: the module's sample store)

TONE_KEYS = {"tone", "positive", "negative", "polarity", "activity_density", "self_group_density", "word_count"}


@pytest.fixture
def store(sample_url):  # noqa: F811
    with open_store(sample_url) as opened:
        yield opened


@pytest.fixture
def document(store):
    ids = [a["id"] for a in store.iter_articles()]
    return analysis_document(store, ids)


def test_every_article_has_tone_loaded_terms_and_entity_tone_as_the_contract_says(document):
    articles = document["articles"]
    assert articles
    toned = [a for a in articles if a["tone"] is not None]
    assert len(toned) >= 0.9 * len(articles)  # the sample corpus is English news: all but odd ones get a tone
    for article in articles:
        assert {"tone", "loaded_terms", "entity_tone"} <= article.keys()
        if article["tone"] is None:
            assert article["tone_reason"]  # never a silent null
            continue
        tone = article["tone"]
        assert set(tone) == TONE_KEYS and tone["word_count"] > 0
        assert abs(tone["tone"] - (tone["positive"] - tone["negative"])) < 1e-6
        assert tone["polarity"] + 1e-9 >= abs(tone["tone"])
        for term in article["loaded_terms"]:
            field = article["title"] if term["field"] == "title" else article["text"]
            assert field[term["start"]:term["end"]] == term["text"] and term["category"]
        for toward in article["entity_tone"]:
            assert isinstance(toward["entity_id"], int) and -1 <= toward["tone"] <= 1 and toward["mentions"] >= 1
    assert sum(len(a["loaded_terms"]) for a in articles) > 0  # the corpus has partisan outlets


def test_a_story_told_outlet_by_outlet(store):
    multi = [s for s in framing_candidates(store) if len(s[1]) >= 3]
    assert multi, "the sample corpus has stories covered by three or more outlets"
    story_id, outlets = multi[0]
    told = framing_store.story_framing(store, story_id)
    assert {o["outlet"] for o in told["outlets"]} == outlets
    assert told["main_actors"] and all(a["outlets"] >= 1 for a in told["main_actors"])
    main = {a["entity_id"] for a in told["main_actors"]}
    for outlet in told["outlets"]:
        assert {t["entity_id"] for t in outlet["toward"]} == main
        for actor in outlet["left_out"]["actors"]:
            assert actor["entity_id"] in main
        for article in outlet["articles"]:
            assert all(not t["in_quote"] for t in article["loaded_terms"])
            assert all(t["in_quote"] for t in article["quoted_terms"])
    client = client_for(store)
    page = client.get(f"/stories/{story_id}")
    assert page.status_code == 200 and "How outlets told it" in page.text
    api = client.get(f"/api/v1/stories/{story_id}/framing")
    assert api.status_code == 200 and len(api.json()["outlets"]) == len(outlets)
    assert client.get("/api/v1/stories/999999/framing").status_code == 404
    shown = CliRunner().invoke(app, ["framing", "show", str(story_id), "--db", store.url])
    assert shown.exit_code == 0, shown.output
    assert all(name.split()[0] in shown.stdout for name in outlets)


def framing_candidates(store) -> list[tuple[int, set[str]]]:
    by_story: dict[int, set[str]] = {}
    for article in store.iter_articles():
        if article["story_id"] is not None and article["outlet"]:
            by_story.setdefault(article["story_id"], set()).add(article["outlet"])
    return sorted(by_story.items(), key=lambda item: (-len(item[1]), item[0]))


def test_the_article_page_marks_loaded_terms_with_their_category(store, document):
    marked = next(a for a in document["articles"] if any(t["field"] == "text" for t in a["loaded_terms"]))
    page = client_for(store).get(f"/articles/{marked['id']}")
    assert page.status_code == 200 and '<mark class="loaded loaded-' in page.text
    assert "loaded term" in page.text


def test_leans_given_by_the_user_make_blindspots(sample_url):  # noqa: F811
    with open_store(sample_url) as store:
        candidates = framing_candidates(store)
        with store.connect(write=True) as conn:
            outlets = sorted({o for _, names in candidates for o in names})
            with pytest.raises(QueryError, match="lean 'far-left' is not one of"):
                outlet_store.describe(conn, outlets[0], lean="far-left")
            with pytest.raises(QueryError, match="not an ISO 3166 alpha-3 code"):
                outlet_store.describe(conn, outlets[0], country="XX")
            with pytest.raises(NotFound):
                outlet_store.describe(conn, "Nobody", lean="left")
            assert framing_store.blindspots(store) == []  # no outlet described yet
            # one side each, alternately: some stories end up covered by one side only
            for number, name in enumerate(outlets):
                outlet_store.describe(conn, name, lean=("left", "right")[number % 2], country="USA")
        found = framing_store.blindspots(store)
        side_of = {name: ("left", "right")[n % 2] for n, name in enumerate(outlets)}
        expected = {story for story, names in candidates if len({side_of[n] for n in names}) == 1}
        assert {b["story_id"] for b in found} == expected
        for blindspot in found:
            assert blindspot["missing"] != blindspot["covered_by"]
        client = client_for(store)
        assert client.get("/blindspots").status_code == 200
        assert {b["story_id"] for b in client.get("/api/v1/blindspots").json()["items"]} == expected
        exported = CliRunner().invoke(app, ["export", "--format", "jsonl", "--table", "outlets", "--db", sample_url])
        rows = [json.loads(line) for line in exported.stdout.splitlines()]
        assert {r["lean"] for r in rows} == {"left", "right"} and {r["country"] for r in rows} == {"USA"}
        with store.connect(write=True) as conn:  # leave the module's store as it was
            for name in outlets:
                outlet_store.describe(conn, name, clear=True)
        assert framing_store.blindspots(store) == []


def test_a_storys_excerpt_is_one_of_its_own_originals(store):
    body = client_for(store).get("/api/v1/stories", params={"limit": 50}).json()
    originals = {a["id"] for a in store.iter_articles() if a["duplicate_of"] is None}
    for story in body["items"]:
        assert story["excerpt"]["article_id"] in story["article_ids"]
        assert story["excerpt"]["article_id"] in originals and story["excerpt"]["text"]


def test_an_outlets_page_shows_its_volume_and_framing_and_the_api_describes_it(store):
    client = client_for(store, token="s3cret")
    outlets = client.get("/api/v1/outlets").json()["items"]
    busiest = outlets[0]
    one = client.get(f"/api/v1/outlets/{busiest['id']}").json()
    assert sum(v["articles"] for v in one["volume"]) >= 1
    profile = one["framing"]
    assert profile["articles_with_tone"] >= 1 and profile["mean_tone"] is not None
    assert all(-1 <= t["tone"] <= 1 for t in profile["toward"]) and profile["quotes"]
    page = client.get(f"/outlets/{busiest['id']}")
    assert page.status_code == 200 and "How it frames" in page.text and "<svg" in page.text
    refused = client.patch(f"/api/v1/outlets/{busiest['id']}", json={"lean": "left"})
    assert refused.status_code in (401, 403)
    auth = {"Authorization": "Bearer s3cret"}
    bad = client.patch(f"/api/v1/outlets/{busiest['id']}", json={"lean": "far-left"}, headers=auth)
    assert bad.status_code == 400 and "far-left" in bad.text
    done = client.patch(f"/api/v1/outlets/{busiest['id']}", json={"lean": "center", "owner": "A family trust"}, headers=auth)
    assert done.status_code == 200 and (done.json()["lean"], done.json()["owner"]) == ("center", "A family trust")
    with store.connect(write=True) as conn:  # leave the module's store as it was
        outlet_store.describe(conn, busiest["name"], clear=True)


def test_odd_articles_get_no_tone_with_a_reason_and_nothing_is_lost(tmp_path, db_url):
    from newsradar import pipeline

    lines = [
        {"id": "quotes", "title": "Voices", "text": '"We will not give up our land." "This is a provocation." "We stand firm."'},
        {"id": "caps", "title": "BREAKING", "text": "THE MINISTER SAID THE TALKS HAVE FAILED AND THE BORDER IS NOW CLOSED TO ALL TRAFFIC TONIGHT."},
        {"id": "emoji", "title": "🔥🔥", "text": "🔥🔥🔥 😡😡 🚢🚢🚢 !!!"},
        {"id": "spanish", "title": "Conversaciones", "text": "El gobierno venezolano anunció el lunes que las conversaciones"
                                                           " con Washington continuarán la próxima semana en Caracas."},
        {"id": "plain", "title": "Talks resume", "text": "Officials met on Tuesday and said the talks were useful and would continue."},
    ]
    path = tmp_path / "odd.jsonl"
    path.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n", encoding="utf-8")
    with open_store(db_url) as store:
        report = pipeline.run([str(path)], store, workers=1)
        assert report.ingest.inserted == len(lines) and report.analysis.articles == len(lines)
        document = analysis_document(store, report.ingest.article_ids)
    by_id = {a["external_id"]: a for a in document["articles"]}
    assert by_id["plain"]["tone"] is not None and by_id["plain"]["tone_reason"] is None
    for odd in ("quotes", "caps", "emoji", "spanish"):
        assert by_id[odd]["tone"] is None and by_id[odd]["tone_reason"], (odd, by_id[odd])


def test_figures_with_thousands_separators_are_facts_and_bare_years_are_dates():
    from newsradar.store.framing import _numbers

    assert _numbers("2,000 troops and 1,950 refugees crossed in 2026; 12 percent fled") == {"2000", "1950", "12 %"}
