"""Live sources: the address guard, feed subscriptions and polling, against real HTTP servers on
loopback addresses (no internet)."""

import ipaddress
import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from newsradar.cli import app
from newsradar.opml import read_opml, write_opml
from newsradar.sources.fetch import Guard
from newsradar.store import feeds as feed_store
from newsradar.store import open_store

from .httpserver import LocalServer, Reply, rss

runner = CliRunner()
TEXT = "Officials in Caracas said on Monday that talks with Washington would resume next week. " * 3
ITEMS = [(f"g{i}", f"Headline number {i}", f"Story {i}. {TEXT}") for i in range(3)]


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def server():
    with LocalServer() as test_server:
        yield test_server


@pytest.fixture
def allow_loopback(monkeypatch):
    monkeypatch.setenv("NEWSRADAR_FETCH_ALLOW", "127.0.0.1")
    monkeypatch.setenv("NEWSRADAR_HOST_DELAY", "0")


# --- the address guard --------------------------------------------------------------------------

@pytest.mark.parametrize("address", ["127.0.0.1", "127.9.9.9", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
                                     "0.0.0.0", "224.0.0.1", "240.0.0.1", "100.64.0.1", "::1", "::", "fe80::1", "fc00::1",
                                     "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::127.0.0.1", "2001:db8::1"])
