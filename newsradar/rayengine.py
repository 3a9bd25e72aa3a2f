"""The NLP stage, and the preparation of archives, on Ray (``--engine ray``).

The parse is nearly all of newsradar's cost and every article is parsed on its own, so it spreads
over a cluster as a pool of Ray actors, each holding one loaded spaCy pipeline (loading it takes
seconds; an actor loads it once). The driver — the ``newsradar`` process — keeps reading the store
and writing it: it sends each actor chunks of waiting articles (two in flight per actor, so an actor
never waits for the driver), takes the results back in the order it sent them and writes them
through the same ``analysis.write_results`` as the local engine. The store never sees another write
path, and the same inputs give the same store content whichever engine parsed them.

We use plain actors rather than Ray Data's ``map_batches``: the work is a stream of chunks from a
database cursor whose results must come back in order to one writer, which plain actors give with
a queue of object references; Ray Data would add its own executor and a conversion of every record
and result to Arrow blocks for no gain (bench/scale.py measures both).

Ingestion (``backfill``) sends the CPU-bound preparation of items (extracting a page, normalizing,
fingerprinting) to Ray tasks through ``RayPreparer``; reading the inputs and the store's write path
stay in the driver. Ray is an optional dependency: ``pip install 'newsradar[ray]'``."""

from __future__ import annotations

import logging
import os
import resource
import socket
from collections import deque
from collections.abc import Sequence
from typing import Any

from .errors import NewsradarError
from .model import Article, Item
from .prepare import PreparedBatch, Preparer, prepare
from .stages import ArticleText, Stage

Results = list[tuple[int, dict[str, Any]]]

# the settings that change what the analysis or the preparation of an article gives, and only
# those: the store's URL, tokens and passwords never travel to the cluster's nodes
FORWARDED = ("NEWSRADAR_ACTORS_FILE", "NEWSRADAR_ACTORS_INDEX", "NEWSRADAR_MAX_FILE_MB",
             "NEWSRADAR_NEAR_DUP_THRESHOLD")
_LOAD_TIMEOUT = 600.0  # seconds for every actor to load its pipeline (an actor no node can place waits forever)
# seconds for the oldest chunk's results (a chunk is a few seconds' work: one that takes this long is
# stuck on a hung node, and waiting for it would hold the run and its leases forever)
_CHUNK_TIMEOUT = 1800.0
_QUERY_TIMEOUT = 60.0  # seconds for an actor to report its memory


def _ray() -> Any:
    try:
        import ray
    except ImportError as exc:
        raise NewsradarError("--engine ray needs Ray, which is not installed: pip install 'newsradar[ray]'") from exc
    return ray


class _Parser:
    """One Ray actor: the spaCy pipeline of the given stages, loaded once; chunks of records in,
    every stage's results out (``analysis.analyze_records``, as the local engine runs it)."""

    def __init__(self, stages: Sequence[Stage]):
        from . import analysis
        from .actors import knowledge

        self.stages = list(stages)
        knowledge.ensure_default()  # a node that never ran `newsradar init` compiles the actor index once
        analysis.pipeline(self.stages)

    def analyze(self, records: Sequence[ArticleText]) -> Results:
        from . import analysis

        return analysis.analyze_records(records, self.stages)

    def peak_memory(self) -> int:
        """This actor's peak resident memory, in bytes."""
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _prepare_chunk(items: Sequence[Item]) -> list[Article | Exception]:
    return [prepare(item) for item in items]


class RaySession:
    """One analysis run's actors: ``submit`` a chunk, ``next`` gives the oldest chunk's results."""

    def __init__(self, ray: Any, actors: list[Any], chunk: int):
        self.ray, self.actors, self.chunk = ray, actors, chunk
        self.capacity = 2 * len(actors)
        self._queue: deque[Any] = deque()
        self._turn = 0

    def submit(self, records: list[ArticleText]) -> None:
        actor = self.actors[self._turn % len(self.actors)]
        self._turn += 1
        self._queue.append(actor.analyze.remote(records))

    def next(self) -> Results:
        try:
            return self.ray.get(self._queue.popleft(), timeout=_CHUNK_TIMEOUT)
        except self.ray.exceptions.GetTimeoutError as exc:
            raise NewsradarError(f"a Ray worker gave no results for {_CHUNK_TIMEOUT:.0f} s (a hung node?); what was "
                                 "written stays, run again to go on") from exc
        except self.ray.exceptions.RayError as exc:  # a node lost beyond the retries, a worker out of memory
            raise NewsradarError(f"the Ray job failed: {_first_line(exc)}; what was written stays, run again to go on"
                                 ) from exc

    def peak_memory(self) -> list[int]:
        return self.ray.get([actor.peak_memory.remote() for actor in self.actors], timeout=_QUERY_TIMEOUT)

    def close(self) -> None:
        for actor in self.actors:
            try:
                self.ray.kill(actor)
            except Exception:  # noqa: BLE001, S112 - an actor already gone (its node lost) needs no killing
                continue
        self.actors = []


