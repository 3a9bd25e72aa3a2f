"""Alerts on topics: triggers (new stories, "now covered by N outlets"), each sent once across
re-runs, rebuilds, merges and splits; webhooks signed and posted to a real local server through the
safe fetcher, retried with backoff; e-mail to a real local SMTP server (aiosmtpd), right away or as
hourly digests — on SQLite and the real PostgreSQL. The clock is injected where time matters."""

from __future__ import annotations

import asyncio
import email
import email.policy
import hashlib
import hmac
import http.server
import json
import socket
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from newsradar import alerts, pipeline
from newsradar.clustering import Change, StoryConfig
from newsradar.errors import QueryError
from newsradar.model import Article
from newsradar.normalize import normalize_article
from newsradar.store import alerts as alert_store
from newsradar.store import open_store
from newsradar.store import stories as story_store
from newsradar.store import topics as topic_store
from newsradar.store.alerts import Member, StoryFacts

CONFIG = StoryConfig(threshold=0.3, merge_threshold=0.3, split_threshold=0.2, split_min=4)
HARBOR = "Harbor cranes collapse in storm at the container port"
WILDFIRE = "Wildfire smoke closes mountain schools across the valley"
BASE = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=12)


def article(key: str, event: str, outlet: str, hours: float, title: str | None = None) -> Article:
    """An article on one event, with words of its own (so that no two are near-duplicates)."""
    words = f"{event}. Reported by " + " ".join(f"desk{key}x{i}" for i in range(12)) + "."
    domain = "".join(c for c in outlet.lower() if c.isalnum())
    return normalize_article(Article(text=words, title=title or f"{event} ({outlet})", outlet=outlet,
                                     url=f"https://{domain}.example/{key}", source_kind="jsonl", source="test",
                                     published_raw=(BASE + timedelta(hours=hours)).isoformat()))


def ingest(store, rows, **options) -> pipeline.RunReport:
    """Store these articles, then run the flow (analysis, stories, and the alerts after them)."""
    if rows:
        store.write_batch([article(*row) for row in rows])
    return pipeline.run([], store, config=CONFIG, **options)


