"""The event pattern dictionary (``patterns.yaml``), loaded once per process: which verb or noun,
with which object or particle, codes which PLOVER type and mode, and where each type and mode sits
on the intensity scale."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..errors import NewsradarError

PATTERNS = Path(__file__).with_name("patterns.yaml")
TYPES = ("AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST", "ACCUSE", "REJECT",
         "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT")
COOPERATIVE = frozenset({"AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT"})
MATERIAL_CONFLICT = frozenset({"SANCTION", "MOBILIZE", "COERCE", "ASSAULT"})


@dataclass(frozen=True, slots=True)
class Pattern:
    id: str  # "SANCTION.economic:verb:freeze"
    type: str
    mode: str | None
    thing: bool  # the direct object is what is sent or used, not the target


@dataclass(frozen=True, slots=True)
class VerbRule:
    other: str | None  # the second word of a phrasal entry ("pull out": "out"), matched on a child
    other_first: bool  # "sexually assault": the other word comes first
    objects: frozenset[str] | None
    pattern: Pattern

    @property
    def rank(self) -> int:
        """Most specific first: a verb with objects, then a phrasal verb, then a bare verb."""
        return 0 if self.objects is not None else 1 if self.other else 2


@dataclass(frozen=True, slots=True)
class NounRule:
    words: tuple[str, ...]  # "air strike" → ("air", "strike"): the head is the last
    pattern: Pattern


class Lexicon:
    def __init__(self, data: dict) -> None:
        self.intensities: dict[tuple[str, str | None], float] = {}
        for type_, spec in (data.get("types") or {}).items():
            if type_ not in TYPES:
                raise NewsradarError(f"event patterns: unknown PLOVER type {type_!r}")
            self.intensities[(type_, None)] = float(spec["intensity"])
            for mode, value in (spec.get("modes") or {}).items():
                self.intensities[(type_, mode)] = float(value)
        self.light = frozenset(data.get("light_verbs") or ())
        self.onset = frozenset(data.get("onset_verbs") or ())
        self.counting = frozenset(data.get("counting_nouns") or ())
        self.verbs: dict[str, list[VerbRule]] = {}
        self.nouns: dict[str, list[NounRule]] = {}
        for entry in data.get("patterns") or ():
            type_, mode = entry["type"], entry.get("mode")
            if type_ not in TYPES:
                raise NewsradarError(f"event patterns: unknown PLOVER type {type_!r}")
            objects = frozenset(entry["objects"]) if entry.get("objects") else None
            thing = bool(entry.get("thing"))
            for verb in entry.get("verbs") or ():
                words = str(verb).lower().split()
                pattern = Pattern(f"{type_}.{mode or 'general'}:verb:{verb}", type_, mode, thing)
                if len(words) == 1:
                    rules = [VerbRule(None, False, objects, pattern)]
                else:  # "pull out" (verb first) or "sexually assault" (verb last): both readings
                    rules = [VerbRule(words[1], False, objects, pattern), VerbRule(words[0], True, objects, pattern)]
                    self.verbs.setdefault(words[1], []).append(rules.pop())
                self.verbs.setdefault(words[0], []).extend(rules)
            for noun in entry.get("nouns") or ():
                noun_words = tuple(str(noun).lower().split())
                pattern = Pattern(f"{type_}.{mode or 'general'}:noun:{noun}", type_, mode, thing)
                self.nouns.setdefault(noun_words[-1], []).append(NounRule(noun_words, pattern))
        for rules in self.verbs.values():
            rules.sort(key=lambda r: r.rank)
        for noun_rules in self.nouns.values():
            noun_rules.sort(key=lambda r: -len(r.words))  # the longest name first ("air strike" before "strike")

    def intensity(self, type_: str, mode: str | None) -> float:
        return self.intensities.get((type_, mode), self.intensities.get((type_, None), 0.0))


_lock = threading.Lock()
_loaded: dict[Path, Lexicon] = {}


def lexicon(path: Path = PATTERNS) -> Lexicon:
    with _lock:
        if path not in _loaded:
            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8"))
            except (OSError, yaml.YAMLError) as exc:
                raise NewsradarError(f"cannot read the event patterns {path}: {exc}") from exc
            _loaded[path] = Lexicon(data or {})
        return _loaded[path]
