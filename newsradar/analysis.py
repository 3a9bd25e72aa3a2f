"""The NLP stage: each article waiting for analysis is parsed once (its headline and text as two
Docs of one ``nlp.pipe`` pass, with every registered stage's components) and every stage reads that
parse (``stages``). Each chunk's results are written in one transaction, with a row per article and
stage in ``analyses`` recording the stage's version.

``analyze_records`` is the engine-independent seam: plain records in, plain results out, no
database — the same function runs here (``LocalEngine``) or on Ray actors (``rayengine.py``);
only ``analyze_pending`` (the reader of the queue and the writer) touches the store. An engine
takes chunks of records and gives back each chunk's results in the order it was given them, so
the store sees the same writes in the same order whichever engine parsed."""

from __future__ import annotations

import contextlib
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from . import nlp, settings
from .errors import StoreError
from .normalize import parse_datetime
from .prepare import default_workers
from .progress import NO_PROGRESS, Progress
from .stages import ArticleText, Stage, registered
from .store import Store, leases
from .store import analyses as analysis_store

_CHUNK = 128
_PROCESS_CHUNK = 1000  # articles per chunk when parsing on several processes

Results = list[tuple[int, dict[str, Any]]]  # (article id, {stage name: its result})


@dataclass(slots=True)
class AnalysisReport:
    articles: int = 0
    found: dict[str, int] = field(default_factory=dict)  # stage → items its results held (terms, entities…)


def related(stages: Sequence[Stage]) -> list[Stage]:
    """These stages with those they read (``needs``) and those that read them, in registration
    order: analysing only quotes needs the entities' mentions; re-analysing entities moves the
    mentions the quotes' speakers point at, so the quotes are re-derived with them."""
    chosen = {s.name: s for s in stages}
    everything = registered()
    changed = True
    while changed:
        changed = False
        for stage in everything:
            wanted = stage.name not in chosen and (
                any(stage.name in s.needs for s in chosen.values()) or any(n in chosen for n in stage.needs))
            if wanted:
                chosen[stage.name] = stage
                changed = True
    order = [s.name for s in everything]
    return sorted(chosen.values(), key=lambda s: order.index(s.name) if s.name in order else len(order))


def pipes_of(stages: Sequence[Stage]) -> tuple[str, ...]:
    """The components of these stages, in registration order, each once."""
    pipes: list[str] = []
    for stage in stages:
        pipes.extend(p for p in stage.pipes if p not in pipes)
    return tuple(pipes)


def pipeline(stages: Sequence[Stage] | None = None):
    """The spaCy pipeline the analysis runs: the model and the stages' components."""
    return nlp.load(pipes_of(list(stages if stages is not None else registered())))


def analyze_records(records: Sequence[ArticleText], stages: Sequence[Stage] | None = None,
                    n_process: int = 1) -> Results:
    """Each article's results from every stage, parsing each headline and text once. ``n_process``
    > 1 parses on that many processes (each loads the model: it pays from a few hundred articles on)."""
    stages = related(list(stages if stages is not None else registered()))
    texts: list[str] = []
    for record in records:
        texts.append(record.title or "")
        texts.append(record.text)
    docs = nlp.parse(texts, n_process=n_process, pipes=pipes_of(stages))
    results: Results = []
    for record in records:
        title_doc, text_doc = next(docs), next(docs)
        found: dict[str, Any] = {}
        for stage in stages:
            if stage.needs:
                found[stage.name] = stage.extract(record, title_doc, text_doc,
                                                  prior={n: found.get(n) for n in stage.needs})
            else:
                found[stage.name] = stage.extract(record, title_doc, text_doc)
        results.append((record.id, found))
    return results


def processes_for(count: int) -> int:
    """Parsing processes for ``count`` articles: NEWSRADAR_WORKERS (0: one per CPU, at most 4),
    and only one below 500 articles, where starting processes costs more than it saves."""
    workers = settings.get("workers") or default_workers()
    return max(1, workers) if count >= 500 else 1


def write_results(store: Store, results: Results, stages: Sequence[Stage]) -> None:
    """Store a chunk's results, every stage's and their versions, in one transaction. The writer
    locks the chunk's articles for the transaction (``lock_for_writing``); an article another process
    wrote meanwhile at these versions is left as that process wrote it (so two concurrent runs never
    write one article twice), and writers of different articles never wait on each other."""
    versions = [(s.name, s.version) for s in stages]
    with store.connect(write=True) as conn:
        analysis_store.lock_for_writing(store, conn, [a for a, _ in results])
        done = analysis_store.current(conn, [a for a, _ in results], versions)
        results = [(a, found) for a, found in results if a not in done]
        if not results:
            return
        for stage in stages:
            stage.write(store, conn, [(article_id, found[stage.name]) for article_id, found in results])
        analysis_store.record(store, conn, [a for a, _ in results], versions)


class Session(Protocol):
    """One analysis run on an engine: ``capacity`` chunks of ``chunk`` articles may be in flight;
    ``next`` gives the results of the oldest chunk submitted."""

    capacity: int
    chunk: int

    def submit(self, records: list[ArticleText]) -> None: ...

    def next(self) -> Results: ...


