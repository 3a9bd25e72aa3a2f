"""Entities: the spaCy components (mentions, groups), alias resolution within an article and
across articles, linking and coding, the store with corrections that survive re-analysis, and the
commands — on SQLite and the real PostgreSQL."""

from __future__ import annotations

import dataclasses
import json
from datetime import date

from typer.testing import CliRunner

from newsradar import analysis, nlp, pipeline, stages, stories
from newsradar.cli import app
from newsradar.entities import EntityResolver, Mention, acronym_matches, code_groups, mentions_of
from newsradar.model import Article
from newsradar.normalize import normalize_article
from newsradar.stages import ENTITIES, ArticleText
from newsradar.store import entities as entity_store
from newsradar.store import open_store

runner = CliRunner()


def groups_of(text: str, day: date | None = None):
    doc = next(nlp.parse([text], pipes=("newsradar_mentions",)))
    groups = EntityResolver().group(mentions_of(doc), doc._.acronyms)
    code_groups(groups, day, doc.text)
    return groups


def find(groups, alias):
    matching = [g for g in groups if alias in g.aliases]
    assert matching, f"no group has the alias {alias!r}: {[g.aliases for g in groups]}"
    return matching[0]


def test_pipeline_has_our_components_in_order():
    language = analysis.pipeline()
    # the model's components (the parser moved after the recognizer), then ours in registration order
    assert language.pipe_names == ["tok2vec", "tagger", "attribute_ruler", "lemmatizer", "ner", "parser",
                                   "newsradar_mentions", "newsradar_quotes", "newsradar_events"]
    assert not language.analyze_pipes()["problems"]["newsradar_mentions"]
    meta = language.get_pipe_meta("newsradar_mentions")
    assert meta.requires == ["doc.ents"] and meta.assigns == ["doc._.mentions", "doc._.acronyms"]
    assert [s.name for s in stages.registered()][:3] == ["terms", "entities", "quotes"]


def test_the_parser_changes_no_name():
    """The recognizer's names are those of the model without a parser (the parser runs after it)."""
    import spacy

    text = ("Secretary of State Marco Rubio said on Tuesday. The Pentagon, in Washington, denied it. "
            "Nicolás Maduro spoke in Caracas.\n\nThe USS Gerald R. Ford sailed to the Caribbean Sea.")
    without = spacy.load(nlp.MODEL, exclude=["parser"])(text)
    assert [(e.text, e.label_) for e in nlp.bare()(text).ents] == [(e.text, e.label_) for e in without.ents]


def test_surname_and_title_resolve_to_the_full_name():
    groups = groups_of("Venezuelan President Nicolás Maduro addressed a rally in Caracas on Monday. "
                       "Maduro told supporters that the country would resist.", date(2025, 11, 20))
    maduro = find(groups, "Nicolás Maduro")
    assert "Maduro" in maduro.aliases and maduro.name == "Nicolás Maduro"
    assert maduro.titles == ["Venezuelan President"]
    assert (maduro.country, maduro.sector, maduro.dictionary_id) == ("VEN", "GOV", "person:nicolas-maduro")


def test_acronym_defined_in_the_text():
    groups = groups_of("Inspectors of the International Atomic Energy Agency (IAEA) arrived on Tuesday. "
                       "The IAEA said it had not been given access.")
    agency = find(groups, "IAEA")
    assert "International Atomic Energy Agency" in agency.aliases and agency.country == "IGO"


def test_unknown_organisation_and_its_acronym():
    resolver = EntityResolver()
    mentions = [Mention(0, 31, "Bridgewater Policy Institute", "ORG"), Mention(40, 43, "BPI", "ORG")]
    groups = resolver.group(mentions, {})
    assert len(groups) == 1 and groups[0].aliases == ["Bridgewater Policy Institute", "BPI"]
    assert acronym_matches("TdA", "Tren de Aragua") and acronym_matches("IAEA", "International Atomic Energy Agency")
    assert not acronym_matches("FBI", "Tren de Aragua")


def test_places_and_their_other_names():
    resolver = EntityResolver()
    mentions = [Mention(0, 6, "Palmer", "GPE"), Mention(10, 24, "City of Palmer", "GPE"), Mention(30, 35, "Qeshm", "GPE"),
                Mention(40, 50, "Qeshm City", "GPE"), Mention(60, 64, "N.Y.", "GPE"), Mention(70, 78, "New York", "GPE")]
    groups = {tuple(g.aliases) for g in resolver.group(mentions, {})}
    assert ("Palmer", "City of Palmer") in groups and ("N.Y.", "New York") in groups
    assert ("Qeshm",) in groups and ("Qeshm City",) in groups


