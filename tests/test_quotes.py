"""Quotes and attribution: quotation marks however they are written, every attribution form, speaker
resolution, claim attributes, bad input, and quotes through the store (both), CLI, exports, API and
pages. The sentences here are our own; the benchmark (bench/quotes.py) is PolNeAR."""

from __future__ import annotations

import csv
import json
import time

import pytest

from newsradar.quoteclaims import title_attribution
from newsradar.quotemarks import quote_spans
from newsradar.stages.quotes import quotes_of_text


def one(text: str) -> list[dict]:
    return quotes_of_text([text])[0]


def find(items: list[dict], words: str) -> dict:
    for item in items:
        if words in item["content"]:
            return item
    raise AssertionError(f"no attribution with {words!r} in {[q['content'] for q in items]}")


# --- quotation marks ------------------------------------------------------------------------------

@pytest.mark.parametrize("text, inner", [
    ("“We will respond,” he said.", "We will respond,"),
    ('"We will respond," he said.', "We will respond,"),
    ("« Nous répondrons », a dit le ministre.", " Nous répondrons "),
    ("''We will respond,'' he said.", "We will respond,"),
    ("``We will respond,'' he said.", "We will respond,"),
    ("„Wir antworten“, sagte er.", "Wir antworten"),
])
def test_marks_of_every_kind(text, inner):
    spans = quote_spans(text)
    assert [text[s:e] for s, e, _ in spans] == [inner]


def test_a_quote_over_several_paragraphs_is_one():
    text = ("“The first paragraph opens the quote and does not close it.\n\n"
            "“The second one reopens it and goes on.\n\n"
            "“The third one closes it,” the envoy said.")
    spans = quote_spans(text)
    assert len(spans) == 1
    start, end, well_formed = spans[0]
    assert text[start:end].startswith("The first") and text[start:end].endswith("closes it,")
    assert well_formed


def test_a_quote_over_paragraphs_has_no_inner_marks_and_exact_pieces():
    text = ("The envoy spoke at length.\n\n“The first paragraph opens the quote.\n\n"
            "“The second one reopens it,” the envoy said. “And a last sentence.”")
    quote = find(one(text), "first paragraph")
    assert "“" not in quote["content"] and "\n\nThe second one reopens it" in quote["content"]
    assert [text[a:b] for a, b in quote["pieces"]] == ["The first paragraph opens the quote.",
                                                       "The second one reopens it", "And a last sentence."]
    assert quote["speaker"] == "the envoy"


def test_short_quotes_and_datelines_stay_direct():
    for text, content in (('"No," he said.', "No"),
                          ("CARACAS (Reuters) — “We are ready for anything,” Maduro said.", "We are ready for anything"),
                          ("Rubio said on Tuesday: “We will not back down.”", "We will not back down.")):
        quote = one(text)[0]
        assert quote["kind"] == "direct" and quote["content"] == content and text[quote["start"]:quote["end"]] == content


def test_odd_marks_never_lose_a_quote():
    never_closed = "She said: “the talks are over and nothing will change that.\n\nThe next paragraph."
    spans = quote_spans(never_closed)
    assert len(spans) == 1 and spans[0][2] is False
    assert never_closed[spans[0][0]:spans[0][1]].endswith("change that.")
    no_opening = "The talks are over and nothing will change that,” she said."
    spans = quote_spans(no_opening)
    assert no_opening[spans[0][0]:spans[0][1]] == "The talks are over and nothing will change that,"
    reopened = "“One quote that never closes “and a second one,” he said."
    assert len(quote_spans(reopened)) == 2
    assert quote_spans("“”\n\n\"\"\n\n“") == []  # a paragraph of only marks


def test_apostrophes_are_not_quotes():
    text = "It’s the minister’s view that the deal won’t hold."
    assert quote_spans(text) == []


# --- attribution forms ------------------------------------------------------------------------------

