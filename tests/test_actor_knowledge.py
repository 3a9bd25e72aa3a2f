"""The world actor knowledge base: the compiled index, date-aware roles, namesakes, the import
command, and what entity pages, the API and the CLI show of it."""

from __future__ import annotations

import json
import lzma
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from newsradar import analysis
from newsradar.actors import code_actor, knowledge
from newsradar.actors.knowledge import KnownActor, KnownRole, normalize
from newsradar.cli import app as cli_app
from newsradar.pipeline import ingest
from newsradar.store import entities as entity_store
from newsradar.store import open_store
from newsradar.web.app import create_app
from newsradar.web.security import Auth


def code(text: str, day: str | None = None, context: str | None = None) -> tuple:
    result = code_actor(text, date.fromisoformat(day) if day else None, context=context)
    return result.country, result.sector


def person(*roles: KnownRole) -> KnownActor:
    return KnownActor("kb:test", "Test Person", "person", (), roles, None)


def test_names_are_normalized_as_the_data_set_says():
    assert normalize("Kassym-Jomart  Tokayev") == normalize("KASSYM_JOMART TOKAYEV") == "kassym jomart tokayev"
    assert normalize("Zoran Đinđić") == "zoran dindic"
    assert normalize("U.S. (Army)") == "us army"


def test_a_former_head_of_government_is_an_elite_after_the_term():
    pm = KnownRole("BGR", "GOV", "2017-05-04", "2021-05-12", "wikidata", "Prime Minister")
    assert person(pm).role_on(date(2019, 1, 1))[:2] == ("BGR", "GOV")
    assert person(pm).role_on(date(2022, 1, 1))[:2] == ("BGR", "ELI")
    # a minister's term ending makes no elite of them; a later role says what they are
    minister = KnownRole("BGR", "GOV", "2010", "2012", "wikidata", "Minister of Finance")
    assert person(minister).role_on(date(2015, 1, 1))[:2] == ("BGR", "GOV")
    later = KnownRole("BGR", "LEG", "2021-06", None, "everypolitician", "National Assembly")
    assert person(pm, later).role_on(date(2022, 1, 1))[:2] == ("BGR", "LEG")
    assert not KnownRole("USA", "GOV", None, None, "wikidata", "Vice President").head


def test_an_old_open_ended_role_gives_way_to_a_newer_source_that_saw_it_end():
    stale = KnownRole("BGR", "GOV", "2009-09-01", None, "phoenix")  # Phoenix stops in 2015
    term = KnownRole("BGR", "GOV", "2017-05-04", "2021-05-12", "wikidata", "Prime Minister")
    assert person(stale, term).role_on(date(2023, 6, 1))[:2] == ("BGR", "ELI")
    assert person(stale).role_on(date(2023, 6, 1))[:2] == ("BGR", "GOV")  # nothing says it ended


def test_partial_dates_and_roles_not_yet_begun():
    role = KnownRole("ARM", "GOV", "2018-05", "2021", "wikidata", "Prime Minister")
    assert role.holds(date(2018, 5, 1)) and role.holds(date(2021, 12, 31))
    assert not role.holds(date(2018, 4, 30)) and not role.holds(date(2022, 1, 1))
    assert person(role).role_on(date(2010, 1, 1)) == ("ARM", None, None)


@pytest.mark.parametrize("text,day,expected", [
    ("Kazakh President Kassym-Jomart Tokayev", "2022-01-06", ("KAZ", "GOV")),
    ("Nikol Pashinyan", "2021-09-01", ("ARM", "GOV")),
    ("former Bulgarian prime minister Boyko Borisov", "2022-11-20", ("BGR", "ELI")),
    ("Boyko Borisov", "2023-06-01", ("BGR", "ELI")),  # out of office: the rule, not a word of the phrase
    ("Bulgarian Prime Minister Boyko Borisov", "2019-03-12", ("BGR", "GOV")),
    ("Mexico's ruling PRI", "2014-08-01", ("MEX", "PTY")),
    ("the rebel FDLR force", "2012-05-14", ("RWA", "REB")),
    ("President Francois Mitterand", "1990-01-01", ("FRA", "GOV")),  # a typo in a titled name
    ("President Suharto", "1990-01-01", ("IDN", "GOV")),  # known by one name
])
def test_the_knowledge_base_codes_actors_our_dictionary_does_not_know(text, day, expected):
    assert code(text, day) == expected


def test_hand_words_are_not_taken_for_knowledge_names():
    assert code("United States") == ("USA", None)  # not the party "United"
    assert code("U.S. border patrol", "2019-01-01") == ("USA", "COP")
    assert code("Nigeria's Senate", "2022-05-01") == ("NGA", "LEG")  # not the US Senate
    assert code("Serbian Labour Minister Dragan Milovanovic", "1995-01-01")[0] == "SRB"  # not Britain's Labour


