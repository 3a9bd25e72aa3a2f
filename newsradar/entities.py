"""Entities in one article, as two spaCy components that read the parse (no second parse):

``newsradar_mentions`` (requires ``doc.ents``, assigns ``doc._.mentions`` and ``doc._.acronyms``)
turns named entities into mentions: the name as written without a leading article or a possessive,
the title or role in front of it kept as evidence ("Venezuelan President" Nicolás Maduro), words
that are only titles ("State" of "Secretary of State") dropped, acronyms the text defines ("the
International Atomic Energy Agency (IAEA)") noted; dictionary names the tagger missed ("U.S.") and
later bare surnames of people named in full are added.

``EntityResolver`` then groups an article's mentions — headline and text together, in the
entities stage (``stages/entities.py``) — into the entities they name: the same name once folded (accents, case,
typographic quotes); an acronym and its expansion; two names of one dictionary entry (a country
and its adjective, a group's Spanish and English names); a surname or first name and the full name
it belongs to, wherever that is introduced; an organization's short form. Each group is linked to
the actor dictionary where one of its names is there, and ``code_groups`` codes it by country and
sector as of the article's date (``newsradar.actors``).

Versioned names are stored with the output so a re-run knows what to recompute."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from spacy.language import Language
from spacy.tokens import Doc

from .actors import code_actor, load_dictionary
from .actors.dictionary import KIND_ORDER, Dictionary, fold, tokens

MENTIONS_VERSION = "newsradar.mentions.v2"  # v2: named vessels are PRODUCTs, company names ORGs
ENTITIES_VERSION = "newsradar.entities.v2"  # v2: the world knowledge base codes and links actors
VERSION = f"{MENTIONS_VERSION}+{ENTITIES_VERSION}"

LABELS = frozenset({"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC"})  # the NER labels that name entities
_TITLE_WORDS = {
    "president", "vice", "prime", "minister", "secretary", "state", "senator", "sen", "rep", "representative",
    "congressman", "congresswoman", "governor", "gov", "mayor", "general", "gen", "lt", "col", "colonel",
    "admiral", "adm", "commander", "chief", "justice", "judge", "ambassador", "envoy", "foreign", "defense",
    "defence", "interior", "finance", "treasury", "attorney", "king", "queen", "prince", "princess", "crown",
    "sheikh", "emir", "ayatollah", "supreme", "leader", "opposition", "former", "acting", "deputy", "speaker",
    "chancellor", "pope", "cardinal", "archbishop", "bishop", "rev", "dr", "mr", "mrs", "ms", "sir", "lady",
    "director", "spokesman", "spokeswoman", "spokesperson", "chairman", "chairwoman", "chair", "ceo", "head",
    "dictator", "strongman", "the", "of", "u.s", "us", "national", "security", "adviser", "advisor", "homeland",
    "house", "senate", "majority", "minority", "whip", "party", "union", "general's", "lieutenant", "major",
    "sergeant", "officer", "commissioner", "inspector", "special", "high", "dictator's",
}
_ACRONYM_DEFINITION = re.compile(
    r"((?:[A-ZÀ-Ý][\w'’\-]*|de|del|la|los|las|of|the|and|for|on|in|y|du|des|et)"
    r"(?:\s+(?:[A-ZÀ-Ý][\w'’\-]*|de|del|la|los|las|of|the|and|for|on|in|y|du|des|et)){1,9})\s*\(\s*([A-Za-z][A-Za-z&.]{1,9})\s*\)")
_SMALL = {"of", "the", "and", "for", "on", "in", "de", "del", "la", "los", "las", "y", "du", "des", "et"}

if not Doc.has_extension("mentions"):
    Doc.set_extension("mentions", default=None)
if not Doc.has_extension("acronyms"):
    Doc.set_extension("acronyms", default=None)


@dataclass(slots=True)
class Mention:
    start: int  # character offsets in the text parsed
    end: int
    text: str  # as written, without a leading article or possessive
    label: str
    title: str | None = None  # the title or role written in front of a name
    field: str = "text"  # the text parsed: "text" or "title"


def mentions_of(doc: Doc) -> list[Mention]:
    """The mentions a doc carries (stored as plain lists, so docs cross process boundaries when
    ``nlp.pipe`` runs with ``n_process``)."""
    return [Mention(*values) for values in doc._.mentions or []]


@dataclass(slots=True)
class Group:
    name: str
    label: str
    mentions: list[Mention] = field(default_factory=list)
    dictionary_id: str | None = None
    country: str | None = None
    sector: str | None = None

    @property
    def aliases(self) -> list[str]:
        seen: dict[str, None] = {}
        for mention in self.mentions:
            seen.setdefault(mention.text, None)
        return list(seen)

    @property
    def titles(self) -> list[str]:
        return [m.title for m in self.mentions if m.title]


def key_of(text: str) -> str:
    return " ".join(fold(tokens(text)))


def _initials(name: str) -> str:
    return "".join(w[0] for w in tokens(name) if w.lower() not in _SMALL).lower()


def acronym_matches(acronym: str, expansion: str) -> bool:
    """Do the capitals of an acronym spell the expansion's significant initials (TdA → Tren de
    Aragua, IAEA → International Atomic Energy Agency)?"""
    letters = "".join(c for c in acronym if c.isalpha())
    words = tokens(expansion)
    significant = "".join(w[0] for w in words if w.lower() not in _SMALL).lower()
    every = "".join(w[0] for w in words).lower()
    return letters.lower() in (significant, every) or (letters.isupper() is False and
                                                       "".join(c for c in letters if c.isupper()).lower() == significant)


# a named vessel: "the tanker Aurora Dawn", "The vessel, the Aurora Dawn" (the tagger often says PERSON)
_VESSEL_BEFORE = re.compile(
    r"\b(?:tanker|supertanker|vessel|ship|freighter|carrier|destroyer|frigate|corvette|cruiser|submarine|"
    r"warship|gunboat|trawler|ferry|yacht|dhow|barge|tug|icebreaker)s?\s*,?\s*(?:the\s+|named\s+|called\s+)?$",
    re.IGNORECASE)
# the last word of a company's name: "Thalassa Shipping", "Acme Holdings"
_COMPANY_WORDS = frozenset({
    "shipping", "holdings", "group", "inc", "ltd", "llc", "plc", "corp", "corporation", "company", "co",
    "airlines", "airways", "bank", "petroleum", "energy", "partners", "capital", "logistics", "maritime",
    "lines", "industries", "motors", "technologies", "systems", "pharmaceuticals", "oil", "gas", "steel",
    "mining", "insurance", "securities", "investments", "ventures", "enterprises", "gmbh", "ag", "sa", "spa"})


_DATELINE_AFTER = re.compile(r"\s*(?:,|\(|—|–|-\s)")


def _kind_of(text: str, start: int, name: str, label: str) -> str:
    """The tagger's label, corrected where the words say otherwise: a named vessel is a PRODUCT
    (spaCy's label for vehicles), not a person; a name ending in a company word is an ORG; a
    dateline ("PUERTO CABELLO, Venezuela (Wire) —" opening the text) is a place."""
    if label in ("PERSON", "ORG", "GPE") and _VESSEL_BEFORE.search(text[max(0, start - 40):start]):
        return "PRODUCT"
    if (label in ("ORG", "PERSON") and not text[:start].strip() and name.isupper() and len(name) > 4
            and _DATELINE_AFTER.match(text, start + len(name))):
        return "GPE"
    if label == "PERSON" and name.split()[-1].lower().strip(".") in _COMPANY_WORDS and len(name.split()) > 1:
        return "ORG"
    return label


class MentionFinder:
    def __call__(self, doc: Doc) -> Doc:
        mentions: list[Mention] = []
        for ent in doc.ents:
            label = ent.label_
            if label not in LABELS:
                continue
            span = ent
            while len(span) > 1 and span[0].lower_ in ("the", "a", "an"):
                span = span[1:]
            words = [t.text for t in span]
            # titles inside the entity ("President Nicolás Maduro" tagged as one PERSON)
            lead = 0
            if label == "PERSON":
                while lead < len(words) - 1 and words[lead].lower().strip(".") in _TITLE_WORDS:
                    lead += 1
            span = span[lead:]
            text = span.text
            text = re.sub(r"[’']s$", "", text).strip()
            if not text or not any(c.isalpha() for c in text):
                continue
            if all(w.lower().strip(".") in _TITLE_WORDS for w in text.split()):
                continue  # "State" of "Secretary of State"
            start = span.start_char
            label = _kind_of(doc.text, start, text, label)
            title = self._title(doc, ent.start) if label == "PERSON" else None
            if lead:
                inner = ent[:lead].text
                title = f"{title} {inner}" if title else inner
            mentions.append(Mention(start, start + len(text), text, label, title))
        mentions = self._gazetteer(doc, mentions)
        mentions = self._surnames(doc, mentions)
        doc._.mentions = [[m.start, m.end, m.text, m.label, m.title, m.field] for m in mentions]
        acronyms: dict[str, str] = {}
        for match in _ACRONYM_DEFINITION.finditer(doc.text):
            expansion, acronym = match.group(1), match.group(2)
            words = expansion.split()
            for first in range(len(words) - 1, -1, -1):  # the shortest tail of the words that the acronym spells
                candidate = " ".join(words[first:])
                if acronym_matches(acronym, candidate):
                    acronyms[key_of(acronym)] = re.sub(r"^(?:the|The)\s+", "", candidate)
                    break
        doc._.acronyms = acronyms
        return doc

    @staticmethod
    def _gazetteer(doc: Doc, mentions: list[Mention]) -> list[Mention]:
        """Countries, peoples and organizations of the dictionary that the tagger missed ("U.S.",
        "Somali pirates") or cut short ("Islamic" of "Islamic State"): written with a capital, not
        overlapping a longer mention."""
        dictionary = load_dictionary()
        words = [t.text for t in doc]
        added: list[Mention] = []
        index = 0
        while index < len(doc):
            found = dictionary.lookup(words, index) if doc[index].text[:1].isupper() else None
            if not found:
                index += 1
                continue
            length, entries = found
            entry = next((p for p in entries if p.how in ("name", "alias", "adjective")
                          and dictionary.actors[p.actor_id].kind in ("country", "organization")), None)
            if entry is not None:
                span = doc[index:index + length]
                kind = dictionary.actors[entry.actor_id].kind
                label = "ORG" if kind == "organization" else ("NORP" if entry.how == "adjective" else "GPE")
                added.append(Mention(span.start_char, span.end_char, span.text, label))
            index += length
        kept = []
        for mention in mentions:  # an NER mention inside a longer dictionary name gives way
            if not any(a.start <= mention.start and mention.end <= a.end and (a.end - a.start) > (mention.end - mention.start)
                       for a in added):
                kept.append(mention)
        for candidate in added:
            if not any(m.start < candidate.end and candidate.start < m.end for m in kept):
                kept.append(candidate)
        return sorted(kept, key=lambda m: m.start)

    @staticmethod
    def _surnames(doc: Doc, mentions: list[Mention]) -> list[Mention]:
        """Later bare surnames of people named in full that the tagger missed ("O'Connor said")."""
        surnames = {m.text.split()[-1] for m in mentions if m.label == "PERSON" and len(m.text.split()) > 1}
        surnames = {s for s in surnames if len(s) > 2 and s[:1].isupper()}
        if not surnames:
            return mentions
        extra = []
        for token in doc:
            if token.text in surnames and not any(m.start <= token.idx < m.end for m in mentions):
                extra.append(Mention(token.idx, token.idx + len(token.text), token.text, "PERSON"))
        return sorted([*mentions, *extra], key=lambda m: m.start)

    @staticmethod
    def _title(doc: Doc, start: int) -> str | None:
        """Title words right before a name: capitalized title words, country adjectives, "of"."""
        dictionary = load_dictionary()
        index = start
        while index > 0:
            token = doc[index - 1]
            word = token.text.lower().strip(".")
            is_title = word in _TITLE_WORDS and (token.text[:1].isupper() or word in ("of", "u.s", "us"))
            found = dictionary.lookup([token.text], 0) if token.text[:1].isupper() else None
            is_country = found is not None and any(dictionary.actors[p.actor_id].kind == "country" for p in found[1])
            if not (is_title or is_country):
                break
            index -= 1
        while index < start and doc[index].lower_ in ("of", "the"):
            index += 1
        return doc[index:start].text if index < start else None


class EntityResolver:
    def __init__(self, dictionary: Dictionary | None = None):
        self._dictionary = dictionary

    @property
    def dictionary(self) -> Dictionary:
        if self._dictionary is None:
            self._dictionary = load_dictionary()
        return self._dictionary

    def group(self, mentions: list[Mention], acronyms: dict[str, str]) -> list[Group]:
        """Mentions → groups, in two passes: names that are the same once folded, acronyms and
        their expansions, and different names of one dictionary entry; then short forms (a
        surname, a first name) join the full name they belong to, wherever it is introduced."""
        groups: list[Group] = []
        by_key: dict[str, Group] = {}
        for mention in mentions:
            key = key_of(mention.text)
            if not key:
                continue
            group = by_key.get(key)
            if group is None and key in acronyms:  # an acronym the text defines
                group = by_key.get(key_of(acronyms[key]))
            if group is None and mention.label == "ORG":
                group = self._spelled_by(mention, groups)
            if group is None:
                group = self._linked_group(mention, groups)
            if group is None:
                group = Group(mention.text, mention.label)
                groups.append(group)
            group.mentions.append(mention)
            by_key[key] = group
            for acronym, expansion in acronyms.items():  # "IAEA" met before the expansion is known
                if key_of(expansion) == key and acronym in by_key and by_key[acronym] is not group:
                    self._merge(by_key[acronym], group, groups, by_key)
        for group in list(groups):
            if group in groups:
                full = self._full_name_of(group, groups) or self._longer_name_of(group, groups)
                if full is not None:
                    self._merge(group, full, groups, by_key)
        for group in groups:
            group.mentions.sort(key=lambda m: (m.field != "text", m.start))
            group.label = Counter(m.label for m in group.mentions).most_common(1)[0][0]
            # the fullest name, preferring one not written in capitals (a dateline's "CARACAS")
            group.name = max(group.aliases, key=lambda a: (not a.isupper(), len(tokens(a)), len(a)))
            if group.name.isupper() and group.label in ("GPE", "LOC", "FAC") and len(group.name) > 4:
                group.name = _capitalized(group.name)  # a place met only in a dateline: "DUBAI" is Dubai
            self._link(group)
        return groups

    @staticmethod
    def _spelled_by(mention: Mention, groups: list[Group]) -> Group | None:
        """An all-capitals short name spelling an earlier organization's initials (BPI)."""
        letters = mention.text.replace(".", "").lower()
        if not mention.text.replace(".", "").isupper() or len(letters) < 2:
            return None
        for group in groups:
            if group.label == "ORG" and len(tokens(group.name)) > 1 and _initials(group.name) == letters:
                return group
        return None

    def _longer_name_of(self, group: Group, groups: list[Group]) -> Group | None:
        """An organization named by the first or last words of a longer name in the article
        ("Hofstra" → "Hofstra University", "Navy" → "Indian Navy", "the Post" → "New York Post");
        only when exactly one longer name fits and the short form is not a dictionary entry of its
        own. (Not for places: Qeshm the island and Qeshm City are two.)"""
        words = key_of(group.name).split()
        if group.label == "GPE":
            return self._same_place(group, words, groups)
        if group.label not in ("ORG", "FAC") or group.dictionary_id or self._entry(group.name):
            return None
        fits = []
        for other in groups:
            if other is group or other.label != group.label and not (group.label == "ORG" and other.label == "FAC"):
                continue
            for alias in other.aliases:
                full = key_of(alias).split()
                if len(full) > len(words) and (full[:len(words)] == words or full[-len(words):] == words):
                    fits.append(other)
                    break
        return fits[0] if len(fits) == 1 else None

    def _same_place(self, group: Group, words: list[str], groups: list[Group]) -> Group | None:
        """A place and its other name in the article: "Palmer" and "City of Palmer" (but not
        "Qeshm" and "Qeshm City", nor Kuwait and Kuwait City: "X City" is often another place),
        and a US state and its abbreviation ("N.Y." and "New York")."""
        full_state = self.dictionary.place_short_forms.get(tuple(words))
        for other in groups:
            if other is group or other.label != "GPE":
                continue
            for alias in other.aliases:
                full = key_of(alias).split()
                if full[:2] in (["city", "of"], ["town", "of"], ["village", "of"], ["borough", "of"]) and full[2:] == words:
                    return other
                if full_state is not None and tuple(full) == full_state:
                    return other
        return None

    def _full_name_of(self, group: Group, groups: list[Group]) -> Group | None:
        """The person whose full name this short form is part of: its last words (a surname) or,
        for a one-word form named as a person, the first name. Of several candidates (Hillary and
        Chelsea Clinton), the most mentioned, then the first introduced."""
        named_person = any(m.label == "PERSON" for m in group.mentions)
        # a surname tagged ORG or NORP ("Trump", "Klitschko") may join a person; a place or group the
        # dictionary knows may not
        if not named_person and (group.dictionary_id or self._entry(group.name) is not None):
            return None
        words = key_of(group.name).split()
        candidates = []
        for order, other in enumerate(groups):
            if other is group or not any(m.label == "PERSON" for m in other.mentions):
                continue
            full = key_of(max(other.aliases, key=lambda a: len(tokens(a)))).split()
            if len(full) <= len(words):
                continue
            surname = full[-len(words):] == words
            first_name = len(words) == 1 and words[0] == full[0] and named_person
            if surname or first_name:
                candidates.append((-len(other.mentions), order, other))
        if not candidates:
            return None
        return min(candidates, key=lambda c: (c[0], c[1]))[2]

    @staticmethod
    def _merge(source: Group, target: Group, groups: list[Group], by_key: dict[str, Group]) -> None:
        target.mentions = sorted(target.mentions + source.mentions, key=lambda m: m.start)
        groups.remove(source)
        for key, group in list(by_key.items()):
            if group is source:
                by_key[key] = target

    def _linked_group(self, mention: Mention, groups: list[Group]) -> Group | None:
        """A different name for an entity already in the article, by the dictionary: "US" and
        "United States", "Venezuelan" and "Venezuela", "Cartel of the Suns" and "Cartel de los Soles"."""
        entry = self._entry(mention.text)
        if entry is None:
            return None
        for group in groups:
            if any(self._entry(alias) == entry for alias in group.aliases[:3]):
                return group
        return None

    def _entry(self, text: str) -> str | None:
        cache = self.__dict__.setdefault("_entries", {})
        if text not in cache:
            if len(cache) > 50000:
                cache.clear()
            cache[text] = self._lookup_entry(text)
        return cache[text]

    def _lookup_entry(self, text: str) -> str | None:
        words = tokens(text)
        if words and words[0].lower() == "the":
            words = words[1:]
        found = self.dictionary.lookup(words, 0) if words else None
        if not found or found[0] != len(words):
            return None
        # a capital, a place in a country or a metonym ("the White House") is not the country itself
        entries = [p for p in found[1] if p.how in ("name", "alias", "adjective")]
        if not entries:
            return None
        best = min(entries, key=lambda p: (KIND_ORDER[self.dictionary.actors[p.actor_id].kind], p.how != "name"))
        return best.actor_id

    def _link(self, group: Group) -> None:
        for alias in sorted(group.aliases, key=lambda a: -len(a)):
            entry = self._entry(alias)
            if entry is not None:
                actor = self.dictionary.actors[entry]
                if group.label == "PERSON" and actor.kind == "country":
                    continue
                group.dictionary_id = entry
                group.name = actor.name
                group.label = actor.type if actor.kind != "country" else "GPE"
                return


def _capitalized(name: str) -> str:
    """A name written in capitals as it is usually written: "PORT OF SPAIN" → "Port of Spain"."""
    words = re.split(r"(\s+|-)", name.lower())
    return "".join(w if w in _SMALL and index else w[:1].upper() + w[1:] for index, w in enumerate(words))


def code_groups(groups: list[Group], day: date | None, text: str | None = None) -> None:
    """Country and sector of each group as of ``day``: its name with the titles it was given; a
    person or organization the dictionary does not know takes the country named nearest its first
    mention in ``text`` (the words around it)."""
    dictionary = load_dictionary()
    for group in groups:
        if group.label == "PRODUCT":  # a vessel is not an actor
            continue
        titles = group.titles
        phrase = f"{titles[0]} {group.name}" if titles else group.name
        context = None
        if text and group.dictionary_id is None and group.label in ("PERSON", "ORG"):
            first = group.mentions[0]
            context = text[max(0, first.start - 160):first.end + 160]
            phrase_in_context = text[first.start:first.end]
            code = code_actor(phrase_in_context if not titles else phrase, day, dictionary, context=context)
            if code.country is not None or code.sector is not None:
                group.country, group.sector = code.country, code.sector
            if code.entity_id and code.entity_id.startswith("kb:") and code.type == group.label:
                group.dictionary_id = code.entity_id  # the knowledge base's actor: one entity across articles
            continue
        code = code_actor(phrase, day, dictionary)
        if code.country is None and code.sector is None and group.dictionary_id is None:
            continue
        group.country, group.sector = code.country, code.sector
        if group.dictionary_id and group.dictionary_id.startswith("country:"):
            group.sector = None  # the state itself


@Language.factory("newsradar_mentions", requires=["doc.ents"], assigns=["doc._.mentions", "doc._.acronyms"])
def make_mentions(nlp: Language, name: str) -> MentionFinder:
    return MentionFinder()

