"""Many workers on one store (`newsradar worker`): feed and analysis leases, the non-waiting story
lock, and workers that share feeds served from a local HTTP server — one of them killed with
SIGKILL while it polls, parses or assigns stories — losing and duplicating nothing."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from bench.stories import bcubed
from newsradar import analysis, pipeline
from newsradar.store import analyses as analysis_store
from newsradar.store import feeds as feed_store
from newsradar.store import leases, open_store
from newsradar.web.app import create_app
from newsradar.web.security import Auth

from .conftest import EXAMPLES
from .httpserver import LocalServer, Reply, rss

FEED_FILES = [EXAMPLES / "feeds" / "capitol-morning-rdf.xml", EXAMPLES / "feeds" / "liberty-ledger.rss",
              EXAMPLES / "feeds" / "meridian-post.atom", EXAMPLES / "topic-dense" / "lantern-report.rss"]


def _harbor_wire() -> bytes:
    lines = [json.loads(line) for line in (EXAMPLES / "jsonl" / "harbor-wire.jsonl").read_text().splitlines()]
    return rss("Harbor Wire", [(line["id"], line["title"], line["text"].replace("\n\n", " ")) for line in lines])


def _serve(server: LocalServer, delay: float) -> list[str]:
    """The sample feeds on the server, each answered after ``delay`` seconds; their URLs."""
    bodies = {f"/{path.name}": path.read_bytes() for path in FEED_FILES}
    bodies["/harbor-wire.rss"] = _harbor_wire()
    for path, body in bodies.items():
        server.routes[path] = Reply(200, body, {"Content-Type": "application/xml"}, delay=delay)
    return [server.url(path) for path in bodies]


def _subscribe(db: str, urls: list[str]) -> None:
    with open_store(db) as store:
        for url in urls:
            feed_store.add(store, url, full_text=False)


def _worker(db: str, name: str, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "newsradar", "worker", "--db", db, "--name", name, "--feeds", "2",
                             "--exit-when-idle"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _env(tmp_path) -> dict[str, str]:
    return {**os.environ, "NEWSRADAR_FETCH_ALLOW": "127.0.0.1", "NEWSRADAR_LEASE_SECONDS": "3",
            "NEWSRADAR_DATA_DIR": str(tmp_path / "data"), "PYTHONUNBUFFERED": "1"}


def _content(db: str) -> dict:
    """Per article (by key): its story, and how many mentions, quotes, events and analyses it has."""
    with open_store(db) as store, store.connect() as conn:
        rows = {r.id: {"key": r.key, "story": r.story_id, "copy_of": r.duplicate_of}
                for r in conn.execute(text("SELECT id, key, story_id, duplicate_of FROM articles"))}
        for table in ("mentions", "quotes", "events", "analyses"):
            for article_id, count in conn.execute(text(f"SELECT article_id, count(*) FROM {table} GROUP BY article_id")):
                rows[article_id][table] = count
        empty = conn.execute(text("SELECT count(*) FROM stories s WHERE s.merged_into IS NULL AND NOT EXISTS"
                                  " (SELECT 1 FROM articles a WHERE a.story_id = s.id)")).scalar_one()
        leased = conn.execute(text("SELECT count(*) FROM analysis_leases WHERE until > :now"),  # a dead worker's run out
                              {"now": store.db_time(datetime.now(UTC))}).scalar_one()
    for row in rows.values():  # a copy's group is its original's key: ids differ between stores
        row["group"] = rows[row.pop("copy_of")]["key"] if row["copy_of"] else row["key"]
    return {"articles": {r.pop("key"): r for r in rows.values()}, "empty_stories": empty, "leases": leased}


@pytest.fixture(scope="module")
def served():
    with LocalServer() as server:
        yield server, _serve(server, delay=1.0)  # long enough that two workers started together share the feeds


@pytest.fixture(scope="module")
def reference(served, tmp_path_factory):
    """The store one worker alone makes of the served feeds."""
    tmp = tmp_path_factory.mktemp("reference")
    db = f"sqlite:///{tmp / 'one.db'}"
    _subscribe(db, served[1])
    alone = _worker(db, "alone", _env(tmp))
    _, stderr = alone.communicate(timeout=600)
    assert alone.returncode == 0, stderr
    return _content(db)


def _check_against(reference: dict, found: dict) -> None:
    assert found["articles"].keys() == reference["articles"].keys()  # nothing lost, nothing stored twice
    groups = {}
    for key, expected in reference["articles"].items():
        got = found["articles"][key]
        groups.setdefault(expected["group"], set()).add(got["group"])
        assert got["story"] is not None, key
        if got["group"] != key or expected["group"] != key:
            continue  # a copy is not analysed; which of two same-day copies is the original follows arrival order
        for table in ("mentions", "quotes", "events", "analyses"):  # analysed once: no extraction written twice
            assert got.get(table) == expected.get(table), (key, table)
    assert all(len(found_groups) == 1 for found_groups in groups.values())  # the same copies linked together
    assert found["empty_stories"] == 0 and found["leases"] == 0
    keys = sorted(reference["articles"])
    _, _, f1 = bcubed([found["articles"][k]["story"] for k in keys], [reference["articles"][k]["story"] for k in keys])
    # the clusterer is online: stories assigned in two rounds may differ from one pass (NOTES 14.8);
    # on these 38 articles one moved article is about 0.97
    assert f1 >= 0.95


def test_feed_leases_go_to_one_worker_and_run_out(store):
    for index in range(5):
        feed_store.add(store, f"https://feeds{index}.example.org/rss")
    first = leases.claim_feeds(store, "a", 3, 60)
    second = leases.claim_feeds(store, "b", 10, 60)
    assert len(first) == 3 and len(second) == 2
    assert not {f.id for f in first} & {f.id for f in second}
    assert leases.claim_feeds(store, "c", 10, 60) == []
    assert feed_store.due(store, datetime.now(UTC)) == []  # `watch` leaves leased feeds to their worker
    leases.release_feeds(store, "a", [f.id for f in first])
    assert sorted(f.id for f in leases.claim_feeds(store, "c", 10, 60)) == sorted(f.id for f in first)
    later = datetime.now(UTC) + timedelta(seconds=61)  # every lease has run out: a dead worker's feeds come back
    assert len(leases.claim_feeds(store, "d", 10, 60, at=later)) == 5


def test_analysis_leases_share_the_queue(store):
    pipeline.run([str(EXAMPLES / "jsonl")], store, analyse=False)
    waiting = [r["id"] for r in store.iter_articles()]
    assert len(waiting) == 6
    assert leases.claim_articles(store, "a", waiting[:4], 60) == waiting[:4]
    assert leases.claim_articles(store, "b", waiting, 60) == waiting[4:]
    leases.release_articles(store, "b", waiting[4:])
    found = analysis.analyze_pending(store, holder="b")  # only what "a" does not hold
    assert found.articles == 2
    with store.connect() as conn:
        analysed = {row[0] for row in conn.execute(text("SELECT DISTINCT article_id FROM analyses"))}
        left = {row[0] for row in conn.execute(text("SELECT article_id FROM analysis_leases"))}
    assert analysed == set(waiting[4:]) and left == set(waiting[:4])


def test_an_article_finished_meanwhile_is_not_parsed_again(store):
    """Worker b read the queue, then worker a analysed those articles and let them go: b's claim
    hands them back instead of parsing them a second time."""
    pipeline.run([str(EXAMPLES / "jsonl")], store, analyse=False)
    stages = analysis.related(analysis.registered())
    versions = [(s.name, s.version) for s in stages]
    stale = analysis_store.pending(store, versions, 10)
    assert analysis.analyze_pending(store, holder="a").articles == len(stale) == 6
    assert analysis._claim(store, "b", stale, versions, 60) == []
    with store.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM analysis_leases")).scalar_one() == 0


def test_two_writers_of_one_chunk_write_it_once(store):
    """Two processes that parsed the same articles (a lease that ran out under a slow worker) write
    at the same moment: each article's analysis is written once."""
    pipeline.run([str(EXAMPLES / "jsonl")], store, analyse=False)
    stages = analysis.related(analysis.registered())
    records = [analysis.ArticleText(a["id"], a["title"], a["text"], None, a["language"]) for a in store.iter_articles()]
    results = analysis.analyze_records(records, stages)
    barrier, errors = threading.Barrier(2), []

    def write() -> None:
        try:
            barrier.wait()
            analysis.write_results(store, results, stages)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    with store.connect() as conn:
        counts = {table: conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                  for table in ("analyses", "quotes", "events")}
    assert counts["analyses"] == len(records) * len(stages)
    for table in ("quotes", "events"):
        assert counts[table] == sum(len(found[table]) for _, found in results) > 0, table
    if store.dialect == "postgresql":  # a writer holds its articles until it commits; other articles stay free
        with store.connect(write=True) as first, store.connect() as second:
            analysis_store.lock_for_writing(store, first, [records[0].id, records[1].id])
            tried = [second.execute(text("SELECT pg_try_advisory_xact_lock(41771, :k)"), {"k": r.id}).scalar_one()
                     for r in records[:3]]
            second.rollback()
        assert tried == [False, False, True]


