"""Stories: online clustering of articles into real-world events, across outlets.

Each new original article (near-duplicates follow their original) is taken in publication order
(undated ones after the dated, in arrival order) and compared with the articles of recent stories:

- **Terms.** Its story terms (``nlp.story_terms``: content lemmas, bigrams, named entities, the
  headline counted twice) weighted by TF-IDF into a unit vector. The IDF is online — document
  frequencies over the articles clustered so far — smoothed with a prior from general English word
  frequencies (``wordfreq``), worth ``prior_docs`` documents, so that the first articles of a store
  are weighted sensibly and a word common in English never looks rare because the store is small.
  A vector is fixed when its article is clustered, so a decision never changes afterwards.
- **Candidates** come from an inverted index over the articles of the window (the last
  ``window_articles`` clustered, dated within ``window_days`` of the newest): the cost of an article
  depends on the window, not on the size of the store.
- **Similarity** to a story is the cosine to its most similar member (an event's coverage is a
  chain of overlapping reports rather than a ball around one centroid), times a time decay when
  both are dated: none within ``same_days``, then exp(-(days - same_days)/``decay_days``).
- **Decision.** Join the best story when that similarity reaches ``threshold``, else start a new
  story. When the article reaches ``merge_threshold`` with two stories that also hold together as
  a whole (average similarity across them at least ``split_threshold``), it bridges them: the
  later story is merged into the earlier.
- **Splits.** Closest-member linking lets a story follow its event as the vocabulary drifts, and
  also lets it swallow a second event of the same kind. As a story grows (by about a quarter each
  time) its latest members are re-clustered by average linkage; groups that fall below
  ``split_threshold`` become stories of their own. Merges and splits are recorded
  (``story_history``).

Stories are titled by their most central headline (greatest summed similarity to the other
members) and summarized by the lead sentences of their most central articles, one per outlet
first, each naming its article and outlet.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections import Counter, deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection

from . import nlp, settings
from .normalize import parse_datetime
from .store import Store
from .store.writer import select_in


@dataclass(frozen=True, slots=True)
class StoryConfig:
    """The clusterer's parameters. The defaults are the one configuration measured in
    docs/benchmarks.md; the join threshold and the window are also settings."""

    threshold: float = settings.default("story_threshold")
    merge_threshold: float = 0.3
    prior_docs: float = 2000.0
    same_days: float = 2.0
    decay_days: float = 3.0
    window_days: float = settings.default("story_window_days")
    window_articles: int = 20_000
    index_terms: int = 100  # heaviest terms of an article kept in the index (they find candidates)
    rescore: int = 200  # candidates scored exactly, best first by their index score
    max_postings: int = 2000  # index terms held by more articles than this do not find candidates
    split_threshold: float = 0.15  # average similarity below which a story's groups are two events
    split_min: int = 4  # members a story needs before it is checked for a split
    split_members: int = 60  # latest members the check looks at

    @classmethod
    def from_settings(cls) -> StoryConfig:
        return cls(threshold=settings.get("story_threshold"), window_days=settings.get("story_window_days"))


# --- term weighting -------------------------------------------------------------------------------

_DOC_TOKENS = 400  # a typical article's length in words, turning word frequency into document frequency


@functools.lru_cache(maxsize=200_000)
def _word_frequency(word: str) -> float:
    from wordfreq import word_frequency

    return word_frequency(word, "en")


@functools.lru_cache(maxsize=500_000)
def prior_rate(term: str) -> float:
    """Prior share of English news articles containing ``term``, from its words' frequencies."""
    if term.startswith("E:"):
        words = term[2:].split()
        frequency = min((_word_frequency(w) for w in words), default=0.0) * (0.3 if len(words) > 1 else 1.0)
    elif "_" in term:
        first, second = term.split("_", 1)
        frequency = min(_word_frequency(first), _word_frequency(second)) * 0.05
    else:
        frequency = _word_frequency(term)
    return 1.0 - math.exp(-frequency * _DOC_TOKENS)


def _tf(count: float) -> float:
    return 1.0 + math.log(count) if count >= 1 else count


# --- the clusterer (in memory; no database) -------------------------------------------------------

@dataclass(slots=True)
class _Entry:
    vector: dict[str, float]
    published: datetime | None
    story: int
    seq: int


@dataclass(slots=True)
class Decision:
    vector: dict[str, float]
    story: int | None  # None: a new story
    similarity: float
    merges: list[tuple[int, float]] = field(default_factory=list)  # stories this article bridges into ``story``


