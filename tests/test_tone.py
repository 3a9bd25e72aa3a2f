"""Tone: the V2Tone-shaped article tone and its arithmetic, negation, tone toward entities from the
words linked to their mentions only, a quotation's tone toward its target and not its speaker, and
no tone (with a reason, never an exception) for input the lexicon cannot read fairly. The
sentences are our own; the benchmark is BASIL (bench/framing_tone.py)."""

from __future__ import annotations

import pytest

from newsradar import nlp
from newsradar.framing import tone
from newsradar.quotemarks import quote_spans

V2TONE = {"tone", "positive", "negative", "polarity", "activity_density", "self_group_density", "word_count"}


@pytest.fixture(scope="module")
def parse():
    model = nlp.load(())
    return model


def mentions_of(doc, *names: str) -> list[tuple[int, int, str]]:
    """Every occurrence of each name in the Doc, keyed by the name."""
    out = []
    for name in names:
        start = doc.text.find(name)
        while start >= 0:
            out.append((start, start + len(name), name))
            start = doc.text.find(name, start + 1)
    return out


def tones(doc, *names: str, quotes=None, people=None) -> dict[str, float | None]:
    return {key: tally.tone for key, tally in tone.entity_tone(doc, mentions_of(doc, *names), quotes, people).items()}


# --- the article's tone ---------------------------------------------------------------------------


def test_v2tone_fields_and_arithmetic(parse):
    title = parse("A good day for the brave rescuers")
    text = parse("The storm destroyed homes and killed two people. We thank the wonderful volunteers who "
                 "helped us rebuild. Officials said the damage was terrible.")
    result, reason = tone.article_tone([title, text])
    assert reason is None and set(result) == V2TONE
    words = sum(1 for doc in (title, text) for t in doc if any(ch.isalpha() for ch in t.text))
    assert result["word_count"] == words
    assert result["tone"] == pytest.approx(result["positive"] - result["negative"], abs=1e-3)
    assert result["polarity"] == pytest.approx(result["positive"] + result["negative"], abs=1e-3)
    assert result["polarity"] >= abs(result["tone"])
    assert result["positive"] > 0 and result["negative"] > 0
    # "We", "us": two first-person words; "destroyed", "killed", "thank", "helped", "rebuild": actions
    assert result["self_group_density"] == pytest.approx(100 * 2 / words, abs=1e-3)
    assert result["activity_density"] > 0
    for name in ("positive", "negative", "polarity", "activity_density", "self_group_density"):
        assert 0 <= result[name] <= 100


def test_article_negation_flips(parse):
    good, _ = tone.article_tone([parse("The new plan is good for the families of the town.")])
    not_good, _ = tone.article_tone([parse("The new plan is not good for the families of the town.")])
    assert good["tone"] > 0 and not_good["tone"] < 0
    # a negator before a verb is the verb's, not the object's: "good" stays good here
    mixed, _ = tone.article_tone([parse("The council did not support the good plan.")])
    assert mixed["positive"] > 0 and mixed["negative"] > 0


def test_names_are_not_feelings(parse):
    result, _ = tone.article_tone([parse("Hope Hicks met officials of the United Nations in Geneva on Monday.")])
    assert result["polarity"] == 0


@pytest.mark.parametrize("text, language, words", [
    ("", None, "empty"),
    ("   \n\n  ", None, "empty"),
    ("🙂🙂🔥 👍", None, "emoji"),
    ("12 34 — 56 !!", None, "no words"),
    ("THE PRESIDENT IS A DISGRACE AND EVERYONE KNOWS IT, SAYS THE CROWD", None, "capitals"),
    ("Le président a été vivement critiqué par les députés de l'opposition hier soir à Paris.", None, "not English"),
    ("Президент заявил, что переговоры продолжатся на следующей неделе в Москве.", None, "not English"),
    ("The president said the talks would continue next week.", "fr", "not English (fr)"),
    ("“We will win this war. Our soldiers are brave and our cause is just, and nothing will stop us.”",
     None, "only quotations"),
])
def test_no_tone_with_a_reason(parse, text, language, words):
    result, reason = tone.article_tone([parse(text)], language=language)
    assert result is None
    assert reason and words in reason and "\n" not in reason


def test_english_declared_or_not_is_read(parse):
    for language in (None, "en", "en-US"):
        result, reason = tone.article_tone([parse("The mayor praised the brave firefighters.")], language=language)
        assert reason is None and result["positive"] > 0


