"""The web app and JSON API in-process (FastAPI's TestClient): pages, API, cursors, ETags, the
error shape, topics and their feeds, auth, CSRF, the rate limit and sanitization — on the sample
corpus, on SQLite and on the real PostgreSQL."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import uuid
from urllib.parse import parse_qs, urlsplit

import feedparser
import httpx
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from newsradar import analysis, stories
from newsradar.cli import app as cli_app
from newsradar.pipeline import ingest
from newsradar.store import browse, open_store
from newsradar.store import stories as story_store
from newsradar.store import topics as topic_store
from newsradar.web.app import create_app
from newsradar.web.errors import error_body
from newsradar.web.pages import marked, paragraphs, safe_href
from newsradar.web.security import Auth

from .conftest import EXAMPLES, POSTGRES_URL, _postgres_or_skip
from .httpserver import LocalServer, Reply, rss

runner = CliRunner()


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def sample_url(request, tmp_path_factory):
    """A store holding the sample corpus, clustered, with two topics (one per module and store)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('web') / 'sample.db'}"
        schema = None
    else:
        _postgres_or_skip()
        import psycopg

        schema = f"nr_test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        url = f"{POSTGRES_URL}{'&' if '?' in POSTGRES_URL else '?'}options=-csearch_path%3D{schema}"
    with open_store(url) as store:
        ingest([str(EXAMPLES)], store, workers=1)
        analysis.analyze_pending(store)
        stories.update(store)
        topic_store.add(store, "venezuela", "venezuela OR maduro")
        topic_store.add(store, "meridian", "", outlet="The Meridian Post")
    yield url
    if schema:
        import psycopg

        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def store(sample_url):
    with open_store(sample_url) as opened:
        yield opened


def client_for(store, token: str = "", read_access: str = "public") -> TestClient:
    return TestClient(create_app(store=store, auth=Auth(token, read_access)), follow_redirects=False)


@pytest.fixture
def client(store):
    return client_for(store)


