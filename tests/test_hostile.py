"""Hostile input that once broke newsradar (issue 19), each kept fixed here: a bad link in a feed,
deeply nested JSON, old backfills, compression bombs, malformed URLs, feeds that polling would
refuse, a schema that leaked past read access, booleans read as dates."""

from __future__ import annotations

import gzip
import io
import json
import random
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from newsradar import pipeline
from newsradar.cli import app
from newsradar.clustering import Clusterer, StoryConfig
from newsradar.normalize import parse_datetime
from newsradar.store import feeds as feed_store
from newsradar.store import open_store
from newsradar.web.app import create_app
from newsradar.web.security import Auth

from .httpserver import LocalServer, Reply

runner = CliRunner()
TEXT = "Officials in Caracas said on Monday that talks with Washington would resume next week. " * 3
BAD_LINKS = ["http://0177.0.0.1/x", "http://127.0.0.01/x", "http://[::1/x"]


def _feed(items: list[tuple[str, str, str]]) -> bytes:
    entries = "".join(f"<item><title>{title}</title><link>{link}</link><guid isPermaLink='false'>{guid}</guid>"
                      f"<description>{TEXT}</description></item>" for guid, title, link in items)
    return (f"<?xml version='1.0'?><rss version='2.0'><channel><title>T</title>{entries}</channel></rss>").encode()