def test_namesakes_are_told_apart_by_the_country_named():
    pri = code_actor("PRI", date(2014, 1, 1), context="Mexico's PRI won the vote in Sinaloa.")
    assert pri.country == "MEX"
    lowercase = code_actor("the pri", date(2014, 1, 1))  # an acronym must be written in capitals
    assert lowercase.entity_id is None


def test_knowledge_off_leaves_the_hand_dictionary(monkeypatch):
    monkeypatch.setenv("NEWSRADAR_ACTORS_INDEX", "off")
    assert knowledge.knowledge() is None
    assert code("Kazakh President Kassym-Jomart Tokayev", "2022-01-06") == ("KAZ", "GOV")  # from the words
    assert code("Nikol Pashinyan", "2021-09-01") == (None, None)


def small_source(path: Path) -> Path:
    rows = [{"name": "Ilse Varnholt", "aliases": ["I. Varnholt"], "type": "person",
             "roles": [{"country": "AUT", "sector": "GOV", "start": "2001-02-01", "end": "2004-03-31",
                        "source": "wikidata", "title": "Chancellor"}], "sources": ["wikidata"], "wikidata": ["Q1"]},
            {"name": "Front for Quiet Valleys", "aliases": ["FQV", "Фронт"], "type": "group",
             "roles": [{"country": "PER", "sector": "REB", "start": None, "end": None, "source": "ucdp"}],
             "sources": ["ucdp"]},
            {"name": "Нет латиницы", "aliases": [], "type": "person",
             "roles": [{"country": "RUS", "sector": "LEG", "start": None, "end": None, "source": "everypolitician"}]}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_import_compiles_a_source_in_place_of_the_shipped_one(tmp_path, monkeypatch):
    index = tmp_path / "index.sqlite"
    monkeypatch.setenv("NEWSRADAR_ACTORS_INDEX", str(index))
    runner = CliRunner()
    result = runner.invoke(cli_app, ["actors", "import", str(small_source(tmp_path / "actors.jsonl"))])
    assert result.exit_code == 0, result.output
    assert "2 actors" in result.output  # the one written only in Cyrillic is left out
    assert code("Chancellor Ilse Varnholt", "2002-01-01") == ("AUT", "GOV")
    assert code("Ilse Varnholt", "2010-01-01") == ("AUT", "ELI")
    # an acronym one source knows is taken where the sentence places it, not on its own
    assert code("FQV fighters", "2010-01-01", context="FQV fighters attacked a patrol in Peru.") == ("PER", "REB")
    assert code("FQV fighters", "2010-01-01") == (None, "REB")
    info = json.loads(runner.invoke(cli_app, ["actors", "info", "--json"]).output)
    assert info["actors"] == 2 and info["origin"].startswith("import:")
    # a file with no usable actor is refused in one line, and the index in use is kept
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"name": "No Roles"}\n', encoding="utf-8")
    result = runner.invoke(cli_app, ["actors", "import", str(bad)])
    assert result.exit_code == 1
    assert "holds no actor" in result.output and len(result.output.strip().splitlines()) == 1
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"name": "Ilse"\n', encoding="utf-8")
    result = runner.invoke(cli_app, ["actors", "import", str(broken)])
    assert result.exit_code == 1 and "broken.jsonl:1" in result.output
    assert json.loads(runner.invoke(cli_app, ["actors", "info", "--json"]).output)["actors"] == 2
    assert not list(tmp_path.glob(".*partial"))


def test_the_shipped_file_is_compact_and_its_notice_travels_with_it():
    assert knowledge.SHIPPED.stat().st_size < 3_000_000
    with lzma.open(knowledge.SHIPPED, "rt", encoding="utf-8") as lines:
        first = json.loads(next(lines))
    name, aliases, letter, roles, _qid = first
    assert isinstance(name, str) and letter in knowledge.TYPES and roles and len(roles[0]) == 7
    notice = knowledge.NOTICE.read_text(encoding="utf-8")
    for needed in ("CC BY 4.0", "Uppsala Conflict Data Program", "Open Event Data Alliance", "Party Facts authors",
                   "EveryPolitician", "Wikidata", "GeoNames"):
        assert needed in notice


def test_a_changed_shipped_file_recompiles_the_index(tmp_path, monkeypatch):
    index = tmp_path / "index.sqlite"
    knowledge.build(iter([["Ilse Varnholt", [], "p", [["AUT", "GOV", None, None, "wikidata", None, None]], None]]),
                    index, "shipped:0000")  # compiled from an older shipped file
    monkeypatch.setenv("NEWSRADAR_ACTORS_INDEX", str(index))
    knowledge.ensure(index)
    with sqlite3.connect(index) as conn:
        assert dict(conn.execute("SELECT key, value FROM meta"))["origin"] == knowledge.shipped_origin()


