"""``newsradar worker``: one of many processes, on one machine or several, sharing a store's work.

Each round a worker

1. **polls** feeds it leases (``store/leases.claim_feeds``: due, not paused, no live lease; taken
   with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL), writes what they gave and hands them back;
2. **analyses** articles waiting for the NLP stage, a leased chunk at a time, so that workers share
   the queue instead of parsing the same articles (on its own process, spaCy's processes or Ray);
3. **assigns stories** if no other process is doing it (the store's "stories" lock, a PostgreSQL
   advisory lock: the clusterer is one ordered pass, so one assigner at a time; the others go on
   polling and parsing), and tells the topics' alerts.

A worker killed at any point loses nothing and duplicates nothing: a feed's new state is written
only after its articles (a re-poll finds them stored: their keys are UNIQUE), an article's analysis
is written in one transaction with its version (written once per version), a chunk of stories in
one transaction; leases left behind run out (``NEWSRADAR_LEASE_SECONDS``), and the advisory lock
dies with the connection. Workers record a heartbeat in ``workers`` (``newsradar workers``)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from . import alerts, analysis, settings, stories
from .errors import NewsradarError
from .model import Warn
from .poll import Poller, PollResult
from .store import Store, leases
from .store import analyses as analysis_store
from .store import feeds as feed_store
from .store import stories as story_store

_ANALYSIS_ROUND = 512  # articles analysed at most per round, so that feeds falling due are not kept waiting
_STORIES_ROUND = 2048  # articles assigned to stories at most per round (about a minute on PostgreSQL)
_MAX_FAILED_ROUNDS = 10


@dataclass(slots=True)
class WorkerReport:
    name: str
    rounds: int = 0
    polled: int = 0
    new_articles: int = 0
    analysed: int = 0
    clustered: int = 0
    poll_results: list[PollResult] = field(default_factory=list)


def idle(store: Store) -> bool:
    """Nothing left for any worker now: no feed due (leased or not), no article waiting for the
    analysis (leased or not), none waiting for a story."""
    stages = analysis.related(analysis.registered())
    versions = [(s.name, s.version) for s in stages]
    if analysis_store.pending_count(store, versions) or story_store.pending_count(store):
        return False
    return not leases.due_count(store)


def run(store: Store, stop: threading.Event, *, name: str | None = None, engine: analysis.Engine | None = None,
        warn: Warn = lambda message: None, exit_when_idle: bool = False, feeds_per_round: int | None = None,
        max_sleep: float = 5.0, on_round: Callable[[WorkerReport], None] = lambda report: None) -> WorkerReport:
    """Work rounds until ``stop`` is set (a round under way is finished first) or, with
    ``exit_when_idle``, until no work is left for anyone. A round that fails (the database
    restarting, a network cut, a Ray node lost beyond its retries) is said in a warning and tried
    again after a pause; after ``_MAX_FAILED_ROUNDS`` in a row the error stops the worker."""
    report = WorkerReport(name or leases.worker_name())
    started = datetime.now(UTC)
    failed = 0
    leases.reap_dead(store)  # a killed predecessor's leases (same --name or not) are free before we register
    while not stop.is_set():
        try:  # every read and write of the store inside: a failure costs a round, not the worker
            worked, done, pause = _round(store, report, engine, warn, feeds_per_round, started), False, 0.0
            if not worked:
                leases.expire(store)  # a dead worker's leases that ran out (the work itself was taken up again)
                done = exit_when_idle and idle(store)
                pause = 0.0 if done else _sleep(store, max_sleep)
        except NewsradarError as exc:
            failed += 1
            if failed >= _MAX_FAILED_ROUNDS:
                raise
            warn(f"{report.name}: this round failed ({exc}); trying again")
            stop.wait(max_sleep)
            continue
        failed = 0
        on_round(report)
        if worked:
            continue
        if done:
            break
        stop.wait(pause)
    leases.heartbeat(store, report.name, "stopped", report.polled, report.analysed, report.clustered, started)
    return report


def _round(store: Store, report: WorkerReport, engine: analysis.Engine | None, warn: Warn,
           feeds_per_round: int | None, started: datetime) -> bool:
    """One round: leased polling, a leased chunk of analysis, story assignment if free. Whether it
    did anything."""
    def beat(state: str) -> None:
        leases.heartbeat(store, report.name, state, report.polled, report.analysed, report.clustered, started)

    worked = False
    beat("polling")
    per_round = feeds_per_round or max(1, settings.get("poll_concurrency") * 2)
    feeds = leases.claim_feeds(store, report.name, per_round, settings.get("lease_seconds"))
    if feeds:
        try:
            results = asyncio.run(Poller(store, warn).poll(feeds))
        finally:
            leases.release_feeds(store, report.name, [f.id for f in feeds])
        report.polled += len(results)
        report.new_articles += sum(r.new_articles for r in results)
        report.poll_results = results
        worked = True
    beat("analysing")
    found = analysis.analyze_pending(store, engine=engine, holder=report.name, limit=_ANALYSIS_ROUND)
    report.analysed += found.articles
    worked = worked or found.articles > 0
    beat("assigning stories")
    assigned = stories.update(store, wait=False, limit=_STORIES_ROUND)
    if assigned is not None:
        report.clustered += assigned.articles
        worked = worked or assigned.articles > 0
        alerts.after_stories(store, warn, wait=False)  # not behind another process's assignment
    report.rounds += 1
    beat("idle")
    return worked


def _sleep(store: Store, max_sleep: float) -> float:
    upcoming = feed_store.next_due(store)
    if upcoming is None:
        return max_sleep
    return min(max_sleep, max(0.5, (upcoming - datetime.now(UTC)).total_seconds()))