def test_typographic_variants_fold_together_and_pronouns_are_not_entities():
    resolver = EntityResolver()
    mentions = [Mention(0, 14, "Nicolas Maduro", "PERSON"), Mention(20, 34, "Nicolás Maduro", "PERSON"),
                Mention(40, 46, "MADURO", "PERSON")]
    groups = resolver.group(mentions, {})
    assert len(groups) == 1 and groups[0].dictionary_id == "person:nicolas-maduro"
    text_groups = groups_of("She said he would go. They declined.")
    assert not [g for g in text_groups if g.label == "PERSON"]


def test_a_surname_alone_is_not_merged_with_a_different_full_name(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 's.db'}")
    texts = [("Mayor Laura Kettering opened the new bridge in Duluth on Monday. Kettering said traffic would improve.", "a"),
             ("Coach Daniel Kettering resigned after the season, the club said. Kettering thanked the players.", "b"),
             ("Kettering was not available for comment on Friday about the bridge.", "c")]
    _write(store, texts)
    analysis.analyze_pending(store)
    names = {e["name"] for e in entity_store.listing(store, limit=100, type_="PERSON")}
    assert {"Laura Kettering", "Daniel Kettering"} <= names
    laura = entity_store.get(store, "Laura Kettering")
    assert {a["alias"] for a in laura["aliases"]} == {"Laura Kettering", "Kettering"}
    assert len(laura["articles"]) == 1


def _write(store, texts):
    articles = []
    for body, slug in texts:
        article = normalize_article(Article(text=body, title=None, url=f"https://example.org/{slug}", outlet="Test",
                                            published_raw="2025-11-20T10:00:00Z", source="test", source_kind="jsonl"))
        articles.append(article)
    from newsradar.prepare import prepare

    store.write_batch([prepare(a) for a in articles])


def test_across_articles_corrections_survive_reanalysis(db_url, monkeypatch):
    with open_store(db_url) as store:
        _write(store, [("Venezuelan President Nicolás Maduro spoke in Caracas. Maduro said talks were over.", "1"),
                       ("Maduro's government rejected the report, officials said on Tuesday.", "2"),
                       ("Leaders of the Acme Workers Guild met Carla Ruiz. Ruiz said the Acme Workers Guild would strike.", "3")])
        report = analysis.analyze_pending(store)
        assert report.articles == 3
        assert analysis.analyze_pending(store).articles == 0  # nothing to redo
        maduro = entity_store.get(store, "person:nicolas-maduro")
        assert len(maduro["articles"]) == 2 and (maduro["country"], maduro["sector"]) == ("VEN", "GOV")
        guild = entity_store.get(store, "Acme Workers Guild")
        ruiz = entity_store.get(store, "Carla Ruiz")
        entity_store.rename(store, guild["id"], "Acme Guild")
        entity_store.merge(store, ruiz["id"], guild["id"])  # a deliberate (if odd) correction
        entity_store.split(store, "person:nicolas-maduro", "Maduro")
        # a new stage version: `reanalyze` redoes what the older one analysed; the corrections are applied again
        stages.register(dataclasses.replace(stages.get("entities"), version="newsradar.mentions.v1+newsradar.entities.v2"))
        try:
            assert analysis.analyze_pending(store).articles == 0  # nothing new
            assert pipeline.reanalyze(store, [stages.get("entities")]).articles == 3
        finally:
            stages.register(ENTITIES)
        guild = entity_store.get(store, "Acme Guild")
        assert {a["alias"] for a in guild["aliases"]} >= {"Acme Workers Guild", "Carla Ruiz", "Ruiz"}
        split_off = entity_store.get(store, "person:nicolas-maduro#maduro")
        assert {a["alias"] for a in split_off["aliases"]} == {"Maduro"}
        assert {a["alias"] for a in entity_store.get(store, "person:nicolas-maduro")["aliases"]} == {"Nicolás Maduro"}
        assert [h["kind"] for h in guild["history"]] == ["rename", "merge"]


def test_one_parse_feeds_stories_and_entities(tmp_path, monkeypatch):
    from newsradar.pipeline import ingest

    from .conftest import EXAMPLES

    store = open_store(f"sqlite:///{tmp_path / 's.db'}")
    ingest([str(EXAMPLES)], store, workers=1)
    texts = []
    original = nlp.parse
    monkeypatch.setattr(nlp, "parse", lambda given, **kw: original((texts.append(t) or t for t in given), **kw))
    articles = analysis.analyze_pending(store).articles
    assert articles > 20 and len(texts) == 2 * articles  # each headline and text parsed once, for every stage
    assert stories.update(store).articles == articles and len(texts) == 2 * articles  # the clusterer parses nothing
    assert stories.update(store).articles == 0


