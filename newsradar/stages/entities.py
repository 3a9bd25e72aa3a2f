"""Entities: the ``newsradar_mentions`` component finds mentions in each Doc; per article the
headline's and the text's mentions are resolved together into entities (``EntityResolver``),
linked to the actor dictionary and coded by country and sector as of the article's day."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from .. import settings
from ..entities import VERSION, EntityResolver, Group, code_groups, key_of, mentions_of
from ..store import entities as entity_store
from .base import ArticleText, Stage

if TYPE_CHECKING:
    from spacy.tokens import Doc
    from sqlalchemy.engine import Connection

    from ..store import Store

_resolvers: dict[str, EntityResolver] = {}  # per actors file, one per process: it caches dictionary look-ups


def entity_key(group: Group) -> str:
    """A dictionary entry's id; else a person's folded full name; else the folded name alone (NER
    labels a dateline's "CARACAS" ORG and the city GPE: one place)."""
    if group.dictionary_id:
        return group.dictionary_id
    if group.label == "PERSON":
        return f"PERSON:{key_of(group.name)}"
    return f"name:{key_of(group.name)}"


def extract(article: ArticleText, title_doc: Doc, text_doc: Doc) -> list[entity_store.EntityRecord]:
    resolver = _resolvers.get(settings.get("actors_file"))
    if resolver is None:
        resolver = _resolvers[settings.get("actors_file")] = EntityResolver()
    # the headline and the text are one article: their mentions are resolved together
    title_mentions = [replace(m, field="title") for m in mentions_of(title_doc)]
    acronyms = {**(title_doc._.acronyms or {}), **(text_doc._.acronyms or {})}
    groups = resolver.group([*mentions_of(text_doc), *title_mentions], acronyms)
    code_groups(groups, article.day, text_doc.text)
    found: dict[str, entity_store.EntityRecord] = {}
    for group in groups:
        key = entity_key(group)
        record = found.get(key)
        if record is None:
            record = found[key] = entity_store.EntityRecord(key, group.name, group.label, group.country,
                                                             group.sector, group.dictionary_id, [])
        record.mentions += [(m.field, m.start, m.end, m.text, m.title) for m in group.mentions]
    return list(found.values())


def write(store: Store, conn: Connection, results: Sequence[tuple[int, list[entity_store.EntityRecord]]]) -> None:
    entity_store.write(store, conn, results, entity_store.load_corrections(conn))


def document(store: Store, article_ids: Sequence[int]) -> list[dict]:
    """The contract's fields, then ours (the dictionary entry it is linked to, its key)."""
    return [{"id": e["id"], "name": e["name"], "type": e["type"], "aliases": e["aliases"], "country": e["country"],
             "sector": e["sector"], "mentions": e["mentions"], "dictionary_id": e["dictionary_id"], "key": e["key"]}
            for e in entity_store.for_articles(store, article_ids)]


STAGE = Stage(name="entities", version=VERSION, extract=extract, write=write, pipes=("newsradar_mentions",),
              section="entities", document=document,
              help="people, organizations and places, resolved and coded by country and sector")
