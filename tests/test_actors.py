"""Actor coding: the dictionary, the rules that give country and sector, dates, and the `actor`
command exactly as CONTRACT.md specifies."""

from __future__ import annotations

import json
from datetime import date

import pytest
from typer.testing import CliRunner

from newsradar.actors import code_actor, load_dictionary
from newsradar.actors.dictionary import _load, tokens
from newsradar.cli import app

runner = CliRunner()


def code(text: str, day: str | None = None, context: str | None = None) -> tuple:
    result = code_actor(text, date.fromisoformat(day) if day else None, context=context)
    return result.country, result.sector


@pytest.mark.parametrize("text,day,expected", [
    ("US Senator Marco Rubio", "2022-03-01", ("USA", "LEG")),
    ("Marco Rubio", "2025-06-01", ("USA", "GOV")),
    ("Rubio", "2022-03-01", ("USA", "LEG")),
    ("four Saudi men", None, ("SAU", "CVL")),
    ("riot police", None, (None, "COP")),
    ("the Venezuelan regime", None, ("VEN", "GOV")),
    ("Venezuela", None, ("VEN", None)),
    ("the Kremlin", None, ("RUS", "GOV")),
    ("Caracas", None, ("VEN", "GOV")),
    ("the International Atomic Energy Agency", None, ("IGO", "IGO")),
    ("IAEA", None, ("IGO", "IGO")),
    ("Tren de Aragua", None, ("VEN", "CRM")),
    ("TdA", None, ("VEN", "CRM")),
    ("Cartel of the Suns", None, ("VEN", "CRM")),
    ("Israeli army", None, ("ISR", "MIL")),
    ("Libyans", None, ("LBY", "CVL")),
    ("Afghan rebel leaders", None, ("AFG", "REB")),
    ("UN peacekeepers", None, ("IGO", "MIL")),
    ("Nicolás Maduro", "2010-05-01", ("VEN", "GOV")),
    ("Afganistan", None, ("AFG", None)),  # a typo of a country name
    ("Vietnamese-led forces", None, ("VNM", "MIL")),
])
def test_coding_examples(text, day, expected):
    assert code(text, day) == expected


def test_acronyms_need_their_capitals():
    assert code_actor("US").country == "USA" and code_actor("U.S.").country == "USA"
    assert code_actor("us").country is None
    assert code_actor("who").name == "who" and code_actor("WHO").country == "IGO"


def test_spanish_and_english_names_are_one_entity():
    ids = {code_actor(name).entity_id for name in ("Cartel de los Soles", "Cartel of the Suns")}
    assert ids == {"org:cartel-de-los-soles"}
    ids = {code_actor(name).entity_id for name in ("ELN", "National Liberation Army", "Ejército de Liberación Nacional")}
    assert len(ids) == 1


def test_office_holders_by_date():
    assert code("Vladimir Putin", "2010-01-01") == ("RUS", "GOV")
    assert code_actor("Donald Trump", date(2016, 6, 1)).sector == "BUS"
    assert code_actor("Donald Trump", date(2025, 6, 1)).sector == "GOV"
    assert code_actor("Kaja Kallas", date(2022, 1, 1)).country == "EST"
    assert code_actor("Kaja Kallas", date(2025, 1, 1)).country == "IGO"


def test_context_gives_a_country_to_a_phrase_that_names_none():
    # a general no dictionary knows (invented), placed by the country his sentence names
    sentence = "Lt. Gen. Ramiro Quolteza resigned yesterday to allow Haiti's first democratic elections."
    assert code("Lt. Gen. Ramiro Quolteza", context=sentence) == ("HTI", "MIL")
    assert code("ethnic Albanians", context="Up to 100 ethnic Albanians demonstrated in Serbia.") == ("SRB", "CVL")
    assert code("Lt. Gen. Ramiro Quolteza") == (None, "MIL")


def test_every_country_is_in_the_dictionary():
    import pycountry

    dictionary = load_dictionary()
    for country in pycountry.countries:
        assert f"country:{country.alpha_3}" in dictionary.actors
    assert code_actor("Côte d'Ivoire").country == "CIV" and code_actor("Ivory Coast").country == "CIV"


