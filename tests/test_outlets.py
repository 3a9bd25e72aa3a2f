"""Outlets as publishers: derived from the article's registrable domain (our map of display names,
the page's og:site_name, a feed title that spells the domain, else the domain), the feed's title
kept as a section, intermediaries seen through, one name per domain in the store, the user's
renames and merges (kept on re-derivation, exported), migration of stores that predate it, and
the CLI, API and pages — on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from newsradar import outlets
from newsradar.cli import app
from newsradar.errors import NotFound, QueryError
from newsradar.model import Article
from newsradar.normalize import normalize_article
from newsradar.pipeline import ingest
from newsradar.prepare import identify
from newsradar.store import open_store
from newsradar.store import outlets as outlet_store
from newsradar.store import store as store_module
from newsradar.store.migrations import MIGRATIONS

WHEN = datetime(2026, 11, 20, tzinfo=UTC)
BODY = ("Officials met on Tuesday to discuss the shipping lanes, trade terms and the schedule of talks, "
        "and said a further meeting would follow next month after both delegations consult their capitals.")


def article(**fields) -> Article:
    fields.setdefault("source_kind", "feed")
    fields.setdefault("source", "test")
    return normalize_article(Article(text=fields.pop("text", BODY), **fields))


# --- deriving the publisher ----------------------------------------------------------------------------


def test_a_publisher_split_in_feed_sections_is_one_outlet_with_sections():
    world = article(url="https://www.wsj.com/world/americas/a-1", section="WSJ.com: World News")
    economy = article(url="https://www.wsj.com/economy/b-2", section="WSJ.com: Economy")
    assert world.outlet == economy.outlet == "The Wall Street Journal"
    assert (world.outlet_domain, world.outlet_origin) == ("wsj.com", outlets.MAP)
    assert (world.section, economy.section) == ("WSJ.com: World News", "WSJ.com: Economy")
    nyt = article(url="https://www.nytimes.com/2026/11/20/business/economy/x.html", section="NYT > Business > Economy")
    assert nyt.outlet == "The New York Times" and nyt.section == "NYT > Business > Economy"
    ft = article(url="https://www.ft.com/content/0000", section="myFT following")
    economist = article(url="https://www.economist.com/finance-and-economics/2026/11/20/x", section="Finance & economics")
    assert (ft.outlet, economist.outlet) == ("Financial Times", "The Economist")


def test_registrable_domain_uses_the_public_suffix_list_and_hosts_above_it():
    assert outlets.registrable_domain("www.bbc.co.uk") == "bbc.co.uk"
    assert outlets.registrable_domain("edition.cnn.com") == "cnn.com"
    assert outlets.registrable_domain("news.dailyplanet.example") == "dailyplanet.example"  # suffix unknown to the list
    assert outlets.registrable_domain("127.0.0.1") is None
    assert article(url="https://www.bbc.co.uk/news/world-1").outlet == "BBC News"
    assert article(url="https://www.bbc.com/news/articles/x").outlet == "BBC News"
    sky = article(url="https://news.sky.com/story/x-1")  # a host above the registrable domain is mapped
    assert (sky.outlet, sky.outlet_domain) == ("Sky News", "news.sky.com")


def test_unmapped_domains_are_named_by_the_page_a_feed_title_that_spells_them_or_the_domain():
    page = article(url="https://www.dailyplanet.example/metro/1", site_name="The Daily Planet", source_kind="html")
    assert (page.outlet, page.outlet_origin) == ("The Daily Planet", outlets.SITE)
    # trafilatura falls back to the host for a page without og:site_name: that is not a name
    bare = article(url="https://www.dailyplanet.example/metro/2", site_name="dailyplanet.example", source_kind="html")
    assert (bare.outlet, bare.outlet_origin) == ("dailyplanet.example", outlets.DOMAIN)
    titled = article(url="https://www.capitolmorning.example/x", section="Capitol Morning")
    assert (titled.outlet, titled.outlet_origin) == ("Capitol Morning", outlets.TITLE)
    part = article(url="https://www.riverside-gazette.example/x", section="Riverside Gazette | Politics")
    assert part.outlet == "Riverside Gazette" and part.section == "Riverside Gazette | Politics"
    sectioned = article(url="https://www.riverside-gazette.example/y", section="Finance & economics")
    assert (sectioned.outlet, sectioned.outlet_origin) == ("riverside-gazette.example", outlets.DOMAIN)
    nowhere = article(section="Morning Briefing")  # no address: the section is all there is
    assert (nowhere.outlet, nowhere.outlet_domain) == ("Morning Briefing", None)


def test_the_outlet_the_user_gave_wins():
    given = article(url="https://www.reuters.com/world/x", outlet="Reuters via the desk", source_kind="jsonl")
    assert (given.outlet, given.outlet_domain, given.outlet_origin) == ("Reuters via the desk", "reuters.com", outlets.GIVEN)


def test_intermediaries_keep_the_original_publisher():
    archived = article(url="https://web.archive.org/web/20261120101010/https://www.theguardian.com/world/2026/x",
                       source_kind="html")
    assert (archived.outlet, archived.outlet_domain) == ("The Guardian", "theguardian.com")
    collapsed = article(url="https://web.archive.org/web/2026id_/http:/www.dw.com/en/x/a-1", source_kind="html")
    assert collapsed.outlet == "DW"
    redirect = article(url="https://www.google.com/url?q=https%3A%2F%2Fwww.aljazeera.com%2Fnews%2Fx&sa=D")
    assert redirect.outlet == "Al Jazeera"
    aggregated = article(url="https://news.google.com/rss/articles/CBMiX2h0dHBz?oc=5", section="Google News",
                         site_name="Reuters", publisher_url="https://www.reuters.com")
    assert (aggregated.outlet, aggregated.outlet_domain) == ("Reuters", "reuters.com")
    unknown = article(url="https://news.google.com/rss/articles/CBMiY?oc=5", site_name="Riverside Gazette",
                      publisher_url="https://news.google.com")
    assert (unknown.outlet, unknown.outlet_domain) == ("Riverside Gazette", None)
    assert outlets.is_intermediary("feedproxy.google.com") and not outlets.is_intermediary("www.reuters.com")


def test_a_feeds_entries_carry_section_and_the_aggregators_source(tmp_path):
    from newsradar.sources.feed import read_feed

    rss = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Top stories - Google News</title>
    <link>https://news.google.com/</link>
    <item><title>Talks resume - Reuters</title><link>https://news.google.com/rss/articles/CBMiAA?oc=5</link>
    <guid isPermaLink="false">CBMiAA</guid><source url="https://www.reuters.com">Reuters</source></item>
    <item><title>Talks resume, again</title><link>https://feedproxy.google.com/~r/x/~3/abc/</link>
    <feedburner:origLink xmlns:feedburner="http://rssnamespace.org/feedburner/ext/1.0">https://www.npr.org/2026/11/20/x</feedburner:origLink>
    </item></channel></rss>"""
    first, second = (normalize_article(a) for a in read_feed(rss, "gn.xml", lambda _: None))
    assert (first.outlet, first.section) == ("Reuters", "Top stories - Google News")
    assert second.outlet == "NPR"


