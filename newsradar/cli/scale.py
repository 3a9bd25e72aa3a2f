"""The commands that take newsradar beyond one process: backfill (an archive through the whole
flow, the NLP stage on Ray if asked), worker (one of many processes sharing a store's polling,
analysis and story assignment) and workers (who is working on this store)."""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from typing import Annotated

import typer
from rich.table import Table

from .. import analysis, stories
from ..errors import NewsradarError
from ..store import leases
from ..worker import WorkerReport
from ..worker import run as run_worker
from .common import (
    BatchOption,
    DbOption,
    EngineOption,
    Inputs,
    JsonOption,
    OutletOption,
    Progress,
    RayAddressOption,
    WorkersOption,
    app,
    engine_option,
    err,
    open_db,
    out,
    print_json,
    progress_bar,
    say,
    warn,
)
from .run import ingest_reported, print_poll


@app.command()
def backfill(inputs: Inputs, db: DbOption = None, engine: EngineOption = "local", ray_address: RayAddressOption = None,
             workers: WorkersOption = None, batch_size: BatchOption = None, outlet: OutletOption = None,
             cluster: Annotated[bool, typer.Option(
                 "--stories/--no-stories", help="Assign stories after the analysis (--no-stories: leave it to "
                                                "`stories update`, e.g. while other backfills still run).")] = True) -> None:
    """Load an archive (WARC, WARC.gz, JSONL files or directories of them): read it as a stream,
    prepare and store its articles, run the NLP stage over them — on this machine, or with
    --engine ray across a Ray cluster — then assign stories in publication order. Prints each
    step's time and rate. Safe to re-run and to interrupt: a re-run skips what is stored."""
    with open_db(db) as store, engine_option(engine, ray_address, workers) as chosen:
        steps: list[tuple[str, int, float]] = []
        started = time.monotonic()
        ingested = ingest_reported(store, inputs, batch_size=batch_size, workers=workers, outlet=outlet, engine=chosen)
        store.refresh_statistics()  # the planner sees the loaded tables (PostgreSQL; autovacuum may be off or late)
        steps.append(("read and stored", ingested.processed, time.monotonic() - started))
        started = time.monotonic()
        # leased chunks: backfills run side by side (each --no-stories) share the queue; registered
        # among the workers, so that a run started again on this machine frees a killed one's leases
        holder, began, analysed = leases.worker_name(), leases.now(store), 0
        leases.heartbeat(store, holder, "backfill", started=began)
        try:
            with progress_bar() as bar:
                found = analysis.analyze_pending(store, progress=Progress(bar), engine=chosen, holder=holder)
            analysed = found.articles
        finally:
            with contextlib.suppress(NewsradarError):
                leases.heartbeat(store, holder, "stopped", analysed=analysed, started=began)
        peaks = getattr(chosen, "last_peak_memory", None)
        where = (f"{chosen.name}, {len(peaks)} workers, peak memory per worker "
                 + "/".join(f"{p / 2**20:,.0f}" for p in peaks) + " MiB") if peaks else chosen.name
        steps.append((f"analysed ({where})", found.articles, time.monotonic() - started))
        if cluster:
            started = time.monotonic()
            store.refresh_statistics()  # the analysis's tables as they now are, before story assignment reads them
            with progress_bar() as bar:
                assigned = stories.update(store, progress=Progress(bar))
            assert assigned is not None
            steps.append(("assigned to stories", assigned.articles, time.monotonic() - started))
    for step, count, seconds in steps:
        rate = f", {count / seconds:,.1f} articles/s" if seconds > 0 and count else ""
        say(f"{step}: {count:,} articles in {seconds:,.1f} s{rate}", err)


@app.command()
def worker(db: DbOption = None, engine: EngineOption = "local", ray_address: RayAddressOption = None,
           name: Annotated[str | None, typer.Option(help="This worker's name (default host:pid).")] = None,
           exit_when_idle: Annotated[bool, typer.Option(
               "--exit-when-idle", help="Stop once no feed is due and no article waits for analysis or a story "
                                        "(for a drain, or a batch job); default: keep working until SIGINT/SIGTERM.")] = False,
           feeds: Annotated[int | None, typer.Option(
               "--feeds", min=1, help="Feeds leased per round (default twice NEWSRADAR_POLL_CONCURRENCY).")] = None,
           workers: Annotated[int | None, typer.Option(
               "--workers", min=1, help="With --engine ray: Ray actors this worker parses on (default one per CPU "
                                        "free on the cluster when it starts; give each of several workers its share).")] = None) -> None:
    """Work on a shared store beside other workers, on this machine or others: poll the feeds this
    worker leases, analyse a leased chunk of waiting articles, and assign stories when no other
    process is doing it. Run as many as the store can take; SIGINT or SIGTERM stops after the
    current round; a worker killed outright loses nothing (its leases run out)."""
    stop = threading.Event()
    with open_db(db) as store, engine_option(engine, ray_address, workers) as chosen:
        if chosen.name == "ray":
            chosen.keep_actors = True  # loaded once, used every round
            chosen.start()  # before our handlers: starting Ray installs its own for SIGTERM
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        shown = [0]

        def on_round(report: WorkerReport) -> None:
            if report.poll_results:
                print_poll(report.poll_results)
                report.poll_results = []
            if report.analysed + report.clustered != shown[0]:
                shown[0] = report.analysed + report.clustered
                say(f"{report.name}: {report.polled:,} feeds polled, {report.new_articles:,} new articles, "
                    f"{report.analysed:,} analysed, {report.clustered:,} assigned to stories", err)

        say(f"worker {name or leases.worker_name()} on {store.safe_url()}"
            f" ({chosen.name} engine); SIGINT or SIGTERM stops after the current round", err)
        # locally, one process per worker: run a worker per core rather than spaCy's processes in each
        parser = chosen if chosen.name == "ray" else analysis.LocalEngine(1)
        report = run_worker(store, stop, name=name, engine=parser, warn=warn, exit_when_idle=exit_when_idle,
                            feeds_per_round=feeds, on_round=on_round)
    say(f"stopped after {report.rounds} rounds: {report.polled:,} feeds polled, {report.new_articles:,} new articles, "
        f"{report.analysed:,} analysed, {report.clustered:,} assigned to stories", err)


@app.command("workers")
def workers_command(db: DbOption = None, as_json: JsonOption = False) -> None:
    """The workers that have run on this store: when each was last seen, what it was doing, what
    it has done, and the feeds and articles it holds leases on now."""
    with open_db(db) as store:
        rows = leases.workers(store)
    if as_json:
        print_json(rows)
        return
    table = Table(title=f"{len(rows)} workers")
    for column in ("worker", "last seen", "state", "polled", "analysed", "clustered", "leased feeds", "leased articles"):
        table.add_column(column, justify="left" if column in ("worker", "last seen", "state") else "right")
    for row in rows:
        table.add_row(row["name"], row["seen_at"].isoformat(timespec="seconds") if row["seen_at"] else "", row["state"],
                      f"{row['polled']:,}", f"{row['analysed']:,}", f"{row['clustered']:,}",
                      str(row["leased_feeds"]), str(row["leased_articles"]))
    out.print(table)