@dataclass(slots=True)
class Change:
    """A change to stories an assignment caused: ``merge`` (``story`` merged into ``other``) or
    ``split`` (``members`` moved from ``story`` to the new story ``other``)."""

    kind: str
    story: int
    other: int
    similarity: float
    members: list[int] = field(default_factory=list)


@dataclass(slots=True)
class Assignment:
    story: int  # the article's story after any merge or split
    vector: dict[str, float]
    similarity: float  # to the story it joined (0 for a new story)
    joined: bool
    seq: int
    changes: list[Change] = field(default_factory=list)


class Clusterer:
    """The online clusterer over the window of recent articles. ``df_lookup`` answers document
    frequencies of terms not yet cached (the store's ``story_terms``); ``prefetch`` asks for a
    chunk's terms in one go; ``new_story`` hands out the id of a new story."""

    def __init__(self, config: StoryConfig, documents: int = 0, seq: int = 0,
                 df_lookup: Callable[[Sequence[str]], dict[str, int]] | None = None):
        self.config = config
        self.documents = documents
        self.seq = seq
        self.newest: datetime | None = None
        self.entries: dict[int, _Entry] = {}
        self.postings: dict[str, dict[int, float]] = {}
        self.members: dict[int, set[int]] = {}
        self.df: dict[str, int] = {}
        self.df_added: Counter = Counter()
        self._df_lookup = df_lookup
        self._order: deque[int] = deque()
        self._added = 0
        self._story_counter = 0
        self.new_story: Callable[[], int] = self._count_story

    def _count_story(self) -> int:
        self._story_counter += 1
        return self._story_counter

    def take_counts(self) -> Counter:
        """The document-frequency increments since the last call (to be persisted). With a store
        behind it (``df_lookup``), the cache is emptied too, so memory stays bounded by a chunk's
        vocabulary instead of growing with every term ever seen."""
        added, self.df_added = self.df_added, Counter()
        if self._df_lookup is not None:
            self.df = {}
        return added

    def prefetch(self, terms: Iterable[str]) -> None:
        missing = sorted({t for t in terms if t not in self.df})
        found = self._df_lookup(missing) if (self._df_lookup and missing) else {}
        for term in missing:
            self.df[term] = found.get(term, 0)

    def _idf(self, term: str) -> float:
        prior = self.config.prior_docs
        df = self.df.get(term, 0)
        return max(0.0, math.log((self.documents + prior) / (df + prior * prior_rate(term) + 0.5)))

    def _vectorize(self, terms: dict[str, float]) -> dict[str, float]:
        weights = {t: _tf(c) * self._idf(t) for t, c in terms.items() if c > 0}
        norm = math.sqrt(sum(w * w for w in weights.values()))
        if norm == 0:
            return {}
        return {t: w / norm for t, w in weights.items() if w > 0}

    def _in_window(self, entry: _Entry) -> bool:
        if entry.seq <= self.seq - self.config.window_articles:
            return False
        if entry.published is not None and self.newest is not None:
            return (self.newest - entry.published).total_seconds() <= self.config.window_days * 86400
        return True

    def _decay(self, a: datetime | None, b: datetime | None) -> float:
        if a is None or b is None:
            return 1.0
        days = abs((a - b).total_seconds()) / 86400
        if days <= self.config.same_days:
            return 1.0
        return math.exp(-(days - self.config.same_days) / self.config.decay_days)

    def decide(self, terms: dict[str, float], published: datetime | None) -> Decision:
        """Count the article's terms in and find its story (``Decision.story`` None: a new one)."""
        self.prefetch(terms)
        self.documents += 1
        for term in terms:
            self.df[term] = self.df.get(term, 0) + 1
            self.df_added[term] += 1
        if published is not None and (self.newest is None or published > self.newest):
            self.newest = published
        vector = self._vectorize(terms)
        scores: dict[int, float] = {}
        for term, weight in vector.items():
            postings = self.postings.get(term)
            # a term among the heaviest of very many articles in the window tells them apart from
            # nothing: it is left out of the candidate search (not of the exact score)
            if postings is None or len(postings) > self.config.max_postings:
                continue
            for other, other_weight in postings.items():
                scores[other] = scores.get(other, 0.0) + weight * other_weight
        # the index holds each article's heaviest terms only: it finds the candidates; the best of
        # them are then scored exactly on their whole vectors
        shortlist = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[: self.config.rescore]
        by_story: dict[int, float] = {}
        for other, _ in shortlist:
            entry = self.entries[other]
            if not self._in_window(entry):
                continue
            score = _cosine(vector, entry.vector) * self._decay(published, entry.published)
            if score > by_story.get(entry.story, 0.0):
                by_story[entry.story] = score
        ranked = sorted(by_story.items(), key=lambda item: (-item[1], item[0]))
        if not ranked or ranked[0][1] < self.config.threshold:
            return Decision(vector, None, ranked[0][1] if ranked else 0.0)
        story, similarity = ranked[0]
        merges: list[tuple[int, float]] = []
        if similarity >= self.config.merge_threshold:
            # a bridge merges two stories only when they hold together as a whole (the average
            # similarity across them reaches the split threshold): else the next check would split
            # them again, and one article that mixes two events would keep gluing them together
            joined = [vector, *self._latest(story)]
            merges = [(s, v) for s, v in ranked[1:] if v >= self.config.merge_threshold
                      and mean_similarity(joined, self._latest(s)) >= self.config.split_threshold]
        return Decision(vector, story, similarity, merges)

    def assign(self, article_id: int, terms: dict[str, float], published: datetime | None) -> Assignment:
        """Decide the article's story, put it in the index, and carry out the merges it bridges
        and the split its story may now need."""
        decision = self.decide(terms, published)
        story = decision.story if decision.story is not None else self.new_story()
        changes: list[Change] = []
        if decision.merges:  # the survivor is the earliest story (the smallest id)
            group = sorted({story, *(s for s, _ in decision.merges)})
            survivor = group[0]
            for other in group[1:]:
                self._relabel(self.members.get(other, set()), survivor)
                self.members.pop(other, None)
                similarity = next((v for s, v in decision.merges if s == other), decision.similarity)
                changes.append(Change("merge", other, survivor, similarity))
            story = survivor
        self.seq += 1
        self.add(article_id, decision.vector, published, story, self.seq)
        if decision.story is not None:
            changes.extend(self._maybe_split(story))
        return Assignment(self.entries[article_id].story, decision.vector, decision.similarity,
                          decision.story is not None, self.seq, changes)

    def _window_members(self, story: int) -> list[int]:
        """The story's members in the window, oldest first (members that left it may linger in
        memory until the next eviction; they never count)."""
        members = [m for m in self.members.get(story, ()) if self._in_window(self.entries[m])]
        return sorted(members, key=lambda m: self.entries[m].seq)

    def _latest(self, story: int) -> list[dict[str, float]]:
        return [self.entries[m].vector for m in self._window_members(story)[-self.config.split_members:]]

    def _relabel(self, members: Iterable[int], story: int) -> None:
        for member in list(members):
            entry = self.entries[member]
            self.members.get(entry.story, set()).discard(member)
            entry.story = story
            self.members.setdefault(story, set()).add(member)

    def _maybe_split(self, story: int) -> list[Change]:
        """Average-linkage over the story's latest members: when they fall apart into two or more
        groups of at least two articles whose mutual similarity is below ``split_threshold``, the
        story has swallowed another event. The group holding its earliest member keeps the story;
        each other group becomes a story of its own. Checked as a story grows by about a quarter."""
        members = self._window_members(story)
        if len(members) not in _checkpoints(self.config.split_min):
            return []
        members = members[-self.config.split_members:]
        groups, between = average_linkage([self.entries[m].vector for m in members], self.config.split_threshold)
        if sum(1 for g in groups if len(g) >= 2) < 2:
            return []
        groups.sort(key=min)  # the group with the earliest member first
        changes = []
        for group in groups[1:]:
            moved = [members[i] for i in group]
            new = self.new_story()
            self._relabel(moved, new)
            changes.append(Change("split", story, new, between, moved))
        return changes

    def add(self, article_id: int, vector: dict[str, float], published: datetime | None, story: int, seq: int) -> None:
        """An already-clustered article into the index (also used when loading the window)."""
        entry = _Entry(vector, published, story, seq)
        self.entries[article_id] = entry
        self.members.setdefault(story, set()).add(article_id)
        heaviest = sorted(vector.items(), key=lambda item: -item[1])[: self.config.index_terms]
        for term, weight in heaviest:
            self.postings.setdefault(term, {})[article_id] = weight
        if published is not None and (self.newest is None or published > self.newest):
            self.newest = published
        self._order.append(article_id)
        self._added += 1
        if self._added % 1024 == 0:
            self._evict()

    def _evict(self) -> None:
        """Drop articles that have left the window for good (memory; decisions ignore them anyway)."""
        keep: deque[int] = deque()
        for article_id in self._order:
            entry = self.entries[article_id]
            if self._in_window(entry):
                keep.append(article_id)
                continue
            del self.entries[article_id]
            self.members.get(entry.story, set()).discard(article_id)
            for term in entry.vector:
                postings = self.postings.get(term)
                if postings is not None:
                    postings.pop(article_id, None)
                    if not postings:
                        del self.postings[term]
        self._order = keep