def test_a_bad_entry_link_is_that_entrys_problem_not_the_rounds(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSRADAR_FETCH_ALLOW", "127.0.0.1")
    monkeypatch.setenv("NEWSRADAR_HOST_DELAY", "0")
    db = f"sqlite:///{tmp_path / 's.db'}"
    with LocalServer() as server:
        server.routes["/bad.xml"] = Reply(200, _feed([(f"b{n}", f"Bad link {n}", link) for n, link in enumerate(BAD_LINKS)]))
        server.routes["/good.xml"] = Reply(200, _feed([("g1", "Good entry", server.url("/missing"))]))
        for path in ("/bad.xml", "/good.xml"):
            assert runner.invoke(app, ["feeds", "add", server.url(path), "--db", db]).exit_code == 0
        result = runner.invoke(app, ["poll", "--db", db])
        assert result.exit_code == 0, result.output
        with open_store(db) as store:
            titles = [a["title"] for a in store.iter_articles()]
            assert sorted(titles) == ["Bad link 0", "Bad link 1", "Bad link 2", "Good entry"]  # without full text
            bad = feed_store.get(store, server.url("/bad.xml"))
            assert bad.error_count == 0 and not bad.paused and "3 entries kept the feed's summary" in bad.last_error, \
                bad.last_error
            assert "not a valid URL" in bad.last_error
        again = runner.invoke(app, ["poll", "--db", db])  # the next round goes on too, adding nothing
        assert again.exit_code == 0 and "0 new articles, 0 failed" in again.stderr


def test_deeply_nested_json_is_that_lines_error(tmp_path):
    inputs = []
    for n in range(8):
        path = tmp_path / f"in{n}.jsonl"
        lines = [json.dumps({"id": f"{n}", "title": f"Title {n}", "text": f"{TEXT} Item {n}.",
                             "url": f"https://example.org/{n}"})]
        if n == 3:
            lines.insert(0, "[" * 100_000 + "]" * 100_000)
            lines.insert(0, '{"a": ' * 100_000 + "1" + "}" * 100_000)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        inputs.append(str(path))
    result = runner.invoke(app, ["ingest", *inputs, "--no-stories", "--db", f"sqlite:///{tmp_path / 's.db'}"])
    assert result.exit_code == 0, result.output
    assert "8 new" in result.stderr and result.stderr.count("nested too deeply") == 2


def test_a_backfill_older_than_the_window_clusters():
    config = StoryConfig()
    clusterer = Clusterer(config)
    clusterer.assign(0, {"strike": 1.0, "port": 1.0}, datetime(2026, 6, 1, tzinfo=UTC))
    old = datetime(2025, 1, 1, tzinfo=UTC)
    stories = [clusterer.assign(n, {f"topic{n % 40}": 1.0, "harbor": 1.0, f"w{n}": 1.0}, old).story
               for n in range(1, 1101)]
    assert len(stories) == 1100 and all(s > 0 for s in stories)


def test_a_backfill_through_the_store_clusters_every_article(tmp_path):
    """The issue's sequence: one recent article clustered first, then a backfill of 1,100 older
    than the window, in a later run."""
    recent = tmp_path / "recent.jsonl"
    recent.write_text(json.dumps({"id": "new", "title": "Strike at the port", "text": TEXT, "url": "https://e.org/new",
                                  "published": "2026-06-01"}) + "\n", encoding="utf-8")
    path = tmp_path / "backfill.jsonl"
    rows = []
    words = [f"{a}{b}" for a in ("harbor", "crane", "strike", "vote", "storm", "court", "trade", "rail", "mine", "ferry")
             for b in ("al", "ber", "cor", "dun", "eth", "fal", "gor", "hul", "ith", "jor")]
    rng = random.Random(7)  # distinct texts: no two old reports are near-duplicates of each other
    rows += [{"id": f"o{n}", "title": f"Old report {n}", "text": " ".join(rng.choice(words) for _ in range(80)),
              "url": f"https://e.org/o{n}", "published": "2025-01-01"} for n in range(1100)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    from newsradar.stages import TERMS

    with open_store(f"sqlite:///{tmp_path / 's.db'}") as store:
        assert pipeline.run([str(recent)], store, stages=[TERMS], workers=1).stories.articles == 1
        pipeline.run([str(path)], store, workers=1, analyse=False)
        report = pipeline.run([], store, stages=[TERMS])
        assert report.stories.articles == 1100
        assert store.stats()["unclustered"] == 0


def test_a_huge_line_in_a_small_gzip_is_skipped_and_the_rest_read(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSRADAR_MAX_FILE_MB", "1")
    path = tmp_path / "bomb.jsonl.gz"
    with gzip.open(path, "wb") as handle:
        handle.write(json.dumps({"text": "x" * (8 * 2**20)}).encode() + b"\n")  # 8 MiB line, ~8 KB on disk
        handle.write(json.dumps({"title": "After", "text": TEXT, "url": "https://e.org/a"}).encode() + b"\n")
    assert path.stat().st_size < 100_000
    result = runner.invoke(app, ["ingest", str(path), "--no-stories", "--db", f"sqlite:///{tmp_path / 's.db'}"])
    assert result.exit_code == 0, result.output
    assert "over the 1,048,576-byte cap" in result.stderr and "1 new" in result.stderr


def test_a_gzip_encoded_warc_body_over_the_cap_is_skipped(tmp_path, monkeypatch):
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    monkeypatch.setenv("NEWSRADAR_MAX_FILE_MB", "1")
    path = tmp_path / "bomb.warc.gz"
    page = b"<html><body><article><p>" + TEXT.encode() + b"</p></article></body></html>"
    with path.open("wb") as output:
        writer = WARCWriter(output, gzip=True)
        for url, body in (("https://e.org/bomb", b"<html><body>" + b"a" * (8 * 2**20) + b"</body></html>"),
                          ("https://e.org/fine", page)):
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html"), ("Content-Encoding", "gzip")],
                                       protocol="HTTP/1.0")
            record = writer.create_warc_record(url, "response", payload=io.BytesIO(gzip.compress(body)),
                                               http_headers=headers)
            writer.write_record(record)
    assert path.stat().st_size < 200_000
    result = runner.invoke(app, ["ingest", str(path), "--no-stories", "--db", f"sqlite:///{tmp_path / 's.db'}"])
    assert result.exit_code == 0, result.output
    assert "over the size cap" in result.stderr and "1 new" in result.stderr


@pytest.mark.parametrize("url", ["http://0177.0.0.2/", "http://127.0.0.01/", "http://[::1/"])
def test_a_malformed_url_is_one_line_on_the_cli_and_a_422_in_the_api(url, tmp_path):
    result = runner.invoke(app, ["ingest", url, "--db", f"sqlite:///{tmp_path / 's.db'}"])
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 1 and len(lines) == 1 and lines[0].startswith(f"error: {url}: not a valid URL (")
    with open_store(f"sqlite:///{tmp_path / 's.db'}") as store:
        client = TestClient(create_app(store=store, auth=Auth("s3cret")))
        response = client.post("/api/v1/feeds", json={"url": url}, headers={"Authorization": "Bearer s3cret"})
    assert response.status_code == 422 and "not a valid URL" in response.json()["error"]["message"]


def test_feeds_add_refuses_what_polling_would_refuse(tmp_path):
    db = f"sqlite:///{tmp_path / 's.db'}"
    result = runner.invoke(app, ["feeds", "add", "http://127.0.0.1:9/feed.xml", "--db", db])
    assert result.exit_code == 1 and "loopback" in result.stderr and "NEWSRADAR_FETCH_ALLOW" in result.stderr
    assert runner.invoke(app, ["feeds", "add", "http://127.0.0.01/feed.xml", "--db", db]).exit_code == 1
    opml = tmp_path / "subs.opml"
    opml.write_text('<?xml version="1.0"?><opml version="2.0"><body><outline type="rss" xmlUrl="http://10.0.0.1/f.xml"/>'
                    '<outline type="rss" xmlUrl="https://news.example/f.xml"/></body></opml>', encoding="utf-8")
    imported = runner.invoke(app, ["feeds", "import", str(opml), "--db", db])
    assert imported.exit_code == 0 and "1 feeds added" in imported.output and "private" in imported.stderr


def test_the_api_schema_follows_read_access(tmp_path):
    with open_store(f"sqlite:///{tmp_path / 's.db'}") as store:
        private = TestClient(create_app(store=store, auth=Auth("s3cret", "token")))
        assert private.get("/api/v1/openapi.json").status_code == 401
        allowed = private.get("/api/v1/openapi.json", headers={"Authorization": "Bearer s3cret"})
        assert allowed.status_code == 200 and "/api/v1/stories" in allowed.json()["paths"]
        public = TestClient(create_app(store=store, auth=Auth("")))
        assert public.get("/api/v1/openapi.json").status_code == 200


@pytest.mark.parametrize("value", [True, False])
def test_a_boolean_is_no_date(value):
    assert parse_datetime(value) is None


# --- the web app: login rate, sessions, CSRF ------------------------------------------------------

def _form_token(client: TestClient, path: str) -> str:
    return client.get(path).text.split('name="csrf" value="', 1)[1].split('"', 1)[0]


def _signed_in(store) -> TestClient:
    client = TestClient(create_app(store=store, auth=Auth("s3cret")), follow_redirects=False)
    assert client.post("/login", data={"token": "s3cret", "csrf": _form_token(client, "/login")}).status_code == 303
    return client


def test_login_is_rate_limited_per_client(db_url, monkeypatch):
    monkeypatch.setenv("NEWSRADAR_LOGIN_RATE", "5")
    with open_store(db_url) as store:
        client = TestClient(create_app(store=store, auth=Auth("s3cret")), follow_redirects=False)
        csrf = _form_token(client, "/login")
        statuses = [client.post("/login", data={"token": "wrong", "csrf": csrf}).status_code for _ in range(7)]
    assert statuses[:5] == [401] * 5 and statuses[5:] == [429, 429]


def test_logout_revokes_the_session_on_the_server(db_url):
    with open_store(db_url) as store:
        client = _signed_in(store)
        cookie = client.cookies.get("newsradar_session")
        assert "Log out" in client.get("/feeds").text
        assert client.post("/logout", data={"csrf": _form_token(client, "/feeds")}).status_code == 303
        thief = TestClient(create_app(store=store, auth=Auth("s3cret")), follow_redirects=False)
        thief.cookies.set("newsradar_session", cookie)  # the old cookie, replayed
        assert "Log out" not in thief.get("/feeds").text
        assert thief.delete("/api/v1/feeds/1").status_code == 401


def test_a_planted_csrf_cookie_and_its_token_do_not_pass_for_a_signed_in_browser(db_url):
    with open_store(db_url) as store:
        attacker = TestClient(create_app(store=store, auth=Auth("s3cret")), follow_redirects=False)
        planted_token = _form_token(attacker, "/login")
        planted_cookie = attacker.cookies.get("newsradar_csrf")
        victim = _signed_in(store)
        victim.cookies.set("newsradar_csrf", planted_cookie)
        forged = victim.post("/feeds", data={"url": "https://example.org/feed.xml", "csrf": planted_token})
        assert forged.status_code == 403 and "security token" in forged.text


def test_cookie_authenticated_api_writes_need_the_csrf_token(db_url):
    with open_store(db_url) as store:
        client = _signed_in(store)
        assert client.delete("/api/v1/feeds/999").status_code == 403  # the session cookie alone
        token = _form_token(client, "/feeds")
        assert client.delete("/api/v1/feeds/999", headers={"X-CSRF-Token": token}).status_code == 404
        bearer = TestClient(create_app(store=store, auth=Auth("s3cret")))
        assert bearer.delete("/api/v1/feeds/999", headers={"Authorization": "Bearer s3cret"}).status_code == 404


@pytest.mark.parametrize("depth", [500, 3000])
def test_deeply_nested_html_keeps_its_text(depth):
    from newsradar.sources.webpage import extract_page

    html = ("<html><head><title>Deep page</title></head><body>" + "<div class='w'>" * depth
            + f"<article><p>{TEXT}</p><p>{TEXT}</p></article>" + "</div>" * depth + "</body></html>")
    article = extract_page(html.encode(), "deep.html")
    assert article.title == "Deep page" and "talks with Washington" in article.text


def test_a_rerun_that_adds_nothing_prepares_nothing(db_url, monkeypatch, tmp_path):
    import newsradar.prepare as prepare_module

    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps({"title": f"T{n}", "text": f"{TEXT} {n}", **({"url": f"https://e.org/{n}"}
                                        if n % 2 else {})}) + "\n" for n in range(30)), encoding="utf-8")
    with open_store(db_url) as store:
        first = pipeline.run([str(path)], store, workers=1, analyse=False).ingest
        prepared = []
        real = prepare_module.prepare
        monkeypatch.setattr(prepare_module, "prepare", lambda item: prepared.append(item) or real(item))
        again = pipeline.run([str(path)], store, workers=1, analyse=False).ingest
        assert first is not None and again is not None
        assert (first.inserted, again.inserted, sum(r.existing for r in again.inputs)) == (30, 0, 30)
        assert prepared == [] and again.article_ids == first.article_ids
        assert store.stats()["sightings"] == 30


