"""Work shared by many workers on one store (``newsradar worker``): leases on feeds and on chunks
of articles waiting for analysis, and the registry of workers.

A lease is a row saying who holds a piece of work until when. A worker takes feeds due for a poll
with one ``UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING`` (on PostgreSQL; on
SQLite the write transaction is exclusive already), so two workers never take one feed, and
neither waits on the other's rows. A worker killed at any point simply stops renewing: its leases
run out and another worker takes the work again. Nothing is lost, because a feed's state and an
article's analysis are written only once the work is done, and nothing is duplicated, because
articles are keyed UNIQUE and analysis results are written once per article and stage version."""

from __future__ import annotations

import os
import socket
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, text

from ..model import Feed
from ..normalize import parse_datetime
from .feeds import _SELECT, _feed
from .store import Store
from .writer import select_in


def now(store: Store | None = None) -> datetime:
    """The time leases are reckoned by: the database server's clock on PostgreSQL, so that workers on
    machines whose clocks differ agree on when a lease runs out; this machine's on SQLite (the
    database is on this machine)."""
    if store is not None and store.dialect == "postgresql":
        with store.connect() as conn:
            return conn.execute(text("SELECT clock_timestamp()")).scalar_one()
    return datetime.now(UTC)


def claim_feeds(store: Store, holder: str, limit: int, seconds: float, at: datetime | None = None) -> list[Feed]:
    """Lease up to ``limit`` feeds due for a poll (not paused, their next poll come, no live lease),
    longest waiting first, to ``holder`` for ``seconds``."""
    at = at or now(store)
    skip = " FOR UPDATE SKIP LOCKED" if store.dialect == "postgresql" else ""
    nulls = " NULLS FIRST" if store.dialect == "postgresql" else ""
    with store.connect(write=True) as conn:
        ids = [row[0] for row in conn.execute(text(
            "UPDATE feeds SET lease_holder = :h, lease_until = :until WHERE id IN ("
            " SELECT id FROM feeds WHERE paused = 0 AND (next_poll_at IS NULL OR next_poll_at <= :now)"
            " AND (lease_until IS NULL OR lease_until <= :now)"
            f" ORDER BY next_poll_at{nulls}, id LIMIT :n{skip}) RETURNING id"),
            {"h": holder, "until": store.db_time(at + timedelta(seconds=seconds)), "now": store.db_time(at),
             "n": limit})]
        if not ids:
            return []
        rows = select_in(conn, f"{_SELECT} WHERE id IN :values", ids)
    return sorted((_feed(row) for row in rows), key=lambda f: (f.next_poll_at is not None, f.next_poll_at or at, f.id))


def due_count(store: Store, at: datetime | None = None) -> int:
    """Feeds due for a poll now, leased or not."""
    with store.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM feeds WHERE paused = 0"
                                 " AND (next_poll_at IS NULL OR next_poll_at <= :now)"),
                            {"now": store.db_time(at or now(store))}).scalar_one()


def release_feeds(store: Store, holder: str, feed_ids: Sequence[int]) -> None:
    """Give back feeds this holder leased (their poll was written, or was not made)."""
    if not feed_ids:
        return
    with store.connect(write=True) as conn:
        for start in range(0, len(feed_ids), 500):
            conn.execute(text("UPDATE feeds SET lease_holder = NULL, lease_until = NULL"
                              " WHERE lease_holder = :h AND id IN :ids").bindparams(bindparam("ids", expanding=True)),
                         {"h": holder, "ids": list(feed_ids[start:start + 500])})


def claim_articles(store: Store, holder: str, article_ids: Sequence[int], seconds: float) -> list[int]:
    """Lease these articles for analysis to ``holder``; returns those it got (in the given order):
    an article another holder leased and whose lease still runs is left to it. One statement, an
    upsert that takes a row only when its lease ran out or is the holder's own, so two claimers never
    both get an article and neither waits on the other (beyond the rows they both touch)."""
    if not article_ids:
        return []
    at = now(store)
    ids = list(dict.fromkeys(article_ids))
    in_order = sorted(ids)  # rows taken in article order, as renewals take them
    got: set[int] = set()
    with store.connect(write=True) as conn:
        for start in range(0, len(in_order), 500):
            part = in_order[start:start + 500]
            values = ", ".join(f"(:a{i}, :h, :until)" for i in range(len(part)))
            params: dict[str, Any] = {f"a{i}": a for i, a in enumerate(part)}
            params.update(h=holder, until=store.db_time(at + timedelta(seconds=seconds)), now=store.db_time(at))
            got.update(row[0] for row in conn.execute(text(
                f"INSERT INTO analysis_leases (article_id, holder, until) VALUES {values}"
                " ON CONFLICT (article_id) DO UPDATE SET holder = excluded.holder, until = excluded.until"
                " WHERE analysis_leases.until <= :now OR analysis_leases.holder = excluded.holder"
                " RETURNING article_id"), params))
    return [a for a in ids if a in got]


def renew_articles(store: Store, holder: str, seconds: float) -> None:
    """Extend every lease the holder has on articles (a worker still at work on them), and say in
    its registry entry, if it has one, that it was seen now."""
    at = now(store)
    with store.connect(write=True) as conn:
        conn.execute(text("UPDATE analysis_leases SET until = :until WHERE article_id IN"
                          f" (SELECT article_id FROM analysis_leases WHERE holder = :h{_in_order(store)})"),
                     {"h": holder, "until": store.db_time(at + timedelta(seconds=seconds))})
        conn.execute(text("UPDATE workers SET seen_at = :at WHERE name = :h"), {"h": holder, "at": store.db_time(at)})


