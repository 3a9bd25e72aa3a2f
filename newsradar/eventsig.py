"""Event signatures for story identity: what happened, to whom and when, as the stories stage
compares two articles (``clustering.py``). Pure: no database, no spaCy.

An article's signature is its coded events (the events stage), each as a ``Signal`` — PLOVER
type, source and target (a country code, else the actor's name), the event's date — weighted by
where the article tells it: the headline most, then the lead, then the body; events inside a
quotation (a claim), negated or hypothetical ones count little or not at all. Its **main event**
is the heaviest (type, source, target).

Two signatures **agree** when their main events are the same act between compatible actors
("MOBILIZE USA→VEN" and "MOBILIZE USA"); they **differ** when each tells a clear main event and
neither's types appear in the other's at all (an ACCUSE story and an AGREE story of the same
actors), or when their main events are dated days apart. Otherwise the signal is silent. The
clusterer turns that into a factor on the term similarity and a sentence that explains it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

_TITLE, _LEAD, _BODY, _QUOTED = 2.0, 1.5, 1.0, 0.3
_LEAD_CHARS = 400  # the lead: the text's sentences starting in its first 400 characters
MAIN_SHARE = 0.4  # a main event holds at least this share of an article's event weight


@dataclass(frozen=True, slots=True)
class Signal:
    type: str
    source: str | None
    target: str | None
    day: date | None
    weight: float


@dataclass(frozen=True, slots=True)
class Signature:
    """An article's events, heaviest first, and its main event (None when no act dominates)."""

    signals: tuple[Signal, ...]
    main: tuple[str, str | None, str | None] | None
    day: date | None  # the main event's date, when the article gives one
    types: frozenset[str]
    known: bool = True  # False: clustered before signatures were kept (the event factor stays silent)

    def label(self) -> str:
        return label(self.main) if self.main else ""


EMPTY = Signature((), None, None, frozenset())
UNKNOWN = Signature((), None, None, frozenset(), known=False)


def label(main: tuple[str, str | None, str | None]) -> str:
    kind, source, target = main
    if source and target:
        return f"{kind} {source}→{target}"
    if source:
        return f"{kind} {source}"
    return f"{kind} →{target}" if target else kind


def weight_of(field: str, sentence_start: int, in_quote: bool) -> float:
    place = _TITLE if field == "title" else _LEAD if sentence_start < _LEAD_CHARS else _BODY
    return place * (_QUOTED if in_quote else 1.0)


def day_of(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value) >= 10:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def signature(signals: Iterable[Signal]) -> Signature:
    """An article's signature from its signals."""
    found = sorted(signals, key=lambda s: -s.weight)
    if not found:
        return EMPTY
    acts: dict[tuple[str, str | None, str | None], float] = {}
    by_type: dict[str, float] = {}
    for signal in found:
        by_type[signal.type] = by_type.get(signal.type, 0.0) + signal.weight
    total = sum(by_type.values())
    main_type = max(by_type, key=lambda t: (by_type[t], t))
    main = None
    if by_type[main_type] >= MAIN_SHARE * total:
        for signal in found:
            if signal.type == main_type:
                key = (signal.type, signal.source, signal.target)
                acts[key] = acts.get(key, 0.0) + signal.weight + 0.01 * bool(signal.source) + 0.01 * bool(signal.target)
        main = max(acts, key=lambda k: (acts[k], str(k)))
    day = None
    if main is not None:
        days = [s.day for s in found if s.type == main[0] and s.day is not None]
        day = days[0] if days else None
    return Signature(tuple(found), main, day, frozenset(by_type))


def from_records(events: Sequence[Any]) -> Signature:
    """An article's signature from the events stage's records (``store.events.EventRecord``)."""
    signals = []
    for event in events:
        if not hasattr(event, "type") or event.negated or event.hypothetical:
            continue
        roles: dict[str, str | None] = {}
        for actor in event.actors:
            if actor.role in ("source", "target") and actor.role not in roles:
                roles[actor.role] = actor.country or actor.name
        signals.append(Signal(event.type, roles.get("source"), roles.get("target"), day_of(event.date),
                              weight_of(event.field, event.sentence_start, event.in_quote)))
    return signature(signals)


def to_json(sig: Signature) -> list:
    return [[s.type, s.source, s.target, s.day.isoformat() if s.day else None, s.weight] for s in sig.signals]


def from_json(value: Sequence[Sequence[Any]] | None) -> Signature:
    if not value:
        return EMPTY
    return signature(Signal(t, src, tgt, day_of(d), float(w)) for t, src, tgt, d, w in value)


def _compatible(a: str | None, b: str | None) -> bool:
    return a is None or b is None or a == b


@dataclass(frozen=True, slots=True)
class Comparison:
    verdict: str  # "same", "different", "unmatched" (one headline's act, no act in the other) or "" (silent)
    reason: str


def headline_act(sig: Signature) -> str | None:
    """The main event's type when the headline tells it."""
    if sig.main and any(s.type == sig.main[0] and s.weight >= _TITLE for s in sig.signals):
        return sig.main[0]
    return None


def compare(a: Signature, b: Signature, max_days: float, a_full: bool = True, b_full: bool = True) -> Comparison:
    """How two articles' events bear on their being one story. ``a_full``/``b_full``: whether the
    article has a body long enough for the absence of any event in it to be evidence (a headline
    and one sentence say too little to be silent about an act)."""
    if not (a.known and b.known):
        return Comparison("", "")
    for one, other, full in ((a, b, b_full), (b, a, a_full)):
        act = headline_act(one)
        if act and full and not other.signals:
            return Comparison("unmatched", f"{one.label()} in one headline, no act in the other")
    if a.day is not None and b.day is not None and a.main and b.main and a.main[0] == b.main[0]:
        apart = abs((a.day - b.day).days)
        if apart > max_days:
            return Comparison("different", f"{a.label()} dated {apart} days apart")
    if a.main is None or b.main is None:
        return Comparison("", "")
    (ta, sa, ga), (tb, sb, gb) = a.main, b.main
    if ta == tb and _compatible(sa, sb) and _compatible(ga, gb) and (sa or ga) and (sb or gb):
        return Comparison("same", f"same event {label((ta, sa or sb, ga or gb))}")
    if ta != tb and ta not in b.types and tb not in a.types:
        return Comparison("different", f"different events {a.label()} / {b.label()}")
    return Comparison("", "")