def _matrix(vectors: Sequence[dict[str, float]], vocabulary: dict[str, int]) -> np.ndarray:
    for vector in vectors:
        for term in vector:
            vocabulary.setdefault(term, len(vocabulary))
    matrix = np.zeros((len(vectors), len(vocabulary)))
    for row, vector in enumerate(vectors):
        for term, weight in vector.items():
            matrix[row, vocabulary[term]] = weight
    return matrix


def mean_similarity(first: Sequence[dict[str, float]], second: Sequence[dict[str, float]]) -> float:
    """Average cosine similarity between the vectors of two groups (average linkage)."""
    if not first or not second:
        return 0.0
    vocabulary: dict[str, int] = {}
    left = _matrix(first, vocabulary)
    right = _matrix(second, vocabulary)
    left = np.pad(left, ((0, 0), (0, len(vocabulary) - left.shape[1])))
    return float((left @ right.T).mean())


@functools.lru_cache(maxsize=8)
def _checkpoints(start: int) -> frozenset[int]:
    """Story sizes at which a split is looked for: ``start``, then each about a quarter larger.
    A function of the size alone, so the checks are the same however the work was divided."""
    sizes, size = set(), float(start)
    while size < 10_000_000:
        sizes.add(math.ceil(size))
        size = max(size * 1.25, math.ceil(size) + 1)
    return frozenset(sizes)


