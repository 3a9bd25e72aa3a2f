"""Alerts from the edges: `newsradar topics alert` / `topics alerts`, the API's topic alert
endpoints (the token for writes; targets in full only with it) and the topic page (its alerts and
their deliveries, CSRF-checked forms to add and remove one) — on SQLite and the real PostgreSQL."""

from __future__ import annotations

import html
import json

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from newsradar import alerts
from newsradar.cli import app
from newsradar.store import alerts as alert_store
from newsradar.store import open_store
from newsradar.store import topics as topic_store
from newsradar.web.app import create_app
from newsradar.web.security import Auth

from .test_alerts import HARBOR, Receiver, allow_local, ingest, receiver  # noqa: F401  (fixtures)

runner = CliRunner()
BEARER = {"Authorization": "Bearer s3cret"}


def invoke(*args: str):
    return runner.invoke(app, list(args))


def test_alert_commands(db_url, receiver, allow_local):  # noqa: F811
    assert invoke("topics", "add", "ports", "harbor", "--db", db_url).exit_code == 0
    added = invoke("topics", "alert", "ports", "--webhook", receiver.url("/hook"), "--db", db_url)
    assert added.exit_code == 0, added.output
    assert f"alert 1 added to topic ports: webhook {receiver.url('/hook')}, right away" in added.output
    secret = added.output.split("under it): ", 1)[1].split()[0]
    mailed = invoke("topics", "alert", "ports", "--email", "reader@example.org", "--every", "hour",
                    "--min-outlets", "3", "--db", db_url)
    assert mailed.exit_code == 0 and "email reader@example.org, hourly digest" in mailed.output
    assert "NEWSRADAR_SMTP_HOST is not set" in mailed.output
    for args, message in (
            (["--webhook", "http://x.example/h", "--every", "hour"], "error: every 'hour' is for e-mail"),
            (["--email", "nobody"], "error: e-mail address 'nobody' is not usable"),
            (["--email", "a@b.org", "--every", "weekly"], "error: every 'weekly' is not one of now, hour, day"),
            ([], "error: an alert needs either a webhook URL or an e-mail address"),
            (["--webhook", "http://x.example/h", "--email", "a@b.org"], "error: an alert needs either"),
            (["--remove", "99"], "error: topic 'ports' has no alert 99"),
            (["--remove", "1", "--email", "a@b.org"], "error: --remove takes only the alert's id")):
        failed = invoke("topics", "alert", "ports", *args, "--db", db_url)
        assert failed.exit_code == 1 and len(failed.output.strip().splitlines()) == 1, failed.output
        assert failed.output.startswith(message), failed.output
    with open_store(db_url) as store:
        ingest(store, [("h1", HARBOR, "Port Gazette", 0)])
    [(_, headers, body)] = receiver.posts
    assert headers["x-newsradar-signature"] == alerts.messages.sign(secret, body)
    listed = invoke("topics", "alerts", "ports", "--json", "--db", db_url)
    records = [json.loads(line) for line in listed.output.splitlines()]
    assert [(r["id"], r["kind"], r["every"], r["min_outlets"]) for r in records] == [
        (1, "webhook", "now", 5), (2, "email", "hour", 3)]
    assert records[0]["deliveries"]["sent"] == 1 and records[0]["recent"][0]["title"] == f"{HARBOR} (Port Gazette)"
    assert records[1]["deliveries"]["pending"] == 1 and "secret" not in records[0]
    table = invoke("topics", "alerts", "--db", db_url)
    assert table.exit_code == 0 and all(word in table.output for word in ("email", "webhook", "pending", "sent"))
    sent = invoke("topics", "alerts", "--send", "--db", db_url)  # the hourly digest is not due yet
    assert sent.exit_code == 0 and "0 deliveries queued, 0 sent, 0 to retry, 0 failed" in sent.output
    removed = invoke("topics", "alert", "ports", "--remove", "2", "--db", db_url)
    assert removed.exit_code == 0 and "removed alert 2 (email reader@example.org) from topic ports" in removed.output
    assert [json.loads(line)["id"] for line in invoke("topics", "alerts", "--json", "--db", db_url).output.splitlines()] == [1]
    missing = invoke("topics", "alerts", "nope", "--db", db_url)
    assert missing.exit_code == 1 and missing.output.strip() == "error: no topic 'nope'"


def test_alerts_command_retries_and_sends_failed_deliveries(tmp_path, receiver, allow_local, monkeypatch):  # noqa: F811
    monkeypatch.setenv("NEWSRADAR_ALERT_MAX_ATTEMPTS", "1")
    db = f"sqlite:///{tmp_path / 's.db'}"
    with open_store(db) as store:
        topic_store.add(store, "ports", "harbor")
        alerts.add(store, "ports", webhook=receiver.url("/hook"))
        receiver.replies = [(500, {})]
        ingest(store, [("h1", HARBOR, "Port Gazette", 0)])
    [failed] = json.loads(invoke("topics", "alerts", "--json", "--db", db).output)["recent"]
    assert (failed["status"], failed["attempts"], failed["last_error"]) == ("failed", 1, "HTTP 500 Internal Server Error")
    again = invoke("topics", "alerts", "ports", "--retry", "--send", "--db", db)
    assert again.exit_code == 0, again.output
    assert "1 failed deliveries queued again" in again.output and "0 deliveries queued, 1 sent" in again.output
    assert len(receiver.posts) == 2


def _client(store, token: str = "s3cret") -> TestClient:
    return TestClient(create_app(store=store, auth=Auth(token, "public")), follow_redirects=False)


def test_api_lists_adds_and_removes_a_topics_alerts(db_url, receiver, allow_local):  # noqa: F811
    with open_store(db_url) as store:
        topic_store.add(store, "ports", "harbor")
        client = _client(store)
        body = {"webhook": receiver.url("/hook/T0KEN")}
        assert client.post("/api/v1/topics/ports/alerts", json=body).status_code == 401
        assert _client(store, "").post("/api/v1/topics/ports/alerts", json=body, headers=BEARER).status_code == 403
        created = client.post("/api/v1/topics/ports/alerts", json=body, headers=BEARER)
        assert created.status_code == 201, created.text
        record = created.json()
        assert record["target"] == receiver.url("/hook/T0KEN") and len(record["secret"]) >= 32
        assert record["deliveries"] == {"pending": 0, "sent": 0, "failed": 0, "skipped": 0}
        bad = client.post("/api/v1/topics/ports/alerts", json={"email": "x", "every": "hour"}, headers=BEARER)
        assert bad.status_code == 400 and bad.json()["error"]["message"].startswith("e-mail address 'x' is not usable")
        assert client.post("/api/v1/topics/nope/alerts", json=body, headers=BEARER).status_code == 404
        mailed = client.post("/api/v1/topics/ports/alerts", json={"email": "reader@example.org", "every": "day"},
                             headers=BEARER).json()
        assert mailed["every"] == "day" and mailed["secret"] is None
        ingest(store, [("h1", HARBOR, "Port Gazette", 0)])
        public = client.get("/api/v1/topics/ports/alerts").json()["items"]
        assert [a["target"] for a in public] == [f"http://127.0.0.1:{receiver.port}/…", "r…@example.org"]
        assert "T0KEN" not in json.dumps(public) and all("secret" not in a for a in public)
        full = client.get("/api/v1/topics/ports/alerts", headers=BEARER).json()["items"]
        assert full[0]["target"] == receiver.url("/hook/T0KEN") and full[1]["target"] == "reader@example.org"
        assert full[0]["recent"][0]["status"] == "sent" and full[0]["recent"][0]["what"] == "new story"
        assert full[1]["deliveries"]["pending"] == 1
        assert client.delete(f"/api/v1/topics/ports/alerts/{record['id']}").status_code == 401
        removed = client.delete(f"/api/v1/topics/ports/alerts/{record['id']}", headers=BEARER)
        assert removed.status_code == 200 and removed.json()["removed"]["kind"] == "webhook"
        gone = client.delete(f"/api/v1/topics/ports/alerts/{record['id']}", headers=BEARER)
        assert gone.status_code == 404 and gone.json()["error"]["code"] == "not_found"
        assert [a.kind for a in alert_store.alerts(store)] == ["email"]
        schema = client.get("/api/v1/openapi.json").json()
        assert {"get", "post"} <= set(schema["paths"]["/api/v1/topics/{name}/alerts"])


