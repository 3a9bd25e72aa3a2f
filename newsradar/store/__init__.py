"""Storage: explicit SQL behind one module, on SQLite (embedded default) or PostgreSQL.

``open_store(url)`` connects and applies pending migrations; ``Store.write_batch`` is the one write
path; the other methods are read queries returning plain records."""

from __future__ import annotations

from .store import Store, open_store

__all__ = ["Store", "open_store"]