def test_a_non_url_guid_stays_scoped_by_the_feed_as_before():
    """Keys must not change with the outlet's derivation, or every re-poll would duplicate."""
    entry = Article(text=BODY, guid="1234", url=None, section="Capitol Morning", guid_scope="Capitol Morning",
                    source_kind="feed", source="feed")
    normalize_article(entry)
    assert entry.key == "guid:capitol morning:1234"
    assert identify(Article(text=BODY, guid="1234", section="Capitol Morning", guid_scope="Capitol Morning",
                            source_kind="feed", source="feed")).key == entry.key
    given = normalize_article(Article(text=BODY, guid="7", outlet="Harbor Wire", source_kind="jsonl", source="x"))
    assert given.key == "guid:harbor wire:7"


# --- the store --------------------------------------------------------------------------------------------


def test_one_name_per_domain_and_a_better_name_replaces_the_bare_domain(store):
    bare = article(url="https://www.dailyplanet.example/a", section="Metro")
    store.write_batch([bare])
    assert store.get_articles([bare.id])[0]["outlet"] == "dailyplanet.example"
    page = article(url="https://www.dailyplanet.example/b", site_name="The Daily Planet", source_kind="html")
    store.write_batch([page])
    stored = store.get_articles([bare.id, page.id])
    assert [a["outlet"] for a in stored] == ["The Daily Planet", "The Daily Planet"]  # the earlier one renamed
    later = article(url="https://www.dailyplanet.example/c", section="Sport")
    store.write_batch([later])
    assert store.get_articles([later.id])[0]["outlet"] == "The Daily Planet"
    assert store.get_articles([later.id])[0]["section"] == "Sport"
    with store.connect() as conn:
        listed = outlet_store.listing(conn)
    assert [(o["name"], o["domains"], o["articles"]) for o in listed] == [
        ("The Daily Planet", ["dailyplanet.example"], 3)]
    assert sorted(listed[0]["sections"]) == ["Metro", "Sport"]