def walk(client: TestClient, path: str, **params) -> list[dict]:
    """Every item of a cursor-paged API list."""
    items, cursor = [], None
    for _ in range(200):
        response = client.get(path, params={**params, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.text
        body = response.json()
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items
        assert body["next"] and parse_qs(urlsplit(body["next"]).query)["cursor"] == [cursor]
    raise AssertionError("pagination did not end")


# --- the acceptance points ---------------------------------------------------------------------------

def test_home_lists_every_story_headline_across_its_pages(client, store):
    expected = {s["title"] for s in story_store.stories(store)}
    assert len(expected) >= 10
    seen, url = [], "/"
    while url:
        page = client.get(url)
        assert page.status_code == 200
        assert "text/html" in page.headers["content-type"]
        html = page.text
        seen += [t for t in expected if _html_text(t) in html]
        next_marker = 'rel="next" href="'
        url = html.split(next_marker, 1)[1].split('"', 1)[0].replace("&amp;", "&") if next_marker in html else None
    assert set(seen) == expected


def _html_text(value: str) -> str:
    from markupsafe import escape

    return str(escape(value))


def test_html_responses_carry_a_csp_that_forbids_inline_script(client, store):
    story_id = story_store.stories(store, limit=1)[0]["id"]
    for path in ("/", "/search?q=iran", f"/stories/{story_id}", "/articles/1", "/feeds", "/login",
                 "/topics/venezuela", "/entities", "/entities/1", "/no-such-page"):
        response = client.get(path)
        assert "text/html" in response.headers["content-type"], path
        csp = response.headers["content-security-policy"]
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
        assert directives["script-src"] == "'self'" and "unsafe-inline" not in csp, path
        assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "<script" not in response.text and " style=" not in response.text, path


def test_api_stories_articles_and_search_answer_json(client, store):
    stories_page = client.get("/api/v1/stories", params={"limit": 5})
    assert stories_page.status_code == 200 and stories_page.headers["content-type"] == "application/json"
    first = stories_page.json()["items"][0]
    assert {"id", "title", "article_ids", "first_published", "last_published", "outlets", "summary", "lead"} <= set(first)
    articles = client.get("/api/v1/articles", params={"limit": 5}).json()["items"]
    assert len(articles) == 5 and {"id", "title", "url", "outlet", "published", "story_id", "excerpt"} <= set(articles[0])
    hits = client.get("/api/v1/search", params={"q": "tanker"}).json()["items"]
    assert hits and all("tanker" in (h["title"] + h["snippet"]).lower() for h in hits)
    for hit in hits:
        for start, end in hit["highlights"]:
            assert hit["snippet"][start:end].lower().startswith("tanker")
    one = client.get(f"/api/v1/stories/{first['id']}").json()
    assert {a["id"] for a in one["articles"]} == set(one["article_ids"]) and one["coverage"]
    article = client.get(f"/api/v1/articles/{articles[0]['id']}").json()
    assert article["text"] and "sightings" in article and "duplicates" in article


def test_unauthenticated_feed_post_is_refused(store):
    body = {"url": "https://example.org/feed.xml"}
    no_token = client_for(store).post("/api/v1/feeds", json=body)
    assert no_token.status_code == 403
    assert no_token.json() == error_body(403, "writes are disabled on this server: set NEWSRADAR_API_TOKEN to enable them")
    with_token = client_for(store, token="s3cret")
    missing = with_token.post("/api/v1/feeds", json=body)
    assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
    wrong = with_token.post("/api/v1/feeds", json=body, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert with_token.delete("/api/v1/topics/venezuela").status_code == 401
    assert topic_store.get(store, "venezuela")


# --- the API's contract: one error shape, cursors, ETags -------------------------------------------

def test_one_error_shape_pinned():
    assert error_body(404, "no story 9") == {"error": {"status": 404, "code": "not_found", "message": "no story 9"}}
    assert error_body(429, "slow down")["error"]["code"] == "rate_limited"
    assert error_body(418, "teapot")["error"]["code"] == "i'm_a_teapot"


def test_every_api_error_has_the_one_shape(client):
    cases = {
        "/api/v1/stories/999999": 404,
        "/api/v1/articles/999999": 404,
        "/api/v1/articles/abc": 422,
        "/api/v1/stories?cursor=not-a-cursor": 400,
        "/api/v1/stories?since=yesterday-ish": 400,
        "/api/v1/stories?limit=1000": 422,
        "/api/v1/search?q=": 422,
        "/api/v1/topics/nope": 404,
        "/api/v1/nothing-here": 404,
    }
    for path, status in cases.items():
        response = client.get(path)
        assert response.status_code == status, (path, response.text)
        body = response.json()
        assert set(body) == {"error"} and set(body["error"]) == {"status", "code", "message"}, path
        assert body == error_body(status, body["error"]["message"]) and body["error"]["message"], path


def test_cursor_pages_cover_every_story_once(client, store):
    everything = {s["id"] for s in story_store.stories(store)}
    for limit in (1, 3, 7):
        ids = [s["id"] for s in walk(client, "/api/v1/stories", limit=limit)]
        assert len(ids) == len(set(ids)) and set(ids) == everything


def test_filtered_story_pages_are_the_stories_with_a_matching_article(client, store):
    matching = {h["story_id"] for h in browse.search_page(store, browse.Filters("iran"), limit=100).items}
    for limit in (2, 5):
        ids = [s["id"] for s in walk(client, "/api/v1/stories", q="iran", limit=limit)]
        assert len(ids) == len(set(ids)) and set(ids) == matching
    outlet_ids = [s["id"] for s in walk(client, "/api/v1/stories", outlet="The Meridian Post", limit=2)]
    assert set(outlet_ids) == {a["story_id"] for a in store.iter_articles() if a["outlet"] == "The Meridian Post"}


def test_article_pages_are_newest_first_and_complete(client, store):
    items = walk(client, "/api/v1/articles", limit=4)
    assert len(items) == store.count_articles()
    dated = [i["published"] for i in items if i["published"]]
    assert dated == sorted(dated, reverse=True)


def test_etag_gives_304_until_the_data_changes(client, store):
    first = client.get("/api/v1/topics")
    tag = first.headers["etag"]
    again = client.get("/api/v1/topics", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b""
    topic_store.add(store, "etag-test", "oil")
    try:
        changed = client.get("/api/v1/topics", headers={"If-None-Match": tag})
        assert changed.status_code == 200 and changed.headers["etag"] != tag
    finally:
        topic_store.remove(store, "etag-test")


def test_openapi_schema_lists_the_api(client):
    schema = client.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/stories", "/api/v1/articles", "/api/v1/search", "/api/v1/feeds", "/api/v1/topics",
                 "/api/v1/stats", "/api/v1/stories/{story_id}", "/api/v1/articles/{article_id}"):
        assert path in schema["paths"], path
    assert not any(p.startswith("/stories") or p == "/" for p in schema["paths"])


# --- topics, their pages and feeds -----------------------------------------------------------------

def test_topic_page_atom_and_json_feed(client, store):
    page = client.get("/topics/venezuela")
    assert page.status_code == 200 and 'type="application/atom+xml"' in page.text
    expected = [s["title"] for s in browse.story_page(store, browse.Filters("venezuela OR maduro"), limit=50).items]
    atom = client.get("/topics/venezuela/atom.xml")
    assert atom.headers["content-type"].startswith("application/atom+xml")
    parsed = feedparser.parse(atom.content)
    assert not parsed.bozo and parsed.feed.title == "newsradar: venezuela"
    assert [e.title for e in parsed.entries] == expected
    assert all(e.link.startswith("http://testserver/stories/") for e in parsed.entries)
    feed = client.get("/topics/venezuela/feed.json")
    assert feed.headers["content-type"].startswith("application/feed+json")
    document = feed.json()
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    assert [i["title"] for i in document["items"]] == expected
    assert client.get("/topics/nothing/atom.xml").status_code == 404


def test_outlet_topic_lists_only_that_outlets_stories(client, store):
    body = client.get("/api/v1/topics/meridian", params={"limit": 100}).json()
    assert body["items"] and all("The Meridian Post" in s["outlets"] for s in body["items"])
    assert all(s["lead"]["outlet"] == "The Meridian Post" for s in body["items"])


def test_topics_commands(tmp_path):
    db = f"sqlite:///{tmp_path / 't.db'}"
    added = runner.invoke(cli_app, ["topics", "add", "oil", "tanker OR crude", "--db", db, "--language", "en",
                                    "--since", "2026-11-01"])
    assert added.exit_code == 0 and "/topics/oil/atom.xml" in added.output
    again = runner.invoke(cli_app, ["topics", "add", "oil", "other", "--db", db])
    assert again.exit_code == 0 and "exists already" in again.output
    listed = runner.invoke(cli_app, ["topics", "list", "--db", db, "--json"])
    record = json.loads(listed.output)
    assert record["query"] == "tanker OR crude" and record["language"] == "en" and record["since"].startswith("2026-11-01")
    bad = runner.invoke(cli_app, ["topics", "add", "Bad Name!", "x", "--db", db])
    assert bad.exit_code == 1 and "topic name 'Bad Name!' is not usable" in bad.output
    empty = runner.invoke(cli_app, ["topics", "add", "empty", "", "--db", db])
    assert empty.exit_code == 1 and "needs a query or at least one filter" in empty.output
    assert runner.invoke(cli_app, ["topics", "remove", "oil", "--db", db]).exit_code == 0
    missing = runner.invoke(cli_app, ["topics", "remove", "oil", "--db", db])
    assert missing.exit_code == 1 and "no topic 'oil'" in missing.output


# --- pages -----------------------------------------------------------------------------------------

def test_story_page_groups_by_outlet_with_timeline_and_attributed_summary(client, store):
    story = max(story_store.stories(store), key=lambda s: len(s["outlets"]))
    html = client.get(f"/stories/{story['id']}").text
    for outlet in story["outlets"]:
        assert f'<h3 class="outlet">{_html_text(outlet)}' in html
    assert "<svg" in html and "Coverage timeline" in html
    for sentence in story["summary"]:
        assert f'href="/articles/{sentence["article_id"]}"' in html


def test_article_page_shows_text_duplicates_and_sightings(client, store):
    copy = next(a for a in store.iter_articles() if a["duplicate_of"])
    original = client.get(f"/articles/{copy['duplicate_of']}").text
    assert f'href="/articles/{copy["id"]}"' in original and "Copies of this article" in original
    page = client.get(f"/articles/{copy['id']}").text
    assert "Copy of" in page and "Seen in" in page
    assert client.get("/articles/999999").status_code == 404


def test_search_page_highlights_and_sorts(client):
    html = client.get("/search", params={"q": "tanker", "sort": "date"}).text
    assert "<mark>" in html.lower()
    assert client.get("/search", params={"q": "tanker", "sort": "sideways"}).status_code == 400


def test_a_merged_story_id_redirects_to_its_story(client, store):
    with store.connect(write=True) as conn:
        from sqlalchemy import text

        target = story_store.stories(store, limit=1)[0]["id"]
        conn.execute(text("INSERT INTO stories (title, created_at, merged_into) VALUES ('old', '2026-01-01', :t)"),
                     {"t": target})
        old = conn.execute(text("SELECT max(id) FROM stories")).scalar_one()
    response = client.get(f"/stories/{old}")
    assert response.status_code == 301 and response.headers["location"] == f"/stories/{target}"
    assert client.get(f"/api/v1/stories/{old}").json()["merged_from"] == old


# --- security --------------------------------------------------------------------------------------

def test_sanitizers():
    hostile = 'Hi <script>alert(1)</script> <img src=x onerror="alert(2)"> & "quotes"\n\nsecond'
    html = str(paragraphs(hostile))
    assert "<script" not in html and "<img" not in html and "&lt;script&gt;" in html
    assert html.count("<p>") == 2
    assert safe_href("javascript:alert(1)") is None and safe_href(" JAVASCRIPT:alert(1)") is None
    assert safe_href("data:text/html,x") is None and safe_href("https://example.org/a?b=1") == "https://example.org/a?b=1"
    snippet = str(marked(f"a {browse.MARK_START}<b>x</b>{browse.MARK_END} <script>"))
    assert snippet == "a <mark>&lt;b&gt;x&lt;/b&gt;</mark> &lt;script&gt;"


def test_private_reads_need_the_token(store):
    private = client_for(store, token="s3cret", read_access="token")
    refused = private.get("/api/v1/stories")
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "unauthorized"
    assert private.get("/").status_code == 401
    assert private.get("/api/v1/stories", headers={"Authorization": "Bearer s3cret"}).status_code == 200
    assert private.get("/login").status_code == 200
    with pytest.raises(Exception, match="NEWSRADAR_API_TOKEN"):
        Auth("", "token")


def _csrf(client: TestClient, path: str = "/login") -> str:
    html = client.get(path).text
    return html.split('name="csrf" value="', 1)[1].split('"', 1)[0]


def test_login_and_form_posts_need_csrf(store, monkeypatch):
    client = client_for(store, token="s3cret")
    assert client.post("/login", data={"token": "s3cret"}).status_code == 403  # no CSRF token
    csrf = _csrf(client)
    assert client.post("/login", data={"token": "wrong", "csrf": csrf}).status_code == 401
    logged = client.post("/login", data={"token": "s3cret", "csrf": csrf})
    assert logged.status_code == 303 and "newsradar_session" in logged.headers["set-cookie"]
    assert "httponly" in logged.headers["set-cookie"].lower() and "samesite=strict" in logged.headers["set-cookie"].lower()
    feeds_page = client.get("/feeds").text
    assert 'action="/feeds"' in feeds_page and "Log out" in feeds_page
    # a cross-site form post carries the session cookie but not the CSRF token
    forged = client.post("/feeds", data={"url": "https://example.org/feed.xml"})
    assert forged.status_code == 403 and "security token" in forged.text


def test_web_subscription_goes_through_the_safe_fetcher(sample_url, monkeypatch, tmp_path):
    with open_store(f"sqlite:///{tmp_path / 'feeds.db'}") as store, LocalServer() as server:
        server.routes["/feed.xml"] = Reply(200, rss("Local wire", [("g1", "A headline", "Some text here.")]),
                                           {"Content-Type": "application/rss+xml"})
        client = client_for(store, token="s3cret")
        csrf = _csrf(client)
        assert client.post("/login", data={"token": "s3cret", "csrf": csrf}).status_code == 303
        csrf = _csrf(client, "/feeds")  # signed in, the forms carry the token bound to the session
        refused = client.post("/feeds", data={"url": server.url("/feed.xml"), "csrf": csrf})
        assert refused.status_code == 422 and "loopback" in refused.text
        assert server.requests == []  # refused before any packet
        monkeypatch.setenv("NEWSRADAR_FETCH_ALLOW", "127.0.0.1")
        added = client.post("/feeds", data={"url": server.url("/feed.xml"), "csrf": csrf})
        assert added.status_code == 303, added.text
        listed = client.get("/api/v1/feeds").json()["items"]
        assert [f["url"] for f in listed] == [server.url("/feed.xml")] and listed[0]["title"] == "Local wire"
        server.routes["/page.html"] = Reply(200, b"<html><body>not a feed</body></html>", {"Content-Type": "text/html"})
        api = client.post("/api/v1/feeds", json={"url": server.url("/page.html")},
                          headers={"Authorization": "Bearer s3cret"})
        assert api.status_code == 422 and api.json()["error"]["message"].startswith("not subscribed:")
        feed_id = listed[0]["id"]
        removed = client.delete(f"/api/v1/feeds/{feed_id}", headers={"Authorization": "Bearer s3cret"})
        assert removed.status_code == 200 and client.get("/api/v1/feeds").json()["items"] == []


def test_search_is_rate_limited_per_client(store, monkeypatch):
    monkeypatch.setenv("NEWSRADAR_SEARCH_RATE", "3")
    client = client_for(store)
    statuses = [client.get("/api/v1/search", params={"q": "iran"}).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    limited = client.get("/api/v1/search", params={"q": "iran"})
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    assert limited.json()["error"]["code"] == "rate_limited"
    assert client.get("/search", params={"q": "iran"}).status_code == 429  # the page shares the budget
    assert client.get("/api/v1/stories").status_code == 200  # other reads are not limited


# --- the command -------------------------------------------------------------------------------------

def test_serve_command_serves_the_store_and_prints_the_url(sample_url):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "newsradar", "serve", "--db", sample_url, "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        assert line.strip().startswith(f"open http://127.0.0.1:{port}/")
        for _ in range(100):
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/api/v1/stats", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert response.status_code == 200 and response.json()["articles"] == 65
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_index_walk_plan_gives_the_same_pages(client, store, monkeypatch):
    """Common queries walk an index in publication order (SQLite); force that plan on the small
    sample and compare with the plan for rare queries."""
    monkeypatch.setenv("NEWSRADAR_SEARCH_RATE", "1000")  # many small pages: more searches than a reader makes
    client = client_for(store)
    queries = [{"q": "iran"}, {"q": "venezuela OR tanker"}, {"q": "iran", "outlet": "The Meridian Post"},
               {"q": "iran", "language": "en"}, {"q": "sanctions", "since": "2026-11-18", "until": "2026-11-21"}]
    rare = {json.dumps(p): [s["id"] for s in walk(client, "/api/v1/stories", limit=3, **p)] for p in queries}
    dated = {json.dumps(p): [h["id"] for h in walk(client, "/api/v1/search", limit=3, sort="date", **p)] for p in queries}
    monkeypatch.setattr(browse, "_COMMON", 1)
    for params in queries:
        key = json.dumps(params)
        assert [s["id"] for s in walk(client, "/api/v1/stories", limit=3, **params)] == rare[key], params
        assert [h["id"] for h in walk(client, "/api/v1/search", limit=3, sort="date", **params)] == dated[key], params
    assert any(rare.values()) and any(dated.values())


def test_search_pages_by_relevance_and_by_date_cover_every_match(client, store):
    everything = {h["id"] for h in browse.search_page(store, browse.Filters("iran"), limit=100).items}
    assert len(everything) >= 5
    for sort in ("relevance", "date"):
        ids = [h["id"] for h in walk(client, "/api/v1/search", q="iran", sort=sort, limit=2)]
        assert len(ids) == len(set(ids)) and set(ids) == everything, sort
    dates = [h["published"] for h in walk(client, "/api/v1/search", q="iran", sort="date", limit=2)]
    dated = [d for d in dates if d is not None]  # the pasted topic page is undated: its articles come last
    assert dates == sorted(dated, reverse=True) + [None] * (len(dates) - len(dated))


def test_entity_api_and_pages(client, store):
    listed = client.get("/api/v1/entities", params={"limit": 5}).json()
    assert len(listed["items"]) == 5 and listed["next_cursor"]
    maduro = next(e for e in walk(client, "/api/v1/entities", limit=50) if e["key"] == "person:nicolas-maduro")
    detail = client.get(f"/api/v1/entities/{maduro['id']}").json()
    assert {a["alias"] for a in detail["aliases"]} >= {"Maduro", "Nicolás Maduro"}
    assert detail["country"] == "VEN" and detail["co_mentions"] and detail["mentions_per_day"]
    page = client.get(f"/entities/{maduro['id']}").text
    assert "Nicolás Maduro" in page and '<svg' in page and 'class="network"' in page
    article_id = detail["articles"][0]["id"]
    mentions = client.get(f"/api/v1/articles/{article_id}/entities").json()["items"]
    text = client.get(f"/api/v1/articles/{article_id}").json()["text"]
    for mention in mentions:
        if mention["field"] == "text":
            assert text[mention["start"]:mention["end"]] == mention["text"]
    html = client.get(f"/articles/{article_id}").text
    assert f'href="/entities/{maduro["id"]}"' in html and 'class="entity entity-person"' in html
    assert client.get("/entities/999999").status_code == 404
    assert client.get("/api/v1/entities/999999").json()["error"]["code"] == "not_found"
