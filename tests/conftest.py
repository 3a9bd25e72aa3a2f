"""Shared fixtures: an isolated data directory for every test, a store on SQLite and on the real
PostgreSQL (one fresh schema per test), and the shared benchmark datasets when present."""

from __future__ import annotations

import getpass
import os
import tempfile
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
DATASETS = ROOT.parent / "shared" / "datasets"
POSTGRES_URL = os.environ.get("NEWSRADAR_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


# One compiled actor knowledge index for every run on this machine, outside the user's cache (compiled
# on first use in 2–3 s, again only when the shipped file or the index format changes); set here so
# that module-scoped fixtures, which start before the per-test environment, use it too.
ACTOR_INDEX = Path(tempfile.gettempdir()) / f"newsradar-test-{getpass.getuser()}" / "actor-knowledge.sqlite"
os.environ["NEWSRADAR_ACTORS_INDEX"] = str(ACTOR_INDEX)


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path, monkeypatch):
    """No test touches the user's store or inherits their settings."""
    for name in list(os.environ):
        if name.startswith("NEWSRADAR_") and name not in ("NEWSRADAR_REQUIRE_POSTGRES", "NEWSRADAR_TEST_POSTGRES_URL",
                                                          "NEWSRADAR_REQUIRE_DATASETS"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("NEWSRADAR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("NEWSRADAR_ACTORS_INDEX", str(ACTOR_INDEX))


def _postgres_or_skip() -> None:
    try:
        import psycopg

        with psycopg.connect(POSTGRES_URL, connect_timeout=5):
            pass
    except Exception as exc:  # any failure to connect means: no server here
        message = f"PostgreSQL not reachable at {POSTGRES_URL}: {str(exc).splitlines()[0] if str(exc) else exc}"
        if os.environ.get("NEWSRADAR_REQUIRE_POSTGRES"):
            pytest.fail(message + " (NEWSRADAR_REQUIRE_POSTGRES is set)")
        pytest.skip(message)


@pytest.fixture
def postgres_url():
    """A URL to the real PostgreSQL whose search_path is a fresh schema, dropped afterwards."""
    _postgres_or_skip()
    import psycopg

    schema = f"nr_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in POSTGRES_URL else "?"
    yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    """The same test on both stores."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def store(db_url):
    from newsradar.store import open_store

    with open_store(db_url) as opened:
        yield opened


def require_datasets(*names: str) -> Path:
    """The shared datasets folder, with these datasets in it. Missing ones skip the test — or fail
    it when NEWSRADAR_REQUIRE_DATASETS is set (CI), so a run without them cannot pass silently."""
    missing = [name for name in names or ("",) if not (DATASETS / name).is_dir()]
    if missing:
        message = f"no dataset {', '.join(m or '(any)' for m in missing)} at {DATASETS}"
        if os.environ.get("NEWSRADAR_REQUIRE_DATASETS"):
            pytest.fail(message + " (NEWSRADAR_REQUIRE_DATASETS is set)")
        pytest.skip(message)
    return DATASETS


@pytest.fixture(autouse=True)
def _datasets_marker(request):
    """``@pytest.mark.datasets("name", ...)``: the test needs these shared datasets."""
    marker = request.node.get_closest_marker("datasets")
    if marker is not None:
        require_datasets(*marker.args)


@pytest.fixture
def datasets() -> Path:
    return require_datasets()
