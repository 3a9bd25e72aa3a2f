"""The article detail every surface shows (web page, API, CLI): built once, here."""

from __future__ import annotations

from ..errors import NotFound
from . import entities as entity_store
from . import stories as story_store
from .store import Store


def detail(store: Store, article_id: int) -> dict:
    """One article with what surrounds it: ``article`` (the record), ``sightings`` (every place it
    was seen), ``duplicates`` (records of its syndicated copies), ``original`` (the record it copies,
    or None), ``story`` (as ``store.stories.stories`` gives it, or None), ``mentions`` (entity
    mentions with offsets, for linking the text) and ``entities`` (each named entity once, with its
    count, most mentioned first). Raises ``NotFound``."""
    found = store.get_articles([article_id])
    if not found:
        raise NotFound(f"no article with id {article_id}")
    article = found[0]
    original = store.get_articles([article["duplicate_of"]]) if article["duplicate_of"] else []
    story = story_store.stories(store, [article["story_id"]]) if article["story_id"] else []
    mentions = entity_store.article_mentions(store, article_id)
    entities: dict[int, dict] = {}
    for mention in mentions:
        entities.setdefault(mention["entity_id"], {"id": mention["entity_id"], "name": mention["name"],
                                                   "type": mention["type"], "country": mention["country"],
                                                   "sector": mention["sector"], "count": 0})["count"] += 1
    return {"article": article, "sightings": store.sightings(article_id),
            "duplicates": store.get_articles(store.duplicates_of(article_id)),
            "original": original[0] if original else None, "story": story[0] if story else None,
            "mentions": mentions, "entities": sorted(entities.values(), key=lambda e: (-e["count"], e["name"]))}