def test_entity_pages_show_the_roles_and_their_sources(tmp_path):
    source = tmp_path / "armenia.jsonl"
    source.write_text(json.dumps({
        "id": "a1", "title": "Pashinyan meets Aliyev in Brussels", "published": "2023-05-14",
        "outlet": "The Meridian Post", "url": "https://example.org/a1",
        "text": "Armenian Prime Minister Nikol Pashinyan met Azerbaijani President Ilham Aliyev on Sunday. "
                "Pashinyan said the talks were difficult."}) + "\n", encoding="utf-8")
    with open_store(f"sqlite:///{tmp_path / 'k.db'}") as store:
        ingest([str(source)], store, workers=1)
        analysis.analyze_pending(store)
        found = [e for e in entity_store.listing(store, 50, 0, "PERSON", "Pashinyan")]
        assert found and found[0]["country"] == "ARM" and found[0]["sector"] == "GOV"
        client = TestClient(create_app(store=store, auth=Auth("", "public")))
        page = client.get(f"/entities/{found[0]['id']}").text
        assert "Roles" in page and "Prime Minister" in page and "Wikidata" in page and "2018-05-08" in page
        known = client.get(f"/api/v1/entities/{found[0]['id']}").json()["known"]
        assert known["ref"] == "kb:Q7035479" and any(r["source"] == "wikidata" for r in known["roles"])
        assert "Uppsala" in client.get("/about/actor-knowledge").text


@pytest.mark.parametrize("text,expected", [
    ("Cizre", ("TUR", None)),  # a town of GeoNames
    ("residents of Kherson", ("UKR", "CVL")),
    ("King Hassan of Morocco", ("MAR", "GOV")),  # the country named, not the Indian town Hassan
    ("NATO-member Norway", ("NOR", None)),  # the head, not the modifier
    ("US-backed Syrian rebels", ("SYR", "REB")),
    ("Saudi-led coalition", ("SAU", None)),  # a modifier alone still names the country
    ("Treasury Secretary Scott Bessent", ("USA", "GOV")),  # our "Treasury" beats the agent noun
])
def test_general_rules_for_places_and_modifiers(text, expected):
    assert code(text, "2020-01-01") == expected


def test_a_name_inside_a_longer_proper_name_is_not_taken():
    # "Network" is a Slovak party and "Ibarra" an Ecuadorian town; here they are parts of other names
    assert code("Denver Immigrant Legal Network", "2025-01-01") == (None, None)
    assert code("Carmen Ibarra", "2025-01-01") == (None, None)
    assert code("Ahmet Cizre Yilmaz", "2025-01-01") == (None, None)


def test_our_entry_keeps_its_identity_when_the_knowledge_base_names_it_too():
    found = code_actor("House Armed Services Committee", date(2025, 3, 1))
    assert found.entity_id == "org:united-states-congress" and found.country == "USA"


def test_a_country_written_before_the_phrase_in_its_sentence_owns_it():
    sentence = "Chile's Defense Department said the exercise would go ahead in Valparaiso."
    assert code("the Defense Department", "2023-05-01", context=sentence)[0] == "CHL"
    # without such a word the phrase is what our dictionary says, whatever else the sentence names
    assert code("the Defense Department", "2023-05-01",
                context="The Defense Department said Iran had moved missiles.") == ("USA", "MIL")


def test_common_names_and_words_of_an_article_are_not_taken_for_namesakes():
    from newsradar.analysis import analyze_records
    from newsradar.stages import ENTITIES, ArticleText

    texts = ["Apple said on Tuesday its new phone would ship in March. The company told AFP that demand was "
             "strong. Apple shares rose.",
             "The club signed John Smith, a defender. Maria Garcia and Robert Johnson, fans, cheered. "
             "Mayor John Smyth spoke.",
             "Armenian Prime Minister Nikol Pashinyan met Azerbaijani President Ilham Aliyev in Brussels."]
    found = {}
    for number, text in enumerate(texts):
        [(_, results)] = analyze_records([ArticleText(number, None, text, None)], [ENTITIES])
        found.update({e.name: e for e in results["entities"]})
    for name in ("Apple", "AFP", "John Smith", "Maria Garcia", "Robert Johnson", "John Smyth"):
        assert found[name].country is None and not (found[name].dictionary_id or "").startswith("kb:"), found[name]
    assert found["Nikol Pashinyan"].dictionary_id == "kb:Q7035479"  # a distinctive name is still linked


