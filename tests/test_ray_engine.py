"""The NLP stage on Ray (`--engine ray`): the same store content and analysis document as the
local engine for the same inputs, on SQLite and PostgreSQL; on a local Ray instance, and on a
two-node Ray cluster started with `ray start` (the tested stand-in for a real cluster); backfill
of a WARC archive through Ray; and Ray's absence or an unreachable cluster said in one line."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newsradar import analysis, engines, export, pipeline
from newsradar.canonical import canonical, differences
from newsradar.rayengine import RayEngine, RaySession
from newsradar.store import leases, open_store

from .conftest import EXAMPLES

ray = pytest.importorskip("ray", reason="the ray extra is not installed (make test installs it)")


def _newsradar(*args: str, env: dict[str, str] | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "newsradar", *args], capture_output=True, text=True, timeout=timeout,
                          env=env)


@pytest.fixture(scope="module")
def local_document(tmp_path_factory):
    """The sample corpus through the local engine, in a SQLite store."""
    tmp = tmp_path_factory.mktemp("local")
    path = tmp / "local.json"
    result = _newsradar("analyze", str(EXAMPLES), "--db", f"sqlite:///{tmp / 'local.db'}", "--json", str(path),
                        env={**os.environ, "NEWSRADAR_DATA_DIR": str(tmp / "data")})
    assert result.returncode == 0, result.stderr
    return json.loads(path.read_text())


def test_ray_engine_writes_what_the_local_engine_writes(local_document, db_url, tmp_path):
    path = tmp_path / "ray.json"
    result = _newsradar("analyze", str(EXAMPLES), "--db", db_url, "--engine", "ray", "--workers", "2",
                        "--json", str(path))
    assert result.returncode == 0, result.stderr
    assert "Ray" not in result.stderr  # Ray's own logging stays out of the user's terminal
    document = json.loads(path.read_text())
    assert len(document["articles"]) == 65 and document["events"] and document["quotes"]
    assert differences(local_document, document) == []
    assert canonical(local_document) == canonical(document)


def test_engine_sessions_return_chunks_in_order(tmp_path):
    """Chunks finish out of order on two actors; results come back in the order they were sent,
    so the writes, and the ids they hand out, follow the local engine's order."""
    db = f"sqlite:///{tmp_path / 's.db'}"
    with open_store(db) as store:
        pipeline.run([str(EXAMPLES / "feeds")], store, analyse=False)
        records = [analysis.ArticleText(a["id"], a["title"], a["text"], None) for a in store.iter_articles()]
    engine = engines.open_engine("ray", workers=2)
    try:
        session = engine.session(analysis.registered(), len(records))
        assert len(session.actors) == 2 and session.chunk < len(records)
        chunks = [records[i:i + 3] for i in range(0, len(records), 3)]
        for chunk in chunks[:session.capacity]:
            session.submit(chunk)
        got = [session.next() for _ in chunks[:session.capacity]]
        assert [[a for a, _ in results] for results in got] == [[r.id for r in c] for c in chunks[:session.capacity]]
        assert got[0] == analysis.analyze_records(chunks[0])
        engine.end_session(session)
        assert len(engine.last_peak_memory) == 2 and min(engine.last_peak_memory) > 50 * 2**20

        # a slow first chunk and a quick second one, on two actors: the second finishes first, and
        # still comes back second
        slow = [_Sleeper.remote(), _Sleeper.remote()]
        ray.get([actor.analyze.remote([0.0]) for actor in slow], timeout=120)  # both placed and started
        ordered = RaySession(ray, slow, 1)
        ordered.submit([8.0])
        ordered.submit([0.0])
        first_ref, second_ref = ordered._queue
        assert ray.wait([second_ref], timeout=30)[0] == [second_ref]
        assert ray.wait([first_ref], timeout=0)[0] == []  # the first is still running: out of order
        assert ordered.next() == [(8.0, {})] and ordered.next() == [(0.0, {})]
        ordered.close()
    finally:
        engine.close()


@ray.remote(num_cpus=0)
class _Sleeper:
    def analyze(self, records):
        time.sleep(records[0])
        return [(records[0], {})]