def test_writers_of_different_articles_share_a_new_entity(store):
    """Two writers of different articles that both name an entity the store does not have yet, in
    overlapping transactions: neither fails on the entity's unique key nor deadlocks, and both
    articles' mentions point at the one entity row."""
    from newsradar.store import entities as entity_store

    pipeline.run([str(EXAMPLES / "jsonl")], store, analyse=False)
    first_id, second_id = [r["id"] for r in store.iter_articles()][:2]
    corrections = entity_store.Corrections({}, {}, {})

    def record(country: str | None) -> entity_store.EntityRecord:
        return entity_store.EntityRecord("org:harbor authority of nowhere", "Harbor Authority of Nowhere", "ORG",
                                         country, None, None, [("text", 0, 9, "Harbor Authority of Nowhere", None)])

    first_wrote, errors = threading.Event(), []

    def second_writer() -> None:
        try:
            first_wrote.wait(30)
            with store.connect(write=True) as conn:
                entity_store.write(store, conn, [(second_id, [record(None)])], corrections)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    other = threading.Thread(target=second_writer)
    other.start()
    try:
        with store.connect(write=True) as conn:
            entity_store.write(store, conn, [(first_id, [record("VEN")])], corrections)
            first_wrote.set()
            time.sleep(1.0)  # the second writer reaches the entity while this transaction holds it
    finally:
        first_wrote.set()
        other.join(timeout=60)
    assert errors == [] and not other.is_alive()
    with store.connect() as conn:
        rows = conn.execute(text("SELECT id, country FROM entities WHERE key = 'org:harbor authority of nowhere'")).all()
        linked = conn.execute(text("SELECT article_id, entity_id FROM mentions WHERE article_id IN (:a, :b)"
                                   " ORDER BY article_id"), {"a": first_id, "b": second_id}).all()
    assert len(rows) == 1 and rows[0].country == "VEN"  # the second writer's unknown country kept the first's
    assert [(r.article_id, r.entity_id) for r in linked] == [(first_id, rows[0].id), (second_id, rows[0].id)]


def test_the_leases_of_a_dead_process_here_are_freed_at_once(store):
    """A registered holder on this machine whose process has ended loses its leases at once; one on
    another machine — or in another container of the same host name, whose process ids are its own —
    and one that never registered keep theirs until they run out."""
    pipeline.run([str(EXAMPLES / "jsonl")], store, analyse=False)
    waiting = [r["id"] for r in store.iter_articles()]
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    host, here = socket.gethostname(), leases.machine()
    dead, alive, container, unregistered = "dead", "alive", "container", f"{host}:{ended.pid}"
    with store.connect(write=True) as conn:
        for name, pid, machine in ((dead, ended.pid, here), (alive, os.getpid(), here),
                                   (container, ended.pid, f"{here}0")):  # same boot, another pid namespace
            conn.execute(text("INSERT INTO workers (name, host, pid, machine, started_at, seen_at, state)"
                              " VALUES (:n, :h, :p, :m, :t, :t, 'polling')"),
                         {"n": name, "h": host, "p": pid, "m": machine, "t": store.db_time(datetime.now(UTC))})
    for holder, part in ((dead, waiting[:2]), (alive, waiting[2:3]), (container, waiting[3:4]),
                         (unregistered, waiting[4:])):
        leases.claim_articles(store, holder, part, 600)
    feed, _ = feed_store.add(store, "https://feeds.example.org/rss")
    assert [f.id for f in leases.claim_feeds(store, dead, 5, 600)] == [feed.id]
    assert leases.reap_dead(store) == 1
    with store.connect() as conn:
        held = dict(conn.execute(text("SELECT article_id, holder FROM analysis_leases")).all())
    assert sorted(held) == waiting[2:] and dead not in held.values()
    assert set(held.values()) == {alive, container, unregistered}
    assert [f.id for f in feed_store.due(store, datetime.now(UTC))] == [feed.id]  # its feed is due again too


