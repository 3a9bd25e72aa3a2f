"""Online clustering of articles into stories (real-world events, across outlets), in memory: no
database here (``stories.py`` runs it over a store through ``store/stories.py``).

Each new original article (near-duplicates follow their original) is taken in publication order
(undated ones after the dated, in arrival order) and compared with the articles of recent stories:

- **Terms.** Its story terms (the ``terms`` stage, ``nlp.doc_terms``: content lemmas, bigrams, named entities, the
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
"""

from __future__ import annotations

import functools
import math
from collections import Counter, deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from . import eventsig, settings
from .eventsig import EMPTY, Signature


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
    same_event: float = 1.0  # factor on the similarity of two articles whose main events agree
    different_event: float = 0.8  # factor when their events differ (another act, or dated days apart)
    unmatched_event: float = 0.3  # factor when one headline tells an act and the other full text none
    event_days: float = 3.0  # main events of one type dated further apart than this are two events
    # join and split thresholds where a text is short (a headline and a sentence; None: the same as
    # for full texts, the default: lower ones over-merge topic-dense feeds, docs/benchmarks.md)
    short_threshold: float | None = None
    short_split: float | None = None
    followup_threshold: float = 0.22  # similarity at which an article continues a story that left the window
    followup_days: float = 365.0  # how long after its last article a story can still be continued
    followup_shared: int = 2  # anchors (the heaviest names) an article must share with an old story
    anchor_terms: int = 6  # an article's anchors: its heaviest named-entity terms
    full_chars: int = 250  # characters of text from which an article is a full text, not a headline and a sentence

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
    signature: Signature = EMPTY
    full: bool = True

    @property
    def when(self) -> datetime | None:
        """Its time evidence: the publication time, else the date of its main event (never the time
        it was first seen: one pasted page or one load is not evidence of being published together)."""
        return self.published or _at(self.signature.day)


def _at(day) -> datetime | None:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC) if day is not None else None


@dataclass(slots=True)
class Decision:
    vector: dict[str, float]
    story: int | None  # None: a new story
    similarity: float
    merges: list[tuple[int, float]] = field(default_factory=list)  # stories this article bridges into ``story``
    why: dict = field(default_factory=dict)  # the evidence behind it (``explain``)


@dataclass(slots=True)
class Change:
    """A change to stories an assignment caused: ``merge`` (``story`` merged into ``other``) or
    ``split`` (``members`` moved from ``story`` to the new story ``other``)."""

    kind: str
    story: int
    other: int
    similarity: float
    members: list[int] = field(default_factory=list)
    anchors: list[str] = field(default_factory=list)  # a split: the moved members' anchors


@dataclass(slots=True)
class Assignment:
    story: int  # the article's story after any merge or split
    vector: dict[str, float]
    similarity: float  # to the story it joined (0 for a new story)
    joined: bool
    seq: int
    changes: list[Change] = field(default_factory=list)
    why: dict = field(default_factory=dict)
    anchors: list[str] = field(default_factory=list)  # its heaviest names, by which a later article finds the story


@dataclass(slots=True)
class Recalled:
    """A story outside the window that shares anchors with an article (``Recall`` finds them)."""

    story: int
    last: datetime | None  # its last article's publication time
    shared: list[str]  # the anchors it shares
    members: list[tuple[dict[str, float], Signature, bool]]  # its latest members: vector, signature, full text


Recall = Callable[[Sequence[str], set[int]], list[Recalled]]  # (anchors, stories to leave out) → stories


def anchors(vector: dict[str, float], count: int) -> list[str]:
    """An article's anchors: its heaviest named-entity terms (people, organizations, places)."""
    names = sorted(((w, t) for t, w in vector.items() if t.startswith("E:")), reverse=True)
    return [t for _, t in names[:count]]


