"""One real-world event, many reports: the events of one story that are the same happening — the
same PLOVER type, compatible actors (their countries overlap, or one side names none), compatible
dates (the same day, or one undated) and the same reality (both asserted, or both negated or
hypothetical) — share a ``story_event_id`` (the smallest event id of the group), with GDELT's
counts computed over the group: NumMentions (reports), NumArticles (distinct articles) and
NumSources (distinct outlets).

Grouping is done when read, over a story's events as they are then: stories merge and split as
news arrives, so a stored group would go stale."""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def _countries(event: dict, role: str) -> set[str]:
    return {a["country"] for a in event.get(role) or () if a.get("country")}


def _compatible(a: dict, b: dict) -> bool:
    if a["type"] != b["type"] or bool(a["negated"]) != bool(b["negated"]) \
            or bool(a["hypothetical"]) != bool(b["hypothetical"]):
        return False
    for role in ("sources", "targets"):
        left, right = _countries(a, role), _countries(b, role)
        if left and right and not left & right:
            return False
    left_date, right_date = a.get("date"), b.get("date")
    return not (left_date and right_date and len(left_date) == len(right_date) == 10 and left_date != right_date)


def group(events: Sequence[dict]) -> None:
    """Set ``story_event_id`` and the report counts on these events (dicts with ``id``, ``story_id``,
    ``article_id``, ``outlet``, ``type``, ``sources``, ``targets``, ``date``, ``negated``,
    ``hypothetical``), in place. Events without a story are each their own group."""
    by_story: dict[object, list[dict]] = {}
    for event in events:
        by_story.setdefault(event.get("story_id") or ("article", event["article_id"]), []).append(event)
    for members in by_story.values():
        groups: list[list[dict]] = []
        for event in sorted(members, key=lambda e: e["id"]):
            # an event joins the first group all of whose named actors and dates it agrees with
            home = next((g for g in groups if all(_compatible(event, other) for other in g)), None)
            if home is None:
                groups.append([event])
            else:
                home.append(event)
        for found in groups:
            _count(found)


def _count(found: Iterable[dict]) -> None:
    members = list(found)
    first = min(e["id"] for e in members)
    articles = {e["article_id"] for e in members}
    outlets = {(e.get("outlet") or f"article {e['article_id']}").strip().lower() for e in members}
    for event in members:
        event["story_event_id"] = first
        event["num_mentions"] = len(members)
        event["num_articles"] = len(articles)
        event["num_sources"] = len(outlets)