def average_linkage(vectors: Sequence[dict[str, float]], cut: float,
                    fewest: int = 1) -> tuple[list[list[int]], float]:
    """Agglomerative clustering with average linkage on cosine similarity, stopped when no two
    groups are at least ``cut`` similar on average (or when ``fewest`` groups remain). Returns the
    groups (indexes into ``vectors``) and the highest average similarity left between two groups
    (0 when one group remains)."""
    matrix = _matrix(vectors, {})
    similarity = matrix @ matrix.T
    np.fill_diagonal(similarity, -np.inf)
    sizes = np.ones(len(vectors))
    groups: dict[int, list[int]] = {i: [i] for i in range(len(vectors))}
    while len(groups) > fewest:
        flat = int(np.argmax(similarity))
        i, j = divmod(flat, len(vectors))
        best = float(similarity[i, j])
        if best < cut:
            return list(groups.values()), best
        merged = (sizes[i] * similarity[i] + sizes[j] * similarity[j]) / (sizes[i] + sizes[j])
        similarity[i], similarity[:, i] = merged, merged
        similarity[j], similarity[:, j] = -np.inf, -np.inf
        similarity[i, i] = -np.inf
        sizes[i] += sizes[j]
        groups[i].extend(groups.pop(j))
    return list(groups.values()), 0.0


# --- summaries ------------------------------------------------------------------------------------

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


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(t, 0.0) for t, w in a.items())


def _word_set(sentence: str) -> set[str]:
    return {w for w in re.findall(r"\w+", sentence.lower()) if len(w) > 2}


def summarize(members: Sequence[dict], size: int = 3) -> tuple[str | None, list[dict]]:
    """(title, summary) of a story from its members: dicts with id, title, text, outlet,
    published and vector. The title is the most central member's headline; the summary is the
    lead sentences of the most central members, distinct outlets first, near-repeats skipped."""
    if not members:
        return None, []
    matrix = _matrix([m["vector"] for m in members], {})
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


# --- the store side -------------------------------------------------------------------------------

@dataclass(slots=True)
class UpdateReport:
    articles: int = 0
    new_stories: int = 0
    joined: int = 0
    merges: int = 0
    splits: int = 0


class UpdateProgress:
    def started(self, pending: int) -> None: ...

    def advanced(self, count: int) -> None: ...


_PENDING_ORDER = "published IS NULL, published, id"  # dated first, by date; then undated, in arrival order
_CHUNK = 256
_IN = 500