class Clusterer:
    """The online clusterer over the window of recent articles. ``df_lookup`` answers document
    frequencies of terms not yet cached (the store's ``story_terms``); ``prefetch`` asks for a
    chunk's terms in one go; ``new_story`` hands out the id of a new story."""

    def __init__(self, config: StoryConfig, documents: int = 0, seq: int = 0,
                 df_lookup: Callable[[Sequence[str]], dict[str, int]] | None = None, recall: Recall | None = None):
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
        self._full = True  # whether the article being decided is a full text
        self.recall = recall  # finds stories that left the window (follow-ups), None: none are looked for
        self.new_story: Callable[[], int] = self.count_story

    def count_story(self) -> int:
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

    def decide(self, terms: dict[str, float], published: datetime | None,
               signature: Signature = EMPTY, length: int | None = None) -> Decision:
        """Count the article's terms in and find its story (``Decision.story`` None: a new one).
        The similarity to each candidate is the terms' cosine, times the time decay between the two
        (publication times, else their main events' dates), times the event factor when their
        event signatures agree or differ (``eventsig.compare``)."""
        self.prefetch(terms)
        self._full = self.is_full(length)
        self.documents += 1
        for term in terms:
            self.df[term] = self.df.get(term, 0) + 1
            self.df_added[term] += 1
        if published is not None and (self.newest is None or published > self.newest):
            self.newest = published
        vector = self._vectorize(terms)
        when = published or _at(signature.day)
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
        by_story: dict[int, float] = {}  # the best margin over the threshold that applies
        best_score: dict[int, float] = {}  # the similarity behind it
        evidence: dict[int, dict] = {}
        for other, _ in shortlist:
            entry = self.entries[other]
            if not self._in_window(entry):
                continue
            cosine = _cosine(vector, entry.vector)
            score, why = self._score(cosine, when, signature, entry)
            # a short text shares fewer terms with anything: its similarities are read against
            # the short threshold, as margins over the threshold that applies
            threshold = self.config.threshold
            if not (self._full and entry.full) and self.config.short_threshold is not None:
                threshold = self.config.short_threshold
            margin = score / threshold if threshold > 0 else score
            if margin > by_story.get(entry.story, 0.0):
                by_story[entry.story] = margin
                best_score[entry.story] = score
                evidence[entry.story] = {**why, "article": other, "similarity": round(score, 4),
                                         "threshold": threshold}
        ranked = sorted(by_story.items(), key=lambda item: (-item[1], item[0]))
        if not ranked or ranked[0][1] < 1.0:
            continued = self._follow_up(vector, signature, when, set(by_story))
            if continued is not None:
                return continued
            best = evidence.get(ranked[0][0], {}) if ranked else {}
            return Decision(vector, None, best.get("similarity", 0.0),
                            why={"similarity": 0.0, "threshold": self.config.threshold, **best})
        story = ranked[0][0]
        similarity = best_score[story]
        merges: list[tuple[int, float]] = []
        if similarity >= self.config.merge_threshold:
            # a bridge merges two stories only when they hold together as a whole (the average
            # similarity across them reaches the split threshold): else the next check would split
            # them again, and one article that mixes two events would keep gluing them together
            joined = [vector, *self._latest(story)]
            merges = [(s, best_score[s]) for s, _ in ranked[1:] if best_score[s] >= self.config.merge_threshold
                      and mean_similarity(joined, self._latest(s)) >= self.config.split_threshold]
        return Decision(vector, story, similarity, merges, why=evidence[story])

    def _follow_up(self, vector: dict[str, float], signature: Signature, when: datetime | None,
                   seen: set[int]) -> Decision | None:
        """A story that left the window, found through its anchors (an index, never a scan), which
        this article continues: it shares at least ``followup_shared`` anchors, its last article is
        at most ``followup_days`` old, and the article reaches ``followup_threshold`` with one of its
        latest members (terms × event factor; no time decay: the gap is the point)."""
        if self.recall is None:
            return None
        best: tuple[float, dict] | None = None
        for found in self.recall(anchors(vector, self.config.anchor_terms), seen):
            story = found.story
            if story in seen or len(found.shared) < self.config.followup_shared or self._window_members(story):
                continue
            too_old = when is not None and found.last is not None and \
                abs((when - found.last).total_seconds()) > self.config.followup_days * 86400
            if too_old:
                continue
            for member_vector, member_signature, full in found.members:
                entry = _Entry(member_vector, None, story, 0, member_signature, full)
                score, why = self._score(_cosine(vector, member_vector), None, signature, entry)
                if best is None or score > best[0]:
                    gap = (when - found.last).total_seconds() / 86400 if when and found.last else None
                    best = (score, {**why, "followup": story, "shared": [t[2:] for t in found.shared],
                                    "gap_days": round(gap, 1) if gap is not None else None})
        if best is None or best[0] < self.config.followup_threshold:
            return None
        score, why = best
        return Decision(vector, why["followup"], score,
                        why={**why, "similarity": round(score, 4), "threshold": self.config.followup_threshold})

    def _score(self, cosine: float, when: datetime | None, signature: Signature, entry: _Entry) -> tuple[float, dict]:
        other_when = entry.when
        decay = self._decay(when, other_when)
        why: dict = {"terms": round(cosine, 4)}
        if when is not None and other_when is not None:
            why["days"] = round(abs((when - other_when).total_seconds()) / 86400, 1)
        if decay < 1.0:
            why["decay"] = round(decay, 4)
        comparison = eventsig.compare(signature, entry.signature, self.config.event_days, self._full, entry.full)
        factor = 1.0
        if comparison.verdict == "same":
            factor = self.config.same_event
        elif comparison.verdict == "different":
            factor = self.config.different_event
        elif comparison.verdict == "unmatched":
            factor = self.config.unmatched_event
        if comparison.verdict:
            why["event"] = comparison.verdict
            why["reason"] = comparison.reason
            if factor != 1.0:
                why["factor"] = factor
        return cosine * decay * factor, why

    def is_full(self, length: int | None) -> bool:
        """Whether a text of ``length`` characters (None: unknown) is long enough for what it does
        not tell to count."""
        return length is None or length >= self.config.full_chars

    def assign(self, article_id: int, terms: dict[str, float], published: datetime | None,
               signature: Signature = EMPTY, length: int | None = None) -> Assignment:
        """Decide the article's story, put it in the index, and carry out the merges it bridges
        and the split its story may now need. ``length``: its text's length in characters."""
        decision = self.decide(terms, published, signature, length)
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
        self.add(article_id, decision.vector, published, story, self.seq, signature, self._full)
        if decision.story is not None:
            changes.extend(self._maybe_split(story))
        return Assignment(self.entries[article_id].story, decision.vector, decision.similarity,
                          decision.story is not None, self.seq, changes, decision.why,
                          anchors(decision.vector, self.config.anchor_terms))

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
        short = sum(not self.entries[m].full for m in members) * 2 > len(members)
        cut = self.config.short_split if short and self.config.short_split is not None else self.config.split_threshold
        groups, between = average_linkage([self.entries[m].vector for m in members], cut)
        if sum(1 for g in groups if len(g) >= 2) < 2:
            return []
        groups.sort(key=min)  # the group with the earliest member first
        changes = []
        for group in groups[1:]:
            moved = [members[i] for i in group]
            new = self.new_story()
            self._relabel(moved, new)
            names = sorted({t for m in moved for t in anchors(self.entries[m].vector, self.config.anchor_terms)})
            changes.append(Change("split", story, new, between, moved, names))
        return changes

    def add(self, article_id: int, vector: dict[str, float], published: datetime | None, story: int, seq: int,
            signature: Signature = EMPTY, full: bool = True) -> None:
        """An already-clustered article into the index (also used when loading the window). Articles
        that left the window are dropped every 1,024 additions — before this one goes in, so an
        article that is itself outside the window (a backfill older than the window) stays until
        the next time and its assignment can still be read."""
        self._added += 1
        if self._added % 1024 == 0:
            self._evict()
        entry = _Entry(vector, published, story, seq, signature, full)
        self.entries[article_id] = entry
        self.members.setdefault(story, set()).add(article_id)
        heaviest = sorted(vector.items(), key=lambda item: -item[1])[: self.config.index_terms]
        for term, weight in heaviest:
            self.postings.setdefault(term, {})[article_id] = weight
        if published is not None and (self.newest is None or published > self.newest):
            self.newest = published
        self._order.append(article_id)

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