class Engine(Protocol):
    name: str

    def session(self, stages: Sequence[Stage], total: int) -> Session: ...

    def end_session(self, session: Any) -> None: ...


class LocalSession:
    """Parses on this machine, a chunk at a time, on one process or ``n_process`` (spaCy's own)."""

    def __init__(self, stages: Sequence[Stage], n_process: int):
        self.stages, self.n_process = stages, n_process
        self.capacity = 1
        self.chunk = _PROCESS_CHUNK if n_process > 1 else _CHUNK
        self._queue: deque[list[ArticleText]] = deque()

    def submit(self, records: list[ArticleText]) -> None:
        self._queue.append(records)

    def next(self) -> Results:
        records = self._queue.popleft()
        return analyze_records(records, self.stages, n_process=self.n_process if len(records) >= 500 else 1)


class LocalEngine:
    """The default engine: this process, and spaCy's worker processes for large batches
    (``NEWSRADAR_WORKERS``; ``n_process`` overrides it)."""

    name = "local"

    def __init__(self, n_process: int | None = None):
        self.n_process = n_process

    def session(self, stages: Sequence[Stage], total: int) -> LocalSession:
        return LocalSession(stages, self.n_process or processes_for(total))

    def end_session(self, session: Any) -> None:
        pass

    def close(self) -> None:
        pass


def analyze_pending(store: Store, stages: Sequence[Stage] | None = None, progress: Progress = NO_PROGRESS,
                    outdated: bool = False, since: datetime | None = None, limit: int | None = None,
                    engine: Engine | None = None, holder: str | None = None) -> AnalysisReport:
    """Analyse every original article never analysed — or, with ``outdated``, those some stage
    analysed at another version (newest first; ``since`` and ``limit`` bound the batch). Each chunk
    is one transaction; safe to interrupt and run again. A stage brings the stages it reads and
    those that read it (``related``). ``engine`` parses (default: ``LocalEngine``). ``holder``
    (a worker's name) leases each chunk before parsing it and skips articles other workers hold,
    so that workers sharing a store share the queue instead of parsing the same articles."""
    stages = related(list(stages if stages is not None else registered()))
    versions = [(s.name, s.version) for s in stages]
    report = AnalysisReport()
    if holder:
        leases.reap_dead(store)  # leases of a killed run on this machine: free them, not wait for them
    total = analysis_store.pending_count(store, versions, outdated, since, leases.now(store) if holder else None)
    if limit is not None:
        total = min(total, limit)
    progress.start("analysing (" + ", ".join(s.name for s in stages) + ")", total, "articles")
    if not total:
        return report
    engine = engine or LocalEngine()
    session = engine.session(stages, total)
    lease_seconds = settings.get("lease_seconds")
    in_flight: deque[list[int]] = deque()
    held: set[int] = set()  # articles submitted and not yet written: the queue still lists them
    renewed = time.monotonic()
    fetched = 0
    try:
        while True:
            while len(in_flight) < session.capacity and fetched < total:
                wanted = min(session.chunk, total - fetched)
                rows = analysis_store.pending(store, versions, wanted + len(held), outdated, since,
                                              leases.now(store) if holder else None)
                rows = [r for r in rows if r.id not in held][:wanted]
                if holder and rows:
                    rows = _claim(store, holder, rows, versions, lease_seconds)
                if not rows:
                    total = fetched  # the queue ran dry (or other workers took the rest)
                    break
                session.submit([ArticleText(r.id, r.title, r.text, _day(parse_datetime(r.published)), r.language)
                                for r in rows])
                in_flight.append([r.id for r in rows])
                held.update(r.id for r in rows)
                fetched += len(rows)
            if not in_flight:
                break
            ids = in_flight.popleft()
            results = session.next()
            write_results(store, results, stages)
            held.difference_update(ids)
            if holder:
                leases.release_articles(store, holder, ids)
                if held and time.monotonic() - renewed > lease_seconds / 3:  # still at work on these
                    leases.renew_articles(store, holder, lease_seconds)
                    renewed = time.monotonic()
            report.articles += len(ids)
            for _, found in results:
                for name, value in found.items():
                    report.found[name] = report.found.get(name, 0) + (len(value) if hasattr(value, "__len__") else 1)
            progress.advance(len(ids))
    finally:
        engine.end_session(session)
        if holder and held:  # stopped by an error or an interrupt: what was not written goes back to the queue
            with contextlib.suppress(StoreError):  # if the store is what failed, the leases run out instead
                leases.release_articles(store, holder, sorted(held))
    return report


def _claim(store: Store, holder: str, rows: list, versions: list[tuple[str, str]], seconds: float) -> list:
    """The rows of ``rows`` this holder got a lease on and that still wait: an article another
    worker wrote (and released) between our read of the queue and our claim is handed back, not
    parsed a second time."""
    mine = set(leases.claim_articles(store, holder, [r.id for r in rows], seconds))
    if mine:
        with store.connect() as conn:
            done = analysis_store.current(conn, sorted(mine), versions)
        if done:
            leases.release_articles(store, holder, sorted(done))
            mine -= done
    return [r for r in rows if r.id in mine]


def _day(value: datetime | None) -> date | None:
    return value.date() if value else None