def test_logout_with_a_session_already_gone_still_logs_out_and_a_new_login_replaces_the_old(db_url):
    with open_store(db_url) as store:
        client = _signed_in(store)
        first = client.cookies.get("newsradar_session")
        token = _form_token(client, "/feeds")
        assert client.post("/login", data={"token": "s3cret", "csrf": token}).status_code == 303  # again
        replay = TestClient(create_app(store=store, auth=Auth("s3cret")), follow_redirects=False)
        replay.cookies.set("newsradar_session", first)
        assert "Log out" not in replay.get("/feeds").text  # the first session ended with the new login
        stale = replay.post("/logout", data={"csrf": token})
        assert stale.status_code == 303 and 'newsradar_session=""' in stale.headers["set-cookie"]


def test_a_signed_in_browser_gets_the_503_page_when_the_store_fails(tmp_path):
    from sqlalchemy import text

    with open_store(f"sqlite:///{tmp_path / 's.db'}") as store:
        client = _signed_in(store)
        with store.connect(write=True) as conn:  # the page's reads and the session check both fail
            conn.execute(text("DROP TABLE web_sessions"))
            conn.execute(text("DROP TABLE feeds"))
        response = client.get("/feeds")
        assert response.status_code == 503 and "the store is unavailable" in response.text
