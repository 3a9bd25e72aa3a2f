"""The actor dictionary: countries (from pycountry, with the names, adjectives, capitals and
metonyms in data/countries.yaml), places that name a country, organizations, and people with dated
roles. Users add to it with a YAML file named by NEWSRADAR_ACTORS_FILE (the same sections:
``countries``, ``places``, ``organizations``, ``people``, ``sectors``)."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from .. import settings
from ..errors import SettingsError
from . import knowledge

DATA = Path(__file__).resolve().parent / "data"
_TOKEN = re.compile(r"[^\W_]+(?:[.'\-][^\W_]+)*\.?", re.UNICODE)


# which kind of entry wins when one phrase names several (a person over an organization over a country)
KIND_ORDER = {"person": 0, "organization": 1, "country": 2}


def strip_accents(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value.replace("’", "'").replace("‘", "'"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def tokens(value: str) -> list[str]:
    """Words as written (accents stripped), possessive 's dropped, a trailing period kept only on
    dotted abbreviations (U.S.)."""
    found = []
    for match in _TOKEN.finditer(strip_accents(value)):
        word = match.group(0)
        if word.endswith(".") and "." not in word[:-1]:
            word = word[:-1]
        if word.lower().endswith("'s"):
            word = word[:-2]
        if word:
            found.append(word)
    return found


def fold(words: list[str]) -> tuple[str, ...]:
    return tuple(w.lower() for w in words)


def is_acronym(alias: str) -> bool:
    """An all-capitals short form (US, UN, WHO, ICE): matched only when written in capitals."""
    bare = alias.replace(".", "").replace("-", "")
    return bare.isupper() and len(bare) <= 6


def slug(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", strip_accents(value).lower()).strip("-")


@dataclass(frozen=True, slots=True)
class Role:
    country: str | None
    sector: str | None
    title: str | None = None
    start: date | None = None
    end: date | None = None

    def holds(self, day: date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)

    def distance(self, day: date) -> int:
        if self.holds(day):
            return 0
        if self.start and day < self.start:
            return (self.start - day).days
        return (day - self.end).days if self.end else 0


@dataclass(slots=True)
class Actor:
    id: str
    name: str
    kind: str  # country, organization, person
    type: str  # NER label family: GPE, ORG, PERSON
    country: str | None = None
    sector: str | None = None
    aliases: list[str] = field(default_factory=list)
    roles: list[Role] = field(default_factory=list)

    def role_at(self, day: date | None) -> Role | None:
        """The role held on ``day`` (today when None): the latest-starting of those held, else the
        nearest in time."""
        if not self.roles:
            return None
        day = day or date.today()
        held = [r for r in self.roles if r.holds(day)]
        if held:
            return max(held, key=lambda r: r.start or date.min)
        if all(r.start and day < r.start for r in self.roles):
            return None  # not yet in any role we know of
        return min(self.roles, key=lambda r: r.distance(day))


@dataclass(frozen=True, slots=True)
class Phrase:
    actor_id: str
    how: str  # name, alias, adjective, capital, metonym, place


class Dictionary:
    """Phrase → actor lookups over folded token sequences; acronyms also need their capitals."""

    def __init__(self) -> None:
        self.actors: dict[str, Actor] = {}
        self.phrases: dict[tuple[str, ...], list[Phrase]] = {}
        self.acronyms: set[tuple[str, ...]] = set()
        self.proper: set[tuple[str, ...]] = set()  # names matched only as written with capitals (towns)
        self.sector_words: dict[tuple[str, ...], str] = {}
        self.longest = 1
        self._single: dict[str, list[str]] | None = None
        self._typos: dict[str, list[Phrase] | None] = {}
        self.place_short_forms: dict[tuple[str, ...], tuple[str, ...]] = {}  # "n.y." → "new york"
        self.first_words: set[str] = set()  # the first word of every phrase: most positions stop here
        self.sector_first: set[str] = set()
        self.agent_words: list[tuple[str, list[str]]] = []  # the knowledge base's agent nouns by sector
        self.agent_keys: set[tuple[str, ...]] = set()  # sector phrases only the agent nouns have

    def add_phrase(self, text: str, actor_id: str, how: str) -> None:
        words = tokens(text)
        if not words:
            return
        key = fold(words)
        if words[0].lower() == "the" and len(words) > 1:  # "the Kremlin" is "Kremlin"
            key = key[1:]
        entries = self.phrases.setdefault(key, [])
        if all(p.actor_id != actor_id for p in entries):
            entries.append(Phrase(actor_id, how))
        if is_acronym(text):
            self.acronyms.add(key)
        self.longest = max(self.longest, len(key))
        self.first_words.add(key[0])

    def add(self, actor: Actor) -> Actor:
        known = self.actors.get(actor.id)
        if known is not None:  # a user's entry extends ours
            known.aliases += [a for a in actor.aliases if a not in known.aliases]
            known.roles += actor.roles
            known.country = actor.country or known.country
            known.sector = actor.sector or known.sector
            actor = known
        else:
            self.actors[actor.id] = actor
        self.add_phrase(actor.name, actor.id, "name")
        for alias in actor.aliases:
            self.add_phrase(alias, actor.id, "alias")
        return actor

    def lookup(self, words: list[str], start: int) -> tuple[int, list[Phrase]] | None:
        """The longest dictionary phrase starting at ``words[start]``: (length, entries)."""
        if start >= len(words) or words[start].lower() not in self.first_words:
            return None
        for length in range(min(self.longest, len(words) - start), 0, -1):
            window = words[start:start + length]
            key = fold(window)
            entries = self.phrases.get(key)
            if not entries:
                continue
            if key in self.acronyms and not all(w.replace(".", "").replace("-", "").isupper() for w in window):
                continue
            if key in self.proper and not (window[0][:1].isupper() and window[-1][:1].isupper()):
                continue
            return length, entries
        return None

    def fuzzy(self, word: str) -> list[Phrase] | None:
        """A one-word name written with a typo ("Afganistan", "Phillippines"): the single-word
        names, adjectives and aliases within one edit (two for words of nine letters or more)."""
        if len(word) < 6 or not word[0].isupper():
            return None
        if word in self._typos:
            return self._typos[word]
        if len(self._typos) > 100000:
            self._typos.clear()
        self._typos[word] = result = self._closest(word)
        return result

    def _closest(self, word: str) -> list[Phrase] | None:
        if self._single is None:
            self._single = {}
            for key, entries in self.phrases.items():
                if (len(key) == 1 and len(key[0]) >= 5 and key not in self.acronyms
                        and any(p.how in ("name", "alias", "adjective") for p in entries)):
                    self._single.setdefault(key[0][0], []).append(key[0])
        folded = word.lower()
        limit = 2 if len(folded) >= 9 else 1
        best: tuple[int, str] | None = None
        for candidate in self._single.get(folded[0], []):
            if abs(len(candidate) - len(folded)) > limit:
                continue
            distance = knowledge.edits(folded, candidate, limit)
            if distance <= limit and (best is None or distance < best[0]):
                best = (distance, candidate)
        return self.phrases[(best[1],)] if best else None

    def sector_at(self, words: list[str], start: int) -> tuple[int, str] | None:
        first = words[start].lower() if start < len(words) else ""
        if first not in self.sector_first and first[:-1] not in self.sector_first:
            return None
        for length in range(min(4, len(words) - start), 0, -1):
            key = fold(words[start:start + length])
            sector = self.sector_words.get(key)
            if sector is None and key[-1].endswith("s") and len(key[-1]) > 3:
                sector = self.sector_words.get((*key[:-1], key[-1][:-1]))
            if sector is not None:
                return length, sector
        return None


_WORDS = {"wash", "mass", "miss", "mont", "kan", "del", "ind", "ore", "neb"}


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _read(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SettingsError(f"cannot read the actor dictionary {path}: {str(exc).splitlines()[0]}") from exc
    return data or {}


def _build(sections: dict) -> Dictionary:
    import pycountry

    dictionary = Dictionary()
    extra = sections.get("countries") or {}
    for country in pycountry.countries:
        code = country.alpha_3
        info = extra.get(code, {})
        names = {country.name, getattr(country, "common_name", None), getattr(country, "official_name", None)}
        names |= set(info.get("names", []))
        primary = getattr(country, "common_name", None) or country.name
        if info.get("names"):
            primary = info["names"][0] if "," in primary or "(" in primary else primary
        actor = dictionary.add(Actor(f"country:{code}", primary, "country", "GPE", country=code,
                                     aliases=sorted(n for n in names if n and n != primary)))
        _country_words(dictionary, actor.id, info)
    for code, info in extra.items():  # places pycountry lacks (Kosovo)
        if f"country:{code}" not in dictionary.actors:
            listed: list[str] = info.get("names") or [code]
            actor = dictionary.add(Actor(f"country:{code}", listed[0], "country", "GPE", country=code,
                                         aliases=list(listed[1:])))
            _country_words(dictionary, actor.id, info)
    for code, places in (sections.get("places") or {}).items():
        for place in places:
            dictionary.add_phrase(place, f"country:{code}", "place")
    for state, short_forms in _read(DATA / "us_states.yaml").items():
        dictionary.add_phrase(state, "country:USA", "place")
        for short in short_forms:
            # AP abbreviations name the state where they cannot be read as a word ("N.Y.", "Calif.",
            # not "Miss." or "Wash."); postal codes only link an abbreviation to its state in an article
            bare = short.rstrip(".").lower()
            if "." in short.rstrip(".") or (short.endswith(".") and len(bare) >= 4 and bare not in _WORDS):
                dictionary.add_phrase(short, "country:USA", "place")
            dictionary.place_short_forms[fold(tokens(short))] = fold(tokens(state))
    for entry in sections.get("organizations") or []:
        dictionary.add(Actor(f"org:{slug(entry['name'])}", entry["name"], "organization", "ORG",
                             country=entry.get("country"), sector=entry.get("sector"),
                             aliases=list(entry.get("aliases") or [])))
    for entry in sections.get("people") or []:
        roles = [Role(r.get("country"), r.get("sector"), r.get("title"), _day(r.get("from")), _day(r.get("to")))
                 for r in entry.get("roles") or []]
        dictionary.add(Actor(f"person:{slug(entry['name'])}", entry["name"], "person", "PERSON",
                             country=roles[-1].country if roles else entry.get("country"),
                             aliases=list(entry.get("aliases") or []), roles=roles))
    ours = {fold(tokens(str(w))) for words in (sections.get("sectors") or {}).values() for w in words}
    _knowledge_nouns(dictionary, ours)  # after our entries: a name of ours is never a town
    for sector, words in [*(sections.get("sectors") or {}).items(), *dictionary.agent_words]:
        for word in words:  # ours first: a word keeps the sector it is first given
            key = fold(tokens(str(word)))
            if key and (key in ours or not any(v in ours for v in _number_forms(key))):
                if key not in dictionary.sector_words and key not in ours:
                    dictionary.agent_keys.add(key)
                dictionary.sector_words.setdefault(key, sector)
                dictionary.sector_first.add(key[0])
    return dictionary


def _number_forms(key: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The plural and singular forms of a phrase's last word ("deputy" and "deputies"): an agent
    noun whose other form is one of our sector words is ours, not the agent list's."""
    *head, last = key
    forms = {last + "s", last + "es", last[:-1], last[:-2]}
    if last.endswith("y"):
        forms.add(last[:-1] + "ies")
    if last.endswith("ies"):
        forms.add(last[:-3] + "y")
    return [(*head, f) for f in forms if f]


