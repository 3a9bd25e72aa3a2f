"""One storage suite, run on SQLite and on the real PostgreSQL."""

from datetime import UTC, datetime

from newsradar import pipeline
from newsradar.model import Article
from newsradar.normalize import normalize_article
from newsradar.store import browse, open_store
from newsradar.store import stories as story_store

BODY = ("Venezuela's government said on Monday that it would respond to new sanctions announced by the "
        "United States Treasury, calling the measures an act of economic aggression against the people. "
        "Officials in Caracas said oil exports would continue despite the pressure from Washington.")
OTHER = ("Iran's foreign minister arrived in Muscat for a new round of indirect talks with American "
         "negotiators, saying the country would not give up its right to enrich uranium under any deal.")


def make(text=BODY, **fields) -> Article:
    fields.setdefault("source_kind", "jsonl")
    fields.setdefault("source", "test")
    return normalize_article(Article(text=text, **fields))


def test_migrations_are_recorded_and_idempotent(store):
    from newsradar.store.migrations import MIGRATIONS

    assert [m["version"] for m in store.migrations()] == [m.version for m in MIGRATIONS]
    assert [m.version for m in MIGRATIONS][:12] == list(range(1, 13))
    assert store.migrate() == []  # nothing pending on a second run


def test_statistics_are_refreshed_for_this_stores_tables_only(store):
    """After a bulk load the planner sees the tables as they are (PostgreSQL's ANALYZE of this
    schema's tables, not the whole database's; SQLite: nothing to do, and no error)."""
    from sqlalchemy import text

    def analysed(conn) -> dict[tuple[bool, str, str], object]:
        return {(r.ours, r.schemaname, r.relname): r.last_analyze for r in conn.execute(text(
            "SELECT schemaname = current_schema() AS ours, schemaname, relname, last_analyze"
            " FROM pg_stat_user_tables"))}

    if store.dialect != "postgresql":
        store.refresh_statistics()
        return
    with store.connect() as conn:
        before = analysed(conn)
    store.refresh_statistics()
    with store.connect() as conn:
        after = analysed(conn)
    ours = {key[2] for key, at in after.items() if key[0] and at is not None}
    assert {"articles", "events", "event_actors", "story_features", "analysis_leases"} <= ours
    assert {k: v for k, v in after.items() if not k[0] and k in before} == {k: v for k, v in before.items() if not k[0]}


def test_exact_duplicates_are_one_article_with_sightings(store):
    first = store.write_batch([make(url="https://a.example/x?utm_source=rss", source="feed-a")])[0]
    again = store.write_batch([make(url="https://a.example/x#top", source="feed-b")])[0]
    assert first.inserted and not again.inserted
    assert again.article_id == first.article_id
    assert store.count_articles() == 1
    assert [s["source"] for s in store.sightings(first.article_id)] == ["feed-a", "feed-b"]


def test_rewriting_a_batch_adds_nothing(store):
    batch = [make(title="One", published_raw="2026-11-16T09:00:00Z"), make(text=OTHER, title="Two")]
    store.write_batch(batch)
    before = store.stats()
    results = store.write_batch([make(title="One", published_raw="2026-11-16T09:00:00Z"), make(text=OTHER, title="Two")])
    assert not any(r.inserted for r in results)
    assert store.stats() == before


def _story_of(store, article_id):
    return store.get_articles([article_id])[0]["story_id"]


def test_near_duplicate_links_to_the_earliest_copy_and_shares_its_story(store):
    original = make(url="https://wire.example/1", outlet="Wire", published_raw="2026-11-16T09:00:00Z")
    copy = make(text="CARACAS (Wire via Courier) - " + BODY.replace("Officials", "Senior officials"),
                url="https://courier.example/1", outlet="Courier", published_raw="2026-11-16T11:00:00Z")
    unrelated = make(text=OTHER, url="https://wire.example/2", published_raw="2026-11-16T12:00:00Z")
    first, second, third = store.write_batch([original, copy, unrelated])
    assert second.duplicate_of == first.article_id
    assert first.story_id is None and second.story_id is None  # stories come from the clusterer
    report = pipeline.run([], store).stories
    assert report.articles == 2  # the two originals; the copy follows its original
    assert _story_of(store, second.article_id) == _story_of(store, first.article_id) is not None
    assert _story_of(store, third.article_id) not in (None, _story_of(store, first.article_id))
    [stored] = store.get_articles([second.article_id])
    assert stored["similarity"] >= 0.5
    # a copy arriving after its original was clustered joins the story at once
    late = store.write_batch([make(text=BODY + " Reporting by the wire.", url="https://echo.example/1",
                                   published_raw="2026-11-17T08:00:00Z")])[0]
    assert late.duplicate_of == first.article_id and late.story_id == _story_of(store, first.article_id)