def test_quote_then_speaker_and_speaker_then_quote():
    items = one("“We will not be intimidated by warships,” Foreign Minister Yván Gil said on Tuesday.\n\n"
                "The admiral said: “Our ships will stay in international waters.”")
    first = find(items, "intimidated")
    assert first["kind"] == "direct" and first["cue"] == "said" and "Gil" in first["speaker"]
    assert first["content"] == "We will not be intimidated by warships"
    second = find(items, "international waters")
    assert second["kind"] == "direct" and second["speaker"] == "The admiral"


def test_inverted_and_interrupted_quotes_are_one():
    items = one("“The blockade is illegal,” said Delcy Rodríguez, the vice president, “and the world knows it.”")
    quote = find(items, "blockade")
    assert "world knows it" in quote["content"] and len(quote["pieces"]) == 2
    assert quote["speaker"].startswith("Delcy Rodríguez")


def test_indirect_that_and_without_that():
    items = one("The Pentagon said that two destroyers had entered the Caribbean.\n\n"
                "Maduro said the country would defend its sovereignty.")
    assert find(items, "two destroyers")["kind"] == "indirect"
    assert find(items, "two destroyers")["speaker"] == "The Pentagon"
    assert find(items, "defend its sovereignty")["speaker"] == "Maduro"


def test_according_to_both_ways():
    items = one("According to the coast guard, the vessel carried 40 passengers.\n\n"
                "The talks collapsed on Friday, according to two diplomats.")
    first = find(items, "40 passengers")
    assert first["kind"] == "according_to" and first["speaker"] == "the coast guard"
    assert "according" not in first["content"].lower()
    second = find(items, "talks collapsed")
    assert second["kind"] == "according_to" and second["speaker"] == "two diplomats"


def test_told_and_wrote_and_posted():
    items = one("Rubio told reporters the sanctions would stay.\n\n"
                "Machado wrote on X that the elections had been stolen.\n\n"
                "The ministry posted on its website that the border was closed.")
    assert find(items, "sanctions would stay")["cue"] == "told"
    assert find(items, "elections had been stolen")["speaker"] == "Machado"
    assert find(items, "border was closed")["speaker"] == "The ministry"


def test_mixed_quote_inside_reported_speech():
    items = one("Venezuela's defence minister called the deployment “a provocation” and a threat to peace.")
    quote = find(items, "provocation")
    assert quote["kind"] == "mixed" and quote["cue"] == "called"
    nested = one("The envoy said the minister had called it ‘a provocation’ in private.")
    quote = find(nested, "provocation")  # a quote in single marks inside the envoy's reported speech
    assert quote["kind"] == "mixed" and quote["speaker"] == "The envoy" and quote["cue"] == "said"


def test_headline_colon_cue():
    direct = title_attribution("Rubio: “Iran will never get a bomb”")
    assert direct["speaker"] == "Rubio" and direct["cue"] == ":" and direct["kind"] == "direct"
    assert direct["content"] == "Iran will never get a bomb"
    plain = title_attribution("Machado: talks with Caracas are a trap")
    assert plain["speaker"] == "Machado" and plain["kind"] == "indirect"
    assert title_attribution("Analysis: what the carrier means") is None
    assert title_attribution("Venezuela, Iran and the week ahead") is None


def test_a_transcript_turn_and_a_signed_quote():
    items = one("WALLACE: Will the carrier stay in the Caribbean?\n\n"
                "“We will keep our promise to the people.” ― Ana Reyes")
    assert find(items, "carrier stay")["speaker"] == "WALLACE"
    assert find(items, "keep our promise")["speaker"] == "Ana Reyes"


def test_a_continuing_quote_keeps_its_speaker():
    items = one("“We are ready,” the general said.\n\n“Every unit has its orders and every ship its course.”")
    second = find(items, "Every unit")
    assert second["speaker"] == "the general"


def test_scare_quotes_are_not_attributions():
    assert one("The so-called “peace plan” was never published.") == []