def test_a_restarted_worker_frees_its_killed_predecessors_leases_and_renewals_say_it_is_alive(store):
    """A worker started again under the same name, after the first was killed, takes back the feed
    its predecessor held at once (not after the lease); a renewal marks the holder seen."""
    from newsradar import worker

    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    long_ago = store.db_time(datetime.now(UTC) - timedelta(days=1))
    with store.connect(write=True) as conn:
        conn.execute(text("INSERT INTO workers (name, host, pid, machine, started_at, seen_at, state)"
                          " VALUES ('w', :h, :p, :m, :t, :t, 'polling')"),
                     {"h": socket.gethostname(), "p": ended.pid, "m": leases.machine(), "t": long_ago})
    feed, _ = feed_store.add(store, "https://feeds.example.org/rss")
    assert [f.id for f in leases.claim_feeds(store, "w", 5, 600)] == [feed.id]
    stop = threading.Event()
    stop.set()  # no round: only what the worker does as it starts and stops
    worker.run(store, stop, name="w")
    assert [f.id for f in leases.claim_feeds(store, "other", 5, 600)] == [feed.id]
    pipeline.run([str(EXAMPLES / "jsonl")], store, analyse=False)
    leases.claim_articles(store, "w", [r["id"] for r in store.iter_articles()][:1], 600)
    before = [r["seen_at"] for r in leases.workers(store) if r["name"] == "w"][0]
    time.sleep(0.01)
    leases.renew_articles(store, "w", 600)
    assert [r["seen_at"] for r in leases.workers(store) if r["name"] == "w"][0] > before


def test_a_leased_feed_is_not_due_to_others_before_its_lease_ends(store):
    feed, _ = feed_store.add(store, "https://feeds.example.org/rss")
    before = feed_store.next_due(store)
    assert before is None or before <= datetime.now(UTC)  # never polled: due now
    assert [f.id for f in leases.claim_feeds(store, "elsewhere", 5, 120)] == [feed.id]
    upcoming = feed_store.next_due(store)
    assert upcoming is not None and upcoming > datetime.now(UTC) + timedelta(seconds=100)  # a worker sleeps, not spins


def test_a_lock_held_elsewhere_is_not_waited_for(store):
    with store.lock("stories") as held:
        assert held
        with store.lock("stories", wait=False) as second:
            assert second is False
    with store.lock("stories", wait=False) as free:
        assert free is True