def test_analysis_document_lists_entities_with_aliases(tmp_path):
    from .conftest import EXAMPLES

    path = tmp_path / "doc.json"
    result = runner.invoke(app, ["analyze", str(EXAMPLES), "--db", f"sqlite:///{tmp_path / 's.db'}", "--json", str(path)])
    assert result.exit_code == 0, result.output
    document = json.loads(path.read_text())
    entities = {e["name"]: e for e in document["entities"]}
    for entity in document["entities"]:
        assert {"id", "name", "type", "aliases", "country", "sector", "mentions"} <= set(entity)
        assert entity["name"] in entity["aliases"] and entity["mentions"] >= 1
    assert {"Maduro", "Nicolás Maduro"} <= set(entities["Nicolás Maduro"]["aliases"])
    assert entities["Nicolás Maduro"]["country"] == "VEN"
    assert entities["Venezuela"]["type"] == "GPE" and "Venezuelan" in entities["Venezuela"]["aliases"]


def test_entities_commands(tmp_path):
    from .conftest import EXAMPLES

    db = f"sqlite:///{tmp_path / 's.db'}"
    assert runner.invoke(app, ["ingest", str(EXAMPLES), "--db", db]).exit_code == 0
    listed = [json.loads(line) for line in runner.invoke(app, ["entities", "list", "--db", db, "--json"]).stdout.splitlines()]
    assert listed and listed == sorted(listed, key=lambda e: (-e["mentions"], e["name"]))
    shown = runner.invoke(app, ["entities", "show", "Maduro", "--db", db])
    assert shown.exit_code == 0 and shown.stdout.startswith("Nicolás Maduro  (PERSON, VEN/GOV")
    renamed = runner.invoke(app, ["entities", "rename", "Maduro", "Nicolás Maduro Moros", "--db", db])
    assert renamed.exit_code == 0 and "Nicolás Maduro Moros" in renamed.stdout
    missing = runner.invoke(app, ["entities", "show", "Nobody Atall", "--db", db])
    assert missing.exit_code == 1 and "no entity 'Nobody Atall'" in missing.output
    bad_split = runner.invoke(app, ["entities", "split", "Maduro", "Chávez", "--db", db])
    assert bad_split.exit_code == 1 and "has no mention written 'Chávez'" in bad_split.output
    updated = runner.invoke(app, ["entities", "update", "--db", db])
    assert updated.exit_code == 0 and "0 articles analysed" in updated.output


def test_several_processes_give_the_same_analysis(datasets):
    rows = [json.loads(line) for line in (datasets / "ecbplus-dev" / "ecbplus-dev.jsonl").open(encoding="utf-8")][:24]
    records = [ArticleText(n, r.get("title"), r["text"], None) for n, r in enumerate(rows)]
    one = analysis.analyze_records(records)
    two = analysis.analyze_records(records, n_process=2)
    assert one == two and sum(len(found["entities"]) for _, found in one) > 50


def test_vessels_companies_fleets_and_dateline_places():
    """General rules, on sentences written for this test: a named ship is not a person, a name
    ending in a company word is an organization, a navy's fleet is that navy's wherever the story
    happens, and a place met only in capitals is named as it is usually written."""
    groups = groups_of("PUERTO CABELLO, Venezuela (Wire) — Officials said the container ship Blue Meridian ran "
                       "aground near the port. The freighter Silver Gannet was towed free on Tuesday, according to "
                       "its owner, Kestrel Maritime. The Sixth Fleet said a destroyer was nearby, as did Russia's "
                       "Black Sea Fleet.", date(2025, 6, 1))
    by_alias = {alias: group for group in groups for alias in group.aliases}
    assert by_alias["Blue Meridian"].label == "PRODUCT" and by_alias["Blue Meridian"].country is None
    assert by_alias["Silver Gannet"].label == "PRODUCT"
    assert by_alias["Kestrel Maritime"].label == "ORG"
    assert (by_alias["Sixth Fleet"].country, by_alias["Sixth Fleet"].sector) == ("USA", "MIL")
    assert (by_alias["Black Sea Fleet"].country, by_alias["Black Sea Fleet"].sector) == ("RUS", "MIL")
    assert (by_alias["PUERTO CABELLO"].name, by_alias["PUERTO CABELLO"].label) == ("Puerto Cabello", "GPE")