def test_bad_input_never_raises(parse):
    for text in ("\u200b", "???", "a", "I", "“”", "\"", "🙂 good 🙂", "x" * 500, "no. no. no."):
        result, reason = tone.article_tone([parse(text)])
        assert (result is None) != (reason is None)
        doc = parse(text)
        assert isinstance(tone.entity_tone(doc, [(0, len(text), "k")], [(0, len(text), "k")], {"k": ()}), dict)
    assert tone.article_tone([]) == (None, "empty: no words to read")


# --- tone toward entities ---------------------------------------------------------------------------


def test_entity_tone_from_linked_words_only(parse):
    doc = parse("The dishonest Jones sat next to Smith at the dinner.")
    found = tones(doc, "Jones", "Smith")
    assert found["Jones"] < 0
    assert found["Smith"] is None  # a hostile word about Jones in the same sentence does not hit Smith


def test_entity_tone_as_subject_object_and_possessor(parse):
    assert tones(parse("Critics attacked Smith on Monday."), "Smith")["Smith"] < 0
    assert tones(parse("Smith was honest and generous."), "Smith")["Smith"] > 0
    assert tones(parse("Smith's disastrous policy was dropped."), "Smith")["Smith"] < 0
    assert tones(parse("The mayor praised Smith."), "Smith")["Smith"] > 0


def test_entity_negation_flips(parse):
    assert tones(parse("Smith was honest."), "Smith")["Smith"] > 0
    assert tones(parse("Smith was not honest."), "Smith")["Smith"] < 0
    assert tones(parse("Smith did not fail."), "Smith")["Smith"] > 0


def test_intensifier_and_hedge_scale_the_size(parse):
    plain = tones(parse("Smith was wrong."), "Smith")["Smith"]
    strong = tones(parse("Smith was very wrong."), "Smith")["Smith"]
    hedged = tones(parse("Smith was somewhat wrong."), "Smith")["Smith"]
    assert strong < plain < hedged < 0


def test_a_quote_counts_toward_its_target_not_its_speaker(parse):
    text = "“Jones is a dishonest coward,” Smith said on Tuesday."
    doc = parse(text)
    quotes = [(start, end, "Smith") for start, end, _ in quote_spans(text)]
    found = tones(doc, "Jones", "Smith", quotes=quotes)
    assert found["Jones"] < 0
    assert found["Smith"] is None
    # the speaker gets nothing from a quotation even when it names nobody
    text = "“This is a terrible, shameful and disgusting failure,” Smith said."
    doc = parse(text)
    quotes = [(start, end, "Smith") for start, end, _ in quote_spans(text)]
    assert tones(doc, "Smith", quotes=quotes)["Smith"] is None


def test_pronouns_and_role_nouns_reach_their_person(parse):
    doc = parse("Smith met the workers on Monday. He was praised for his brave decision.")
    assert tones(doc, "Smith", people={"Smith": ()})["Smith"] > 0
    assert tones(doc, "Smith")["Smith"] is None  # without people, no pronoun is read
    doc = parse("President Smith spoke on Monday. Critics said the president was dishonest.")
    assert tones(doc, "Smith", people={"Smith": tone.role_words(["President"])})["Smith"] < 0
    assert tone.role_words(["Vice President", "Mr.", None, "State Senator"]) == {"senator"}


def test_no_valenced_word_is_no_tone_not_zero(parse):
    doc = parse("Smith arrived in Boston on Monday.")
    tallies = tone.entity_tone(doc, mentions_of(doc, "Smith"))
    assert tone.entity_tone_list(tallies) == [{"entity_id": "Smith", "tone": None, "mentions": 1}]


def test_headline_and_text_merge(parse):
    title, text = parse("Smith praised"), parse("Critics said Smith was brilliant. Smith was honest.")
    merged = tone.merge(tone.entity_tone(title, mentions_of(title, "Smith")),
                        tone.entity_tone(text, mentions_of(text, "Smith")))
    (entry,) = tone.entity_tone_list(merged)
    assert entry["mentions"] == 3 and 0 < entry["tone"] <= 1


def test_tone_is_bounded(parse):
    doc = parse("Smith was a terrible, horrible, disgusting, evil, vile and murderous tyrant.")
    value = tones(doc, "Smith")["Smith"]
    assert value is not None and -1 <= value < 0


def test_lexicon_ships_in_the_package():
    table = tone.lexicon()
    assert len(table) > 5000 and table["good"] > 0 > table["bad"]