def _select_in(conn: Connection, sql: str, values: Sequence[Any]) -> list:
    return select_in(conn, text(sql).bindparams(bindparam("values", expanding=True)), values)


def _load_clusterer(store: Store, config: StoryConfig) -> Clusterer:
    def df_lookup(terms: Sequence[str]) -> dict[str, int]:
        with store.connect() as conn:
            return {r.term: r.df for r in _select_in(conn, "SELECT term, df FROM story_terms WHERE term IN :values",
                                                      terms)}

    with store.connect() as conn:
        documents, seq = conn.execute(text(
            "SELECT count(*), coalesce(max(seq), 0) FROM story_features WHERE vector IS NOT NULL")).one()
        newest = parse_datetime(conn.execute(text(
            "SELECT max(a.published) FROM story_features f JOIN articles a ON a.id = f.article_id"
            " WHERE f.vector IS NOT NULL")).scalar())
        clusterer = Clusterer(config, int(documents), int(seq), df_lookup)
        clusterer.newest = newest
        params: dict[str, Any] = {"seq": int(seq) - config.window_articles}
        where = "f.vector IS NOT NULL AND f.seq > :seq"
        if newest is not None:
            where += " AND (a.published IS NULL OR a.published >= :since)"
            since = datetime.fromtimestamp(newest.timestamp() - config.window_days * 86400, UTC)
            params["since"] = store.db_time(since)
        rows = conn.execute(text(
            "SELECT f.article_id, f.vector, f.seq, a.published, a.story_id FROM story_features f"
            f" JOIN articles a ON a.id = f.article_id WHERE {where} ORDER BY f.seq"), params)
        for row in rows:
            if row.story_id is not None:
                clusterer.add(row.article_id, json.loads(row.vector), parse_datetime(row.published), row.story_id,
                              row.seq)
    return clusterer


def update(store: Store, config: StoryConfig | None = None, progress: UpdateProgress | None = None) -> UpdateReport:
    """Cluster every article still without a story. Safe to interrupt: each chunk of articles is
    committed with its stories, features and term counts in one transaction."""
    config = config or StoryConfig.from_settings()
    progress = progress or UpdateProgress()
    report = UpdateReport()
    with store.connect() as conn:
        pending = conn.execute(text(
            "SELECT count(*) FROM articles WHERE story_id IS NULL AND duplicate_of IS NULL")).scalar_one()
    progress.started(pending)
    if not pending:
        return report
    clusterer = _load_clusterer(store, config)
    while True:
        with store.connect() as conn:
            rows = conn.execute(text(
                "SELECT id, title, text, published FROM articles WHERE story_id IS NULL AND duplicate_of IS NULL"
                f" ORDER BY {_PENDING_ORDER} LIMIT :n"), {"n": _CHUNK}).all()
            if not rows:
                break
            known = {r.article_id: json.loads(r.terms) for r in _select_in(
                conn, "SELECT article_id, terms FROM story_features WHERE article_id IN :values", [r.id for r in rows])}
        missing = [r for r in rows if r.id not in known]
        if missing:
            for row, terms in zip(missing, nlp.story_terms([(r.title, r.text) for r in missing]), strict=True):
                known[row.id] = terms
        clusterer.prefetch(t for r in rows for t in known[r.id])
        _cluster_chunk(store, clusterer, [(r.id, known[r.id], parse_datetime(r.published)) for r in rows], report)
        progress.advanced(len(rows))
    return report