def test_tokens_fold_possessives_and_typographic_quotes():
    assert tokens("Venezuela’s dictator") == ["Venezuela", "dictator"]
    assert tokens("the U.S. Navy") == ["the", "U.S.", "Navy"]


def test_users_extend_the_dictionary(tmp_path, monkeypatch):
    extra = tmp_path / "actors.yaml"
    extra.write_text("people:\n  - name: Ana Example\n    aliases: [Example]\n    roles:\n"
                     "      - {country: CHL, sector: JUD, title: Judge, from: 2020-01-01}\n"
                     "organizations:\n  - {name: Banda Ejemplo, aliases: [BEJ], country: PER, sector: CRM}\n")
    monkeypatch.setenv("NEWSRADAR_ACTORS_FILE", str(extra))
    _load.cache_clear()
    try:
        assert code("Judge Ana Example", "2024-01-01") == ("CHL", "JUD")
        assert code("BEJ") == ("PER", "CRM")
        assert code("Maduro") == ("VEN", "GOV")  # ours are still there
    finally:
        monkeypatch.delenv("NEWSRADAR_ACTORS_FILE")
        _load.cache_clear()


def test_actor_command_prints_the_contract_object():
    result = runner.invoke(app, ["actor", "US Senator Marco Rubio", "--date", "2022-03-01"])
    assert result.exit_code == 0
    record = json.loads(result.stdout)
    assert set(record) >= {"text", "name", "country", "sector", "entity_id"}
    assert (record["text"], record["name"], record["country"], record["sector"]) == \
        ("US Senator Marco Rubio", "Marco Rubio", "USA", "LEG")
    later = json.loads(runner.invoke(app, ["actor", "Marco Rubio", "--date", "2025-03-01"]).stdout)
    assert later["sector"] == "GOV" and later["entity_id"] == record["entity_id"]


def test_actor_jsonl_keeps_the_order(tmp_path):
    lines = [{"text": "riot police"}, {"text": "Rubio", "date": "2022-03-01"}, {"text": "Rubio", "date": "2025-03-01"},
             {"text": "the Venezuelan regime", "date": None}]
    path = tmp_path / "actors.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    result = runner.invoke(app, ["actor", "--jsonl", str(path)])
    assert result.exit_code == 0
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["text"] for r in records] == [line["text"] for line in lines]
    assert [r["sector"] for r in records] == ["COP", "LEG", "GOV", "GOV"]
    from_stdin = runner.invoke(app, ["actor", "--jsonl", "-"], input=path.read_text())
    assert from_stdin.stdout == result.stdout


def test_actor_command_errors_are_one_line(tmp_path):
    assert runner.invoke(app, ["actor"]).exit_code == 1
    bad = runner.invoke(app, ["actor", "Rubio", "--date", "yesterday"])
    assert bad.exit_code == 1 and "--date 'yesterday' is not a full date" in bad.output
    partial = runner.invoke(app, ["actor", "Rubio", "--date", "2022"])  # never completed from today
    assert partial.exit_code == 1 and "not a full date" in partial.output
    path = tmp_path / "bad.jsonl"
    path.write_text('not json\n{"nope": 1}\n')
    broken = runner.invoke(app, ["actor", "--jsonl", str(path)])
    assert broken.exit_code == 1 and "no line could be resolved" in broken.stderr


def test_actor_jsonl_answers_a_bad_line_in_its_place_reads_written_dates_and_uses_context(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join([json.dumps({"text": "Rubio", "date": "12 April 2022"}),
                               "not json",
                               json.dumps({"text": "Rubio", "date": "someday"}),
                               json.dumps({"text": "the defense ministry", "date": "2025-03-01",
                                           "context": "Chile's defense ministry said on Monday it would send ships."}),
                               json.dumps({"text": "Rubio", "date": "March 3, 2025"})]) + "\n")
    result = runner.invoke(app, ["actor", "--jsonl", str(path)])
    assert result.exit_code == 0, result.output
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(answers) == 5
    assert (answers[0]["sector"], answers[4]["sector"]) == ("LEG", "GOV")  # dates as people write them
    assert answers[1] == {"text": None, "error": "not JSON"}
    assert answers[2]["text"] == "Rubio" and "not a full date" in answers[2]["error"]
    assert answers[3]["country"] == "CHL"  # the sentence gives the country
    assert "line 2" in result.stderr and "line 3" in result.stderr