def test_rename_and_merge_are_stored_applied_to_new_articles_and_kept_on_refresh(store):
    from newsradar.store import topics as topic_store

    store.write_batch([article(url="https://www.wsj.com/world/1", section="WSJ.com: World News"),
                       article(url="https://www.gulfsentinel.example/1", site_name="Gulf Sentinel", source_kind="html"),
                       article(url="https://www.gulfpost.example/1", site_name="Gulf Post", source_kind="html")])
    topic_store.add(store, "gulf", "talks", outlet="Gulf Post")
    with store.connect(write=True) as conn:
        done = outlet_store.rename(conn, "The Wall Street Journal", "WSJ")
        assert (done.articles, done.new) == (1, "WSJ")
        outlet_store.rename(conn, "Gulf Post", "Gulf Sentinel")  # onto an existing outlet: a merge
        with pytest.raises(NotFound, match="no outlet named 'Nope'"):
            outlet_store.rename(conn, "Nope", "X")
        with pytest.raises(QueryError):
            outlet_store.rename(conn, "WSJ", "WSJ")
    assert topic_store.get(store, "gulf").outlet == "Gulf Sentinel"
    newer = [article(url="https://www.wsj.com/economy/2", section="WSJ.com: Economy"),
             article(url="https://www.gulfpost.example/2", site_name="Gulf Post", source_kind="html")]
    store.write_batch(newer)
    assert [a["outlet"] for a in store.get_articles([a.id for a in newer])] == ["WSJ", "Gulf Sentinel"]
    with store.connect(write=True) as conn:
        assert outlet_store.rederive(conn) == 0  # naming again keeps the corrections
        names = {o["name"]: o for o in outlet_store.listing(conn)}
    assert set(names) == {"WSJ", "Gulf Sentinel"}
    assert names["Gulf Sentinel"]["domains"] == ["gulfpost.example", "gulfsentinel.example"]
    assert names["WSJ"]["articles"] == 2


def test_migration_names_the_publishers_of_an_existing_store(db_url, monkeypatch):
    url = db_url
    monkeypatch.setattr(store_module, "MIGRATIONS", MIGRATIONS[:11])
    with open_store(url) as old, old.connect(write=True) as conn:
        conn.execute(text("INSERT INTO feeds (url, outlet, title, interval_seconds, full_text, created_at)"
                          " VALUES ('https://named.example/rss', 'Named By Me', 'Named feed', 900, 1, :t)"), {"t": old.db_time(WHEN)})
        rows = [  # (outlet as the old code stored it, source kind, source, url)
            ("WSJ.com: World News", "feed", "https://feeds.wsj.example/world", "https://www.wsj.com/world/x"),
            ("Named By Me", "feed", "https://named.example/rss", "https://www.named.example/a"),
            ("www.riverside.example", "html", "page.html", "https://www.riverside.example/p"),
            ("Harbor Wire Service", "jsonl", "a.jsonl#1", "https://www.harborwire.example/x"),
        ]
        for number, (outlet, kind, source, link) in enumerate(rows):
            conn.execute(text("INSERT INTO articles (key, url, canonical_url, title, text, outlet, source_kind, source,"
                              " content_hash, ingested_at) VALUES (:key, :url, :url, 't', 'x', :outlet, :kind, :source,"
                              " :hash, :t)"),
                         {"key": f"url:{link}", "url": link, "outlet": outlet, "kind": kind, "source": source,
                          "hash": str(number), "t": old.db_time(WHEN)})
    monkeypatch.setattr(store_module, "MIGRATIONS", MIGRATIONS)
    with open_store(url) as new, new.connect() as conn:
        got = [tuple(r) for r in conn.execute(text("SELECT outlet, section, outlet_domain FROM articles ORDER BY id"))]
    assert got == [("The Wall Street Journal", "WSJ.com: World News", "wsj.com"),
                   ("Named By Me", None, "named.example"),
                   ("riverside.example", None, "riverside.example"),
                   ("Harbor Wire Service", None, "harborwire.example")]


def test_the_sample_feeds_ingest_twice_without_duplicates(db_url):
    from pathlib import Path

    feeds = Path(__file__).parent.parent / "examples" / "feeds"
    with open_store(db_url) as store:
        first = ingest([str(feeds)], store)
        again = ingest([str(feeds)], store)
        assert first.inserted > 0 and again.inserted == 0
        with store.connect() as conn:
            named = {o["name"]: o["sections"] for o in outlet_store.listing(conn)}
    assert named == {"Capitol Morning": ["Capitol Morning"], "Liberty Ledger": ["Liberty Ledger"],
                     "The Meridian Post": ["The Meridian Post"]}


