"""Quality gates: floors pinned just under the measured figures in docs/benchmarks.md. Lower a
floor only in a reviewed commit that says why."""

import pytest

from .conftest import DATASETS

EXTRACTION_F1_FLOOR = 0.960  # measured 0.9655 (bench/extraction.py)
EXTRACTION_PRECISION_FLOOR = 0.955  # measured 0.9605
EXTRACTION_RECALL_FLOOR = 0.965  # measured 0.9705


@pytest.mark.datasets("article-extraction")
def test_main_text_extraction_quality():
    from bench.extraction import run

    result = run()
    assert result["pages"] == 181
    assert result["f1"] >= EXTRACTION_F1_FLOOR
    assert result["precision"] >= EXTRACTION_PRECISION_FLOOR
    assert result["recall"] >= EXTRACTION_RECALL_FLOOR


@pytest.mark.datasets("ecbplus-dev")
def test_near_duplicates_never_link_different_stories():
    """No two ECB+ articles of different gold stories are near-duplicates at the default threshold,
    and an exact syndicated copy of an article is always found."""
    import json

    import numpy as np

    from newsradar import dedup, settings

    threshold = settings.get("near_duplicate_threshold")
    records = [json.loads(line) for line in (DATASETS / "ecbplus-dev" / "ecbplus-dev.jsonl").read_text().splitlines()]
    pairs = [(r["story"], dedup.fingerprint(r["text"])) for r in records]
    pairs = [(story, sig) for story, sig in pairs if sig is not None]
    matrix = np.stack([sig for _, sig in pairs])
    for story, sig in pairs:
        similar = np.nonzero((matrix == sig).mean(axis=1) >= threshold)[0]
        assert {pairs[j][0] for j in similar} == {story}
    copy = dedup.fingerprint("LONDON (Agency) - " + records[0]["text"])
    assert copy is not None and dedup.similarity(copy, pairs[0][1]) >= threshold


STORIES_FLOORS = {  # BCubed, end to end through a SQLite store (bench/stories.py --store)
    "ecbplus-dev": {"f1": 0.910, "precision": 0.900, "recall": 0.920},  # measured 0.9182 / 0.9090 / 0.9276
    "basil-dev": {"f1": 0.975, "precision": 0.975, "recall": 0.970},  # measured 0.9833 / 0.9857 / 0.9810
}


@pytest.mark.datasets("ecbplus-dev", "basil-dev")
def test_story_clustering_quality():
    """The default configuration, the same for both sets, parsing every article afresh."""
    from bench.stories import quality_through_store

    result = quality_through_store()
    for name, floors in STORIES_FLOORS.items():
        for measure, floor in floors.items():
            assert result[name][measure] >= floor, (name, measure, result[name])


ACTOR_COUNTRY_FLOOR = 0.96  # measured 0.9657 (bench/actors.py)
ACTOR_SECTOR_FLOOR = 0.86  # measured 0.8685
ACTOR_COUNTRY_NO_CONTEXT_FLOOR = 0.92  # measured 0.9268
CASES_HELD_OUT_FLOORS = {"country_accuracy": 0.96, "sector_accuracy": 0.94}  # measured 0.977 / 0.954
ALIAS_PRECISION_FLOOR = 0.98  # measured 1.0 (bench/actors.py, tests/data/alias_gold.json)
ALIAS_RECALL_FLOOR = 0.92  # measured 0.9333


@pytest.mark.datasets("plover-gsr-dev")
def test_actor_coding_quality():
    from bench.actors import evaluate

    result = evaluate()
    assert result["actors"] == 437
    assert result["country_accuracy"] >= ACTOR_COUNTRY_FLOOR
    assert result["sector_accuracy"] >= ACTOR_SECTOR_FLOOR
    assert evaluate(use_context=False)["country_accuracy"] >= ACTOR_COUNTRY_NO_CONTEXT_FLOOR


def test_actor_cases_quality():
    """Our own actor descriptions (bench/data/actor_cases.tsv): the half never tuned on."""
    from bench.actors import evaluate_cases

    held_out = evaluate_cases()["held_out"]
    for measure, floor in CASES_HELD_OUT_FLOORS.items():
        assert held_out[measure] >= floor, (measure, held_out)


@pytest.mark.datasets("polnear-dev")
def test_alias_resolution_quality():
    from bench.actors import alias_resolution

    result = alias_resolution()
    assert result["articles"] == 20 and result["gold_pairs"] == 45
    assert result["precision"] >= ALIAS_PRECISION_FLOOR
    assert result["recall"] >= ALIAS_RECALL_FLOOR


