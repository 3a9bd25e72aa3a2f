"""Actor coding: an actor phrase ("US Senator Marco Rubio", "four Saudi men", "riot police", "the
Venezuelan regime") → a canonical name, a country (ISO alpha-3, or IGO/NGO) and a sector, as of a
date. Dictionary entries give identity; words around them give the sector:

- a person: their role on that day, unless the phrase names a role itself ("Senator …");
- an organization: its own country and sector, unless a sector word heads the phrase
  ("UN peacekeepers" → MIL) or an armed group is placed in a named country;
- a country named by name, adjective, place, capital or metonym: the sector the phrase's words
  say ("army" → MIL); a capital or metonym alone ("Tehran", "the Kremlin") is the government; a people
  named alone ("Libyans", "Bosnian Serbs") are civilians; a country alone is the state, no sector;
- "ethnic" before an adjective makes it an ethnicity, not a nationality;
- no dictionary entry: the sector words alone ("riot police" → —/COP).

When the phrase names no country, the sentence it came from (``context``) may: the country
mention nearest to the phrase there."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from .dictionary import KIND_ORDER, Actor, Dictionary, load_dictionary, tokens

_DETERMINERS = {"the", "a", "an", "some", "several", "many", "two", "three", "four", "five", "six", "seven",
                "eight", "nine", "ten", "dozens", "hundreds", "thousands", "of", "senior", "top", "other"}
_LINKS = {"of", "in", "from", "at", "for", "on", "near", "inside", "across", "against", "with", "by"}
_LEAD_WORDS = {"leader", "leaders", "leadership", "chief", "chiefs", "head", "heads", "commander", "commanders",
               "spokesman", "spokeswoman", "spokesperson"}


@dataclass(frozen=True, slots=True)
class ActorCode:
    text: str
    name: str | None
    country: str | None
    sector: str | None
    entity_id: str | None
    type: str | None = None

    def as_dict(self) -> dict:
        return {"text": self.text, "name": self.name, "country": self.country, "sector": self.sector,
                "entity_id": self.entity_id, "type": self.type}


@dataclass(frozen=True, slots=True)
class _Match:
    start: int
    end: int
    actor: Actor
    how: str


@dataclass(frozen=True, slots=True)
class _Sector:
    start: int
    end: int
    sector: str
    lead: bool  # "leaders", "chief": takes the sector of the group it leads


def matches(dictionary: Dictionary, words: list[str], typos: bool = True) -> tuple[list[_Match], list[_Sector]]:
    """Dictionary entries and sector words, longest first, not overlapping, left to right;
    ``typos``: also one-word names within an edit or two (for a short actor phrase, not a text)."""
    entities: list[_Match] = []
    sectors: list[_Sector] = []
    index = 0
    while index < len(words):
        found = dictionary.lookup(words, index)
        sector = dictionary.sector_at(words, index)
        if found is None and sector is None and "-" in words[index]:  # "Vietnamese-led", "Greek-Cypriot"
            found = dictionary.lookup([words[index].split("-")[0]], 0)
        if found is None and sector is None and typos:
            typo = dictionary.fuzzy(words[index])
            if typo:
                found = (1, typo)
        if found and (sector is None or found[0] >= sector[0]):
            length, entries = found
            best = min(entries, key=lambda p: (KIND_ORDER[dictionary.actors[p.actor_id].kind], p.how != "name"))
            entities.append(_Match(index, index + length, dictionary.actors[best.actor_id], best.how))
            index += length
        elif sector:
            lead = words[index + sector[0] - 1].lower() in _LEAD_WORDS
            sectors.append(_Sector(index, index + sector[0], sector[1], lead))
            index += sector[0]
        else:
            index += 1
    return entities, sectors


def _head_sector(words: list[str], sectors: list[_Sector]) -> str | None:
    """The sector of the phrase's head: the last sector word before the first preposition
    ("inhabitants of the Syrian Golan" → inhabitants), else the first; a lead word ("rebel
    leaders") takes the sector of the group word before it."""
    if not sectors:
        return None
    link = next((i for i, w in enumerate(words) if w.lower() in _LINKS and i > 0), len(words))
    before = [s for s in sectors if s.end <= link] or sectors[:1]
    head = before[-1]
    if head.lead:
        groups = [s for s in before[:-1] if not s.lead]
        if groups:
            return groups[-1].sector
    return head.sector


def _is_people(dictionary: Dictionary, words: list[str], match: _Match) -> bool:
    """A plural demonym ("Libyans", "Serbs"): the word less its s is the same country's adjective."""
    word = words[match.end - 1]
    if match.how != "adjective" or not word.lower().endswith("s"):
        return False
    entries = dictionary.phrases.get((word.lower()[:-1],), [])
    return any(p.actor_id == match.actor.id for p in entries)


def _context_country(dictionary: Dictionary, text: str, context: str) -> str | None:
    """The country mentioned nearest the phrase in its sentence."""
    words = tokens(context)
    found, _ = matches(dictionary, words, typos=False)
    phrase = [w.lower() for w in tokens(text)]
    lowered = [w.lower() for w in words]
    at = next((i for i in range(len(words)) if phrase and lowered[i:i + len(phrase)] == phrase), None)
    inside = range(at, at + len(phrase)) if at is not None else range(0)
    places = [(m.start, m.actor.country) for m in found if m.actor.country and m.start not in inside
              and not (m.start > 0 and lowered[m.start - 1] == "ethnic")]
    if not places:
        return None
    if at is None:
        return places[0][1]
    return min(places, key=lambda p: (abs(p[0] - at), p[0]))[1]


def code_actor(text: str, day: date | None = None, dictionary: Dictionary | None = None,
               context: str | None = None) -> ActorCode:
    """Resolve one actor phrase as of ``day`` (today when None); ``context`` is the sentence it
    came from, used only for a phrase that names no country."""
    dictionary = dictionary or load_dictionary()
    code = _code(text, day, dictionary)
    if code.country is None and context:
        country = _context_country(dictionary, text, context)
        if country:
            return ActorCode(code.text, code.name, country, code.sector, code.entity_id, code.type)
    return code


def _code(text: str, day: date | None, dictionary: Dictionary) -> ActorCode:
    words = tokens(text)
    entities, sectors = matches(dictionary, words)
    lowered = [w.lower() for w in words]
    # "ethnic Albanians": an ethnicity, not a nationality
    ethnic = [m for m in entities if m.how == "adjective" and m.start > 0 and lowered[m.start - 1] == "ethnic"]
    entities = [m for m in entities if m not in ethnic]
    content = [w for w in lowered if w not in _DETERMINERS and w != "ethnic"]
    named_sector = _head_sector(words, sectors)
    sector: str | None
    people = [m for m in entities if m.actor.kind == "person"]
    organizations = [m for m in entities if m.actor.kind == "organization"]
    countries = [m for m in entities if m.actor.kind == "country"]
    if ethnic and not countries and not people and not organizations:
        return ActorCode(text, _clean(text), None, named_sector or "CVL", None, "NORP")
    if people:
        person = people[0].actor
        role = person.role_at(day)
        country = role.country if role else person.country
        sector = named_sector or (role.sector if role else None)
        return ActorCode(text, person.name, country, sector, person.id, person.type)
    if organizations:
        match = organizations[0]
        organization = match.actor
        span = match.end - match.start
        alone = len(content) <= span
        country = organization.country
        sector = organization.sector
        after = [s for s in sectors if s.start >= match.end]
        if after and not after[0].lead:
            sector = after[0].sector
        elif named_sector and any(s.end <= match.start for s in sectors) and named_sector != "GOV":
            sector = named_sector
        if countries and sector in ("REB", "CRM") and organization.country not in ("IGO", "NGO"):
            country = countries[0].actor.country
        return ActorCode(text, organization.name, country, sector, organization.id if alone else None,
                         organization.type)
    if countries:
        first = countries[0]
        country = first.actor.country
        only_country = not sectors and len(content) == sum(m.end - m.start for m in countries)
        if named_sector:
            sector = named_sector
        elif first.how in ("metonym", "capital"):
            sector = "GOV"
        elif any(_is_people(dictionary, words, m) for m in countries):
            sector = "CVL"
        else:
            sector = None
        if only_country and len(countries) == 1 and first.how in ("name", "alias"):
            return ActorCode(text, first.actor.name, country, None, first.actor.id, "GPE")
        kind = "NORP" if first.how == "adjective" and not sectors else "GPE"
        return ActorCode(text, _clean(text), country, sector, None, kind)
    return ActorCode(text, _clean(text) or None, None, named_sector, None, None)


def _clean(text: str) -> str:
    """The phrase as written, without a leading article and outer spaces."""
    return re.sub(r"^(?:the|a|an)\s+", "", " ".join(text.split()), flags=re.IGNORECASE)
