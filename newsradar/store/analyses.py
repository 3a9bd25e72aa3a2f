"""Which versioned stage analysed which article (``analyses``), and the queue of articles the
analysis has still to read: those never analysed (new articles: every stage), and those analysed
by another version of some stage (re-analysis, newest first)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from .store import Store
from .writer import select_in


def _where(store: Store, stages: Sequence[tuple[str, str]], outdated: bool, since: datetime | None,
           unleased: datetime | None = None) -> tuple[str, dict[str, Any]]:
    """Originals never analysed; with ``outdated``, originals some stage has not analysed at its
    current version (and, with ``since``, published on or after it). With ``unleased`` (now), only
    those no worker holds a live lease on (``store/leases.py``)."""
    where, params = _queue(store, stages, outdated, since)
    if unleased is not None:
        where += " AND NOT EXISTS (SELECT 1 FROM analysis_leases l WHERE l.article_id = a.id AND l.until > :lease_now)"
        params["lease_now"] = store.db_time(unleased)
    return where, params


def _queue(store: Store, stages: Sequence[tuple[str, str]], outdated: bool, since: datetime | None
           ) -> tuple[str, dict[str, Any]]:
    params: dict[str, Any] = {}
    if not outdated:
        return ("a.duplicate_of IS NULL AND NOT EXISTS (SELECT 1 FROM analyses n WHERE n.article_id = a.id)",
                params)
    clauses = []
    for index, (name, version) in enumerate(stages):
        params[f"c{index}"], params[f"v{index}"] = name, version
        clauses.append(f"NOT EXISTS (SELECT 1 FROM analyses n WHERE n.article_id = a.id AND n.component = :c{index}"
                       f" AND n.version = :v{index})")
    where = "a.duplicate_of IS NULL AND (" + " OR ".join(clauses or ["1 = 0"]) + ")"
    if since is not None:
        where += " AND a.published >= :since"
        params["since"] = store.db_time(since)
    return where, params


def pending_count(store: Store, stages: Sequence[tuple[str, str]], outdated: bool = False,
                  since: datetime | None = None, unleased: datetime | None = None) -> int:
    where, params = _where(store, stages, outdated, since, unleased)
    with store.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM articles a WHERE {where}"), params).scalar_one()


def pending(store: Store, stages: Sequence[tuple[str, str]], limit: int, outdated: bool = False,
            since: datetime | None = None, unleased: datetime | None = None) -> list[Any]:
    """The next ``limit`` articles to analyse (id, title, text, published): new ones in arrival
    order, outdated ones newest first. Analysed articles leave the queue, so calling again gives
    the next ones."""
    where, params = _where(store, stages, outdated, since, unleased)
    order = ("a.id" if not outdated else
             "a.published IS NULL, a.published DESC, a.id DESC" if store.dialect == "sqlite"
             else "a.published DESC NULLS LAST, a.id DESC")
    with store.connect() as conn:
        return list(conn.execute(text(f"SELECT a.id, a.title, a.text, a.published, a.language FROM articles a WHERE {where}"
                                      f" ORDER BY {order} LIMIT :n"), {**params, "n": limit}).all())


_WRITE_LOCKS = 41_771  # the first key of the per-article advisory locks of analysis writers


def lock_for_writing(store: Store, conn: Connection, article_ids: Sequence[int]) -> None:
    """Make this transaction the only analysis writer of these articles until it ends, so that its
    ``current`` check and its writes are one step: on PostgreSQL a transaction advisory lock per
    article, taken in id order (two writers of overlapping chunks queue; writers of other articles,
    and story assignment, never wait); on SQLite the write transaction is exclusive already."""
    if store.dialect != "postgresql" or not article_ids:
        return
    keys = sorted({a % 2_147_483_647 for a in article_ids})
    conn.execute(text("SELECT count(pg_advisory_xact_lock(:space, k))"
                      " FROM (SELECT unnest(CAST(:keys AS integer[])) AS k ORDER BY 1) AS keys"),
                 {"space": _WRITE_LOCKS, "keys": keys})


def current(conn: Connection, article_ids: Sequence[int], stages: Sequence[tuple[str, str]]) -> set[int]:
    """Which of these articles every one of these stages has analysed at its current version."""
    if not article_ids or not stages:
        return set()
    counts: dict[int, int] = {}
    for name, version in stages:
        for row in select_in(conn, "SELECT article_id FROM analyses WHERE component = :c AND version = :v"
                                   " AND article_id IN :values", article_ids, c=name, v=version):
            counts[row.article_id] = counts.get(row.article_id, 0) + 1
    return {a for a, n in counts.items() if n == len(stages)}


def record(store: Store, conn: Connection, article_ids: Sequence[int], stages: Sequence[tuple[str, str]]) -> None:
    """These articles were analysed by these stages at these versions (in the caller's transaction)."""
    now = store.db_time(datetime.now(UTC))
    rows = [{"a": a, "c": name, "v": version, "now": now} for a in article_ids for name, version in stages]
    if rows:
        conn.execute(text("DELETE FROM analyses WHERE article_id = :a AND component = :c"), rows)
        conn.execute(text("INSERT INTO analyses (article_id, component, version, at) VALUES (:a, :c, :v, :now)"),
                     rows)


def versions(store: Store) -> list[dict]:
    """Per stage and version, how many articles it analysed."""
    with store.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(text(
            "SELECT component AS stage, version, count(*) AS articles FROM analyses GROUP BY component, version"
            " ORDER BY component, version"))]
