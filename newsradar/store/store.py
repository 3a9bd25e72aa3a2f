"""The store: migrations, the one write path, and read queries. Rows come back as plain dicts."""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from .. import settings
from ..errors import StoreError
from ..model import Article, WriteResult
from ..normalize import parse_datetime
from . import engine as engine_module
from . import outlets
from .migrations import MIGRATIONS
from .writer import BatchWriter, select_in

ARTICLE_COLUMNS = ("id", "key", "external_id", "guid", "url", "canonical_url", "title", "text", "author", "outlet",
                   "published", "language", "source_kind", "source", "content_hash", "duplicate_of", "similarity",
                   "story_id", "tone", "ingested_at", "summary", "section", "outlet_domain",
                   "text_origin")
_SELECT_ARTICLES = "SELECT " + ", ".join(ARTICLE_COLUMNS) + " FROM articles"


_MEMORY_LOCKS: dict[tuple[int, str], threading.Lock] = {}


def open_store(url: str, migrate: bool = True) -> Store:
    store = Store(engine_module.create(url), url)
    if migrate:
        store.migrate()
    return store


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


class Store:
    def __init__(self, engine: Engine, url: str):
        self.engine = engine
        self.url = url
        self.dialect = engine.dialect.name  # "sqlite" or "postgresql"

    # --- plumbing ---------------------------------------------------------------------------------

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def connect(self, write: bool = False) -> Iterator[Connection]:
        """A connection for reads, or with ``write=True`` a transaction committed when its ``with``
        block ends (on SQLite it begins IMMEDIATE, taking the write lock up front). Every module of
        the store runs its SQL through it, so a database failure anywhere — opening, a statement,
        the commit — is one ``StoreError`` naming the store and the reason."""
        try:
            opened = self.engine.execution_options(write=True).begin() if write else self.engine.connect()
            with opened as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise StoreError(f"the store {self.safe_url()} failed: {_reason(exc)}") from exc

    @contextmanager
    def lock(self, name: str, wait: bool = True) -> Iterator[bool]:
        """Hold the store-wide lock ``name`` (one holder at a time across processes and machines)
        for the ``with`` block: story assignment and alerts take it so that concurrent
        runs serialize instead of interleaving. PostgreSQL: a session advisory lock on a connection
        kept for the block. SQLite: an exclusive ``flock`` on a file beside the database (a thread
        lock for an in-memory store). With ``wait=False`` it does not wait: the block gets False
        (and holds nothing) when another holder has the lock, True when it took it."""
        key = int.from_bytes(hashlib.blake2b(f"newsradar:{name}".encode(), digest_size=7).digest(), "big")
        if self.dialect == "postgresql":
            with self.connect() as conn:
                if wait:
                    conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
                elif not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
                    conn.commit()
                    yield False
                    return
                conn.commit()
                try:
                    yield True
                finally:
                    try:
                        conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                        conn.commit()
                    except BaseException:
                        conn.invalidate()  # never back to the pool holding the lock: closing it releases it
                        raise
            return
        database = self.engine.url.database
        if not database or database == ":memory:":
            memory = _MEMORY_LOCKS.setdefault((id(self.engine), name), threading.Lock())
            if not memory.acquire(blocking=wait):
                yield False
                return
            try:
                yield True
            finally:
                memory.release()
            return
        path = f"{os.path.realpath(database)}.{name}.lock"  # one file however the database is reached
        try:
            descriptor = os.open(path, os.O_RDONLY | os.O_CREAT, 0o666)
        except OSError as exc:
            raise StoreError(f"cannot lock the store {self.safe_url()}: {path}: {exc.strerror}") from exc
        try:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            yield True
        finally:
            os.close(descriptor)  # closing releases the lock

    def safe_url(self) -> str:
        return re.sub(r"//([^:/@]+):[^@/]+@", r"//\1:***@", self.url)

    def db_time(self, value: datetime | None) -> Any:
        """A datetime as this database stores it: ISO 8601 text on SQLite, timestamptz on PostgreSQL."""
        if value is None:
            return None
        return value.isoformat() if self.dialect == "sqlite" else value

    def refresh_statistics(self) -> None:
        """After a bulk load, have PostgreSQL's planner see the tables as they now are (``ANALYZE``
        of this store's own tables, not the whole database's). Autovacuum does it in time — when it
        runs: with it off, a 100,000-article backfill's story assignment read each chunk's events
        by a sequential scan (3 s a chunk of 256; 46 instead of 64 ms an article after ``ANALYZE``).
        SQLite's planner needs no statistics for these queries: nothing to do."""
        if self.dialect != "postgresql":
            return
        with self.connect(write=True) as conn:
            tables = [row[0] for row in conn.execute(text(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
                " AND table_type = 'BASE TABLE' ORDER BY table_name"))]
            if tables:
                quote = conn.dialect.identifier_preparer.quote_identifier
                conn.execute(text("ANALYZE " + ", ".join(quote(t) for t in tables)))

    # --- migrations -------------------------------------------------------------------------------

    def migrate(self) -> list[int]:
        """Apply pending migrations, each in its own transaction; return the versions applied."""
        with self.lock("migrate"):  # one migrator at a time (SQLite: a file lock; PostgreSQL: also its advisory lock)
            return self._migrate()

    def _migrate(self) -> list[int]:
        applied: list[int] = []
        try:
            with self.connect(write=True) as conn:
                if self.dialect == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(7311730)"))  # one migrator at a time
                conn.execute(text("CREATE TABLE IF NOT EXISTS schema_migrations ("
                                  "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"))
                done = {row[0] for row in conn.execute(text("SELECT version FROM schema_migrations"))}
                for migration in MIGRATIONS:
                    if migration.version in done:
                        continue
                    statements = migration.sqlite if self.dialect == "sqlite" else migration.postgresql
                    for statement in statements:
                        conn.exec_driver_sql(statement)
                    if migration.backfill is not None:
                        migration.backfill(conn)
                    conn.execute(text("INSERT INTO schema_migrations (version, name, applied_at) VALUES (:v, :n, :t)"),
                                 {"v": migration.version, "n": migration.name, "t": _now().isoformat()})
                    applied.append(migration.version)
        except StoreError as exc:
            raise StoreError(f"cannot prepare the store: {exc}") from exc
        return applied

    def migrations(self) -> list[dict]:
        with self.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(text("SELECT * FROM schema_migrations ORDER BY version"))]

    # --- the one write path -----------------------------------------------------------------------

    def write_batch(self, articles: Sequence[Article], threshold: float | None = None) -> list[WriteResult]:
        """Store a batch of normalized articles in one transaction and return what happened to each.

        An article whose key is already stored is not written again (its sighting is recorded); a
        new article that is a near-duplicate of a stored one is stored with ``duplicate_of``
        pointing at the earliest copy and joins that copy's story; any other new article starts a
        story of its own. (The work is done by ``writer.BatchWriter``.)"""
        if threshold is None:
            threshold = settings.get("near_duplicate_threshold")
        if not articles:
            return []
        with self.connect(write=True) as conn:
            outlets.resolve(conn, articles)  # the store's name for each publisher, the user's corrections
            results = BatchWriter(conn, self.db_time, threshold).write(articles)
        for article, result in zip(articles, results, strict=True):
            article.id, article.duplicate_of, article.story_id = result.article_id, result.duplicate_of, result.story_id
        return results

    # --- reads ------------------------------------------------------------------------------------

    def _article_rows(self, sql: str, params: dict | None = None) -> list[dict]:
        with self.connect() as conn:
            return [self._article(row._mapping) for row in conn.execute(text(sql), params or {})]

    def _article(self, mapping) -> dict:
        record = dict(mapping)
        record["published"] = parse_datetime(record.get("published"))
        if "ingested_at" in record:
            record["ingested_at"] = parse_datetime(record["ingested_at"])
        return record

    def get_articles(self, ids: Sequence[int]) -> list[dict]:
        """Articles by id, in the order asked."""
        if not ids:
            return []
        by_id: dict[int, dict] = {}
        for start in range(0, len(ids), 500):
            chunk = ", ".join(str(int(i)) for i in ids[start:start + 500])
            for record in self._article_rows(f"{_SELECT_ARTICLES} WHERE id IN ({chunk})"):
                by_id[record["id"]] = record
        return [by_id[i] for i in ids if i in by_id]

    def list_articles(self, limit: int = 20, offset: int = 0, outlet: str | None = None, story_id: int | None = None,
                      since: datetime | None = None, until: datetime | None = None) -> list[dict]:
        where, params = self._filters(outlet=outlet, story_id=story_id, since=since, until=until)
        params.update({"limit": limit, "offset": offset})
        return self._article_rows(
            f"{_SELECT_ARTICLES}{where} ORDER BY published DESC NULLS LAST, id DESC LIMIT :limit OFFSET :offset"
            if self.dialect == "postgresql" else
            f"{_SELECT_ARTICLES}{where} ORDER BY published IS NULL, published DESC, id DESC LIMIT :limit OFFSET :offset",
            params)

    def _filters(self, **filters: Any) -> tuple[str, dict]:
        clauses, params = [], {}
        if filters.get("outlet"):
            clauses.append("outlet = :outlet")
            params["outlet"] = filters["outlet"]
        if filters.get("story_id") is not None:
            clauses.append("story_id = :story_id")
            params["story_id"] = filters["story_id"]
        if filters.get("since"):
            clauses.append("published >= :since")
            params["since"] = self.db_time(filters["since"])
        if filters.get("until"):
            clauses.append("published < :until")
            params["until"] = self.db_time(filters["until"])
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), params

    def iter_articles(self, chunk: int = 1000) -> Iterator[dict]:
        """Every article in id order, read in chunks (for exports)."""
        last = 0
        while True:
            rows = self._article_rows(f"{_SELECT_ARTICLES} WHERE id > :last ORDER BY id LIMIT :n", {"last": last, "n": chunk})
            if not rows:
                return
            yield from rows
            last = rows[-1]["id"]

    def existing_keys(self, keys: Sequence[str]) -> set[str]:
        """Which of these primary identity keys are stored already."""
        return self._keys_in("articles", keys)

    def known_keys(self, keys: Sequence[str]) -> set[str]:
        """Which of these identity keys (any key an article was seen with) are stored already."""
        return self._keys_in("article_keys", keys)

    def _keys_in(self, table: str, keys: Sequence[str]) -> set[str]:
        with self.connect() as conn:
            return {row[0] for row in select_in(conn, f"SELECT key FROM {table} WHERE key IN :values", keys)}

    def count_articles(self) -> int:
        with self.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM articles")).scalar_one()

    def sightings(self, article_id: int) -> list[dict]:
        with self.connect() as conn:
            rows = conn.execute(text("SELECT source, source_kind, first_seen FROM sightings WHERE article_id = :a"
                                     " ORDER BY first_seen, source"), {"a": article_id})
            return [{**dict(r._mapping), "first_seen": parse_datetime(r.first_seen)} for r in rows]

    def duplicates_of(self, article_id: int) -> list[int]:
        with self.connect() as conn:
            return [r[0] for r in conn.execute(text("SELECT id FROM articles WHERE duplicate_of = :a ORDER BY id"),
                                               {"a": article_id})]

    def stats(self) -> dict:
        with self.connect() as conn:
            scalar = lambda sql: conn.execute(text(sql)).scalar_one()  # noqa: E731
            result = {
                "articles": scalar("SELECT count(*) FROM articles"),
                "duplicates": scalar("SELECT count(*) FROM articles WHERE duplicate_of IS NOT NULL"),
                "stories": scalar("SELECT count(DISTINCT story_id) FROM articles WHERE story_id IS NOT NULL"),
                "unclustered": scalar("SELECT count(*) FROM articles WHERE story_id IS NULL AND duplicate_of IS NULL"),
                "outlets": scalar("SELECT count(DISTINCT outlet) FROM articles"),
                "sightings": scalar("SELECT count(*) FROM sightings"),
                "failed_inputs": scalar("SELECT count(*) FROM input_failures"),
                "first_published": parse_datetime(scalar("SELECT min(published) FROM articles")),
                "last_published": parse_datetime(scalar("SELECT max(published) FROM articles")),
            }
            result["by_source_kind"] = {r[0]: r[1] for r in conn.execute(text(
                "SELECT source_kind, count(*) FROM articles GROUP BY source_kind ORDER BY count(*) DESC, source_kind"))}
            result["by_outlet"] = {r[0] or "(unknown)": r[1] for r in conn.execute(text(
                "SELECT outlet, count(*) FROM articles GROUP BY outlet ORDER BY count(*) DESC, outlet"))}
            result["by_language"] = {r[0] or "(unknown)": r[1] for r in conn.execute(text(
                "SELECT language, count(*) FROM articles GROUP BY language ORDER BY count(*) DESC, language"))}
        return result


def _reason(exc: SQLAlchemyError) -> str:
    original = getattr(exc, "orig", None)
    return str(original if original is not None else exc).strip().splitlines()[0]