def _wait_until_dead(actor, limit=60.0):
    """ray.kill is asynchronous: a call sent just after it may still be answered. Ask until one fails."""
    deadline = time.monotonic() + limit
    while True:
        try:
            ray.get(actor.peak_memory.remote(), timeout=limit)
        except ray.exceptions.RayActorError:
            return
        assert time.monotonic() < deadline, "the killed actor still answers"
        time.sleep(0.05)


def test_a_worker_engine_keeps_its_actors_and_drops_dead_ones(tmp_path):
    engine = engines.open_engine("ray", workers=1)
    engine.keep_actors = True
    try:
        first = engine.session(analysis.registered(), 10)
        engine.end_session(first)
        again = engine.session(analysis.registered(), 10)
        assert again.actors == first.actors  # the same loaded actor, not a new one
        ray.kill(again.actors[0], no_restart=True)  # its node lost beyond the restarts
        _wait_until_dead(again.actors[0])
        engine.end_session(again)
        assert engine.last_peak_memory == [] and engine._kept == {}
        fresh = engine.session(analysis.registered(), 10)
        assert fresh.actors != first.actors
        records = [analysis.ArticleText(1, "Talks", "The ministers met in Geneva on Monday.", None)]
        fresh.submit(records)
        assert fresh.next() == analysis.analyze_records(records)
        engine.end_session(fresh)
    finally:
        engine.close()


def test_only_the_analysis_settings_travel_to_the_cluster(monkeypatch):
    monkeypatch.setenv("NEWSRADAR_ACTORS_FILE", "/srv/actors.yaml")
    monkeypatch.setenv("NEWSRADAR_DB", "postgresql://u:secret@db/x")
    monkeypatch.setenv("NEWSRADAR_SMTP_PASSWORD", "secret")
    for name in ("NEWSRADAR_MAX_FILE_MB", "NEWSRADAR_NEAR_DUP_THRESHOLD"):
        monkeypatch.delenv(name, raising=False)
    seen = {}
    monkeypatch.setattr(ray, "is_initialized", lambda: False)
    monkeypatch.setattr(ray, "init", lambda **options: seen.update(options))
    RayEngine().start()
    forwarded = seen["runtime_env"]["env_vars"]
    assert forwarded["NEWSRADAR_ACTORS_FILE"] == "/srv/actors.yaml"
    assert set(forwarded) <= {"NEWSRADAR_ACTORS_FILE", "NEWSRADAR_ACTORS_INDEX"}  # the tests' own index too


def test_backfill_through_ray_matches_the_local_backfill(tmp_path):
    archive = [str(EXAMPLES / "warc"), str(EXAMPLES / "jsonl")]
    documents = []
    for engine in ("local", "ray"):
        db = f"sqlite:///{tmp_path / engine}.db"
        result = _newsradar("backfill", *archive, "--db", db, "--engine", engine)
        assert result.returncode == 0, result.stderr
        assert f"analysed ({engine}" in result.stderr and "assigned to stories" in result.stderr
        assert engine == "local" or "peak memory per worker" in result.stderr
        with open_store(db) as store:
            documents.append(export.analysis_document(store, [a["id"] for a in store.iter_articles()]))
    assert len(documents[0]["articles"]) >= 10
    assert differences(*documents) == []


def test_without_ray_or_a_cluster_the_error_is_one_line(tmp_path):
    db = f"sqlite:///{tmp_path / 's.db'}"
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = _newsradar("analyze", str(EXAMPLES / "jsonl"), "--db", db, "--engine", "ray",
                        "--ray-address", f"127.0.0.1:{port}", timeout=300)
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert lines and f"cannot start the Ray cluster at 127.0.0.1:{port}" in lines[0]
    hidden = _newsradar("analyze", str(EXAMPLES / "jsonl"), "--db", db, "--engine", "ray",
                        env={**os.environ, "PYTHONPATH": str(_no_ray_path(tmp_path))})
    assert hidden.returncode == 1 and "pip install 'newsradar[ray]'" in hidden.stderr
    assert _newsradar("analyze", str(EXAMPLES / "jsonl"), "--db", db, "--engine", "spark").returncode == 1


def _no_ray_path(tmp_path: Path) -> Path:
    """A directory that, first on sys.path, makes `import ray` fail as on an install without the extra."""
    shadow = tmp_path / "shadow" / "ray"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('no ray here')\n")
    return shadow.parent


@pytest.fixture
def ray_cluster(tmp_path, monkeypatch):
    """A two-node Ray cluster on this machine: `ray start --head` and a second node joining it, with
    token authentication (Ray's default once a token exists) on a token of its own, which the
    driver started by the test is given as every node is (docs/deployment.md)."""
    binary = Path(sys.executable).parent / "ray"
    if not binary.exists():
        binary = Path(shutil.which("ray") or "ray")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    token = tmp_path / "ray-token"
    token.write_text(secrets.token_hex(32))
    for name, value in (("RAY_AUTH_MODE", "token"), ("RAY_AUTH_TOKEN_PATH", str(token))):
        monkeypatch.setenv(name, value)
    marker = f"NEWSRADAR_TEST_RAY_CLUSTER={os.getpid()}-{port}"  # every process of this cluster inherits it
    env = {**os.environ, "RAY_ADDRESS": "", marker.split("=")[0]: marker.split("=")[1]}
    temp = Path("/tmp") / f"nr-ray-{os.getpid()}"  # Ray's socket paths must stay short
    head = [str(binary), "start", "--head", f"--port={port}", "--node-ip-address=127.0.0.1", "--num-cpus=1",
            "--include-dashboard=false", "--disable-usage-stats", f"--temp-dir={temp}"]
    try:
        subprocess.run(head, check=True, capture_output=True, timeout=180, env=env)
        subprocess.run([str(binary), "start", f"--address=127.0.0.1:{port}", "--node-ip-address=127.0.0.1",
                        "--num-cpus=1", "--disable-usage-stats"], check=True, capture_output=True, timeout=180, env=env)
        yield f"127.0.0.1:{port}"
    finally:
        # not `ray stop`, which stops every Ray on the machine (a user's, a benchmark's): only this one
        try:
            _stop_marked(marker)
        finally:
            shutil.rmtree(temp, ignore_errors=True)


def _stop_marked(marker: str, grace: float = 15.0) -> None:
    """Stop the processes whose environment holds ``marker``: SIGTERM, then SIGKILL what is left."""
    def marked() -> list[int]:
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit() and int(entry.name) != os.getpid():
                try:
                    if marker.encode() in (entry / "environ").read_bytes().split(b"\0"):
                        found.append(int(entry.name))
                except OSError:  # gone meanwhile, or another user's
                    continue
        return found

    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in marked():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        deadline = time.monotonic() + grace
        while marked() and time.monotonic() < deadline:
            time.sleep(0.2)
    assert marked() == [], f"Ray processes of the test cluster still running: {marked()}"


def test_a_two_node_cluster_analyses_as_the_local_engine(local_document, ray_cluster, tmp_path):
    path = tmp_path / "cluster.json"
    result = _newsradar("analyze", str(EXAMPLES), "--db", f"sqlite:///{tmp_path / 'c.db'}", "--engine", "ray",
                        "--ray-address", ray_cluster, "--json", str(path))
    assert result.returncode == 0, result.stderr
    assert differences(local_document, json.loads(path.read_text())) == []


def test_a_worker_parses_on_ray_and_stops_cleanly_on_sigterm(tmp_path):
    """A worker on Ray keeps its actors between rounds; SIGTERM (a service manager's stop) ends it
    after its round, Ray's own handler notwithstanding."""
    db = f"sqlite:///{tmp_path / 'w.db'}"
    assert _newsradar("ingest", str(EXAMPLES / "jsonl"), str(EXAMPLES / "feeds"), "--db", db, "--no-stories"
                      ).returncode == 0
    process = subprocess.Popen([sys.executable, "-m", "newsradar", "worker", "--db", db, "--engine", "ray",
                                "--workers", "1", "--name", "r"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline, done = time.monotonic() + 600, False
        while not done and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.5)
            with open_store(db) as store:
                articles = list(store.iter_articles())
                states = {w["name"]: w for w in leases.workers(store)}
            done = all(a["story_id"] is not None for a in articles) and states.get("r", {}).get("state") == "idle"
        assert done, process.stderr.read() if process.poll() is not None else "the worker did not finish its work"
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, stderr
    assert "stopped after" in stderr
    originals = [a for a in articles if a["duplicate_of"] is None]
    assert len(originals) >= 20 and f"{len(originals)} analysed" in stderr.replace(",", "")
    with open_store(db) as store:
        assert leases.workers(store)[0]["state"] == "stopped"
