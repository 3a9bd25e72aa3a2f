"""Database URLs to SQLAlchemy engines: the only place SQLite and PostgreSQL connect differently."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import StaticPool

from ..errors import StoreError


def create(url: str) -> Engine:
    """An engine for ``sqlite:///path.db`` (or ``sqlite://`` in memory) or ``postgresql://…``."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(f"{url!r} is not a database URL; expected sqlite:///path.db or postgresql://user@host:port/dbname") from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite(parsed.database)
    if backend in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
        return create_engine(parsed, pool_pre_ping=True, connect_args={"connect_timeout": 10})
    raise StoreError(f"unsupported database {backend!r} in {url!r}; use sqlite:///path.db or postgresql://user@host:port/dbname")


def _wal(cursor, wait: float = 30.0) -> None:
    """Switch to WAL. Switching needs the database to itself and does not wait on the busy
    timeout, so a process opening a new store while another is creating it retries for a while."""
    deadline = time.monotonic() + wait
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _sqlite(database: str | None) -> Engine:
    if database and database != ":memory:":
        path = Path(database).expanduser()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the directory for {path}: {exc.strerror}") from exc
        # Connections may be used from worker threads (the poller writes through asyncio.to_thread);
        # the pool hands each to one thread at a time.
        engine = create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False})
    else:
        engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # We issue BEGIN ourselves (below) so that DDL is transactional and writers take the
        # write lock up front instead of failing on lock upgrade.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if database and database != ":memory:":
            _wal(cursor)
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        immediate = connection.get_execution_options().get("write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine
