"""Near-duplicate threshold on real articles: how often distinct articles would be linked (false
links), and how many syndicated-style copies are found (recall), per threshold.

    .venv/bin/python bench/dedup.py

Distinct articles: ECB+ (772) and BASIL (210) from ../shared/datasets — many pairs cover the same
event, which is exactly where a false link would hurt. Copies: each article rewritten the way
syndication does (a dateline and credit added, a share of words swapped, the last paragraph cut);
there is no public labelled set of syndicated copies, so this half is synthetic and says so."""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "datasets"

from newsradar import dedup  # noqa: E402

THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
EDITS = (0.0, 0.05, 0.10, 0.20)


def load() -> tuple[list[str], list[str]]:
    texts, stories = [], []
    for name in ("ecbplus-dev/ecbplus-dev.jsonl", "basil-dev/basil-dev.jsonl"):
        for line in (DATA / name).read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            texts.append(record["text"])
            stories.append(f"{name}:{record['story']}")
    return texts, stories


def syndicate(text: str, share: float, rng: random.Random) -> str:
    paragraphs = [p for p in text.split("\n") if p.strip()]
    if len(paragraphs) > 3:
        paragraphs = paragraphs[:-1]  # the copy is cut short
    words = " ".join(paragraphs).split()
    for index in rng.sample(range(len(words)), int(len(words) * share)):
        words[index] = rng.choice(("said", "officials", "the", "reported", "on", "Monday", "new"))
    return "CITY (Agency) - " + " ".join(words) + " Reporting by A. Writer; editing by B. Editor."


def main() -> None:
    texts, stories = load()
    rng = random.Random(3)
    signatures = [dedup.fingerprint(t) for t in texts]
    kept = [(t, s) for t, s in zip(texts, signatures, strict=True) if s is not None]
    kept_stories = [story for story, s in zip(stories, signatures, strict=True) if s is not None]
    matrix = np.stack([s for _, s in kept])
    bands = [set(dedup.band_keys(s)) for _, s in kept]
    n = len(kept)
    false_links = {t: 0 for t in THRESHOLDS}  # linked articles of two different gold stories
    same_story = {t: 0 for t in THRESHOLDS}  # linked articles of one story: wire copies and rewrites
    pairs = n * (n - 1) // 2
    for i in range(n):
        sims = (matrix[i + 1:] == matrix[i]).mean(axis=1)
        for j in np.nonzero(sims >= min(THRESHOLDS))[0]:
            if bands[i] & bands[i + 1 + j]:
                counter = same_story if kept_stories[i] == kept_stories[i + 1 + j] else false_links
                for t in THRESHOLDS:
                    counter[t] += bool(sims[j] >= t)
    print(f"distinct articles: {n} ({len(texts) - n} too short to fingerprint), {pairs:,} pairs")
    print("links across different stories (false) per threshold: " + ", ".join(f"{t}: {false_links[t]}" for t in THRESHOLDS))
    print("links within one story (copies, rewrites) per threshold: " + ", ".join(f"{t}: {same_story[t]}" for t in THRESHOLDS))
    for share in EDITS:
        found = {t: 0 for t in THRESHOLDS}
        for text, signature in kept:
            copy = dedup.fingerprint(syndicate(text, share, rng))
            if copy is None or not (set(dedup.band_keys(copy)) & set(dedup.band_keys(signature))):
                continue
            score = dedup.similarity(copy, signature)
            for t in THRESHOLDS:
                found[t] += score >= t
        print(f"copies with {share:.0%} of words changed, recall per threshold: "
              + ", ".join(f"{t}: {found[t] / n:.3f}" for t in THRESHOLDS))


if __name__ == "__main__":
    main()
