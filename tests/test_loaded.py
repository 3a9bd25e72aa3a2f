"""Loaded language (``newsradar.framing.loaded``) on sentences written for these tests."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def nlp():
    from newsradar import nlp as model

    return model.load(())


def hits(nlp, text: str, **kwargs) -> list[dict]:
    from newsradar.framing.loaded import find_loaded

    doc = nlp(text)
    found = find_loaded(doc, **kwargs)
    for hit in found:
        assert doc.text[hit["start"]:hit["end"]] == hit["text"]
    return found


def by_text(found: list[dict]) -> dict[str, dict]:
    return {h["text"]: h for h in found}


@pytest.mark.parametrize("text, term, category", [
    ("The mayor said the migrants were vermin who would infest the city.", "vermin", "dehumanizing"),
    ("Police described the crowd outside the stadium as thugs.", "thugs", "criminalizing"),
    ("The so-called committee met behind the town hall on Monday.", "so-called", "delegitimizing"),
    ("The much-vaunted bridge project opened two years late.", "much-vaunted", "sarcasm"),
    ("The council's budget was utterly unrealistic, the auditor found.", "utterly", "intensifier"),
    ("The report cites collateral damage from the strikes on the valley.", "collateral damage", "euphemism"),
    ("The governor slammed the new tax at a rally in the capital.", "slammed", "emotive_verb"),
    ("A radical faction took over the party's youth wing last spring.", "radical", "pejorative"),
    ("The lawmakers lashed out at the agency on Thursday.", "lashed out", "emotive_verb"),
    ("The coach was hailed as a visionary by the club's fans.", "visionary", "laudatory"),
])
def test_each_category_with_offsets(nlp, text, term, category):
    found = by_text(hits(nlp, text))
    assert term in found, found
    assert found[term]["category"] == category
    assert found[term]["in_quote"] is False
    assert text.index(term) == found[term]["start"]


def test_regime_change_is_a_policy_name_but_the_regime_is_a_label(nlp):
    assert not [h for h in hits(nlp, "The senator has long argued for regime change in the island nation.")
                if "regime" in h["text"]]
    found = by_text(hits(nlp, "The regime jailed three reporters last week."))
    assert found["regime"]["category"] == "delegitimizing"
    assert found["regime"]["start"] == 4


def test_scare_quotes_but_not_a_quoted_statement(nlp):
    text = 'Delegates left the "peace" talks early after the second round.'
    found = [h for h in hits(nlp, text) if h["rule"] == "scare_quotes"]
    assert [(h["text"], h["category"]) for h in found] == [('"peace"', "delegitimizing")]
    assert found[0]["start"] == text.index('"peace"')
    assert not [h for h in hits(nlp, '"We will win," he said.') if h["rule"] == "scare_quotes"]
    assert not [h for h in hits(nlp, 'She called the proposal "a trap" at the meeting.') if h["rule"] == "scare_quotes"]


def test_a_term_inside_a_direct_quote_is_the_speakers(nlp):
    text = "“They are nothing but thugs,” the sheriff said of the protesters."
    found = by_text(hits(nlp, text))
    assert found["thugs"]["in_quote"] is True
    given = by_text(hits(nlp, text, quotes=[(1, text.index("”"), "the sheriff")]))
    assert given["thugs"]["in_quote"] is True and given["thugs"]["speaker"] == "the sheriff"
    outside = by_text(hits(nlp, "The sheriff described the protesters as thugs."))
    assert outside["thugs"]["in_quote"] is False


def test_outlet_terms_leave_out_quotes(nlp):
    from newsradar.framing.loaded import outlet_terms

    found = hits(nlp, "The minister blasted the plan. “It is a disgraceful sham,” she said.")
    assert [h["text"] for h in outlet_terms(found)] == ["blasted"]


def test_negation_is_marked(nlp):
    found = by_text(hits(nlp, "The protesters were not thugs, the judge ruled."))
    assert found["thugs"]["negated"] is True


def test_exclamation_in_the_writers_voice_only(nlp):
    assert [h["rule"] for h in hits(nlp, "And then the bill passed anyway!")] == ["exclamation"]
    assert not [h for h in hits(nlp, '"Stop right there!" the officer said.') if h["rule"] == "exclamation"]


def test_a_neutral_wire_sentence_has_no_terms(nlp):
    assert hits(nlp, "The central bank raised its benchmark interest rate by a quarter point on Tuesday, "
                     "officials said, citing inflation that remained above its target.") == []


def test_names_are_not_terms(nlp):
    assert not hits(nlp, "Representative Louise Slaughter spoke with Senator Hawk on Tuesday.")


@pytest.mark.parametrize("text", [
    "THE SENATOR SLAMMED THE SO-CALLED REFORM AS A SHAM!!!",
    "🔥🔥 thugs 🔥 regime 😡 “peace” 🙃",
    "", "   ", "“", "\"\"\"\"", "!!!", "so-called", "‘’“”«»",
])
def test_all_caps_emoji_and_odd_text_without_exception(nlp, text):
    found = hits(nlp, text)
    assert isinstance(found, list)


def test_all_caps_still_finds_terms(nlp):
    found = {h["rule"] for h in hits(nlp, "THE SENATOR SLAMMED THE SO-CALLED REFORM AS A SHAM")}
    assert {"lexicon:slam", "lexicon:so-called", "lexicon:sham"} <= found


def test_the_lexicon_loads_once_with_its_categories():
    from newsradar.framing.loaded import lexicon

    assert lexicon() is lexicon()
    expected = {"dehumanizing", "criminalizing", "delegitimizing", "sarcasm", "intensifier", "euphemism",
                "emotive_verb", "pejorative"}
    assert expected <= set(lexicon().categories)


def test_a_lexicon_of_our_own_with_constraints(nlp):
    from newsradar.framing import loaded

    lexicon = loaded.build({"categories": {"emotive_verb": [{"term": "blast", "pos": ["VERB"]}]}})
    assert [e.pos for e in lexicon.entries["blast"]] == [frozenset({"VERB"})]
    with pytest.raises(loaded.NewsradarError):
        loaded.build({"categories": {"x": [{"pos": ["VERB"]}]}})
