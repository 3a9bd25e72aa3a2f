"""An analysis document without its ids, to compare two stores' analyses of the same inputs.

Two stores given the same inputs hold the same content when they hold the same articles, the same
stories as partitions of those articles, the same entities and the same extractions — whatever ids
each store handed out (another engine, another database, another order of workers). ``canonical``
replaces every id in a document by what it names: an article by its identity (URL, else external
id, else headline and text), a story by the set of its articles, an entity by its name and type, a
story event by the set of its reports; and sorts every list, so ``canonical(a) == canonical(b)``
is that test, and ``differences`` says where two documents part."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from typing import Any


def _article_key(article: dict) -> str:
    if article.get("url"):
        return f"url:{article['url']}"
    if article.get("external_id"):
        return f"id:{article['external_id']}"
    digest = hashlib.sha256(f"{article.get('title')}\n{article.get('text')}".encode()).hexdigest()[:16]
    return f"text:{digest}"


def _sorted(items: list) -> list:
    return sorted(items, key=lambda item: json.dumps(item, sort_keys=True, default=str))


def canonical(document: dict) -> dict:
    """The document with ids replaced by what they name and every list sorted."""
    articles: dict[Any, str] = {}
    seen: Counter[str] = Counter()
    for article in document.get("articles", []):  # one identity stored twice stays visible: key, key#2…
        key = _article_key(article)
        seen[key] += 1
        articles[article["id"]] = key if seen[key] == 1 else f"{key}#{seen[key]}"
    stories = {s["id"]: sorted(articles.get(i, str(i)) for i in s["article_ids"]) for s in document.get("stories", [])}
    entities = {e["id"]: f"{e['name']}|{e.get('type')}" for e in document.get("entities", [])}
    story_events: dict[Any, list[str]] = {}
    for event in document.get("events", []):
        if event.get("story_event_id") is not None:
            story_events.setdefault(event["story_event_id"], []).append(
                f"{articles.get(event['article_id'])}|{event.get('sentence')}|{event.get('type')}")

    def named(key: str, value: Any) -> Any:
        if value is None:
            return None
        if key in ("article_id", "duplicate_of"):
            return articles.get(value, value)
        if key == "story_id":
            return stories.get(value, value)
        if key in ("entity_id", "speaker_entity_id", "target_entity_id"):
            return entities.get(value, value)
        if key == "story_event_id":
            return sorted(story_events.get(value, []))
        return value

    def walk(value: Any, key: str = "") -> Any:
        if isinstance(value, dict):
            return {k: walk(v, k) for k, v in value.items() if k != "id"}
        if isinstance(value, list):
            return _sorted([walk(v, key) for v in value])
        return named(key, value)

    result: dict[str, Any] = {"schema": document.get("schema")}
    for section, items in document.items():
        if section == "schema" or not isinstance(items, list):
            continue
        if section == "articles":
            result[section] = {articles[a["id"]]: walk(a) for a in items}
        elif section == "stories":
            result[section] = _sorted([{**walk({k: v for k, v in s.items() if k != "article_ids"}),
                                        "articles": stories[s["id"]]} for s in items])
        else:
            result[section] = walk(items, section)
    return result


def differences(left: dict, right: dict, limit: int = 5) -> list[str]:
    """Where two documents' canonical forms part, at most ``limit`` places per section."""
    a, b = canonical(left), canonical(right)
    found: list[str] = []
    for section in sorted(set(a) | set(b)):
        x, y = a.get(section), b.get(section)
        if x == y:
            continue
        if isinstance(x, dict) and isinstance(y, dict):
            keys = [k for k in sorted(set(x) | set(y)) if x.get(k) != y.get(k)]
            found.extend(f"{section}: {k}" for k in keys[:limit])
        elif isinstance(x, list) and isinstance(y, list):  # as multisets: an item written twice is a difference
            left_count = Counter(json.dumps(i, sort_keys=True, default=str) for i in x)
            right_count = Counter(json.dumps(i, sort_keys=True, default=str) for i in y)
            for side, extra in (("left", left_count - right_count), ("right", right_count - left_count)):
                found.extend(f"{section}: only {side}{f' ({n} more times)' if n > 1 else ''} {item[:300]}"
                             for item, n in sorted(extra.items())[:limit])
        else:
            found.append(f"{section}: {x!r} != {y!r}")
    return found