def test_an_earlier_copy_arriving_later_becomes_the_original(store):
    later = store.write_batch([make(url="https://courier.example/1", published_raw="2026-11-16T11:00:00Z")])[0]
    earlier = store.write_batch([make(text=BODY + " More to follow.", url="https://wire.example/1",
                                      published_raw="2026-11-16T09:00:00Z")])[0]
    assert earlier.duplicate_of is None
    [old] = store.get_articles([later.article_id])
    assert old["duplicate_of"] == earlier.article_id
    assert pipeline.run([], store).stories.articles == 1  # only the new original is clustered
    assert _story_of(store, later.article_id) == _story_of(store, earlier.article_id) is not None
    [story] = story_store.stories(store, [_story_of(store, later.article_id)])
    assert story["first_published"] == datetime(2026, 11, 16, 9, tzinfo=UTC)
    assert sorted(story["article_ids"]) == sorted([later.article_id, earlier.article_id])


def test_same_text_without_urls_is_one_article(store):
    store.write_batch([make(title="Same"), make(title="Same")])
    assert store.count_articles() == 1


def test_full_text_search(store):
    store.write_batch([make(title="Sanctions on Caracas", url="https://a.example/1"),
                       make(text=OTHER, title="Talks in Muscat", url="https://a.example/2")])
    hits = browse.search(store, "uranium enrichment")
    assert [h["title"] for h in hits] == ["Talks in Muscat"]
    assert "[" in hits[0]["snippet"]
    assert [h["title"] for h in browse.search(store, '"economic aggression"')] == ["Sanctions on Caracas"]
    assert browse.search(store, "sanctions -caracas") == []
    assert {h["title"] for h in browse.search(store, "muscat OR caracas")} == {"Talks in Muscat", "Sanctions on Caracas"}
    assert browse.search(store, '(*"') == []  # never a syntax error from user input


def test_list_filters_and_stats(store):
    store.write_batch([make(title="A", outlet="Wire", published_raw="2026-11-16T09:00:00Z", url="https://a.example/1"),
                       make(text=OTHER, title="B", outlet="Post", published_raw="2026-11-18T09:00:00Z",
                            url="https://a.example/2")])
    assert [a["title"] for a in store.list_articles()] == ["B", "A"]
    assert [a["title"] for a in store.list_articles(outlet="Wire")] == ["A"]
    assert [a["title"] for a in store.list_articles(since=datetime(2026, 11, 17, tzinfo=UTC))] == ["B"]
    assert store.stats()["unclustered"] == 2
    pipeline.run([], store)
    stats = store.stats()
    assert stats["articles"] == 2 and stats["stories"] == 2 and stats["by_source_kind"] == {"jsonl": 2}
    assert stats["unclustered"] == 0
    assert stats["first_published"] == datetime(2026, 11, 16, 9, tzinfo=UTC)


def test_store_reopens_with_its_data(db_url):
    with open_store(db_url) as store:
        store.write_batch([make(title="Kept")])
    with open_store(db_url) as store:
        assert [a["title"] for a in store.iter_articles()] == ["Kept"]


def test_copies_and_repeated_keys_within_one_batch(store):
    original = make(url="https://wire.example/9", published_raw="2026-11-16T09:00:00Z")
    copy = make(text="LONDON (Wire) - " + BODY, url="https://post.example/9", published_raw="2026-11-16T10:00:00Z")
    again = make(url="https://wire.example/9", source="second-feed")
    first, second, third = store.write_batch([original, copy, again])
    assert second.duplicate_of == first.article_id and second.story_id == first.story_id
    assert third.article_id == first.article_id and not third.inserted
    assert store.count_articles() == 2
    assert len(store.sightings(first.article_id)) == 2


def test_identity_by_guid_then_url_then_content(store):
    first = store.write_batch([make(guid="tag:wire.example,2026:1", url="https://wire.example/a", source="feed-1")])[0]
    by_guid = store.write_batch([make(guid="tag:wire.example,2026:1", url="https://track.example/r?id=1",
                                      source="feed-2")])[0]
    by_new_alias = store.write_batch([make(url="https://track.example/r?id=1", source="feed-3")])[0]
    local_guid = store.write_batch([make(text=OTHER, guid="17", outlet="Wire", source="feed-4")])[0]
    other_outlet = store.write_batch([make(text=OTHER + " Updated.", guid="17", outlet="Post", source="feed-5")])[0]
    assert by_guid.article_id == by_new_alias.article_id == first.article_id and not by_guid.inserted
    assert other_outlet.article_id != local_guid.article_id  # bare numbers are not global GUIDs
    assert len(store.sightings(first.article_id)) == 3