def test_claim_attributes():
    from newsradar.quoteclaims import claim_attributes

    items = one("The ministry denied that its ships had entered the zone.\n\n"
                "Officials said the gang allegedly smuggled weapons.\n\n"
                "“Who will pay for this?” she asked.")
    denial = find(items, "ships had entered")
    assert claim_attributes(denial, "")["denial"] is True
    hedged = find(items, "smuggled weapons")
    assert claim_attributes(hedged, "")["hedged"] is True
    question = find(items, "Who will pay")
    assert claim_attributes(question, "")["question"] is True
    assert claim_attributes(find(items, "Who will pay"), "")["denial"] is False


# --- bad input ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "“" + "The quote that never ends goes on and on. " * 50,
    "“" + " ".join(["word"] * 5000) + "”, he said.",
    "“”“”“”\n\n\"\"\"\"\n\n«»«»",
    "Le ministre a déclaré que « la frontière restera fermée » jusqu'à nouvel ordre.",
    "Venezuela. Iran. Sanctions. Ships. Oil.",
    "",
    "\"" * 2000,
])
def test_bad_input_has_no_exception_and_no_runaway(text):
    from newsradar import nlp
    from newsradar.quotes import attributions

    doc = nlp.load(())(text)
    started = time.perf_counter()
    items = attributions(doc)  # the component itself: an exception here fails the test
    assert time.perf_counter() - started < 10.0  # ten times a long article's whole parse
    for item in items:
        assert all(0 <= a <= b <= len(text) for a, b in item["pieces"])
    assert "error" not in [key for item in one(text) for key in item]  # nor through the pipeline


# --- through the store, CLI, exports, API and pages ---------------------------------------------------

ARTICLES = [
    {"id": "q1", "title": "Hegseth: “We will find you”", "outlet": "Harbor Wire", "published": "2026-11-20T10:00:00Z",
     "url": "https://harbor.example/q1",
     "text": ("Defense Secretary Pete Hegseth warned smugglers on Thursday after a strike in the Caribbean.\n\n"
              "“If you traffic drugs toward our shores, we will find you,” he said.\n\n"
              "Venezuelan Foreign Minister Yván Gil denied that any boat had carried drugs. The minister said "
              "the dead were fishermen.\n\n"
              "A senior official, speaking on condition of anonymity, said more strikes were planned.")},
    {"id": "q2", "title": "Caracas calls strike a crime", "outlet": "Meridian Post",
     "published": "2026-11-20T12:00:00Z", "url": "https://meridian.example/q2",
     "text": ("Venezuela's foreign minister Yván Gil said the strike was “a crime against fishermen.”\n\n"
              "According to the coast guard, four people died.")},
]


@pytest.fixture
def analysed(store, tmp_path):
    from newsradar import pipeline

    path = tmp_path / "quotes.jsonl"
    path.write_text("\n".join(json.dumps(a) for a in ARTICLES) + "\n", encoding="utf-8")
    pipeline.run([str(path)], store)
    return store


def test_quotes_in_the_store_and_the_document(analysed):
    from newsradar import export

    ids = [r["id"] for r in analysed.iter_articles()]
    document = export.analysis_document(analysed, ids)
    quotes = document["quotes"]
    assert {"id", "article_id", "speaker", "speaker_entity_id", "cue", "content", "kind", "hedged",
            "denial"} <= set(quotes[0])
    found = find(quotes, "traffic drugs")
    assert found["speaker"] == "he" and found["speaker_name"] == "Pete Hegseth"
    assert found["speaker_entity_id"] is not None and found["kind"] == "direct"
    hegseth = next(e for e in document["entities"] if e["id"] == found["speaker_entity_id"])
    assert hegseth["name"] == "Pete Hegseth"
    headline = next(q for q in quotes if q["field"] == "title")
    assert headline["speaker"] == "Hegseth" and headline["speaker_entity_id"] == found["speaker_entity_id"]
    denial = find(quotes, "any boat had carried drugs")
    assert denial["denial"] is True and denial["speaker_name"] == "Yván Gil"
    role = find(quotes, "the dead were fishermen")
    assert role["speaker"] == "The minister" and role["speaker_type"] == "role"
    assert role["speaker_entity_id"] == denial["speaker_entity_id"]
    anonymous = find(quotes, "more strikes were planned")
    assert anonymous["speaker_type"] == "anonymous"
    assert find(quotes, "four people died")["kind"] == "according_to"
    texts = {a["id"]: (a["title"], a["text"]) for a in document["articles"]}
    for quote in quotes:  # offsets index the text (a headline's: title_start/title_end)
        title, body = texts[quote["article_id"]]
        if quote["field"] == "text":
            assert body[quote["start"]:quote["end"]] == quote["content"] or len(quote["pieces"]) > 1, quote
            assert all(body[a:b] in quote["content"] for a, b in quote["pieces"])
        else:
            assert quote["start"] is None and title[quote["title_start"]:quote["title_end"]] == quote["content"]


