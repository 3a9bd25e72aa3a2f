"""Why ECB+ twins merge: a diagnostic of the online clusterer on ecbplus-dev.

ECB+ pairs two real-world events of one kind per topic (two title defences by one boxer, two
emergency patches for one browser). This script measures, with the default configuration and the
article vectors the clusterer itself used:

1. **Seeding.** When the first article of a gold story arrives, the only stories it can be compared
   with are other events. Its best similarity to an earlier story is set beside the best similarity
   to their own story of the articles that come later (the joins the threshold must allow). A first
   arrival scoring as high as an ordinary join cannot be told apart at that moment: it joins its
   twin, and only a later split can undo that.
2. **Separability of a merged pair.** For each topic, the average similarity between its two events
   against the cohesion (average within-story similarity) of every gold story: a split threshold
   (average linkage) can only separate twins whose between-similarity is below the cohesion of the
   real stories it must keep whole; and the ratio of between-similarity to the weaker half's
   cohesion, for the pairs and for each gold story's own best two-group split (average linkage).

    .venv/bin/python bench/story_twins.py          # tables on stdout; --json for the figures
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from stories import bcubed, load, terms_of  # noqa: E402

from newsradar.clustering import Clusterer, StoryConfig, average_linkage, term_matrix  # noqa: E402


def run(cache: bool = True) -> dict:
    rows = load("ecbplus-dev")
    terms = terms_of("ecbplus-dev", rows, cache)
    config = StoryConfig()
    clusterer = Clusterer(config)
    for index, (row, article_terms) in enumerate(zip(rows, terms, strict=True)):
        clusterer.assign(index, article_terms, row["_published"])
    predicted = [clusterer.entries[i].story for i in range(len(rows))]
    gold = [row["story"] for row in rows]
    vectors = [clusterer.entries[i].vector for i in range(len(rows))]
    matrix = term_matrix(vectors, {})
    similarity = matrix @ matrix.T  # the vectors as fixed at each article's arrival

    # 1. seeding: first arrivals against the joins that follow
    first_arrivals, joins = [], []
    for i in range(len(rows)):
        own = [j for j in range(i) if gold[j] == gold[i]]
        others = [j for j in range(i) if gold[j] != gold[i]]
        best_other = max((float(similarity[i, j]) for j in others), default=0.0)
        if not own:
            if others:
                nearest = max(others, key=lambda j: similarity[i, j])
                first_arrivals.append({"story": gold[i], "best_other": round(best_other, 3),
                                       "other_story": gold[nearest],
                                       "other_story_size": sum(1 for j in others if gold[j] == gold[nearest])})
        else:
            joins.append(float(max(similarity[i, j] for j in own)))
    joins_array = np.array(joins)
    seeding = {
        "threshold": config.threshold,
        "first_arrivals_at_or_above_threshold": sorted(
            (a for a in first_arrivals if a["best_other"] >= config.threshold), key=lambda a: -a["best_other"]),
        "first_arrivals": len(first_arrivals),
        "joins": len(joins),
        "join_best_similarity_quantiles": {str(q): round(float(np.quantile(joins_array, q)), 3)
                                           for q in (0.05, 0.1, 0.2, 0.3, 0.5)},
    }
    for arrival in seeding["first_arrivals_at_or_above_threshold"]:
        arrival["share_of_joins_below"] = round(float((joins_array < arrival["best_other"]).mean()), 3)

    # 2. separability: between-event similarity of each pair against every story's cohesion
    members: dict[str, list[int]] = defaultdict(list)
    for i, story in enumerate(gold):
        members[story].append(i)

    def cohesion(group: list[int]) -> float:
        block = similarity[np.ix_(group, group)]
        return float((block.sum() - np.trace(block)) / (len(group) * (len(group) - 1)))

    cohesions = {story: cohesion(group) for story, group in members.items() if len(group) > 1}

    def ratio(first: list[int], second: list[int]) -> float:
        """Between-group similarity over the cohesion of the less cohesive group (of two or more)."""
        between = float(similarity[np.ix_(first, second)].mean())
        return between / min(cohesion(g) for g in (first, second) if len(g) > 1)

    single_ratios = []  # each gold story's own best two-group split, as a split check would see it
    for group in members.values():
        if len(group) >= 4:
            (first, second), _ = average_linkage([vectors[i] for i in group], -np.inf, fewest=2)
            single_ratios.append(ratio([group[i] for i in first], [group[i] for i in second]))
    found: dict[int, set[str]] = defaultdict(set)  # predicted story → the gold stories in it
    for p, g in zip(predicted, gold, strict=True):
        found[p].add(g)
    # topics whose two events share a predicted story (wholly or in part)
    merged_topics = {int(g.split("-")[0]) for stories in found.values() for g in stories
                     if g.endswith("-ecbplus") and g.removesuffix("plus") in stories}
    pairs = []
    for topic in sorted({row["topic"] for row in rows}):
        first, second = members[f"{topic}-ecb"], members[f"{topic}-ecbplus"]
        between = float(similarity[np.ix_(first, second)].mean())
        pairs.append({"topic": topic, "between": round(between, 3),
                      "cohesion": [round(cohesions[f"{topic}-ecb"], 3), round(cohesions[f"{topic}-ecbplus"], 3)],
                      "ratio": round(ratio(first, second), 3),
                      "merged_by_the_clusterer": topic in merged_topics,
                      "stories_less_cohesive": sum(1 for c in cohesions.values() if c < between)})
    p, r, f = bcubed(predicted, gold)
    return {"bcubed": {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)},
            "seeding": seeding, "pairs": pairs, "stories": len(cohesions),
            "single_story_split_ratio_range": [round(min(single_ratios), 3), round(max(single_ratios), 3)],
            "cohesion_quantiles": {str(q): round(float(np.quantile(list(cohesions.values()), q)), 3)
                                   for q in (0.05, 0.1, 0.25, 0.5)}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--no-cache", action="store_true", help="parse the dataset again")
    args = parser.parse_args()
    result = run(cache=not args.no_cache)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    seeding = result["seeding"]
    print(f"ecbplus-dev BCubed {result['bcubed']}")
    print(f"\n1. Seeding: {seeding['first_arrivals']} first arrivals; best similarity of the "
          f"{seeding['joins']} later arrivals to their own story, quantiles {seeding['join_best_similarity_quantiles']}")
    print(f"   first arrivals that reach the join threshold {seeding['threshold']} with another event's story:")
    for arrival in seeding["first_arrivals_at_or_above_threshold"]:
        print(f"   {arrival['story']:>12} → {arrival['other_story']:<12} (then {arrival['other_story_size']} article(s))"
              f"  similarity {arrival['best_other']:.3f}, above {arrival['share_of_joins_below']:.0%} of real joins")
    print(f"\n2. Separability: cohesion of the {result['stories']} gold stories, quantiles {result['cohesion_quantiles']}")
    for pair in result["pairs"]:
        if pair["merged_by_the_clusterer"]:
            print(f"   topic {pair['topic']:>2}: between the two events {pair['between']:.3f}, their cohesion "
                  f"{pair['cohesion'][0]:.3f} / {pair['cohesion'][1]:.3f} (ratio {pair['ratio']:.2f}); "
                  f"{pair['stories_less_cohesive']} gold stories hold together less than this pair does")
    low, high = result["single_story_split_ratio_range"]
    print(f"   the same ratio for each gold story's own best two-group split: {low:.2f}–{high:.2f}")


if __name__ == "__main__":
    main()