def test_two_workers_share_the_feeds_and_the_work(served, reference, tmp_path):
    db = f"sqlite:///{tmp_path / 'shared.db'}"
    _subscribe(db, served[1])
    first, second = _worker(db, "first", _env(tmp_path)), _worker(db, "second", _env(tmp_path))
    for process in (first, second):
        _, stderr = process.communicate(timeout=600)
        assert process.returncode == 0, stderr
    _check_against(reference, _content(db))
    with open_store(db) as store:
        registry = {row["name"]: row for row in leases.workers(store)}
        polled = [f for f in feed_store.all_feeds(store) if f.last_success_at is not None]
    assert set(registry) == {"first", "second"} and all(row["state"] == "stopped" for row in registry.values())
    assert sum(row["polled"] for row in registry.values()) == len(served[1]) == len(polled)
    assert all(row["polled"] > 0 for row in registry.values())  # both took a share, neither waited the other out
    with open_store(db) as store:  # what the web app and the API show of them
        client = TestClient(create_app(store=store, auth=Auth("", "public")))
        api = client.get("/api/v1/workers").json()["items"]
        page = client.get("/feeds").text
    assert sorted(w["name"] for w in api) == ["first", "second"] and all(w["leased_feeds"] == 0 for w in api)
    assert 'id="workers"' in page and "first" in page and "second" in page
    listed = subprocess.run([sys.executable, "-m", "newsradar", "workers", "--db", db, "--json"], capture_output=True,
                            text=True, timeout=120)
    assert listed.returncode == 0 and {w["name"] for w in json.loads(listed.stdout)} == {"first", "second"}


def _holds(store, moment: str) -> bool:
    """Whether the victim holds, now, what a worker holds at that moment: a feed lease while it
    polls, an article lease while it parses, the story lock while it assigns stories."""
    with store.connect() as conn:
        if moment == "polling":
            return bool(conn.execute(text("SELECT count(*) FROM feeds WHERE lease_holder = 'victim'")).scalar_one())
        if moment == "analysing":
            return bool(conn.execute(text("SELECT count(*) FROM analysis_leases WHERE holder = 'victim'")).scalar_one())
        key = int.from_bytes(hashlib.blake2b(b"newsradar:stories", digest_size=7).digest(), "big")
        return bool(conn.execute(text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                                      " AND classid::bigint = :high AND objid::bigint = :low"),
                                 {"high": key >> 32, "low": key & 0xFFFFFFFF}).scalar_one())


@pytest.mark.postgres
@pytest.mark.parametrize("moment", ["polling", "analysing", "assigning stories"])
def test_a_worker_killed_at_any_point_loses_and_duplicates_nothing(served, reference, postgres_url, tmp_path, moment):
    """The victim works alone until it is seen holding the lease or lock of the moment; the
    survivor starts, the victim is killed holding it, and the survivor finishes the work."""
    _subscribe(postgres_url, served[1])
    victim, survivor = _worker(postgres_url, "victim", _env(tmp_path)), None
    try:
        deadline, held = time.monotonic() + 300, False
        with open_store(postgres_url) as store:
            while time.monotonic() < deadline and victim.poll() is None and not held:
                held = {row["name"]: row["state"] for row in leases.workers(store)}.get("victim") == moment \
                    and _holds(store, moment)
                time.sleep(0.01)
        assert held and victim.poll() is None, f"the victim was never seen holding the work of {moment}"
        survivor = _worker(postgres_url, "survivor", _env(tmp_path))
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=30)
        _, stderr = survivor.communicate(timeout=600)
        assert survivor.returncode == 0, stderr
    finally:
        for process in (victim, survivor):
            if process is not None and process.poll() is None:
                process.kill()
    assert victim.returncode == -signal.SIGKILL
    _check_against(reference, _content(postgres_url))


def test_a_round_that_fails_on_the_store_is_said_and_tried_again(store, monkeypatch):
    """A database restarting under a worker costs a warning and a pause, not the worker; an error
    that persists stops it."""
    import threading

    from newsradar import worker
    from newsradar.errors import StoreError

    real, calls, warnings = leases.claim_feeds, [], []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise StoreError("the store went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(leases, "claim_feeds", flaky)
    report = worker.run(store, threading.Event(), name="w", warn=warnings.append, exit_when_idle=True, max_sleep=0.01)
    assert len(calls) == 2 and report.rounds == 1
    assert warnings == ["w: this round failed (the store went away); trying again"]
    monkeypatch.setattr(leases, "claim_feeds", lambda *a, **k: (_ for _ in ()).throw(StoreError("still down")))
    with pytest.raises(StoreError, match="still down"):
        worker.run(store, threading.Event(), name="w", exit_when_idle=True, max_sleep=0.01)