def test_guard_refuses_non_public_addresses(address):
    assert not Guard().permits(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8"])
def test_guard_permits_public_addresses(address):
    assert Guard().permits(ipaddress.ip_address(address))


def test_guard_allowance_by_address_network_and_host():
    guard = Guard.parse("127.0.0.1, 10.0.0.0/8, intranet.example")
    assert guard.permits(ipaddress.ip_address("127.0.0.1"))
    assert guard.permits(ipaddress.ip_address("::ffff:127.0.0.1"))
    assert guard.permits(ipaddress.ip_address("10.20.30.40"))
    assert not guard.permits(ipaddress.ip_address("127.0.0.2"))
    assert guard.permits(ipaddress.ip_address("192.168.0.9"), host="intranet.example")


@pytest.mark.parametrize("path", ["http://127.0.0.1:{port}/feed.xml", "http://[::ffff:127.0.0.1]:{port}/feed.xml",
                                  "http://localhost:{port}/feed.xml"])
def test_loopback_is_refused_and_the_server_hears_nothing(server, tmp_path, path):
    server.routes["/feed.xml"] = Reply(200, rss("Local", ITEMS), {"Content-Type": "application/rss+xml"})
    result = run("ingest", path.format(port=server.port), "--db", f"sqlite:///{tmp_path / 's.db'}")
    assert result.exit_code == 1
    assert "loopback address" in result.stderr and "NEWSRADAR_FETCH_ALLOW" in result.stderr
    assert server.requests == []


def test_redirect_to_a_loopback_address_not_allowed_is_refused(server, tmp_path, allow_loopback):
    with LocalServer("127.0.0.2") as other:
        other.routes["/feed.xml"] = Reply(200, rss("Other", ITEMS))
        server.routes["/moved"] = Reply(302, b"", {"Location": other.url("/feed.xml")})
        result = run("ingest", server.url("/moved"), "--db", f"sqlite:///{tmp_path / 's.db'}")
        assert result.exit_code == 1 and "127.0.0.2 is a loopback address" in result.stderr
        assert server.paths() == ["/moved"] and other.requests == []


def test_other_schemes_and_redirect_loops_are_refused(server, tmp_path, allow_loopback):
    server.routes["/ftp"] = Reply(302, b"", {"Location": "ftp://127.0.0.1/feed.xml"})
    server.routes["/loop"] = Reply(302, b"", {"Location": "/loop"})
    db = f"sqlite:///{tmp_path / 's.db'}"
    assert "only http and https" in run("ingest", server.url("/ftp"), "--db", db).stderr
    result = run("ingest", server.url("/loop"), "--db", db)
    assert result.exit_code == 1 and "more than 5 redirects" in result.stderr
    assert server.paths().count("/loop") == 6


# --- polling --------------------------------------------------------------------------------------

def _subscribe(db, url, *extra):
    result = run("feeds", "add", url, "--db", db, *extra)
    assert result.exit_code == 0, result.output


def _feed(db, url):
    with open_store(db) as store:
        return feed_store.get(store, url)


def test_add_poll_store_then_a_conditional_second_poll(server, db_url, allow_loopback):
    etag = '"v1"'

    def feed(handler):
        if handler.headers.get("If-None-Match") == etag:
            return Reply(304, b"", {"ETag": etag})
        return Reply(200, rss("Wire", ITEMS), {"Content-Type": "application/rss+xml", "ETag": etag})

    server.routes["/feed.xml"] = feed
    db = db_url  # on SQLite and on PostgreSQL
    _subscribe(db, server.url("/feed.xml"), "--outlet", "Test Wire")
    first = run("poll", "--db", db)
    assert first.exit_code == 0 and "3 new articles" in first.stderr
    exported = [json.loads(line) for line in run("export", "--format", "jsonl", "--db", db).stdout.splitlines()]
    assert sorted(a["title"] for a in exported) == [f"Headline number {i}" for i in range(3)]
    assert {a["outlet"] for a in exported} == {"Test Wire"}
    assert all(a["story_id"] is not None for a in exported)  # a poll clusters what it stored
    second = run("poll", "--db", db)  # a plain second poll: conditional, answered 304
    assert "not modified (304)" in second.stderr
    assert server.requests[-1][1].get("if-none-match") == etag
    feed_row = _feed(db, server.url("/feed.xml"))
    assert feed_row.last_status == 304 and feed_row.articles_count == 3 and feed_row.error_count == 0


def test_last_modified_and_cache_control(server, tmp_path, allow_loopback):
    stamp = "Mon, 16 Nov 2026 09:00:00 GMT"

    def feed(handler):
        if handler.headers.get("If-Modified-Since") == stamp:
            return Reply(304)
        return Reply(200, rss("Wire", ITEMS), {"Last-Modified": stamp, "Cache-Control": "max-age=7200"})

    server.routes["/feed.xml"] = feed
    db = f"sqlite:///{tmp_path / 's.db'}"
    _subscribe(db, server.url("/feed.xml"), "--every", "1m")
    run("poll", "--db", db)
    feed_row = _feed(db, server.url("/feed.xml"))
    assert feed_row.next_poll_at - feed_row.last_fetch_at >= timedelta(seconds=7200)  # the server asked for 2 h
    assert "0 feeds polled" in run("poll", "--db", db).stderr  # max-age holds a manual poll back
    assert "0 feeds polled" in run("poll", "--due", "--db", db).stderr
    assert "not modified" in run("poll", "--force", "--db", db).stderr


def test_feed_gaining_entries_adds_only_the_new_ones(server, tmp_path, allow_loopback):
    items = ITEMS[:2]
    server.routes["/feed.xml"] = lambda handler: Reply(200, rss("Wire", items))
    db = f"sqlite:///{tmp_path / 's.db'}"
    _subscribe(db, server.url("/feed.xml"))
    assert "2 new of 2 entries" in run("poll", "--db", db).stderr
    items = ITEMS
    assert "1 new of 3 entries" in run("poll", "--db", db).stderr
    with open_store(db) as store:
        assert store.count_articles() == 3
        assert store.stats()["sightings"] == 3  # one sighting per article and feed, however often polled


def test_retry_after_on_503(server, db_url, allow_loopback):
    server.routes["/feed.xml"] = Reply(503, b"busy", {"Retry-After": "120"})
    db = db_url
    _subscribe(db, server.url("/feed.xml"))
    result = run("poll", "--db", db)
    assert result.exit_code == 0 and "HTTP 503" in result.stderr
    feed_row = _feed(db, server.url("/feed.xml"))
    assert feed_row.error_count == 1 and feed_row.last_status == 503 and "503" in feed_row.last_error
    wait = (feed_row.next_poll_at - feed_row.last_fetch_at).total_seconds()
    assert 119 <= wait <= 121 and feed_row.not_before == feed_row.next_poll_at
    assert "0 feeds polled" in run("poll", "--db", db).stderr and len(server.requests) == 1


def test_repeated_failures_back_off_then_pause(server, tmp_path, allow_loopback, monkeypatch):
    monkeypatch.setenv("NEWSRADAR_FEED_MAX_ERRORS", "3")
    server.routes["/feed.xml"] = Reply(500, b"oops")
    server.routes["/good.xml"] = Reply(200, rss("Good", ITEMS))
    db = f"sqlite:///{tmp_path / 's.db'}"
    _subscribe(db, server.url("/feed.xml"), "--every", "10m")
    _subscribe(db, server.url("/good.xml"))
    waits = []
    for _ in range(3):
        result = run("poll", "--force", "--db", db)
        assert result.exit_code == 0
        feed_row = _feed(db, server.url("/feed.xml"))
        waits.append((feed_row.next_poll_at - feed_row.last_fetch_at).total_seconds())
    assert 480 <= waits[0] <= 720 and 960 <= waits[1] <= 1440  # 10 min, then 20 min, ±20 %
    assert feed_row.paused and feed_row.error_count == 3
    assert _feed(db, server.url("/good.xml")).articles_count == 3  # the failing feed never stopped the others
    listed = [json.loads(line) for line in run("feeds", "list", "--json", "--db", db).stdout.splitlines()]
    assert listed[0]["paused"] and listed[0]["last_error"] == "HTTP 500 Internal Server Error"
    exported = json.loads(run("feeds", "export", "--format", "json", "--db", db).stdout)
    assert exported[0]["error_count"] == 3 and exported[0]["last_status"] == 500 and exported[0]["not_before"]
    requests_before = len(server.requests)
    run("poll", "--force", "--db", db)
    assert server.paths()[requests_before:] == ["/good.xml"]  # a paused feed is not retried
    assert run("feeds", "resume", "1", "--db", db).exit_code == 0
    assert not _feed(db, server.url("/feed.xml")).paused


def test_slow_server_times_out(server, tmp_path, allow_loopback, monkeypatch):
    monkeypatch.setenv("NEWSRADAR_FETCH_TIMEOUT", "0.5")
    server.routes["/feed.xml"] = Reply(200, rss("Slow", ITEMS), delay=2.0)
    db = f"sqlite:///{tmp_path / 's.db'}"
    _subscribe(db, server.url("/feed.xml"))
    started = time.monotonic()
    result = run("poll", "--db", db)
    assert time.monotonic() - started < 2.0
    assert "timed out" in result.stderr
    assert "timed out" in _feed(db, server.url("/feed.xml")).last_error


def test_gzip_and_a_wrong_charset_header(server, tmp_path, allow_loopback):
    items = [("c1", "Caf\u00e9 talks in Bogot\u00e1", "Caf\u00e9 owners met in Bogot\u00e1. " + TEXT)]
    server.routes["/gz.xml"] = Reply(200, rss("Zipped", ITEMS), {"Content-Type": "application/rss+xml"}, gzip=True)
    server.routes["/latin.xml"] = Reply(200, rss("Latin", items, encoding="windows-1252"),
                                        {"Content-Type": "application/rss+xml; charset=utf-8"})
    db = f"sqlite:///{tmp_path / 's.db'}"
    _subscribe(db, server.url("/gz.xml"))
    _subscribe(db, server.url("/latin.xml"))
    run("poll", "--db", db)
    assert _feed(db, server.url("/gz.xml")).articles_count == 3
    with open_store(db) as store:
        titles = {a["title"] for a in store.iter_articles()}
    assert "Caf\u00e9 talks in Bogot\u00e1" in titles


def test_oversized_body_is_refused(server, tmp_path, allow_loopback, monkeypatch):
    monkeypatch.setenv("NEWSRADAR_MAX_FILE_MB", "0.001")
    server.routes["/big.xml"] = Reply(200, rss("Big", ITEMS * 10))
    db = f"sqlite:///{tmp_path / 's.db'}"
    _subscribe(db, server.url("/big.xml"))
    run("poll", "--db", db)
    assert "cap" in _feed(db, server.url("/big.xml")).last_error


def test_permanent_redirect_moves_the_subscription(server, tmp_path, allow_loopback):
    server.routes["/old.xml"] = Reply(301, b"", {"Location": "/new.xml"})
    server.routes["/new.xml"] = Reply(200, rss("Moved", ITEMS))
    db = f"sqlite:///{tmp_path / 's.db'}"
    _subscribe(db, server.url("/old.xml"))
    run("poll", "--db", db)
    assert _feed(db, server.url("/new.xml")).articles_count == 3


def test_summary_only_entries_get_their_page_unless_robots_forbid(server, tmp_path, allow_loopback):
    page = ("<html><head><title>Full story</title></head><body><article><h1>Full story</h1>"
            + "".join(f"<p>Paragraph {i} of the full report from Caracas, with details the summary leaves out.</p>"
                      for i in range(8)) + "</article></body></html>").encode()
    for guid, _, _ in ITEMS:
        server.routes[f"/articles/{guid}"] = Reply(200, page, {"Content-Type": "text/html"})
    server.routes["/robots.txt"] = Reply(200, b"User-agent: *\nDisallow: /articles/g2\n")
    server.routes["/feed.xml"] = Reply(200, rss("Briefs", ITEMS, full=False, link_base=server.url("")))
    db = f"sqlite:///{tmp_path / 's.db'}"
    _subscribe(db, server.url("/feed.xml"))
    run("poll", "--db", db)
    assert "/articles/g2" not in server.paths()
    assert server.paths().count("/robots.txt") == 1
    with open_store(db) as store:
        articles = {a["external_id"] or a["title"]: a for a in store.iter_articles()}
    full = articles["Headline number 0"]
    assert "Paragraph 7 of the full report" in full["text"] and full["summary"] == "Story 0."
    assert articles["Headline number 2"]["text"] == "Story 2." and articles["Headline number 2"]["summary"] is None
    assert (full["text_origin"], articles["Headline number 2"]["text_origin"]) == ("page", "summary")
    before = len(server.requests)
    run("poll", "--db", db)
    assert [p for p in server.paths()[before:] if p.startswith("/articles/")] == []  # stored ones are not refetched


WALLS = {
    "paywall": "<p>Subscribe to continue reading.</p><p>Already a subscriber? Sign in to read the full story.</p>"
               "<p>Get unlimited access for $1 per week. Cancel anytime.</p>",
    "consent": "<p>We and our partners use cookies to store and access personal data.</p>"
               "<p>Select Accept all to consent, or Manage preferences to choose.</p><p>Read our privacy policy.</p>",
}


def test_a_paywall_or_consent_page_keeps_the_feeds_summary_and_says_so(server, tmp_path, allow_loopback):
    from .test_web import client_for

    for guid, kind in (("g0", "paywall"), ("g1", "consent")):
        body = f"<html><head><title>Headline</title></head><body><article><h1>Headline</h1>{WALLS[kind]}</article></body></html>"
        server.routes[f"/articles/{guid}"] = Reply(200, body.encode(), {"Content-Type": "text/html"})
    server.routes["/feed.xml"] = Reply(200, rss("Briefs", ITEMS[:2], full=False, link_base=server.url("")))
    db = f"sqlite:///{tmp_path / 's.db'}"
    _subscribe(db, server.url("/feed.xml"))
    run("poll", "--db", db)
    with open_store(db) as store:
        articles = {a["title"]: a for a in store.iter_articles()}
        assert [(a["text"], a["text_origin"]) for a in articles.values()] == [("Story 0.", "paywall"), ("Story 1.", "consent")]
        client = client_for(store)
        page = client.get(f"/articles/{articles['Headline number 0']['id']}")
        assert page.status_code == 200 and "was a paywall, not the article: this is the feed's summary" in page.text
        assert client.get(f"/api/v1/articles/{articles['Headline number 1']['id']}").json()["text_origin"] == "consent"


def test_a_publishers_section_feeds_are_one_outlet_with_sections(server, tmp_path, allow_loopback):
    """A real subscription to two sections of one paper (shaped like the WSJ's World News and
    Economy feeds, links to wsj.com, summaries only) polled and served: one outlet, two sections."""
    world = [(f"w{i}", f"World headline {i}", f"Summary of world story {i}.") for i in range(3)]
    economy = [(f"e{i}", f"Economy headline {i}", f"Summary of economy story {i}.") for i in range(2)]
    server.routes["/world.xml"] = Reply(200, rss("WSJ.com: World News", world, full=False,
                                                 link_base="https://www.wsj.com/world"))
    server.routes["/economy.xml"] = Reply(200, rss("WSJ.com: Economy", economy, full=False,
                                                   link_base="https://www.wsj.com/economy"))
    db = f"sqlite:///{tmp_path / 's.db'}"
    for path in ("/world.xml", "/economy.xml"):
        _subscribe(db, server.url(path), "--no-full-text")
    assert run("poll", "--db", db).exit_code == 0
    listed = run("outlets", "list", "--json", "--db", db)
    outlets = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [(o["name"], o["articles"], sorted(o["sections"]), o["domains"]) for o in outlets] == [
        ("The Wall Street Journal", 5, ["WSJ.com: Economy", "WSJ.com: World News"], ["wsj.com"])]
    with open_store(db) as store:
        assert {a["text_origin"] for a in store.iter_articles()} == {"summary"}
    assert run("poll", "--db", db).exit_code == 0  # a re-poll matches what is stored
    with open_store(db) as store:
        assert store.count_articles() == 5


def test_an_article_with_a_subscribe_footer_is_not_a_wall():
    from newsradar.sources.webpage import walled

    article = " ".join(f"Paragraph {i}: officials in Caracas described the talks at length." for i in range(40))
    assert walled(article + " Subscribe to our newsletter. Sign in to comment.") is None
    assert walled("Subscribe now. Sign in to continue reading. Already a subscriber? Log in.") == "paywall"
    assert walled("The minister said talks would resume. Subscribe for more.") is None  # one such sentence is a footer
    brief = ("The EU fined Meta 200 million euros on Tuesday. Regulators said Meta failed to get consent."
             " Users must be able to reject all tracking cookies, the Commission said.")
    assert walled(brief) is None  # a news brief about cookies reports what was said; a wall never does
    assert walled("The trial began on Monday. The trial could last weeks. Prosecutors declined to register a plea.") is None


def test_opml_round_trip(tmp_path):
    db = f"sqlite:///{tmp_path / 's.db'}"
    opml = tmp_path / "in.opml"
    opml.write_text("<?xml version='1.0'?><opml version='2.0'><head/><body><outline text='Group'>"
                    "<outline text='Wire &amp; Co' xmlUrl='https://wire.example/rss'/>"
                    "<outline text='Post' xmlUrl='https://post.example/atom.xml'/></outline>"
                    "<outline text='Bad' xmlUrl='javascript:alert(1)'/></body></opml>")
    result = run("feeds", "import", opml, "--db", db)
    assert result.exit_code == 0 and "2 feeds added" in result.stdout and "javascript" in result.stderr
    exported = run("feeds", "export", "--db", db).stdout
    outlines = read_opml(exported.encode(), "export")
    assert [(o.url, o.title) for o in outlines] == [("https://wire.example/rss", "Wire & Co"),
                                                   ("https://post.example/atom.xml", "Post")]
    again = run("feeds", "import", opml, "--db", db)
    assert "0 feeds added" in again.stdout
    assert write_opml([]).count("<outline") == 0


def test_bad_opml_and_bad_feed_urls(tmp_path):
    db = f"sqlite:///{tmp_path / 's.db'}"
    (tmp_path / "x.opml").write_text("<html/>")
    assert "not OPML" in run("feeds", "import", tmp_path / "x.opml", "--db", db).stderr
    assert "not an http(s) URL" in run("feeds", "add", "file:///etc/passwd", "--db", db).stderr
    assert "not a duration" in run("feeds", "add", "https://a.example/f", "--every", "soon", "--db", db).stderr
    assert run("feeds", "remove", "42", "--db", db).exit_code == 1


def test_watch_stops_gracefully_on_sigterm(server, tmp_path):
    server.routes["/feed.xml"] = Reply(200, rss("Watched", ITEMS))
    db = f"sqlite:///{tmp_path / 's.db'}"
    env = {**os.environ, "NEWSRADAR_FETCH_ALLOW": "127.0.0.1"}
    subprocess.run([sys.executable, "-m", "newsradar", "feeds", "add", server.url("/feed.xml"), "--db", db],
                   env=env, check=True, capture_output=True)
    process = subprocess.Popen([sys.executable, "-m", "newsradar", "watch", "--db", db], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while "/feed.xml" not in server.paths() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    assert "stopped after 1 polling rounds" in stderr
    with open_store(db) as store:
        assert store.count_articles() == 3
        [feed] = feed_store.all_feeds(store)
    assert feed.next_poll_at > datetime.now(UTC)


def test_one_article_reached_through_two_feeds_and_a_redirect_link(server, tmp_path, allow_loopback):
    page = ("<html><body><article><h1>Full</h1>" + "<p>The full report from Caracas runs on for many words here.</p>" * 6
            + "</article></body></html>").encode()
    server.routes["/articles/g0"] = Reply(200, page, {"Content-Type": "text/html"})
    server.routes["/go/g0"] = Reply(302, b"", {"Location": "/articles/g0"})
    server.routes["/robots.txt"] = Reply(404)
    direct = rss("Direct", ITEMS[:1], full=False, link_base=server.url(""))
    same_link = rss("Mirror", ITEMS[:1], full=False, link_base=server.url(""))
    tracked = rss("Tracked", ITEMS[:1], full=False, link_base=server.url("")).replace(b"/articles/g0", b"/go/g0")
    server.routes["/a.xml"], server.routes["/b.xml"], server.routes["/c.xml"] = Reply(200, direct), Reply(200, same_link), Reply(200, tracked)
    db = f"sqlite:///{tmp_path / 's.db'}"
    for name in ("a", "b", "c"):
        _subscribe(db, server.url(f"/{name}.xml"), "--outlet", name.upper())
        run("poll", "--db", db)  # one feed at a time, as they would arrive
    with open_store(db) as store:
        [article] = list(store.iter_articles())
        sources = sorted(s["source"] for s in store.sightings(article["id"]))
    assert sources == [server.url(f"/{name}.xml") for name in ("a", "b", "c")]
    assert "full report" in article["text"]


def test_unresolvable_hosts_are_errors_not_crashes(server, tmp_path, allow_loopback):
    db = f"sqlite:///{tmp_path / 's.db'}"
    result = run("ingest", "http://no-such-host.invalid/feed.xml", "--db", db)
    assert result.exit_code == 1 and "cannot resolve no-such-host.invalid" in result.stderr
    # summary-only entries whose pages live on a host that does not resolve keep their summaries
    server.routes["/feed.xml"] = Reply(200, rss("Briefs", ITEMS, full=False, link_base="http://no-such-host.invalid"))
    _subscribe(db, server.url("/feed.xml"))
    polled = run("poll", "--db", db)
    assert polled.exit_code == 0 and "3 new of 3 entries" in polled.stderr
    with open_store(db) as store:
        assert sorted(a["text"] for a in store.iter_articles()) == ["Story 0.", "Story 1.", "Story 2."]
