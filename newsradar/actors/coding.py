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

The hand-written dictionary comes first. Where it names no person or organization, the world
knowledge base (``knowledge``: office-holders, legislators, parties, armed groups, organizations,
with dated roles) is asked for the longest name in the phrase, taken only for an actor the country
the phrase (or its sentence) names corroborates or who is distinctive without it (``_trusted``);
among namesakes the corroborated one wins, then one in office that day, then the one most sources
know.

When the phrase names no country, the sentence it came from (``context``) may: the country
mention nearest to the phrase there."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from spacy.lang.en.stop_words import STOP_WORDS

from . import knowledge as kb
from .dictionary import KIND_ORDER, Actor, Dictionary, Role, fold, load_dictionary, tokens

_DETERMINERS = {"the", "a", "an", "some", "several", "many", "two", "three", "four", "five", "six", "seven",
                "eight", "nine", "ten", "dozens", "hundreds", "thousands", "of", "senior", "top", "other"}
_LINKS = {"of", "in", "from", "at", "for", "on", "near", "inside", "across", "against", "with", "by"}
_OFFICE_SECTORS = ("GOV", "LEG", "JUD", "MIL", "COP", "SPY")
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
    modifier: bool = False  # the first half of "NATO-member", "US-backed": gives way to a head


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
        modifier = False
        if found is None and sector is None and "-" in words[index]:  # "Vietnamese-led", "Greek-Cypriot"
            parts = words[index].split("-")
            whole = dictionary.sector_at(parts, 0)  # "Vice-President"
            if whole is not None and whole[0] == len(parts):
                sector = (1, whole[1])
            else:
                found = dictionary.lookup(parts[:1], 0)
                modifier = found is not None
        if found is None and sector is None and typos:
            typo = dictionary.fuzzy(words[index])  # "Afganistan"; but "Fattah" of "Abdel Fattah el-Sisi" is no "Fatah"
            if typo and not _inside_a_name(dictionary, words, index, index + 1):
                found = (1, typo)
        if found and sector and fold(words[index:index + sector[0]]) in dictionary.agent_keys:
            sector = None  # a name we know beats a longer agent noun ("Treasury" of "Treasury Secretary")
        if found and (sector is None or found[0] >= sector[0]):
            length, entries = found
            best = min(entries, key=lambda p: (KIND_ORDER[dictionary.actors[p.actor_id].kind], p.how != "name"))
            if best.how == "city" and _inside_a_name(dictionary, words, index, index + length):
                index += length  # "Tatvan" of "Ahmet Tatvan" is no town
                continue
            entities.append(_Match(index, index + length, dictionary.actors[best.actor_id], best.how, modifier))
            index += length
        elif sector:
            lead = words[index + sector[0] - 1].lower() in _LEAD_WORDS
            sectors.append(_Sector(index, index + sector[0], sector[1], lead))
            index += sector[0]
        else:
            index += 1
    return entities, sectors


def _inside_a_name(dictionary: Dictionary, words: list[str], start: int, end: int) -> bool:
    """words[start:end] is part of a longer proper name: a capitalized word right before or after
    it is neither a common word, a sector word, nor a name of a country or organization we know
    ("Marco Delgado" is no pair of towns, "Denver Immigrant Legal Network" no party "Network")."""
    for at in (start - 1, end):
        if 0 <= at < len(words):
            word = words[at]
            folded = word.lower()
            if not word[:1].isupper() or folded in STOP_WORDS or dictionary.sector_at([word], 0) is not None:
                continue
            found = dictionary.lookup([word], 0)
            if found is None or all(p.how == "city" for p in found[1]):
                return True
    return False


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