def test_a_party_named_by_one_word_needs_its_country():
    assert code_actor("Labor", date(2022, 5, 21)).entity_id is None
    labor = code_actor("Labor", date(2022, 5, 21), context="Labor won the federal election in Australia.")
    assert labor.country == "AUS"


@pytest.mark.parametrize("field,value", [("start", "2001-00-00"), ("start", "+2004-03-31T00:00:00Z"),
                                         ("end", 2004), ("end", "2003-13")])
def test_an_import_with_a_malformed_date_is_refused_and_names_the_line(tmp_path, monkeypatch, field, value):
    monkeypatch.setenv("NEWSRADAR_ACTORS_INDEX", str(tmp_path / "index.sqlite"))
    role = {"country": "AUT", "sector": "GOV", "start": "2001", "end": None, "source": "wikidata", field: value}
    source = tmp_path / "actors.jsonl"
    source.write_text(json.dumps({"name": "Ilse Varnholt", "type": "person", "roles": [role]}) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli_app, ["actors", "import", str(source)])
    assert result.exit_code == 1
    assert f"actors.jsonl:1: a role's date {value!r} is not an ISO date" in result.output
    bad_roles = tmp_path / "roles.jsonl"
    bad_roles.write_text(json.dumps({"name": "Ilse Varnholt", "roles": ["GOV"]}) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli_app, ["actors", "import", str(bad_roles)])
    assert result.exit_code == 1 and '"roles" is not a list of objects' in result.output


def test_an_index_that_is_current_needs_no_lock_and_one_that_cannot_be_compiled_says_why(tmp_path, monkeypatch):
    from newsradar.errors import SettingsError

    index = tmp_path / "index.sqlite"
    knowledge.build(knowledge.read_source(knowledge.SHIPPED), index, knowledge.shipped_origin())

    def read_only(path):  # what opening the lock file does in a read-only directory
        raise OSError(30, "Read-only file system")
    monkeypatch.setattr(knowledge, "_build_lock", read_only)
    knowledge._open.cache_clear()
    try:
        monkeypatch.setenv("NEWSRADAR_ACTORS_INDEX", str(index))
        assert code("Nikol Pashinyan", "2021-09-01") == ("ARM", "GOV")
        monkeypatch.setenv("NEWSRADAR_ACTORS_INDEX", str(tmp_path / "missing.sqlite"))
        with pytest.raises(SettingsError, match=r"cannot compile the actor knowledge index .* \(Read-only file system\)"):
            knowledge.knowledge()
    finally:
        knowledge._open.cache_clear()


def test_lookups_from_many_threads_agree():
    from concurrent.futures import ThreadPoolExecutor

    base = knowledge.knowledge()
    keys = ["nikol pashinyan", "boyko borisov", "kassym jomart tokayev", "fdlr", "taliban"]

    def ask(n: int) -> bool:
        if n % 50 == 0:
            base._found.clear()
        return all(base.find([k]).get(k) for k in keys)

    with ThreadPoolExecutor(6) as pool:
        assert all(pool.map(ask, range(600)))


def test_ids_of_actors_without_a_wikidata_item_are_stable_across_compiles(tmp_path):
    rows = list(knowledge.read_source(small_source(tmp_path / "actors.jsonl")))
    first, second = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    knowledge.build(iter(rows), first, "import:a")
    knowledge.build(iter(reversed(rows)), second, "import:b")
    refs = [sorted(r for (r,) in sqlite3.connect(p).execute("SELECT ref FROM actors")) for p in (first, second)]
    assert refs[0] == refs[1] and any(r.startswith("kb:front-for-quiet-valleys-per-") for r in refs[0])


def test_packing_writes_the_compact_form_the_importer_reads(tmp_path):
    from newsradar.actors.packing import pack

    packed = tmp_path / "packed.jsonl.xz"
    assert pack(small_source(tmp_path / "actors.jsonl"), packed) == 2
    rows = list(knowledge.read_source(packed))
    assert [r[0] for r in rows] == ["Ilse Varnholt", "Front for Quiet Valleys"]
    assert rows[1][1] == ["FQV"]  # the Cyrillic alias is left out


def test_an_entity_page_without_a_usable_index_still_shows_the_entity(monkeypatch, tmp_path):
    from newsradar.actors.profile import profile

    def read_only(path):
        raise OSError(30, "Read-only file system")
    monkeypatch.setattr(knowledge, "_build_lock", read_only)
    monkeypatch.setenv("NEWSRADAR_ACTORS_INDEX", str(tmp_path / "missing.sqlite"))
    knowledge._open.cache_clear()
    try:
        assert profile("kb:Q7035479") is None
        assert profile("person:nicolas-maduro")["roles"]  # our own entries need no index
    finally:
        knowledge._open.cache_clear()
