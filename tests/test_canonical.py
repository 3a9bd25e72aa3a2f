"""canonical.py: two stores' documents compared without their ids — equal when the content is, and
every extra copy (an article stored twice, an extraction written twice) a difference."""

from __future__ import annotations

import copy

from newsradar.canonical import canonical, differences


def _document(offset: int = 0) -> dict:
    a, b, s, e = 1 + offset, 2 + offset, 10 + offset, 20 + offset
    return {
        "schema": 1,
        "articles": [{"id": a, "url": "https://a.example/1", "title": "One", "story_id": s},
                     {"id": b, "url": "https://b.example/2", "title": "Two", "story_id": s}],
        "stories": [{"id": s, "article_ids": [a, b], "title": "One"}],
        "entities": [{"id": e, "name": "Caracas", "type": "GPE"}],
        "mentions": [{"id": 100 + offset, "article_id": a, "entity_id": e, "text": "Caracas"},
                     {"id": 101 + offset, "article_id": b, "entity_id": e, "text": "Caracas"}],
    }


def test_other_ids_same_content_are_equal():
    left, right = _document(), _document(offset=500)
    right["mentions"].reverse()  # another order of writes
    assert canonical(left) == canonical(right)
    assert differences(left, right) == []


def test_a_mention_written_twice_is_a_difference():
    left, right = _document(), _document(offset=500)
    right["mentions"].append({**right["mentions"][0], "id": 999})
    assert canonical(left) != canonical(right)
    found = differences(left, right)
    assert len(found) == 1 and found[0].startswith("mentions: only right") and "Caracas" in found[0]


def test_an_article_stored_twice_is_a_difference():
    left, right = _document(), _document(offset=500)
    right["articles"].append({**copy.deepcopy(right["articles"][0]), "id": 777})
    assert canonical(left) != canonical(right)
    assert differences(left, right) == ["articles: url:https://a.example/1#2"]


def test_a_story_split_differently_is_a_difference():
    left, right = _document(), _document(offset=500)
    right["stories"] = [{"id": 510, "article_ids": [501], "title": "One"}, {"id": 511, "article_ids": [502], "title": "One"}]
    assert any(line.startswith("stories: only right") for line in differences(left, right))