class RayEngine:
    """Ray as the NLP engine: on the cluster at ``address`` (else ``RAY_ADDRESS``), or on a local
    Ray instance it starts (``ray.init``) and stops again. ``workers`` actors (default: one per CPU
    of the cluster), each holding one pipeline. The settings that shape the analysis (``FORWARDED``)
    travel to the workers with the job, so every node analyses as the driver would."""

    name = "ray"

    def __init__(self, address: str | None = None, workers: int | None = None, chunk: int = 128):
        self.address = address or os.environ.get("RAY_ADDRESS") or None
        self.workers = workers
        self.chunk = chunk
        self._ray: Any = None
        self._started = False
        self.last_peak_memory: list[int] = []
        # keep the actors between sessions (a worker's rounds) instead of loading pipelines anew each time
        self.keep_actors = False
        self._kept: dict[tuple, list[Any]] = {}

    def start(self) -> Any:
        if self._ray is not None:
            return self._ray
        ray = _ray()
        if not ray.is_initialized():
            env = {name: os.environ[name] for name in FORWARDED if name in os.environ}
            options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False, "logging_level": logging.ERROR,
                                       "runtime_env": {"env_vars": env}}
            if self.address and self.address not in ("auto", "local") and "://" not in self.address:
                _reachable(self.address)
            try:
                if self.address:
                    ray.init(address=self.address, **options)
                else:  # a local instance of our own, never a cluster some other process started here
                    ray.init(address="local", num_cpus=os.cpu_count() or 1, **options)
            except Exception as exc:  # noqa: BLE001 - Ray's many connection errors become one line
                where = f"the Ray cluster at {self.address}" if self.address else "a local Ray instance"
                raise NewsradarError(f"cannot start {where}: {_first_line(exc)}") from exc
            self._started = True
        self._ray = ray
        return ray

    def worker_count(self) -> int:
        ray = self.start()
        if self.workers:
            return self.workers
        if self.keep_actors:  # a long-lived worker takes the CPUs free when it starts, not other workers' share
            return max(1, int(ray.available_resources().get("CPU", 1)))
        return max(1, int(ray.cluster_resources().get("CPU", 1)))

    def session(self, stages: Sequence[Stage], total: int) -> RaySession:
        ray = self.start()
        key = tuple((s.name, s.version) for s in stages)
        if self.keep_actors and key in self._kept:  # a worker's rounds reuse its loaded actors
            actors = self._kept[key]
            return RaySession(ray, actors, max(8, min(self.chunk, -(-total // (2 * len(actors))))))
        self.drop_kept()
        count = max(1, min(self.worker_count(), -(-total // 8)))  # a handful of articles needs few actors
        if self.keep_actors:
            count = self.worker_count()
        # parsing is pure, so a chunk whose actor died (a node lost) is simply parsed again elsewhere
        remote = ray.remote(num_cpus=1, max_restarts=2, max_task_retries=2)(_Parser)
        actors = [remote.remote(list(stages)) for _ in range(count)]
        # chunks small enough that every actor has two in flight, large enough to amortize a call
        chunk = max(8, min(self.chunk, -(-total // (2 * count))))
        session = RaySession(ray, actors, chunk)
        try:  # wait until each has loaded its pipeline
            ray.get([actor.peak_memory.remote() for actor in actors], timeout=_LOAD_TIMEOUT)
        except ray.exceptions.GetTimeoutError as exc:
            session.close()
            raise NewsradarError(f"{count} Ray workers were not all placed and loaded within {_LOAD_TIMEOUT:.0f} s: "
                                 f"the cluster has {ray.available_resources().get('CPU', 0):.0f} free CPUs; "
                                 f"ask for fewer with --workers") from exc
        except ray.exceptions.RayError as exc:
            session.close()
            raise NewsradarError(f"a Ray worker could not load the pipeline (is newsradar with its model installed on "
                                 f"every node?): {_first_line(exc)}") from exc
        if self.keep_actors:
            self._kept[key] = actors
        return session

    def end_session(self, session: RaySession) -> None:
        try:
            self.last_peak_memory = session.peak_memory() if session.actors else []
        except self._ray.exceptions.RayError:  # an actor died beyond its restarts, or hangs: load new ones next time
            self.last_peak_memory = []
            self.drop_kept()
        if not self.keep_actors:
            session.close()

    def drop_kept(self) -> None:
        """Kill the actors kept between sessions (after a failure, or when the stages changed)."""
        for actors in self._kept.values():
            RaySession(self._ray, actors, 1).close()
        self._kept = {}

    def preparer(self, workers: int | None = None) -> RayPreparer:
        return RayPreparer(self.start(), workers or self.worker_count())

    def close(self) -> None:
        if self._ray is not None:
            self.drop_kept()
        if self._started and self._ray is not None:
            self._ray.shutdown()
        self._ray, self._started = None, False

    def __enter__(self) -> RayEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return f"{type(exc).__name__}: {lines[0] if lines else ''}"[:300]


def _reachable(address: str, timeout: float = 5.0) -> None:
    """Fail in one line, at once, when nothing answers at a cluster's host:port (Ray itself retries
    for minutes)."""
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise NewsradarError(f"--ray-address {address!r}: give the head node as host:port (or auto)")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as exc:
        raise NewsradarError(f"cannot start the Ray cluster at {address}: nothing answers there "
                             f"({exc.strerror or type(exc).__name__}); is `ray start --head` running?") from exc


class RayPreparer(Preparer):
    """``Preparer`` on Ray tasks: each batch cut into pieces prepared across the cluster, results
    in input order (a piece's ``ObjectRef`` stands in for a process pool's future)."""

    def __init__(self, ray: Any, workers: int, min_parallel: int = 64):
        super().__init__(workers, min_parallel)
        self._ray = ray
        self._task = ray.remote(num_cpus=1)(_prepare_chunk)

    def submit(self, items: Sequence[Item], known: dict[int, Article] | None = None) -> PreparedBatch:
        known = known or {}
        if known:
            items = [item for index, item in enumerate(items) if index not in known]
        if len(items) < self.min_parallel:
            return PreparedBatch(results=[prepare(item) for item in items], known=known)
        size = max(1, -(-len(items) // (self.workers * 2)))
        return PreparedBatch(futures=[self._task.remote(items[i:i + size]).future() for i in range(0, len(items), size)],
                             known=known)

    def close(self) -> None:
        pass