class Receiver:
    """A real HTTP server on 127.0.0.1 that records every POST and answers with the statuses a
    test queues (then 200)."""

    def __init__(self):
        self.posts: list[tuple[str, dict[str, str], bytes]] = []
        self.replies: list[tuple[int, dict[str, str]]] = []
        self.answer = b"ok"  # the body of every answer
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.posts.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                status, headers = receiver.replies.pop(0) if receiver.replies else (200, {})
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(receiver.answer)))
                self.end_headers()
                try:
                    self.wfile.write(receiver.answer)
                except OSError:  # the client went away without reading it all
                    self.close_connection = True

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def documents(self) -> list[dict]:
        return [json.loads(body) for _, _, body in self.posts]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def allow_local(monkeypatch):
    monkeypatch.setenv("NEWSRADAR_FETCH_ALLOW", "127.0.0.1")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """An aiosmtpd handler keeping every message it is given."""

    def __init__(self):
        self.messages: list[tuple[str, list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 OK"


@pytest.fixture
def smtp(monkeypatch):
    """A real SMTP server on 127.0.0.1 (aiosmtpd), and the settings that send to it."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    monkeypatch.setenv("NEWSRADAR_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("NEWSRADAR_SMTP_PORT", str(controller.port))
    monkeypatch.setenv("NEWSRADAR_SMTP_SECURITY", "none")
    monkeypatch.setenv("NEWSRADAR_SMTP_FROM", "radar@example.org")
    yield inbox
    controller.stop()


def parts(message) -> dict[str, str]:
    return {part.get_content_type(): part.get_content() for part in message.iter_parts()}


def statuses(store, alert_id: int) -> list[tuple[str, str, int]]:
    return sorted((d.trigger_key, d.status, d.attempts) for d in alert_store.recent(store, alert_id, 100))


# --- webhooks --------------------------------------------------------------------------------------

def test_webhook_is_signed_and_each_story_told_once(db_url, receiver, allow_local):
    with open_store(db_url) as store:
        ingest(store, [("h1", HARBOR, "Port Gazette", 0)])  # coverage before the alert: its backlog
        topic_store.add(store, "ports", "harbor OR wildfire")
        alert = alerts.add(store, "ports", webhook=receiver.url("/hook"))
        assert alert.secret and len(alert.secret) >= 32 and alert.min_outlets == 5
        report = ingest(store, [("w1", WILDFIRE, "Valley Herald", 1), ("w2", WILDFIRE, "Mountain News", 2)])
        assert (report.alerts.queued, report.alerts.sent, report.alerts.problems) == (1, 1, [])
        [(path, headers, body)] = receiver.posts
        expected = hmac.new(alert.secret.encode(), body, hashlib.sha256).hexdigest()
        assert path == "/hook" and headers["x-newsradar-signature"] == f"sha256={expected}"
        assert headers["content-type"] == "application/json" and headers["x-newsradar-event"] == "newsradar.alert.new"
        assert abs(int(headers["x-newsradar-timestamp"]) - datetime.now(UTC).timestamp()) < 120
        document = json.loads(body)
        assert (document["topic"], document["trigger"], document["headline"]) == ("ports", "new", "New story")
        assert document["story"]["title"].startswith(WILDFIRE) and document["story"]["outlet_count"] == 2
        assert document["story"]["path"] == f"/stories/{document['story']['id']}" and document["story"]["url"] is None
        assert {a["outlet"] for a in document["articles"]} == {"Valley Herald", "Mountain News"}
        assert all(a["url"].startswith("https://") and a["published"] for a in document["articles"])
        assert document["delivery_id"] == alert_store.recent(store, alert.id)[0].id and document["attempt"] == 1
        # the backlog story grows, the new story grows, the flow runs again, stories are rebuilt: nothing more
        ingest(store, [("h2", HARBOR, "Coast Daily", 3), ("w3", WILDFIRE, "Coast Daily", 4)])
        ingest(store, [])
        rebuilt = ingest(store, [], rebuild=True)
        assert rebuilt.stories.articles == 5 and rebuilt.alerts.queued == 0
        assert len(receiver.posts) == 1
        assert statuses(store, alert.id) == [("new", "sent", 1)]


def test_now_covered_by_five_outlets_is_told_once(db_url, receiver, allow_local, monkeypatch):
    monkeypatch.setenv("NEWSRADAR_PUBLIC_URL", "https://radar.example.org/")
    with open_store(db_url) as store:
        topic_store.add(store, "ports", "harbor OR wildfire")
        alert = alerts.add(store, "ports", webhook=receiver.url("/hook"))
        ingest(store, [("h1", HARBOR, "Port Gazette", 0), ("h2", HARBOR, "Coast Daily", 1)])
        ingest(store, [("h3", HARBOR, "Valley Herald", 2), ("h4", HARBOR, "Mountain News", 3)])
        assert [d["trigger"] for d in receiver.documents()] == ["new"]  # four outlets: not yet
        ingest(store, [("h5", HARBOR, "River Times", 4)])
        ingest(store, [("h6", HARBOR, "Lake Post", 5)])  # a sixth outlet says nothing more
        documents = receiver.documents()
        assert [d["trigger"] for d in documents] == ["new", "outlets"]
        grown = documents[1]
        assert grown["headline"] == "Now covered by 5 outlets" and grown["min_outlets"] == 5
        assert grown["story"]["outlet_count"] == 5 and len({a["outlet"] for a in grown["articles"]}) == 5
        assert grown["story"]["url"] == f"https://radar.example.org/stories/{grown['story']['id']}"
        assert grown["topic_url"] == "https://radar.example.org/topics/ports"
        # a story new and already past five outlets is told once, as new
        ingest(store, [(f"w{i}", WILDFIRE, outlet, 6 + i) for i, outlet in
                       enumerate(["Port Gazette", "Coast Daily", "Valley Herald", "Mountain News", "River Times"])])
        assert [d["trigger"] for d in receiver.documents()] == ["new", "outlets", "new"]
        assert receiver.documents()[2]["story"]["outlet_count"] == 5
        assert statuses(store, alert.id) == [("new", "sent", 1), ("new", "sent", 1), ("outlets:5", "sent", 1),
                                             ("outlets:5", "skipped", 0)]


def test_merges_and_splits_tell_nothing_again(db_url, receiver, allow_local):
    """The scenario of the stories tests: two stories, an article that merges them, then more of
    each event, which splits them again. Each story was told of once, as it began."""
    with open_store(db_url) as store:
        topic_store.add(store, "ports", "harbor OR wildfire")
        alert = alerts.add(store, "ports", webhook=receiver.url("/hook"), min_outlets=0)
        ingest(store, [("a1", HARBOR, "Port Gazette", 0), ("b1", WILDFIRE, "Valley Herald", 1)])
        assert len(receiver.posts) == 2
        merged = ingest(store, [("ab", f"{HARBOR} as {WILDFIRE.lower()}", "Coast Daily", 2)])
        assert merged.stories.merges == 1 and merged.alerts.queued == 0
        split = ingest(store, [(f"a{i}", f"{HARBOR}, engineers inspect cranes", "Port Gazette", 2 + i) for i in range(2, 5)]
                       + [(f"b{i}", f"{WILDFIRE}, parents keep children home", "Valley Herald", 2 + i) for i in range(2, 5)])
        assert split.stories.splits >= 1 and split.alerts.queued == 0
        ingest(store, [], rebuild=True)
        assert len(receiver.posts) == 2
        assert statuses(store, alert.id) == [("new", "sent", 1), ("new", "sent", 1)]


def test_a_story_merged_into_one_never_told_of_is_not_new_again(db_url, receiver, allow_local):
    """A merge can give a story another first article: one of a story the topic did not match.
    The articles told of already are what keep it from being told again."""
    with open_store(db_url) as store:
        topic_store.add(store, "ports", "harbor")
        alert = alerts.add(store, "ports", webhook=receiver.url("/hook"), min_outlets=0)
        ingest(store, [("w1", WILDFIRE, "Valley Herald", 0)])  # new, but not about the topic
        ingest(store, [("a1", HARBOR, "Port Gazette", 1)])
        assert [d["story"]["title"] for d in receiver.documents()] == [f"{HARBOR} (Port Gazette)"]
        story_of = {a["title"]: a["story_id"] for a in store.iter_articles()}
        wildfire, harbor = story_of[f"{WILDFIRE} (Valley Herald)"], story_of[f"{HARBOR} (Port Gazette)"]
        with store.connect(write=True) as conn:  # the harbor story merged into the wildfire one, as the clusterer writes it
            writer = story_store.ChunkWriter(store, conn)
            writer.changed(min(story_of.values()), Change("merge", harbor, wildfire, 0.5))
            writer.finish({})
        assert {a["story_id"] for a in store.iter_articles()} == {wildfire}
        assert alerts.run(store).queued == 0 and len(receiver.posts) == 1
        assert statuses(store, alert.id) == [("new", "sent", 1)]


def test_a_failing_webhook_is_retried_with_backoff_and_never_fails_the_run(receiver, allow_local, tmp_path,
                                                                          monkeypatch):
    monkeypatch.setenv("NEWSRADAR_ALERT_RETRY_SECONDS", "30")
    monkeypatch.setenv("NEWSRADAR_ALERT_MAX_ATTEMPTS", "3")
    with open_store(f"sqlite:///{tmp_path / 's.db'}") as store:
        topic_store.add(store, "ports", "harbor OR wildfire")
        alert = alerts.add(store, "ports", webhook=receiver.url("/hook"))
        receiver.replies = [(500, {})]
        report = ingest(store, [("h1", HARBOR, "Port Gazette", 0)])
        assert store.count_articles() == 1 and report.stories.articles == 1  # the run went on
        assert (report.alerts.sent, report.alerts.retrying) == (0, 1)
        assert "HTTP 500" in report.alerts.problems[0] and "retrying after" in report.alerts.problems[0]
        [failed] = alert_store.recent(store, alert.id)
        assert (failed.status, failed.attempts, failed.last_error) == ("pending", 1, "HTTP 500 Internal Server Error")
        assert failed.next_attempt_at - failed.last_attempt_at == timedelta(seconds=30)
        due = failed.next_attempt_at
        assert alerts.deliver(store, now=due - timedelta(seconds=1)).sent == 0 and len(receiver.posts) == 1
        # the second failure waits twice as long, or what the server asks (Retry-After) when longer
        receiver.replies = [(503, {"Retry-After": "600"})]
        alerts.deliver(store, now=due)
        [again] = alert_store.recent(store, alert.id)
        assert again.attempts == 2 and again.next_attempt_at - again.last_attempt_at == timedelta(seconds=600)
        delivered = alerts.deliver(store, now=again.next_attempt_at)
        assert delivered.sent == 1 and len(receiver.posts) == 3
        assert [json.loads(body)["attempt"] for _, _, body in receiver.posts] == [1, 2, 3]
        assert statuses(store, alert.id) == [("new", "sent", 3)]
        # an endpoint that keeps failing: failed after the last attempt, shown, and queued again on request
        receiver.replies = [(500, {})] * 3
        ingest(store, [("w1", WILDFIRE, "Valley Herald", 1)])
        for _ in range(2):
            [pending] = [d for d in alert_store.recent(store, alert.id) if d.status == "pending"]
            alerts.deliver(store, now=pending.next_attempt_at)
        [gone] = [d for d in alert_store.recent(store, alert.id) if d.first_article_id != failed.first_article_id]
        assert (gone.status, gone.attempts, gone.next_attempt_at) == ("failed", 3, None)
        assert alerts.retry_failed(store, "ports") == 1
        assert alerts.deliver(store).sent == 1 and len(receiver.posts) == 7


def test_an_unreachable_webhook_is_recorded_and_the_ingest_goes_on(tmp_path, allow_local):
    with open_store(f"sqlite:///{tmp_path / 's.db'}") as store:
        topic_store.add(store, "ports", "harbor")
        alert = alerts.add(store, "ports", webhook=f"http://127.0.0.1:{free_port()}/hook")  # nothing listens
        report = ingest(store, [("h1", HARBOR, "Port Gazette", 0)])
        assert report.stories.articles == 1 and report.alerts.retrying == 1
        [pending] = alert_store.recent(store, alert.id)
        assert pending.status == "pending" and pending.last_error.startswith("could not post")


def test_the_address_guard_refuses_a_private_webhook_and_the_delivery_fails(tmp_path, receiver):
    with open_store(f"sqlite:///{tmp_path / 's.db'}") as store:
        topic_store.add(store, "ports", "harbor")
        with pytest.raises(QueryError, match="127.0.0.1 is a loopback address"):
            alerts.add(store, "ports", webhook=receiver.url("/hook"))  # a literal address: refused at once
        with pytest.raises(QueryError, match="only http and https"):
            alerts.add(store, "ports", webhook="ftp://example.org/hook")
        alert = alerts.add(store, "ports", webhook=receiver.url("/hook", host="localhost"))  # a name: at sending
        report = ingest(store, [("h1", HARBOR, "Port Gazette", 0)])
        assert (report.alerts.sent, report.alerts.failed) == (0, 1) and receiver.posts == []
        [refused] = alert_store.recent(store, alert.id)
        assert (refused.status, refused.attempts) == ("failed", 1)  # no retry can change the guard's answer
        assert "resolves to 127.0.0.1, a loopback address" in refused.last_error
        assert "NEWSRADAR_FETCH_ALLOW" in refused.last_error


def test_a_webhook_answered_with_a_long_body_is_sent_once(db_url, receiver, allow_local):
    """A receiver that says yes (2xx) with an answer over the fetcher's caps has the delivery:
    it is not failed, and not posted again."""
    receiver.answer = b"x" * 100_000
    with open_store(db_url) as store:
        topic_store.add(store, "ports", "harbor")
        alert = alerts.add(store, "ports", webhook=receiver.url("/hook"))
        report = ingest(store, [("h1", HARBOR, "Port Gazette", 0)])
        assert (report.alerts.sent, report.alerts.retrying, report.alerts.failed, report.alerts.problems) == (1, 0, 0, [])
        assert alerts.deliver(store, now=datetime.now(UTC) + timedelta(days=2)).sent == 0  # nothing left to retry
        assert len(receiver.posts) == 1
        [sent] = alert_store.recent(store, alert.id)
        assert (sent.status, sent.attempts, sent.last_error) == ("sent", 1, None)


def test_waiting_digest_deliveries_do_not_keep_other_alerts_waiting(db_url, receiver, allow_local, smtp):
    """600 deliveries of a daily e-mail wait for their day; a webhook of another topic is sent
    meanwhile, round after round, and the day's digest then tells of all 600 in one e-mail."""
    start = datetime.now(UTC).replace(microsecond=0)
    with open_store(db_url) as store:
        topic_store.add(store, "ports", "harbor")
        topic_store.add(store, "fires", "wildfire")
        daily = alerts.add(store, "ports", email="reader@example.org", every="day", now=start)
        alerts.add(store, "fires", webhook=receiver.url("/hook"), now=start)
        with store.connect(write=True) as conn:
            for first in range(1, 601):
                story = StoryFacts(first, f"Harbor story {first}",
                                   [Member(first, f"Harbor story {first}", None, "Port Gazette", start, None)])
                data = alerts.messages.payload("ports", "harbor", "new", story)
                alert_store.enqueue(store, conn, daily.id, "new", first, first, data, "pending", [first], start)
        report = ingest(store, [("w1", WILDFIRE, "Valley Herald", 0)])  # its delivery comes after the 600
        assert (report.alerts.queued, report.alerts.sent, report.alerts.problems) == (1, 1, [])
        assert len(receiver.posts) == 1 and receiver.documents()[0]["topic"] == "fires" and smtp.messages == []
        ingest(store, [("w2", "Bridge inspectors close the old river crossing for repairs", "River Times", 1)])
        assert len(receiver.posts) == 1  # not about fires: nothing; the digest still waits
        assert alerts.deliver(store, now=start + timedelta(hours=23)).sent == 0 and smtp.messages == []
        assert alerts.deliver(store, now=start + timedelta(days=1)).sent == 600
        [(_, _, digest)] = smtp.messages
        assert digest["Subject"] == "[newsradar] ports: 600 updates"
        assert alerts.listing(store, "ports")[0].counts == {"pending": 0, "sent": 600, "failed": 0, "skipped": 0}


def test_webhook_credentials_and_tokens_stay_out_of_listings_and_warnings(db_url, receiver, allow_local):
    assert alerts.messages.redact("webhook", "https://bot:SeCrEt@hooks.example.org/notify") == "https://hooks.example.org/…"
    assert alerts.messages.redact("webhook", "https://a@b:p@hooks.example.org:8443?key=1") == "https://hooks.example.org:8443/…"
    assert alerts.messages.redact("webhook", "https://bot:pa/ss@hooks.example.org/x") == "https://…"
    assert alerts.messages.redact("email", "reader@example.org") == "r…@example.org"
    warnings: list[str] = []
    with open_store(db_url) as store:
        topic_store.add(store, "ports", "harbor OR wildfire")
        url = f"http://bot:SeCrEt@127.0.0.1:{receiver.port}/hook/T0KEN?key=K3Y"
        alert = alerts.add(store, "ports", webhook=url)
        [view] = alerts.listing(store, "ports")
        assert alerts.alert_record(view, full=False)["target"] == f"http://127.0.0.1:{receiver.port}/…"
        assert alerts.alert_record(view)["target"] == url
        receiver.replies = [(500, {}), (500, {})]
        store.write_batch([article("h1", HARBOR, "Port Gazette", 0)])
        report = pipeline.run([], store, config=CONFIG, warn=warnings.append)
        assert report.alerts.retrying == 1 and receiver.posts[0][0] == "/hook/T0KEN?key=K3Y"  # the full URL is used
        store.write_batch([article("w1", WILDFIRE, "Valley Herald", 1)])
        pipeline.run([], store, config=CONFIG, warn=warnings.append)
        assert len(receiver.posts) == 2 and len(warnings) == 2
        for warning in warnings:
            assert f"(webhook http://127.0.0.1:{receiver.port}/…): HTTP 500" in warning
            assert all(secret not in warning for secret in ("bot", "SeCrEt", "T0KEN", "K3Y"))
        shown = alerts.alert_record(alerts.listing(store, "ports")[0], full=False)
        assert all(secret not in json.dumps(shown, default=str) for secret in ("SeCrEt", "T0KEN", "K3Y"))
        assert alert.secret not in json.dumps(shown, default=str)


def test_delivery_from_inside_an_event_loop(tmp_path, receiver, allow_local):
    """``watch`` runs the flow from its event loop: webhooks are then posted from a thread of their own."""
    with open_store(f"sqlite:///{tmp_path / 's.db'}") as store:
        topic_store.add(store, "ports", "harbor")
        alerts.add(store, "ports", webhook=receiver.url("/hook"))
        store.write_batch([article("h1", HARBOR, "Port Gazette", 0)])
        pipeline.run([], store, config=CONFIG, cluster=False)

        async def in_loop():
            return pipeline.run([], store, config=CONFIG).alerts

        assert asyncio.run(in_loop()).sent == 1 and len(receiver.posts) == 1


def test_bad_alerts_are_one_line_errors(tmp_path):
    with open_store(f"sqlite:///{tmp_path / 's.db'}") as store:
        topic_store.add(store, "ports", "harbor")
        cases = [(dict(), "either a webhook URL or an e-mail address"),
                 (dict(webhook="https://h.example/x", email="a@b.org"), "either a webhook URL or an e-mail address"),
                 (dict(email="not an address"), "e-mail address 'not an address' is not usable"),
                 (dict(email="a@b.org", every="weekly"), "every 'weekly' is not one of now, hour, day"),
                 (dict(webhook="https://h.example/x", every="day"), "is for e-mail"),
                 (dict(webhook="https://h.example/x", secret="short"), "16 to 256 printable characters"),
                 (dict(email="a@b.org", secret="0123456789abcdef"), "an e-mail alert has none"),
                 (dict(email="a@b.org", min_outlets=1), "give 2 to 1,000 outlets, or 0")]
        for options, message in cases:
            with pytest.raises(QueryError, match=message) as raised:
                alerts.add(store, "ports", **options)
            assert "\n" not in str(raised.value)
        alerts.add(store, "ports", email="a@b.org", every="daily")
        with pytest.raises(QueryError, match=r"has this email alert already \(alert 1\)"):
            alerts.add(store, "ports", email="a@b.org")
        with pytest.raises(Exception, match="no topic 'nope'"):
            alerts.add(store, "nope", email="a@b.org")
        assert [a.every for a in alert_store.alerts(store)] == ["day"]


# --- e-mail ----------------------------------------------------------------------------------------

def test_email_right_away_with_text_and_html_parts(tmp_path, smtp, monkeypatch):
    monkeypatch.setenv("NEWSRADAR_ALERT_RETRY_SECONDS", "5")
    monkeypatch.setenv("NEWSRADAR_SMTP_HOST", "")  # no server yet: the delivery waits, with the reason
    with open_store(f"sqlite:///{tmp_path / 's.db'}") as store:
        topic_store.add(store, "ports", "harbor")
        alert = alerts.add(store, "ports", email="reader@example.org")
        title = "Harbor <b>cranes</b> & a storm"
        store.write_batch([article("h1", HARBOR, "Port Gazette", 0, title=title),
                           article("h2", HARBOR, "Coast Daily", 1)])
        report = pipeline.run([], store, config=CONFIG)
        assert report.alerts.retrying == 1 and smtp.messages == []
        [waiting] = alert_store.recent(store, alert.id)
        assert waiting.last_error == "no SMTP server is set (NEWSRADAR_SMTP_HOST)"
        monkeypatch.setenv("NEWSRADAR_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("NEWSRADAR_SMTP_SECURITY", "starttls")  # the test server offers no STARTTLS
        alerts.deliver(store, now=waiting.next_attempt_at)
        [refused] = alert_store.recent(store, alert.id)
        assert "STARTTLS" in refused.last_error and "NEWSRADAR_SMTP_SECURITY=none" in refused.last_error
        monkeypatch.setenv("NEWSRADAR_SMTP_SECURITY", "none")
        assert alerts.deliver(store, now=refused.next_attempt_at).sent == 1
        [(sender, recipients, message)] = smtp.messages
        assert sender == "radar@example.org" and recipients == ["reader@example.org"]
        assert message["To"] == "reader@example.org" and message["Auto-Submitted"] == "auto-generated"
        assert message["Subject"].startswith("[newsradar] ports: new story — ")
        assert message.get_content_type() == "multipart/alternative"
        body = parts(message)
        assert set(body) == {"text/plain", "text/html"}
        for outlet in ("Port Gazette", "Coast Daily"):
            assert outlet in body["text/plain"] and outlet in body["text/html"]
        assert title in body["text/plain"] and "https://portgazette.example/h1" in body["text/plain"]
        assert "Harbor &lt;b&gt;cranes&lt;/b&gt; &amp; a storm" in body["text/html"] and "<b>" not in body["text/html"]
        assert '<a href="https://coastdaily.example/h2">' in body["text/html"]
        assert statuses(store, alert.id) == [("new", "sent", 3)]


def test_hourly_digest_waits_for_its_hour(db_url, smtp):
    start = datetime.now(UTC).replace(microsecond=0)
    with open_store(db_url) as store:
        topic_store.add(store, "ports", "harbor OR wildfire OR bridge")
        alert = alerts.add(store, "ports", email="reader@example.org", every="hour", now=start)
        report = ingest(store, [("h1", HARBOR, "Port Gazette", 0), ("w1", WILDFIRE, "Valley Herald", 1)])
        assert (report.alerts.queued, report.alerts.sent) == (2, 0)
        assert alerts.deliver(store, now=start + timedelta(minutes=59)).sent == 0 and smtp.messages == []
        assert alerts.deliver(store, now=start + timedelta(minutes=60)).sent == 2
        [(_, _, digest)] = smtp.messages
        assert digest["Subject"] == "[newsradar] ports: 2 updates"
        text = parts(digest)["text/plain"]
        assert f"New story: {HARBOR} (Port Gazette)" in text and f"New story: {WILDFIRE} (Valley Herald)" in text
        assert "hourly" in text
        # the next story waits for the next hour, counted from this digest
        ingest(store, [("b2", "Bridge inspectors close the old river crossing for repairs", "River Times", 2)])
        assert alerts.deliver(store, now=start + timedelta(minutes=119)).sent == 0
        assert alerts.deliver(store, now=start + timedelta(minutes=120)).sent == 1
        assert len(smtp.messages) == 2 and "Bridge inspectors" in smtp.messages[1][2]["Subject"]
        assert alert_store.get(store, alert.id).last_sent_at == start + timedelta(minutes=120)


def test_a_removed_topic_takes_its_alerts_and_deliveries(db_url, receiver, allow_local):
    with open_store(db_url) as store:
        topic_store.add(store, "ports", "harbor")
        alerts.add(store, "ports", webhook=receiver.url("/hook"))
        ingest(store, [("h1", HARBOR, "Port Gazette", 0)])
        topic_store.remove(store, "ports")
        assert alert_store.alerts(store) == [] and alerts.deliver(store).sent == 0
        with store.connect() as conn:
            assert [conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                    for table in ("topic_alerts", "alert_deliveries", "alert_articles")] == [0, 0, 0]