# Quotes (bench/quotes.py; measured 2026-12-04): PolNeAR dev, all 84 articles and the untouched quarter
QUOTES_FLOORS = {("all_articles", "all", "content"): 0.625,  # measured 0.633 (goal 0.80: not met)
                 ("all_articles", "direct", "content"): 0.855,  # measured 0.862 (goal 0.90: not met)
                 ("all_articles", "direct", "speaker"): 0.80,  # measured 0.811 (goal 0.90: not met)
                 ("held_out", "direct", "content"): 0.84,  # measured 0.847
                 ("held_out", "all", "content"): 0.635}  # measured 0.644
# our hand gold over the sample corpus (tests/data/quotes_gold.jsonl)
# measured 0.909, 0.879, 0.858, 0.983, 0.950, 0.939, 0.994
QUOTES_SAMPLE_FLOORS = {"content_f1": 0.90, "speaker_f1": 0.87, "resolved_accuracy": 0.85, "kind_accuracy": 0.97,
                        "speaker_type_accuracy": 0.94, "denial_accuracy": 0.93, "hedged_accuracy": 0.98}


@pytest.mark.datasets("polnear-dev")
def test_quotes_quality():
    from bench.quotes import evaluate

    _, _, report = evaluate()
    assert report["articles"] == 84 and report["attributions"] == 2192
    for (part, kind, measure), floor in QUOTES_FLOORS.items():
        assert report[part][kind][measure]["f1"] >= floor, (part, kind, measure, report[part][kind][measure])


def test_quotes_sample_corpus_gold():
    from bench.quotes import sample_gold

    result = sample_gold()
    assert result["gold"] == 203
    measured = {"content_f1": result["content"]["f1"], "speaker_f1": result["speaker"]["f1"],
                **{k: v for k, v in result.items() if k.endswith("_accuracy")}}
    for measure, floor in QUOTES_SAMPLE_FLOORS.items():
        assert measured[measure] >= floor, (measure, measured)


# Events (bench/events.py; measured 2026-12-04): PLOVER gold standard records, all 215 and the untouched
# quarter. Goals 0.80 type / 0.65 type+actors: not met (docs/benchmarks.md, "Events").
EVENTS_FLOORS = {("all", "type_accuracy"): 0.75,  # measured 0.763
                 ("all", "full_accuracy"): 0.48,  # measured 0.493
                 ("held_out", "type_accuracy"): 0.67,  # measured 0.685
                 ("held_out", "full_accuracy"): 0.43}  # measured 0.444
EVENTS_CEILING = 1.5  # events per sentence: over-production is a defect
# our hand gold over the sample corpus (tests/data/events_gold.jsonl)
EVENTS_SAMPLE_FLOORS = {"type_recall": 0.48, "full_recall": 0.15, "precision": 0.70, "mode_accuracy": 0.86,
                        "negated_accuracy": 0.97, "hypothetical_accuracy": 0.97, "date_accuracy": 0.86}


@pytest.mark.datasets("plover-gsr-dev")
def test_event_coding_quality():
    from bench.events import evaluate

    _, _, report = evaluate()
    assert report["records"] == 215
    for (part, measure), floor in EVENTS_FLOORS.items():
        assert report[part][measure] >= floor, (part, measure, report[part])
    assert report["all"]["events_per_sentence"] <= EVENTS_CEILING


def test_events_sample_corpus_gold():
    from bench.events import sample_gold

    result = sample_gold()
    assert result["gold"] == 154 and result["coded_per_gold_event"] <= EVENTS_CEILING
    for measure, floor in EVENTS_SAMPLE_FLOORS.items():
        assert result[measure] >= floor, (measure, result)


# Framing on BASIL (bench/framing.py --tone): all 210 articles; the goals (0.50/0.50, 0.75 on 60 %)
# are not reached — docs/benchmarks.md says why.
LOADED_FLOORS = {"recall": 0.47, "precision": 0.37}  # measured 0.480 and 0.378
ENTITY_TONE_FLOORS = {"balanced_accuracy": 0.69, "coverage": 0.76}  # measured 0.705 and 0.780


@pytest.mark.datasets("basil-dev")
def test_loaded_language_quality():
    from bench.framing import evaluate

    report, _ = evaluate()
    assert report["tuned"]["articles"] + report["untouched"]["articles"] == 210
    for measure, floor in LOADED_FLOORS.items():
        assert report["all"][measure] >= floor, (measure, report["all"])
    assert report["speed"]["find_loaded_share_of_parse"] < 0.10


@pytest.mark.datasets("basil-dev")
def test_entity_tone_quality():
    from bench import framing_tone

    records = framing_tone.load()
    report = framing_tone.score(records, framing_tone.parse(records))
    for measure, floor in ENTITY_TONE_FLOORS.items():
        assert report["all"][measure] >= floor, (measure, report["all"])