def _in_order(store: Store) -> str:
    """Lease rows locked in article order, as claims lock them, so that two statements over the same
    rows never deadlock (PostgreSQL; SQLite's write transaction is exclusive)."""
    return " ORDER BY article_id FOR UPDATE" if store.dialect == "postgresql" else ""


def reap_dead(store: Store) -> int:
    """Free the leases of registered holders (workers, backfills) on this machine whose process has
    ended — a killed run — so that a run started again here goes on at once instead of waiting for
    them to run out; returns how many holders were dead. "This machine" is ``machine()``: the host
    name alone is not enough, as containers that share a host's name and network each have their
    own process ids. Holders elsewhere, and holders that never registered, are left to their
    leases' expiry."""
    here = machine()
    with store.connect() as conn:
        holders = {row[0] for row in conn.execute(text(
            "SELECT DISTINCT holder FROM analysis_leases UNION SELECT DISTINCT lease_holder FROM feeds"
            " WHERE lease_holder IS NOT NULL"))}
        registered = {row.name: str(row.pid) for row in conn.execute(
            text("SELECT name, pid FROM workers WHERE machine = :m"), {"m": here})}
    dead = [holder for holder in holders if holder in registered and not _alive(registered[holder])]
    if dead:
        with store.connect(write=True) as conn:
            for holder in dead:
                conn.execute(text("DELETE FROM analysis_leases WHERE article_id IN"
                                  f" (SELECT article_id FROM analysis_leases WHERE holder = :h{_in_order(store)})"),
                             {"h": holder})
                conn.execute(text("UPDATE feeds SET lease_holder = NULL, lease_until = NULL WHERE lease_holder = :h"),
                             {"h": holder})
    return len(dead)


def machine() -> str:
    """Where this process's ids mean something: the kernel's boot id and the inode of the process-id
    namespace (Linux), which a renamed host keeps; elsewhere the host name."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text(encoding="ascii").strip()
        return f"{boot}/{os.stat('/proc/self/ns/pid').st_ino}"
    except OSError:
        return socket.gethostname()


def _alive(pid: str) -> bool:
    if not pid.isdigit() or int(pid) <= 0:
        return True  # no process to look at
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def release_articles(store: Store, holder: str, article_ids: Sequence[int]) -> None:
    if not article_ids:
        return
    with store.connect(write=True) as conn:
        ids = sorted(set(article_ids))
        for start in range(0, len(ids), 500):
            conn.execute(text("DELETE FROM analysis_leases WHERE article_id IN (SELECT article_id FROM analysis_leases"
                              f" WHERE holder = :h AND article_id IN :ids{_in_order(store)})")
                         .bindparams(bindparam("ids", expanding=True)),
                         {"h": holder, "ids": ids[start:start + 500]})


def expire(store: Store) -> int:
    """Drop analysis leases that ran out (a worker died holding them); returns how many."""
    with store.connect(write=True) as conn:
        return conn.execute(text("DELETE FROM analysis_leases WHERE article_id IN"
                                 f" (SELECT article_id FROM analysis_leases WHERE until <= :now{_in_order(store)})"),
                            {"now": store.db_time(now(store))}).rowcount or 0


def worker_name() -> str:
    """This process's name among the workers: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


def heartbeat(store: Store, name: str, state: str, polled: int = 0, analysed: int = 0, clustered: int = 0,
              started: datetime | None = None) -> None:
    """Record that worker ``name`` — this process, a worker or a backfill — is alive, where, what it
    is doing and what it has done so far."""
    at = store.db_time(now(store))
    values = {"name": name, "host": socket.gethostname(), "pid": os.getpid(), "machine": machine(),
              "started": store.db_time(started) if started else at, "at": at, "state": state,
              "polled": polled, "analysed": analysed, "clustered": clustered}
    with store.connect(write=True) as conn:
        conn.execute(text(
            "INSERT INTO workers (name, host, pid, machine, started_at, seen_at, state, polled, analysed, clustered)"
            " VALUES (:name, :host, :pid, :machine, :started, :at, :state, :polled, :analysed, :clustered)"
            " ON CONFLICT (name) DO UPDATE SET host = excluded.host, pid = excluded.pid, machine = excluded.machine,"
            " started_at = excluded.started_at, seen_at = excluded.seen_at, state = excluded.state, polled = excluded.polled, analysed = excluded.analysed, clustered = excluded.clustered"), values)


def workers(store: Store) -> list[dict]:
    """Every worker that has run on this store, most recently seen first, with what it holds now."""
    with store.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(text(
            "SELECT name, host, pid, started_at, seen_at, state, polled, analysed, clustered FROM workers"
            " ORDER BY seen_at DESC, name"))]
        at = store.db_time(now(store))
        feeds: dict[str, int] = dict(conn.execute(text("SELECT lease_holder, count(*) FROM feeds WHERE lease_until > :now"
                                       " GROUP BY lease_holder"), {"now": at}).all())
        articles: dict[str, int] = dict(conn.execute(text("SELECT holder, count(*) FROM analysis_leases WHERE until > :now"
                                          " GROUP BY holder"), {"now": at}).all())
    for row in rows:
        row["started_at"], row["seen_at"] = parse_datetime(row["started_at"]), parse_datetime(row["seen_at"])
        row["leased_feeds"] = feeds.get(row["name"], 0)
        row["leased_articles"] = articles.get(row["name"], 0)
    return rows
