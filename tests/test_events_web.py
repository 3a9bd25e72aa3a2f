"""Events on the web: the /api/v1/events and dyad endpoints, events in the story, entity and article
endpoints, and the pages ("What happened", the dyad page with its escalation chart and marked
evidence, the dyads list, the home page's panel, the entity's and article's events) — on the
sample corpus (the store built once per module by test_web's fixture), on SQLite and PostgreSQL."""

from __future__ import annotations

import html
from datetime import datetime

import pytest

from newsradar.events.lexicon import TYPES
from newsradar.store import open_store
from newsradar.web.charts import escalation_svg
from newsradar.web.pages import evidence

from .test_web import client_for, sample_url  # noqa: F401  (sample_url: the module's sample store)

ACTOR_KEYS = {"text", "entity_id", "name", "country", "sector", "start", "end"}


@pytest.fixture
def store(sample_url):  # noqa: F811
    with open_store(sample_url) as opened:
        yield opened


@pytest.fixture
def client(store):
    return client_for(store)


def all_events(client, **params) -> list[dict]:
    found, cursor = [], None
    while True:
        page = client.get("/api/v1/events", params={**params, "limit": 100, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200, page.text
        body = page.json()
        found.extend(body["items"])
        cursor = body["next_cursor"]
        if not cursor:
            return found


def top_dyad(client) -> dict:
    """The most active dyad between two different countries (USA-VEN in the sample corpus)."""
    dyads = client.get("/api/v1/dyads", params={"limit": 50}).json()["items"]
    return next(d for d in dyads if d["source"] != d["target"] and "XXX" not in (d["source"], d["target"]))


def test_api_events_keep_the_contract(client):
    events = all_events(client)
    assert len(events) >= 50, "the sample corpus codes dozens of events"
    assert len({e["id"] for e in events}) == len(events)  # the cursor pages cover each event once
    for event in events:
        assert event["type"] in TYPES
        assert -10 <= event["intensity"] <= 10
        assert isinstance(event["negated"], bool) and isinstance(event["hypothetical"], bool)
        assert event["trigger"] and event["pattern"]
        for side in ("source", "target"):
            actor = event[side]
            assert actor is None or (isinstance(actor, dict) and set(actor) >= ACTOR_KEYS)
            assert (actor is None) == (not event[side + "s"])
        if event["published"] is not None:
            datetime.fromisoformat(event["published"])
        assert event["num_mentions"] >= 1 and event["story_event_id"] <= event["id"]
    assert any(e["source"] and e["target"] for e in events)
    first = client.get("/api/v1/events", params={"limit": 5, "offset": 5}).json()["items"]
    assert [e["id"] for e in first] == [e["id"] for e in events[5:10]]


def test_api_event_filters_and_errors(client):
    events = all_events(client)
    kind = max(TYPES, key=lambda t: sum(e["type"] == t for e in events))
    typed = all_events(client, type=kind.lower())
    assert typed and {e["type"] for e in typed} == {kind}
    assert len(typed) == sum(e["type"] == kind for e in events)
    bad = client.get("/api/v1/events", params={"type": "BOMBARD"})
    assert bad.status_code == 400
    message = bad.json()["error"]["message"]
    assert "BOMBARD" in message and "ASSAULT" in message and "\n" not in message
    assert client.get("/api/v1/events", params={"since": "someday"}).status_code == 400
    assert client.get("/api/v1/events", params={"role": "source"}).status_code == 400
    assert client.get("/api/v1/events", params={"story_id": 999999}).status_code == 404
    days = sorted(e["day"] for e in events if e["day"])
    since = days[len(days) // 2]
    recent = all_events(client, since=since)
    assert recent and len(recent) < len(events) and all(e["day"] >= since for e in recent)
    story_id = next(e["story_id"] for e in events if e["story_id"])
    assert {e["story_id"] for e in all_events(client, story_id=story_id)} == {story_id}
    usa = all_events(client, source="USA")
    assert usa and all(any(a["country"] == "USA" or "usa" in (a["text"] + (a["name"] or "")).lower()
                           for a in e["sources"]) for e in usa)


def test_api_dyads_and_one_dyad(client):
    dyads = client.get("/api/v1/dyads", params={"limit": 50}).json()["items"]
    assert dyads and [d["events"] for d in dyads] == sorted((d["events"] for d in dyads), reverse=True)
    assert all(d["key"] == f"{d['source']}-{d['target']}" for d in dyads)
    top = top_dyad(client)
    found = client.get(f"/api/v1/dyads/{top['key'].lower()}").json()
    assert (found["source"], found["target"]) == (top["source"], top["target"])
    assert found["events"] and found["events_total"] == len(found["events"]) >= top["events"]
    for event in found["events"]:
        assert any(a["country"] == top["source"] for a in event["sources"])
        assert any(a["country"] == top["target"] for a in event["targets"])
    assert sum(found["counts"].values()) == found["events_total"] and set(found["counts"]) <= set(TYPES)
    assert found["series"] and all(-10 <= p["intensity"] <= 10 and p["events"] >= 1 for p in found["series"])
    sector = next(a["sector"] for e in found["events"] for a in e["sources"]
                  if a["country"] == top["source"] and a["sector"])
    narrowed = client.get(f"/api/v1/dyads/{top['key']}", params={"source_sector": sector}).json()
    assert 0 < narrowed["events_total"] <= found["events_total"]
    assert all(any(a["sector"] == sector and a["country"] == top["source"] for a in e["sources"])
               for e in narrowed["events"])
    assert client.get(f"/api/v1/dyads/{top['key']}", params={"limit": 1}).json()["events"] == found["events"][:1]
    for key in ("USA", "USA-VENEZUELA", "US-VE", "USA_VEN"):
        response = client.get(f"/api/v1/dyads/{key}")
        assert response.status_code == 400 and "SOURCE-TARGET" in response.json()["error"]["message"]
    assert client.get("/api/v1/dyads/QQQ-ZZZ").status_code == 404
    assert client.get(f"/api/v1/dyads/{top['key']}", params={"source_sector": "<b>"}).status_code == 400
    assert client.get("/api/v1/dyads", params={"since": "not-a-day"}).status_code == 400


def test_dyad_page_has_the_escalation_chart_and_marked_evidence(client):
    top = top_dyad(client)
    found = client.get(f"/api/v1/dyads/{top['key']}").json()
    page = client.get(f"/dyads/{top['key']}")
    assert page.status_code == 200
    text = page.text
    assert "<svg" in text and 'class="chart escalation"' in text and "Escalation" in text
    assert "Events by type" in text and all(f">{t}</span>" in text for t in found["counts"])
    latest = found["events"][0]
    assert f'title="{html.escape(latest["type"])}' in text
    assert f'coded by the pattern {html.escape(latest["pattern"], quote=True)}"' in text
    assert '<mark class="trigger"' in text and f'href="/articles/{latest["article_id"]}"' in text
    assert 'class="actor actor-source"' in text or 'class="actor actor-target"' in text
    assert f'href="/dyads/{top["target"]}-{top["source"]}"' in text  # the other way round
    assert client.get("/dyads/nonsense").status_code == 400
    assert client.get("/dyads/QQQ-ZZZ").status_code == 404
    listing = client.get("/dyads").text
    assert f'href="/dyads/{top["key"]}"' in listing and "Most active dyads" in listing


def test_story_api_and_page_say_what_happened(client):
    events = all_events(client)
    counts: dict[int, int] = {}
    for event in events:
        if event["story_id"]:
            counts[event["story_id"]] = counts.get(event["story_id"], 0) + 1
    story_id = max(counts, key=counts.get)
    story = client.get(f"/api/v1/stories/{story_id}").json()
    happened = story["events"]
    assert happened and sum(len(e["reports"]) for e in happened) == counts[story_id]
    for event in happened:
        assert event["reports"] and event["type"] in TYPES
        assert all(r["story_event_id"] == event["story_event_id"] for r in event["reports"])
        assert isinstance(event["reports"][0]["published"], (str, type(None)))
    page = client.get(f"/stories/{story_id}").text
    assert "What happened" in page
    section = page.split('id="happened-title"', 1)[1].split("</section>", 1)[0]
    assert section.count("<li>") == len(happened)
    for event in happened:
        assert f'href="/articles/{event["article_id"]}"' in section
        assert f">{event['type']}</span>" in section


def test_home_page_has_the_dyads_panel_and_the_nav_link(client):
    top = client.get("/api/v1/dyads", params={"limit": 1}).json()["items"][0]
    page = client.get("/").text
    assert "Most active dyads" in page and f'href="/dyads/{top["key"]}"' in page
    assert '<a href="/dyads">Dyads</a>' in page
    assert "Most active dyads" not in client.get("/topics/venezuela").text  # the home page's alone


def test_entity_api_and_page_list_its_events(client):
    events = all_events(client)
    source = next(e for e in events if e["source"] and e["source"]["entity_id"])
    entity_id = source["source"]["entity_id"]
    entity = client.get(f"/api/v1/entities/{entity_id}").json()
    assert isinstance(entity["events_as_source"], list) and isinstance(entity["events_as_target"], list)
    assert source["id"] in {e["id"] for e in entity["events_as_source"]}
    for role in ("source", "target"):
        listed = entity[f"events_as_{role}"]
        assert all(any(a["entity_id"] == entity_id for a in e[role + "s"]) for e in listed)
        published = [e["published"] for e in listed if e["published"]]
        assert published == sorted(published, reverse=True)
    page = client.get(f"/entities/{entity_id}").text
    assert 'id="events-title"' in page and "As source" in page and f">{source['type']}</span>" in page


def test_article_api_and_page_list_its_events(client):
    event = next(e for e in all_events(client) if e["source"] and e["target"])
    article = client.get(f"/api/v1/articles/{event['article_id']}").json()
    assert event["id"] in {e["id"] for e in article["events"]}
    assert all(e["article_id"] == event["article_id"] for e in article["events"])
    page = client.get(f"/articles/{event['article_id']}").text
    section = page.split('id="events-title"', 1)[1].split("</section>", 1)[0]
    assert html.escape(event["trigger"], quote=False) in section and f">{event['type']}</span>" in section


# --- the evidence marks and the chart, without a store -------------------------------------------

def _event(sentence: str, base: int, trigger: tuple, sources=(), targets=()) -> dict:
    def actor(span):
        return {"text": sentence[span[0] - base:span[1] - base] if span[0] is not None else "x", "entity_id": None,
                "name": None, "country": "USA", "sector": "GOV", "start": span[0], "end": span[1]}
    return {"sentence": sentence, "sentence_start": base, "trigger_start": trigger[0], "trigger_end": trigger[1],
            "type": "ASSAULT", "mode": "aerial", "pattern": "ASSAULT.aerial:verb:bomb",
            "sources": [actor(s) for s in sources], "targets": [actor(t) for t in targets]}


def test_evidence_marks_trigger_and_actors_and_guards_offsets():
    sentence = "US jets bombed <b>the depot</b> & left.\n\n"
    base = 100
    at = sentence.index
    event = _event(sentence, base, (base + at("bombed"), base + at("bombed") + 6),
                   sources=[(base, base + 2)], targets=[(base + at("<b>"), base + at("</b>") + 4)])
    marked = str(evidence(event))
    assert '<mark class="trigger" title="ASSAULT/aerial, coded by the pattern ASSAULT.aerial:verb:bomb">bombed</mark>' \
        in marked
    assert '<span class="actor actor-source" title="source: US (USA/GOV)">US</span>' in marked
    assert "&lt;b&gt;the depot&lt;/b&gt;</span>" in marked and "<b>" not in marked and "&amp; left." in marked
    # None, outside the sentence, before it, running past its end: the text stays, unmarked
    broken = _event(sentence, base, (None, None), sources=[(base + 500, base + 503), (0, 3)],
                    targets=[(base + at("left"), base + len(sentence) + 5)])
    assert str(evidence(broken)) == html.escape(sentence.strip(), quote=False)
    # crossing the trigger's edge: left unmarked, the trigger marked
    crossing = _event(sentence, base, (base + at("bombed"), base + at("bombed") + 6),
                      targets=[(base + at("jets"), base + at("bombed") + 3)])
    assert "actor" not in str(evidence(crossing)) and "<mark" in str(evidence(crossing))
    # an actor inside a long trigger ("raids against the gang had swept") is nested in the mark
    nested = _event("FBI raids against the gang had swept.", 0, (4, 36), targets=[(18, 26)])
    assert str(evidence(nested)).startswith('FBI <mark class="trigger"')
    assert '<span class="actor actor-target" title="target: the gang (USA/GOV)">the gang</span> had swept</mark>.' \
        in str(evidence(nested))
    assert str(evidence({"sentence": "a <i>", "sentence_start": None})) == "a &lt;i&gt;"


def test_escalation_chart():
    series = [{"day": "2026-11-17", "events": 3, "intensity": -5.5, "min": -9.0},
              {"day": "2026-11", "events": 1, "intensity": 2.0, "min": 2.0},  # not a day: left out
              {"day": "2026-11-20", "events": 1, "intensity": 4.0, "min": 4.0}]
    svg = escalation_svg(series, "USA → VEN <test>")
    assert svg.startswith("<svg") and svg.endswith("</svg>") and "&lt;test&gt;" in svg
    assert "2026-11-17: mean intensity -5.5 over 3 events, lowest -9.0" in svg
    assert 'fill="#c53030"' in svg and 'fill="#2f855a"' in svg  # below and above the zero line
    assert "2026-11-18: 0 events" in svg and ">+10<" in svg and ">−10<" in svg
    assert "2026-11:" not in svg
    assert escalation_svg([], "empty") == "" and escalation_svg([series[1]], "only a month") == ""