def test_reanalysis_replaces_quotes(analysed):
    from newsradar import analysis
    from newsradar.store import quotes as quote_store

    before = quote_store.count(analysed)
    with analysed.connect(write=True) as conn:
        from sqlalchemy import text

        conn.execute(text("UPDATE analyses SET version = 'old' WHERE component = 'quotes'"))
    report = analysis.analyze_pending(analysed, outdated=True)
    assert report.articles == 2
    assert quote_store.count(analysed) == before


def test_reanalysing_quotes_alone_keeps_their_speakers(analysed):
    """A stage brings the stages it reads: re-analysing only quotes still resolves speakers, and
    re-analysing only entities re-derives the quotes that point at their mentions."""
    from sqlalchemy import text

    from newsradar import analysis, stages
    from newsradar.store import quotes as quote_store

    def resolved():
        return sorted((q["content"], q["speaker_name"]) for q in quote_store.for_articles(
            analysed, [r["id"] for r in analysed.iter_articles()]))

    before = resolved()
    assert sum(1 for _, name in before if name) >= 4
    for stage in ("quotes", "entities"):
        with analysed.connect(write=True) as conn:
            conn.execute(text("UPDATE analyses SET version = 'old' WHERE component = :c"), {"c": stage})
        analysis.analyze_pending(analysed, [stages.get(stage)], outdated=True)
        assert resolved() == before, stage


def test_a_speaker_filter_folds_case_beyond_ascii(analysed):
    from newsradar.store import quotes as quote_store

    found = quote_store.listing(analysed, quote_store.QuoteFilters(speaker="YVÁN GIL"))
    assert found and all("gil" in (q["speaker"] + (q["speaker_name"] or "")).lower() for q in found)
    assert quote_store.listing(analysed, quote_store.QuoteFilters(speaker="%")) == []


def test_quote_filters_and_search(analysed):
    from newsradar.store import quotes as quote_store

    def listed(**filters):
        return quote_store.listing(analysed, quote_store.QuoteFilters(**filters))

    assert all(q["outlet"] == "Meridian Post" for q in listed(outlet="meridian post"))
    by_name = listed(speaker="Hegseth")
    assert any(q["speaker"] == "he" for q in by_name)  # a pronoun found by the name it resolves to
    hits = listed(query='"Hegseth" drugs')
    assert hits and all("drugs" in q["content"].lower() for q in hits)
    said = listed(query="Gil said crime")
    assert said and "crime" in said[0]["content"]
    assert listed(query="-drugs nothing") == []
    gil = next(q for q in listed(speaker="Gil") if q["speaker_entity_id"])
    assert all(q["speaker_entity_id"] == gil["speaker_entity_id"] for q in listed(entity_id=gil["speaker_entity_id"]))


def test_who_said_what_on_a_story(analysed):
    from newsradar.store import quotes as quote_store

    article = next(a for a in analysed.iter_articles() if a["external_id"] == "q1")
    found = quote_store.who_said_what(analysed, article["story_id"])
    assert found["speakers"] and found["diversity"]["quotes"] >= 5
    assert 0 < found["diversity"]["anonymous_share"] < 1
    # the story's speakers come from two countries: each is a side, beside official/other voices
    assert found["sides"] == ["official", "other", "USA", "VEN"]
    assert found["silent"] == {"Harbor Wire": [], "Meridian Post": ["USA"]}  # Meridian quoted no US voice
    gil = next(s for s in found["speakers"] if s["speaker"] == "Yván Gil")
    assert gil["outlets"] == {"Meridian Post": 1, "Harbor Wire": 2} and gil["country"] == "VEN"