def _knowledge_nouns(dictionary: Dictionary, ours: set[tuple[str, ...]]) -> None:
    """The knowledge base's place names (provinces, cities, other names of a country) where ours
    (entries and sector words ``ours``) say nothing of the name, its agent nouns as sector words
    after ours, and the world's towns (matched only when written with capitals)."""
    from spacy.lang.en.stop_words import STOP_WORDS

    shipped = knowledge.nouns()
    for code, names in shipped["places"].items():
        if f"country:{code}" not in dictionary.actors:
            continue
        for name in names:
            key = fold(tokens(name))
            if key and key not in dictionary.phrases and key not in ours and len(name) >= 4 \
                    and not (len(key) == 1 and key[0] in STOP_WORDS):
                dictionary.add_phrase(name, f"country:{code}", "place")
    dictionary.agent_words = [(sector, nouns) for sector, nouns in shipped["agents"].items()]
    for code, names in shipped.get("cities", {}).items():
        if f"country:{code}" not in dictionary.actors:
            continue
        for name in names:
            key = fold(tokens(name))
            if key and key not in dictionary.phrases and key not in ours:
                dictionary.add_phrase(name, f"country:{code}", "city")
                dictionary.proper.add(key)


def _country_words(dictionary: Dictionary, actor_id: str, info: dict) -> None:
    for adjective in info.get("adj", []):
        dictionary.add_phrase(adjective, actor_id, "adjective")
    if info.get("capital"):
        dictionary.add_phrase(info["capital"], actor_id, "capital")
    for metonym in info.get("metonyms", []):
        dictionary.add_phrase(metonym, actor_id, "metonym")