# --- CLI, export, API and pages --------------------------------------------------------------------------


def test_cli_lists_renames_merges_and_exports(db_url):
    runner = CliRunner()
    with open_store(db_url) as store:
        store.write_batch([article(url="https://www.wsj.com/world/1", section="WSJ.com: World News"),
                           article(url="https://www.a-paper.example/1", site_name="A Paper", source_kind="html"),
                           article(url="https://www.b-paper.example/1", site_name="B Paper", source_kind="html")])
    listed = runner.invoke(app, ["outlets", "list", "--json", "--db", db_url])
    assert listed.exit_code == 0, listed.output
    assert {json.loads(line)["name"] for line in listed.stdout.splitlines()} == {
        "The Wall Street Journal", "A Paper", "B Paper"}
    merged = runner.invoke(app, ["outlets", "merge", "A Paper", "B Paper", "--into", "AB Papers", "--db", db_url])
    assert merged.exit_code == 0 and "merged 2 outlet(s) into 'AB Papers' (2 articles)" in merged.stdout
    renamed = runner.invoke(app, ["outlets", "rename", "The Wall Street Journal", "WSJ", "--db", db_url])
    assert renamed.exit_code == 0 and "(1 articles)" in renamed.stdout
    missing = runner.invoke(app, ["outlets", "rename", "Nobody", "X", "--db", db_url])
    assert missing.exit_code != 0 and "no outlet named 'Nobody'" in missing.output
    exported = runner.invoke(app, ["export", "--format", "csv", "--table", "outlets", "--db", db_url])
    assert exported.exit_code == 0, exported.output
    rows = {r["name"]: r for r in csv.DictReader(io.StringIO(exported.stdout))}
    assert set(rows) == {"WSJ", "AB Papers"}
    assert rows["AB Papers"]["renamed_from"] == "a paper; b paper"
    assert rows["AB Papers"]["domains"] == "a-paper.example; b-paper.example"
    articles = runner.invoke(app, ["export", "--format", "jsonl", "--db", db_url])
    first = json.loads(articles.stdout.splitlines()[0])
    assert (first["outlet"], first["section"], first["outlet_domain"]) == ("WSJ", "WSJ.com: World News", "wsj.com")


def test_api_and_pages_show_outlets(store):
    from .test_web import client_for

    store.write_batch([article(url="https://www.wsj.com/world/1", section="WSJ.com: World News", title="Talks"),
                       article(url="https://www.rferl.org/a/1.html", source_kind="html", title="Radio piece",
                               text=BODY + " More.")])
    client = client_for(store)
    listed = client.get("/api/v1/outlets").json()["items"]
    assert {o["name"] for o in listed} == {"The Wall Street Journal", "Radio Free Europe/Radio Liberty"}
    ids = {o["name"]: o["id"] for o in listed}
    one = client.get(f"/api/v1/outlets/{ids['Radio Free Europe/Radio Liberty']}")
    assert one.status_code == 200 and one.json()["domains"] == ["rferl.org"]
    assert [a["title"] for a in one.json()["articles"]] == ["Radio piece"]
    assert client.get("/api/v1/outlets/999999").status_code == 404
    page = client.get("/outlets")
    assert page.status_code == 200 and "The Wall Street Journal" in page.text and "WSJ.com: World News" in page.text
    wsj = ids["The Wall Street Journal"]
    detail = client.get(f"/outlets/{wsj}")
    assert detail.status_code == 200 and "wsj.com" in detail.text and "Talks" in detail.text
    # the article page links its outlet by name; the name leads to the id-keyed page
    named = client.get("/outlets", params={"name": "Radio Free Europe/Radio Liberty"})
    assert named.status_code == 303 and named.headers["location"] == f"/outlets/{ids['Radio Free Europe/Radio Liberty']}"
    # a rename keeps the outlet's id: links stay good
    with store.connect(write=True) as conn:
        outlet_store.rename(conn, "The Wall Street Journal", "WSJ")
    assert client.get(f"/api/v1/outlets/{wsj}").json()["name"] == "WSJ"


# --- regressions found in review -----------------------------------------------------------------------