def test_source_diversity_per_outlet(analysed):
    from fastapi.testclient import TestClient
    from typer.testing import CliRunner

    from newsradar.cli import app
    from newsradar.store import quotes as quote_store
    from newsradar.web.app import create_app

    rows = {r["outlet"]: r for r in quote_store.by_outlet(analysed)}
    assert set(rows) == {"Harbor Wire", "Meridian Post"}
    harbor = rows["Harbor Wire"]
    assert harbor["quotes"] >= 4 and harbor["speakers"] >= 2 and 0 < harbor["anonymous_share"] < 1
    assert rows["Meridian Post"]["anonymous_share"] == 0
    result = CliRunner().invoke(app, ["quotes", "sources", "--db", analysed.url, "--json"])
    assert result.exit_code == 0 and {json.loads(line)["outlet"] for line in result.stdout.splitlines()} == set(rows)
    items = TestClient(create_app(store=analysed)).get("/api/v1/quotes/sources").json()["items"]
    assert {i["outlet"] for i in items} == set(rows)


def test_cli_quotes_list_and_export(analysed, tmp_path):
    from typer.testing import CliRunner

    from newsradar.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["quotes", "list", "--db", analysed.url, "--speaker", "Hegseth", "--json"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert rows and all("hegseth" in ((r["speaker"] or "") + (r["speaker_name"] or "")).lower() for r in rows)
    result = runner.invoke(app, ["quotes", "list", "--db", analysed.url, "--story", "999999"])
    assert result.exit_code != 0 and "no story 999999" in result.output
    for fmt in ("csv", "jsonl", "parquet"):
        target = tmp_path / f"quotes.{fmt}"
        result = runner.invoke(app, ["export", "--db", analysed.url, "-f", fmt, "--table", "quotes", "-o", str(target)])
        assert result.exit_code == 0, result.output
    with (tmp_path / "quotes.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert any(r["speaker_name"] == "Pete Hegseth" for r in rows)
    import pyarrow.parquet as pq

    table = pq.read_table(tmp_path / "quotes.parquet")
    assert table.num_rows == len(rows) and "speaker_entity_id" in table.column_names
    result = runner.invoke(app, ["export", "--db", analysed.url, "-f", "csv", "--table", "nope"])
    assert result.exit_code != 0 and "unknown export table" in result.output


def test_api_and_pages(analysed):
    from fastapi.testclient import TestClient

    from newsradar.web.app import create_app

    client = TestClient(create_app(store=analysed))
    page = client.get("/api/v1/quotes", params={"q": "drugs", "limit": 1}).json()
    assert page["items"] and "drugs" in page["items"][0]["content"].lower()
    quote = page["items"][0]
    story_id = quote["story_id"]
    story = client.get(f"/api/v1/stories/{story_id}").json()
    assert story["quotes"]["speakers"] and "quoted_nobody_from" in story["quotes"]
    entity = client.get(f"/api/v1/entities/{quote['speaker_entity_id']}").json()
    assert entity["quoted"] and entity["quoted_by"][0]["outlet"] == "Harbor Wire"
    article = client.get(f"/api/v1/articles/{quote['article_id']}").json()
    assert any(q["id"] == quote["id"] for q in article["quotes"])
    assert client.get("/api/v1/quotes", params={"story_id": 999999}).status_code == 404
    html = client.get(f"/stories/{story_id}").text
    assert "Who said what" in html and "Pete Hegseth" in html
    html = client.get(f"/entities/{quote['speaker_entity_id']}").text
    assert "Quoted by" in html and "Harbor Wire" in html
    html = client.get(f"/articles/{quote['article_id']}").text
    assert '<span class="quote" title="Pete Hegseth (said, direct)">' in html
    html = client.get("/quotes", params={"q": "drugs"}).text
    assert "traffic drugs" in html