_SECTIONS = ("countries", "places", "organizations", "people", "sectors")


def _merge(sections: dict, data: dict, source: Path) -> None:
    """Add one file's sections to ``sections``: lists are extended, mappings merged entry by entry
    (a list value extended, a mapping value updated)."""
    for key, value in data.items():
        if key not in _SECTIONS:
            raise SettingsError(f"{source}: unknown section {key!r}; use {', '.join(_SECTIONS)}")
        if isinstance(sections[key], list):
            sections[key] = [*sections[key], *(value or [])]
            continue
        for name, item in (value or {}).items():
            if isinstance(item, list):
                sections[key][name] = [*(sections[key].get(name) or []), *item]
            else:
                sections[key].setdefault(name, {}).update(item)


@functools.lru_cache(maxsize=4)
def _load(user_file: str) -> Dictionary:
    sections: dict = {"countries": {}, "places": {}, "organizations": [], "people": [], "sectors": {}}
    for key in _SECTIONS:  # ours: one file per section
        path = DATA / f"{key}.yaml"
        _merge(sections, {key: _read(path)}, path)
    if user_file:
        path = Path(user_file).expanduser()
        if not path.is_file():
            raise SettingsError(f"NEWSRADAR_ACTORS_FILE={user_file!r} is not a file")
        _merge(sections, _read(path), path)
    return _build(sections)


def load_dictionary() -> Dictionary:
    """Ours plus the user's (NEWSRADAR_ACTORS_FILE), built once per process and file."""
    return _load(settings.get("actors_file") or "")