def test_readers_see_no_webhook_user_or_password(db_url):
    """``https://user:password@host/…`` is a token too: readers without the API token see the
    scheme and host only, in the API and on the topic page."""
    url = "https://bot:SeCrEt@hooks.example.org/notify"
    with open_store(db_url) as store:
        topic_store.add(store, "ports", "harbor")
        alerts.add(store, "ports", webhook=url)
        client = _client(store)
        public = client.get("/api/v1/topics/ports/alerts").json()["items"]
        assert [a["target"] for a in public] == ["https://hooks.example.org/…"] and "SeCrEt" not in json.dumps(public)
        page = client.get("/topics/ports")
        assert "https://hooks.example.org/…" in page.text and "SeCrEt" not in page.text and "bot:" not in page.text
        full = client.get("/api/v1/topics/ports/alerts", headers=BEARER).json()["items"]
        assert full[0]["target"] == url


def _csrf(client: TestClient, path: str) -> str:
    return client.get(path).text.split('name="csrf" value="', 1)[1].split('"', 1)[0]


def test_topic_page_shows_alerts_and_their_deliveries_and_changes_them(db_url, receiver, allow_local):  # noqa: F811
    with open_store(db_url) as store:
        topic_store.add(store, "ports", "harbor")
        alert = alerts.add(store, "ports", webhook=receiver.url("/hook/T0KEN"))
        receiver.replies = [(500, {})]
        ingest(store, [("h1", HARBOR, "Port Gazette", 0)])
        client = _client(store)
        page = client.get("/topics/ports")
        assert page.status_code == 200 and 'id="alerts"' in page.text and "Alerts (1)" in page.text
        assert f"http://127.0.0.1:{receiver.port}/…" in page.text and "T0KEN" not in page.text  # not signed in
        assert "HTTP 500 Internal Server Error" in page.text and "0 sent · 1 pending · 0 failed" in page.text
        assert f"{HARBOR} (Port Gazette)" in page.text and "Log in</a> with the API token to add or remove alerts" in page.text
        assert 'action="/topics/ports/alerts"' not in page.text
        assert client.post("/login", data={"token": "s3cret", "csrf": _csrf(client, "/login")}).status_code == 303
        csrf = _csrf(client, "/topics/ports")
        signed_in = client.get("/topics/ports").text
        assert receiver.url("/hook/T0KEN") in signed_in and 'action="/topics/ports/alerts"' in signed_in
        form = {"kind": "webhook", "target": receiver.url("/other"), "every": "now", "min_outlets": "4"}
        assert client.post("/topics/ports/alerts", data=form).status_code == 403  # no CSRF token
        added = client.post("/topics/ports/alerts", data={**form, "csrf": csrf})
        assert added.status_code == 200, added.text
        created = [a for a in alert_store.alerts(store) if a.id != alert.id][0]
        assert created.min_outlets == 4 and f"Alert {created.id} added" in added.text
        assert f"<code>{created.secret}</code>" in added.text  # shown this once
        assert created.secret not in client.get("/topics/ports").text
        bad = client.post("/topics/ports/alerts", data={**form, "target": "not a url", "csrf": csrf})
        assert bad.status_code == 400 and "webhook URL 'not a url' is not usable" in html.unescape(bad.text)
        mailed = client.post("/topics/ports/alerts", data={"kind": "email", "target": "reader@example.org",
                                                          "every": "day", "min_outlets": "5", "csrf": csrf})
        assert mailed.status_code == 200 and "daily digest" in mailed.text
        assert client.post(f"/topics/ports/alerts/{created.id}/remove").status_code == 403
        removed = client.post(f"/topics/ports/alerts/{created.id}/remove", data={"csrf": csrf})
        assert removed.status_code == 303 and removed.headers["location"] == f"/topics/ports?alert_removed={created.id}#alerts"
        after = client.get(removed.headers["location"]).text
        assert f"Alert {created.id} removed." in after and receiver.url("/other") not in after
        assert sorted(a.kind for a in alert_store.alerts(store)) == ["email", "webhook"]
