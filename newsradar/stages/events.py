"""Events: the ``newsradar_events`` component codes each Doc's events (``events/coder.py``); per
article, each actor phrase is resolved to the entities stage's mention under it and coded by
country and sector as of the article's day (the actor coder, given the sentence as context); a
pronoun takes the person or organization it refers to; a first-person source inside a quotation
("We will respond with force," the minister said) is the quote's speaker (the quotes stage); the
time phrase is resolved against the article's day (its publication date, else its dateline); and
each event gets its intensity from the pattern dictionary."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from spacy.language import Language
from spacy.tokens import Doc

from .. import events as events_package
from ..actors.coding import code_actor
from ..events import coder, dates
from ..events.lexicon import Lexicon, lexicon
from ..store import events as event_store
from ..store.events import EventActor, EventRecord
from .base import ArticleText, Stage
from .quotes import _Mentions

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from ..store import Store
    from ..store.entities import EntityRecord
    from ..store.quotes import QuoteRecord

_log = logging.getLogger(__name__)

if not Doc.has_extension("events"):
    Doc.set_extension("events", default=None)

_FIRST_PERSON = frozenset({"we", "i", "us", "me", "our", "my"})
_PERSON_PRONOUNS = frozenset({"he", "she", "him", "her"})
_GROUP_PRONOUNS = frozenset({"they", "them", "it"})


class EventCoder:
    def __call__(self, doc: Doc) -> Doc:
        try:
            doc._.events = coder.code_doc(doc)
        except Exception as exc:  # noqa: BLE001 - one odd text never stops a run; its events are lost, not the article
            _log.warning("events: coding a text failed (%s: %s); the article is kept without its events",
                         type(exc).__name__, exc)
            doc._.events = [{"error": f"{type(exc).__name__}: {exc}"}]
        return doc


@Language.factory("newsradar_events", requires=["token.dep", "token.lemma", "doc.ents"], assigns=["doc._.events"])
def make_events(nlp: Language, name: str) -> EventCoder:
    lexicon()  # loaded once, when the pipeline is built
    return EventCoder()


@lru_cache(maxsize=20_000)
def _code(phrase: str, day: date | None, context: str) -> tuple[str | None, str | None, str | None]:
    code = code_actor(phrase, day, context=context)
    return code.country, code.sector, code.name


@lru_cache(maxsize=20_000)
def _own_code(phrase: str, day: date | None) -> int:
    """2 when a phrase, on its own, names a country or a known actor ("the welfare of 2,000
    Libyans"), 1 when only a sector ("militants"), 0 when no actor ("information", "a ceasefire")."""
    code = code_actor(phrase, day)
    return 2 if code.country or code.entity_id else 1 if code.sector else 0


def _actor_level(item: dict[str, Any], actor: EventActor, day: date | None) -> int:
    if item.get("pronoun") or actor.ref_field is not None:
        return 2
    return _own_code(item["text"], day)


def _targets(raw: dict[str, Any], resolver: _Resolver, field: str, sentence: str, text: str) -> list[EventActor]:
    """The first target candidate that names a country or a known actor, else the first that names
    at least a sector ("Russia's demands" before "the ceasefire"; "protesters" when nothing better)."""
    candidates = []
    for group in raw.get("target_candidates") or []:
        resolved = [(resolver.actor("target", field, item, sentence, text), item) for item in group]
        candidates.append([(a, _actor_level(item, a, resolver.day)) for a, item in resolved])
    for level in (2, 1):
        for group in candidates:
            chosen = [a for a, found in group if found >= 1]
            if any(found >= level for _, found in group):
                return chosen
    return []


class _Resolver:
    """Resolves one article's actor phrases to its entities and codes."""

    def __init__(self, article: ArticleText, entities: list[EntityRecord] | None) -> None:
        self.day = article.day
        self.mentions = _Mentions(entities)
        self.codes: dict[tuple[str, int], EntityRecord] = {}
        for record in entities or []:
            for field, start, _end, _text, _title in record.mentions:
                self.codes[(field, start)] = record

    def actor(self, role: str, field: str, raw: dict[str, Any], sentence: str, text: str) -> EventActor:
        phrase, start, end = raw["text"], raw["start"], raw["end"]
        lower = phrase.lower()
        ref = None
        if raw.get("pronoun"):
            if field == "text" and lower in _PERSON_PRONOUNS:
                ref = self.mentions.before(start, frozenset({"PERSON"}), text)
            elif field == "text" and lower in _GROUP_PRONOUNS:
                ref = self.mentions.before(start, frozenset({"ORG", "GPE", "NORP"}), text)
        else:
            ref = self.mentions.at(field, start, end, raw.get("root"))
        record = self.codes.get((ref[0], ref[1])) if ref else None
        if raw.get("pronoun"):
            country, sector, name = (record.country, record.sector, record.name) if record else (None, None, None)
        else:
            country, sector, name = _code(phrase, self.day, sentence)
            if record is not None and ref is not None and _covers(ref, start, end, phrase):
                country, sector = record.country or country, record.sector or sector
                name = record.name
            elif record is not None:
                country = country or record.country
        return EventActor(role=role, text=phrase, start=start, end=end, country=country, sector=sector, name=name,
                          ref_field=ref[0] if ref else None, ref_start=ref[1] if ref else None)


def _covers(ref: tuple, start: int, end: int, phrase: str) -> bool:
    """The mention is the phrase itself (give or take a determiner), not a name inside a longer
    description ("Iran" inside "Iran's foreign ministry")."""
    return ref[2] - ref[1] >= len(phrase.removeprefix("the ").removeprefix("The ")) - 2


def _quote_at(quotes: list[QuoteRecord], field: str, position: int) -> QuoteRecord | None:
    for quote in quotes:
        if quote.field == field and quote.kind in ("direct", "mixed") and any(
                s <= position < e for s, e in (quote.pieces or [[quote.start, quote.end]])):
            return quote
    return None


def _speaker(quote: QuoteRecord, resolver: _Resolver, sentence: str) -> EventActor | None:
    if not quote.speaker:
        return None
    record = resolver.codes.get((quote.ref_field, quote.ref_start)) \
        if quote.ref_field and quote.ref_start is not None else None
    name: str | None
    if record is not None:
        country, sector, name = record.country, record.sector, record.name
    else:
        country, sector, name = _code(quote.speaker, resolver.day, sentence)
    return EventActor(role="source", text=quote.speaker, start=quote.speaker_start, end=quote.speaker_end,
                      country=country, sector=sector, name=name, ref_field=quote.ref_field, ref_start=quote.ref_start)


def extract(article: ArticleText, title_doc: Doc, text_doc: Doc, prior: dict[str, Any] | None = None
            ) -> list[EventRecord]:
    prior = prior or {}
    resolver = _Resolver(article, prior.get("entities"))
    quotes: list[QuoteRecord] = list(prior.get("quotes") or [])
    anchor = article.day or dates.dateline_day(article.text, None)
    lex = lexicon()
    found: list[EventRecord] = []
    for field, doc in (("title", title_doc), ("text", text_doc)):
        raw_events = [e for e in (doc._.events or []) if "error" not in e]
        if not raw_events:
            continue
        text = doc.text  # joined once: Doc.text walks every token
        for raw in raw_events:
            found.append(_record(field, text, raw, resolver, quotes, anchor if field == "text" else None, lex))
    return found


def _record(field: str, text: str, raw: dict[str, Any], resolver: _Resolver, quotes: list[QuoteRecord],
            anchor: date | None, lex: Lexicon) -> EventRecord:
    s0, s1 = raw["sentence"]
    sentence = text[s0:s1]
    quote = _quote_at(quotes, field, raw["trigger_start"])
    actors: list[EventActor] = []
    for item in raw["sources"]:
        if quote is not None and item["text"].lower() in _FIRST_PERSON:
            speaker = _speaker(quote, resolver, sentence)
            if speaker is not None:
                actors.append(speaker)
                continue
        source = resolver.actor("source", field, item, sentence, text)
        if _actor_level(item, source, resolver.day):  # "killed by an improvised explosive device": no actor
            actors.append(source)
    actors.extend(_targets(raw, resolver, field, sentence, text))
    if quote is not None and not raw["sources"] and raw["type"] in ("THREATEN", "AGREE", "REJECT", "REQUEST"):
        speaker = _speaker(quote, resolver, sentence)  # a quoted vow with no subject of its own: the speaker's
        if speaker is not None:
            actors.insert(0, speaker)
    place = raw.get("location")
    if place:
        actors.append(resolver.actor("location", field, {"text": place["text"], "start": place["start"],
                                                         "end": place["end"]}, sentence, text))
    return EventRecord(
        field=field, sentence_start=s0, sentence_end=s1, sentence=sentence, trigger=raw["trigger"],
        trigger_start=raw["trigger_start"], trigger_end=raw["trigger_end"], type=raw["type"], mode=raw["mode"],
        pattern=raw["pattern"], negated=raw["negated"], hypothetical=raw["hypothetical"], in_quote=quote is not None,
        date=dates.resolve(raw.get("date_text"), anchor) if raw.get("date_text") else None,
        date_text=raw.get("date_text"), location=place["text"] if place else None,
        location_start=place["start"] if place else None, location_end=place["end"] if place else None,
        intensity=lex.intensity(raw["type"], raw["mode"]), actors=actors)


def write(store: Store, conn: Connection, results: Sequence[tuple[int, list[EventRecord]]]) -> None:
    event_store.write(store, conn, results)


def _side(actor: dict | None) -> dict | None:
    if actor is None:
        return None
    return {"text": actor["text"], "entity_id": actor["entity_id"], "country": actor["country"],
            "sector": actor["sector"], "name": actor["name"]}


def document(store: Store, article_ids: Sequence[int]) -> list[dict]:
    """The contract's fields, then ours (trigger, mode, lists of actors, place, pattern, grouping)."""
    out = []
    for e in event_store.for_articles(store, article_ids):
        out.append({"id": e["id"], "article_id": e["article_id"], "sentence": e["sentence"], "type": e["type"],
                    "mode": e["mode"], "source": _side(e["source"]), "target": _side(e["target"]), "date": e["date"],
                    "negated": e["negated"], "hypothetical": e["hypothetical"], "intensity": e["intensity"],
                    "trigger": e["trigger"], "location": ({"text": e["location"]["text"],
                                                           "entity_id": e["location"]["entity_id"]}
                                                          if e["location"] else None),
                    "story_event_id": e["story_event_id"], "sources": [_side(a) for a in e["sources"]],
                    "targets": [_side(a) for a in e["targets"]], "field": e["field"], "in_quote": e["in_quote"],
                    "pattern": e["pattern"], "date_text": e["date_text"], "num_mentions": e["num_mentions"],
                    "num_articles": e["num_articles"], "num_sources": e["num_sources"]})
    return out


STAGE = Stage(name="events", version=events_package.VERSION, extract=extract, write=write,
              pipes=("newsradar_events",), section="events", document=document, needs=("entities", "quotes"),
              help="who did what to whom: PLOVER events with actors, dates, places and intensity")