def _cluster_chunk(store: Store, clusterer: Clusterer, chunk: list[tuple[int, dict[str, float], datetime | None]],
                   report: UpdateReport) -> None:
    now = store.db_time(datetime.now(UTC))
    with store.connect(write=True) as conn:
        def new_story() -> int:
            report.new_stories += 1
            return conn.execute(text("INSERT INTO stories (title, created_at, updated_at) VALUES (NULL, :now, :now)"
                                     " RETURNING id"), {"now": now}).scalar_one()

        clusterer.new_story = new_story
        current: dict[int, int] = {}  # this chunk's articles (written at the end) → their story
        touched: set[int] = set()
        feature_rows: list[dict] = []
        history: list[dict] = []
        for article_id, terms, published in chunk:
            assignment = clusterer.assign(article_id, terms, published)
            current[article_id] = assignment.story
            touched.add(assignment.story)
            report.joined += assignment.joined
            for change in assignment.changes:
                # articles written before this chunk move in the database now; this chunk's in ``current``
                if change.kind == "merge":
                    report.merges += 1
                    conn.execute(text("UPDATE articles SET story_id = :other WHERE story_id = :story"),
                                 {"other": change.other, "story": change.story})
                    conn.execute(text("UPDATE stories SET merged_into = :other, updated_at = :now WHERE id = :story"),
                                 {"other": change.other, "story": change.story, "now": now})
                    for member, story in current.items():
                        if story == change.story:
                            current[member] = change.other
                else:
                    report.splits += 1
                    moved = [m for m in change.members if m not in current]
                    for start in range(0, len(moved), _IN):
                        part = moved[start:start + _IN]
                        conn.execute(text("UPDATE articles SET story_id = :other WHERE id IN :ids OR duplicate_of IN :ids"
                                          ).bindparams(bindparam("ids", expanding=True)),
                                     {"other": change.other, "ids": part})
                    for member in change.members:
                        if member in current:
                            current[member] = change.other
                touched.update((change.story, change.other))
                history.append({"kind": change.kind, "story": change.story, "other": change.other,
                                "article": article_id, "similarity": round(change.similarity, 6), "now": now})
            feature_rows.append({"id": article_id, "terms": json.dumps(terms, separators=(",", ":")),
                                 "vector": json.dumps({t: round(w, 6) for t, w in assignment.vector.items()},
                                                      separators=(",", ":")),
                                 "seq": assignment.seq})
            report.articles += 1
        clusterer.new_story = clusterer._count_story
        if history:
            conn.execute(text("INSERT INTO story_history (kind, story_id, other_story_id, article_id, similarity, at)"
                              " VALUES (:kind, :story, :other, :article, :similarity, :now)"), history)
        conn.execute(text("UPDATE articles SET story_id = :story WHERE id = :id OR duplicate_of = :id"),
                     [{"story": story, "id": article} for article, story in current.items()])
        conn.execute(text(
            "INSERT INTO story_features (article_id, terms, vector, seq) VALUES (:id, :terms, :vector, :seq)"
            " ON CONFLICT (article_id) DO UPDATE SET terms = excluded.terms, vector = excluded.vector,"
            " seq = excluded.seq"), feature_rows)
        added = clusterer.take_counts()
        if added:
            conn.execute(text("INSERT INTO story_terms (term, df) VALUES (:term, :df)"
                              " ON CONFLICT (term) DO UPDATE SET df = story_terms.df + excluded.df"),
                         [{"term": t, "df": n} for t, n in sorted(added.items())])
        refresh(conn, sorted(touched), now)


def refresh(conn: Connection, story_ids: Sequence[int], now: Any, member_cap: int = 200) -> None:
    """Recompute the title, summary and first/last published of these stories."""
    for story_id in story_ids:
        rows = conn.execute(text(
            "SELECT a.id, a.title, a.text, a.outlet, a.published, f.vector FROM articles a"
            " LEFT JOIN story_features f ON f.article_id = a.id"
            " WHERE a.story_id = :story AND a.duplicate_of IS NULL ORDER BY a.id DESC LIMIT :cap"),
            {"story": story_id, "cap": member_cap}).all()
        members = [{"id": r.id, "title": r.title, "text": r.text, "outlet": r.outlet,
                    "published": parse_datetime(r.published), "vector": json.loads(r.vector) if r.vector else {}}
                   for r in rows]
        title, summary = summarize(members)
        first, last = conn.execute(text("SELECT min(published), max(published) FROM articles WHERE story_id = :story"),
                                   {"story": story_id}).one()
        conn.execute(text(
            "UPDATE stories SET title = :title, summary = :summary, first_published = :first,"
            " last_published = :last, updated_at = :now WHERE id = :story"),
            {"title": title, "summary": json.dumps(summary, ensure_ascii=False), "first": first, "last": last,
             "now": now, "story": story_id})


def rebuild(store: Store, config: StoryConfig | None = None, progress: UpdateProgress | None = None) -> UpdateReport:
    """Forget every story and cluster the whole store again from scratch, in publication order
    (after a backfill of older articles, or with new settings). Article terms are kept, so nothing
    is parsed twice."""
    with store.connect(write=True) as conn:
        conn.execute(text("UPDATE articles SET story_id = NULL WHERE story_id IS NOT NULL"))
        conn.execute(text("DELETE FROM story_history"))
        conn.execute(text("DELETE FROM stories"))
        conn.execute(text("UPDATE story_features SET vector = NULL, seq = NULL"))
        conn.execute(text("DELETE FROM story_terms"))
    return update(store, config, progress)
