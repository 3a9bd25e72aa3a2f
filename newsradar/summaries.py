"""Story titles and summaries, extractive and attributed: the title is the headline of the most
central member (greatest summed similarity to the others); the summary is the lead sentences of
the most central members, one per outlet first, near-repeats skipped, each naming its article and
outlet. Nothing is generated."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime

from .clustering import term_matrix

_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"”’)]))\s+(?=[\"“‘(]?[A-Z0-9])")


def lead_sentence(body: str, limit: int = 320) -> str | None:
    """The first sentence of an article's first real paragraph (a dateline or byline line of a few
    words is skipped)."""
    for line in body.splitlines():
        line = line.strip()
        if len(line.split()) < 8:
            continue
        sentence = _SENTENCE_END.split(line, maxsplit=1)[0].strip()
        if len(sentence) > limit:
            cut = sentence[:limit].rsplit(" ", 1)[0]
            sentence = cut.rstrip(",;:") + "…"
        return sentence
    return None


def _word_set(sentence: str) -> set[str]:
    return {w for w in re.findall(r"\w+", sentence.lower()) if len(w) > 2}


def summarize(members: Sequence[dict], size: int = 3) -> tuple[str | None, list[dict]]:
    """(title, summary) of a story from its members: dicts with id, title, text, outlet,
    published and vector. The title is the most central member's headline; the summary is the
    lead sentences of the most central members, distinct outlets first, near-repeats skipped."""
    if not members:
        return None, []
    matrix = term_matrix([m["vector"] for m in members], {})
    summed = (matrix @ matrix.T).sum(axis=1) - (matrix * matrix).sum(axis=1)  # similarity to the others
    centrality = {m["id"]: float(summed[i]) for i, m in enumerate(members)}
    earliest = datetime.max.replace(tzinfo=UTC)
    ranked = sorted(members, key=lambda m: (-round(centrality[m["id"]], 9), m["published"] or earliest, m["id"]))
    title = next((m["title"] for m in ranked if m["title"]), None)
    chosen: list[dict] = []
    seen_words: list[set[str]] = []
    outlets: set[str | None] = set()
    for pass_number in (0, 1):  # first one sentence per outlet, then fill up from any outlet
        for member in ranked:
            if len(chosen) >= size:
                break
            if any(c["article_id"] == member["id"] for c in chosen):
                continue
            if pass_number == 0 and member["outlet"] in outlets:
                continue
            sentence = lead_sentence(member["text"])
            if not sentence:
                continue
            words = _word_set(sentence)
            if any(len(words & w) / max(1, len(words | w)) >= 0.5 for w in seen_words):
                continue
            chosen.append({"text": sentence, "article_id": member["id"], "outlet": member["outlet"],
                           "title": member["title"]})
            seen_words.append(words)
            outlets.add(member["outlet"])
    return title, chosen