def test_fetching_the_full_text_keeps_the_derived_outlet_and_the_keys():
    """normalize runs again after a page's full text is fetched: the publisher must not turn into
    an outlet the user gave, nor may a title-less feed's GUID key change scope."""
    from newsradar.poll import with_full_text

    entry = normalize_article(Article(text="Short summary.", url="https://www.foo-news.example/a/1", guid="17",
                                      summary_only=True, source_kind="feed", source="feed"))
    key, keys = entry.key, list(entry.keys)
    assert (entry.outlet, entry.outlet_origin) == ("foo-news.example", outlets.DOMAIN)
    page = ("<html><head><title>Full</title><meta property='og:site_name' content='Foo News'></head><body><article>"
            + "<p>The long report from the capital, with every detail the summary leaves out.</p>" * 8
            + "</article></body></html>").encode()
    with_full_text(entry, page, "https://www.foo-news.example/a/1")
    assert (entry.outlet, entry.outlet_origin, entry.outlet_domain) == ("foo-news.example", outlets.DOMAIN,
                                                                         "foo-news.example")
    assert entry.key == key and "guid::17" in keys and "guid::17" in entry.keys
    assert entry.text_origin == "page"


def test_renaming_a_feeds_given_outlet_keeps_its_identity_keys(store):
    from newsradar.poll import parse_feed
    from newsradar.store import feeds as feed_store

    feed_url = "https://planet.example/rss"
    feed_store.add(store, feed_url, "Daily Planet", 900, False)
    rss = (b"<rss version='2.0'><channel><title>Planet</title><item><title>One</title><guid isPermaLink='false'>1</guid>"
           b"<description>Officials met on Tuesday.</description></item></channel></rss>")
    store.write_batch(parse_feed(rss, feed_url, "Daily Planet")[0])
    with store.connect(write=True) as conn:
        outlet_store.rename(conn, "Daily Planet", "The Daily Planet")
    assert feed_store.get(store, feed_url).outlet == "Daily Planet"  # the GUIDs' scope stays
    again = store.write_batch(parse_feed(rss, feed_url, "Daily Planet")[0])
    assert [r.inserted for r in again] == [False]
    assert [a["outlet"] for a in store.iter_articles()] == ["The Daily Planet"]


def test_a_name_given_to_one_article_does_not_rename_its_domain_over_the_map(store):
    given = article(url="https://www.nytimes.com/2026/x.html", outlet="Times wire desk", source_kind="jsonl")
    derived = article(url="https://www.nytimes.com/2026/y.html", section="NYT > World")
    store.write_batch([given])
    store.write_batch([derived])
    assert [a["outlet"] for a in store.get_articles([given.id, derived.id])] == [
        "Times wire desk", "The New York Times"]
    # a given name is better than a bare domain, and gives way to the site's own name
    mine = article(url="https://www.smallpaper.example/1", outlet="Small Paper (mine)", source_kind="jsonl")
    bare = article(url="https://www.smallpaper.example/2", section="Latest")
    store.write_batch([mine])
    store.write_batch([bare])
    assert store.get_articles([bare.id])[0]["outlet"] == "Small Paper (mine)"
    page = article(url="https://www.smallpaper.example/3", site_name="The Small Paper", source_kind="html")
    store.write_batch([page])
    assert [a["outlet"] for a in store.get_articles([mine.id, bare.id, page.id])] == [
        "Small Paper (mine)", "The Small Paper", "The Small Paper"]


def test_refresh_keeps_publishers_named_through_an_intermediary(store):
    aggregated = article(url="https://news.google.com/rss/articles/CBMiZ?oc=5", section="Google News",
                         site_name="Reuters", publisher_url="https://www.reuters.com")
    store.write_batch([aggregated])
    with store.connect(write=True) as conn:
        outlet_store.rederive(conn)
    stored = store.get_articles([aggregated.id])[0]
    assert (stored["outlet"], stored["outlet_domain"]) == ("Reuters", "reuters.com")


def test_renames_chain_and_a_change_of_case_sticks(store):
    store.write_batch([article(url="https://www.a-side.example/1", site_name="A Side", source_kind="html"),
                       article(url="https://www.b-side.example/1", site_name="B Side", source_kind="html"),
                       article(text=BODY + " Pasted.", outlet="caribbean courier", source_kind="txt")])
    with store.connect(write=True) as conn:
        outlet_store.rename(conn, "B Side", "C Side")
        outlet_store.rename(conn, "A Side", "B Side")  # B is C now: A joins C
        outlet_store.rename(conn, "caribbean courier", "Caribbean Courier")
        assert {o["name"]: o["articles"] for o in outlet_store.listing(conn)} == {"C Side": 2, "Caribbean Courier": 1}
    later = article(text=BODY + " Later.", outlet="caribbean courier", source_kind="txt")
    store.write_batch([later])
    assert store.get_articles([later.id])[0]["outlet"] == "Caribbean Courier"