def _generic_elsewhere(dictionary: Dictionary, words: list[str], match: _Match, countries: list[_Match]) -> bool:
    """An organization matched by a generic word ("Senate", "Supreme Court") in a phrase that
    names another country."""
    found = dictionary.sector_at(words[match.start:match.end], 0)
    return (found is not None and found[0] == match.end - match.start and bool(countries)
            and all(c.actor.country != match.actor.country for c in countries))


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
    came from, used only for a phrase that names no country: a country written right before the
    phrase there is part of it ("Chile's Defense Department" for "the Defense Department"), else
    the country named nearest it; and to tell namesakes apart."""
    dictionary = dictionary or load_dictionary()
    owner = _owner(dictionary, text, context) if context else None
    code = _code(f"{owner} {_clean(text)}" if owner else text, day, dictionary, context)
    if owner:
        code = ActorCode(text, code.name, code.country, code.sector, code.entity_id, code.type)
    if code.country is None and context:
        country = _context_country(dictionary, text, context)
        if country:
            return ActorCode(code.text, code.name, country, code.sector, code.entity_id, code.type)
    return code


_LONGEST_NAME = 8  # words


def _owner(dictionary: Dictionary, text: str, context: str) -> str | None:
    """The country name or adjective written right before the phrase in its sentence, when the
    phrase itself names none ("Chile's" of "Chile's Defense Department")."""
    phrase = [w.lower() for w in tokens(_clean(text))]
    if not phrase or any(m.actor.kind == "country" for m in matches(dictionary, tokens(text), typos=False)[0]):
        return None
    words = tokens(context)
    lowered = [w.lower() for w in words]
    at = next((i for i in range(len(words)) if lowered[i:i + len(phrase)] == phrase), None)
    if not at:
        return None
    for length in (3, 2, 1):
        if at - length < 0:
            continue
        found = dictionary.lookup(words[at - length:at], 0)
        if found and found[0] == length and any(p.how in ("name", "alias", "adjective")
                                                and dictionary.actors[p.actor_id].kind == "country" for p in found[1]):
            return " ".join(words[at - length:at])
    return None


def _known(dictionary: Dictionary, words: list[str], taken: list[_Match], sectors: list[_Sector],
           hints: set[str] | Callable[[], set[str]], day: date | None) -> _Match | None:
    """The longest name of the knowledge base in ``words`` that the hand dictionary did not
    match whole, as a match on an actor coded as of ``day``. ``hints``: the countries the phrase
    names (a set), or the countries its sentence names (a callable, read only when needed).

    A one-word name must be written with a capital, be neither a common nor a sector word, and not
    sit inside a longer proper name; an acronym must be written in capitals. A name is taken only
    from an actor we can trust to be the one meant (``_trusted``)."""
    knowledge = kb.knowledge()
    if knowledge is None or not words:
        return None
    where = _Where(hints)
    spans = {}
    for start in range(len(words)):
        for end in range(start + 1, min(len(words), start + _LONGEST_NAME) + 1):
            spans[(start, end)] = kb.normalize(" ".join(words[start:end]))
    found = knowledge.find(spans.values())
    covered = {i for m in taken for i in range(m.start, m.end)} | {i for s in sectors for i in range(s.start, s.end)}
    for (start, end), key in sorted(spans.items(), key=lambda item: (item[0][0] - item[0][1], item[0][0])):
        entries = found.get(key)
        if not entries:
            continue
        # the hand dictionary reads these words already ("United" of "United States", "border patrol")
        if all(i in covered for i in range(start, end)) or any(
                m.start < end and start < m.end and not (start <= m.start and m.end <= end and (start, end) != (m.start, m.end))
                for m in taken):
            continue
        written = words[start:end]
        one_word = end - start == 1
        if one_word:
            word = written[0]
            folded = key.lower()
            if (not word[:1].isupper() or len(folded) < 3 or folded in STOP_WORDS
                    or dictionary.sector_at(written, 0) is not None or fold(written) in dictionary.phrases
                    or _inside_a_name(dictionary, words, start, end)):
                continue
        capitals = all(w.replace(".", "").replace("-", "").isupper() for w in written)
        usable = [(actor_id, form) for actor_id, form in entries if capitals or form != kb.CAPITALS]
        if any(form != kb.SHORT for _, form in usable):  # a name as written beats a shortened one
            usable = [(actor_id, form) for actor_id, form in usable if form != kb.SHORT]
        titled = bool(_HEAD_TITLE.search(" ".join(words).lower()))
        common = not one_word and knowledge.namesakes(key.split()[-1]) >= _COMMON_SURNAME
        candidates = [knowledge.actor(actor_id) for actor_id, form in usable
                      if _trusted(knowledge.actor(actor_id), one_word, form == kb.SHORT or common, where, titled)]
        if candidates:
            return _Match(start, end, _as_actor(dictionary, _choose(candidates, where, day), day), "knowledge")
    titled = bool(_HEAD_TITLE.search(" ".join(words).lower()))
    for (start, end), key in spans.items():  # "President Francois Mitterand": a titled name with one typo
        written = words[start:end]
        if end - start >= 2 and all(w[:1].isupper() for w in written) and not any(i in covered for i in range(start, end)):
            people = [a for a in (knowledge.actor(i) for _, i in knowledge.near(key)) if a.type == "person"]
            people = [a for a in people if (where.named & a.countries if where.named
                                            else (titled and _governed(a)) or where() & a.countries)]
            if people:
                return _Match(start, end, _as_actor(dictionary, _choose(people, where, day), day), "knowledge")
    return None


# a surname this many people of the knowledge base bear (Garcia, Smith, Khan) names no one alone
_COMMON_SURNAME = 25
_HEAD_TITLE = re.compile(r"\b(?:president|prime minister|premier|chancellor|king|queen|emir|sultan)\b")


class _Where:
    """The countries that place a phrase: those it names, else (read once, when first needed)
    those its sentence names."""

    def __init__(self, hints: set[str] | Callable[[], set[str]]):
        self.named = hints if isinstance(hints, set) else set()
        self._read = None if isinstance(hints, set) else hints
        self._countries: set[str] | None = self.named or None

    def __call__(self) -> set[str]:
        if self._countries is None:
            self._countries = self._read() if self._read else set()
        return self._countries


def _governed(actor: kb.KnownActor) -> bool:
    """Held a head of state's or government's office (or, where the source names no office, a
    government role): what a "President …" or "Prime Minister …" in the phrase calls for."""
    return any(r.head or (r.sector == "GOV" and not r.title) for r in actor.roles)


def _trusted(actor: kb.KnownActor, one_word: bool, short: bool, where: _Where, titled: bool = False) -> bool:
    """Whether a name found in the knowledge base may be taken for ``actor``: always when the actor
    has a role in a country the phrase or its sentence names. Otherwise namesakes abound, so: a
    one-word name or acronym only of a person, group or organization that two sources know (never
    of a party: "Labor", "Greens", "AFP" are parties of many countries); a name cut to first and
    last word, or with a surname many bear ("Maria Garcia"), only of someone two sources know
    beyond a legislator's seat; a full name, of anyone but a legislator the only source is a 2015
    parliament list. A head of
    state's or government's title in the phrase vouches for someone who governed ("President
    Suharto")."""
    if where.named:
        return bool(where.named & actor.countries)
    if where() & actor.countries or (titled and actor.type == "person" and _governed(actor)):
        return True
    if one_word:
        return actor.type != "party" and len(actor.sources) >= 2
    if short:  # a name cut short, or one many people bear: someone known beyond one parliament list
        return actor.type != "person" or (not _legislator_only(actor) and len(actor.sources) >= 2)
    return not _legislator_only(actor)


def _legislator_only(actor: kb.KnownActor) -> bool:
    return actor.type == "person" and all(r.sector == "LEG" and r.source == "everypolitician" for r in actor.roles)


def _choose(candidates: list[kb.KnownActor], where: _Where, day: date | None) -> kb.KnownActor:
    """Among namesakes: one with a role in a country the phrase (or else its sentence) names,
    then one in a dated role that day, then the one most sources and roles know."""
    when = day or date.today()
    hints = where() if len({frozenset(c.countries) for c in candidates}) > 1 else where.named

    def score(actor: kb.KnownActor) -> tuple:
        return (not (hints & actor.countries), not any(r.dated and r.holds(when) for r in actor.roles),
                -len(actor.sources), -len(actor.roles), actor.ref)
    return min(candidates, key=score)


def _as_actor(dictionary: Dictionary, known: kb.KnownActor, day: date | None) -> Actor:
    """The knowledge base's actor as of ``day``; our own entry when ours has its name (one
    identity: "United States Congress" is ours, whichever alias found it)."""
    ours = [p for p in dictionary.phrases.get(fold(tokens(known.name)), [])
            if dictionary.actors[p.actor_id].kind in ("person", "organization")]
    if ours:
        return dictionary.actors[ours[0].actor_id]
    country, sector, role = known.role_on(day)
    if known.type == "person":
        return Actor(known.ref, known.name, "person", "PERSON", country=country,
                     roles=[Role(country, sector, role.title if role else None)])
    return Actor(known.ref, known.name, "organization", "ORG", country=country, sector=sector)


def _code(text: str, day: date | None, dictionary: Dictionary, context: str | None = None) -> ActorCode:
    words = tokens(text)
    entities, sectors = matches(dictionary, words)
    if not any(m.actor.kind in ("person", "organization") for m in entities):
        named = {m.actor.country for m in entities if m.actor.country}

        def sentence() -> set[str]:
            hint = _context_country(dictionary, text, context) if context else None
            return {hint} if hint else set()
        known = _known(dictionary, words, entities, sectors, named or sentence, day)
        if known is not None:
            inside = [m for m in entities if known.start <= m.start and m.end <= known.end]
            entities = sorted([m for m in entities if m not in inside] + [known], key=lambda m: m.start)
            sectors = [s for s in sectors if not (known.start <= s.start and s.end <= known.end)]
    if any(m.how == "city" for m in entities) and any(m.how != "city" and m.actor.kind == "country" for m in entities):
        entities = [m for m in entities if m.how != "city"]  # "King Hassan of Morocco": the country named wins
    if any(m.modifier for m in entities) and not all(m.modifier for m in entities):
        entities = [m for m in entities if not m.modifier]  # "NATO-member Norway" is Norway
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
        # "former Socialist prime minister …": out of office, an elite (CAMEO's ELI)
        former = any(w in ("former", "ex") or w.startswith("ex-") for w in lowered[:people[0].start])
        if former and sector in (None, *_OFFICE_SECTORS):
            sector = "ELI"
        return ActorCode(text, person.name, country, sector, person.id, person.type)
    generic = [m for m in organizations if _generic_elsewhere(dictionary, words, m, countries)]
    if generic:  # "Nigeria's Senate" is not the US Senate: a generic word names the named country's
        organizations = [m for m in organizations if m not in generic]
        sectors = sorted([*sectors, *(_Sector(m.start, m.end, dictionary.sector_at(words[m.start:m.end], 0)[1], False)  # type: ignore[index]
                                      for m in generic)], key=lambda s: s.start)
        named_sector = _head_sector(words, sectors)
    if organizations:
        match = organizations[0]
        organization = match.actor
        span = match.end - match.start
        alone = len(content) <= span
        country = organization.country
        sector = organization.sector
        after = [s for s in sectors if s.start >= match.end]
        if sector in ("REB", "CRM") and after and after[0].sector == "MIL":
            pass  # an armed group's "force" or "fighters" are the group
        elif after and not after[0].lead:
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