def explain(why: dict) -> str:
    """One line saying why an article went where it did, from the evidence its decision recorded
    ("joined: same event MOBILIZE USA→VEN, 2 days apart, terms 0.41; similarity 0.41 ≥ 0.14")."""
    parts = []
    if why.get("reason"):
        parts.append(why["reason"])
    if why.get("days") is not None:
        parts.append(f"{why['days']:g} day{'s' if why['days'] != 1 else ''} apart")
    if "terms" in why:
        parts.append(f"terms {why['terms']:.2f}")
    if why.get("decay") is not None:
        parts.append(f"time decay ×{why['decay']:.2f}")
    if why.get("factor") is not None:
        parts.append(f"event factor ×{why['factor']:g}")
    similarity, threshold = why.get("similarity", 0.0), why.get("threshold", 0.0)
    if why.get("followup") is not None:
        gap = why.get("gap_days")
        after = ""
        if gap is not None:  # a backfill can be older than the story's last article
            after = f"{abs(gap):g} days {'after' if gap >= 0 else 'before'} its last article, "
        return (f"continued story {why['followup']}: {after}shares {', '.join(why.get('shared', []))}; "
                f"{', '.join(parts)}; similarity {similarity:.2f} ≥ {threshold:.2f}")
    if why.get("joined"):
        return f"joined: {', '.join(parts)}; similarity {similarity:.2f} ≥ {threshold:.2f} (closest: article {why.get('article')})"
    if "article" not in why:
        return "new story: no recent article shared its terms"
    return (f"new story: closest was article {why['article']} ({', '.join(parts)}); "
            f"similarity {similarity:.2f} < {threshold:.2f}")


def term_matrix(vectors: Sequence[dict[str, float]], vocabulary: dict[str, int]) -> np.ndarray:
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
    left = term_matrix(first, vocabulary)
    right = term_matrix(second, vocabulary)
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
    matrix = term_matrix(vectors, {})
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


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(t, 0.0) for t, w in a.items())
