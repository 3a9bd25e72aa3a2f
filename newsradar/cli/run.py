"""The commands that run the flow (``pipeline.run``): init, ingest, analyze, reanalyze, poll, watch."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from .. import alerts, export, pipeline, settings, stages
from ..actors import knowledge
from ..errors import NewsradarError
from ..pipeline import IngestReport, RunReport
from ..poll import PollResult, poll_once
from ..poll import watch as watch_feeds
from ..store import Store, open_store
from .common import (
    BatchOption,
    DbOption,
    EngineOption,
    Inputs,
    OutletOption,
    Progress,
    RayAddressOption,
    WorkersOption,
    app,
    date_option,
    engine_option,
    err,
    open_db,
    out,
    progress_bar,
    say,
    warn,
)


def run_flow(store: Store, inputs: list[str] | None = None, *, analyse: bool = True, batch_size: int | None = None,
             workers: int | None = None, outlet: str | None = None, engine=None, **options) -> RunReport:
    """``pipeline.run`` with a progress bar. With inputs, their ingestion is reported first (each
    failed input on a line; no article at all is an error, before any analysis), then the rest of
    the flow runs."""
    ingested = None
    if inputs:
        ingested = ingest_reported(store, inputs, batch_size=batch_size, workers=workers, outlet=outlet, engine=engine)
    if not analyse:
        return RunReport(ingest=ingested)
    with progress_bar() as bar:
        report = pipeline.run([], store, progress=Progress(bar), warn=warn, engine=engine, **options)
    report.ingest = ingested
    if report.alerts.sent:
        say(f"{report.alerts.sent} alert deliveries sent", err)
    return report


def ingest_reported(store: Store, inputs: list[str], *, batch_size: int | None, workers: int | None,
                    outlet: str | None, engine=None) -> IngestReport:
    """Ingest with a progress bar, each failed input on a line and a summary; no article at all
    is an error (exit 1)."""
    with progress_bar() as bar:
        ingested = pipeline.run(inputs, store, progress=Progress(bar), warn=warn, analyse=False,
                                batch_size=batch_size, workers=workers, outlet=outlet, engine=engine).ingest
    assert ingested is not None
    for failed in ingested.errors:
        say(f"error: {failed.name}: {failed.error}", err)
    if ingested.processed == 0:
        if not ingested.errors:
            say("error: the inputs held no articles", err)
        raise typer.Exit(1)
    say(summary_line(ingested), err)
    return ingested


def summary_line(report: IngestReport) -> str:
    existing = sum(r.existing for r in report.inputs)
    duplicates = sum(r.duplicates for r in report.inputs)
    return (f"{report.processed:,} articles read from {len(report.inputs)} inputs: {report.inserted:,} new "
            f"({duplicates:,} near-duplicates linked to an original), {existing:,} already stored"
            + (f"; {len(report.errors)} inputs failed" if report.errors else ""))


@app.command()
def init(db: DbOption = None) -> None:
    """Create the store (or bring its schema up to date) and print where it is."""
    with open_store(db or settings.default_db_url(), migrate=False) as store:
        applied = store.migrate()
        version = max(m["version"] for m in store.migrations())
        state = f"applied migrations {', '.join(map(str, applied))}" if applied else "up to date"
        say(f"store ready: {store.safe_url()} (schema version {version}, {state})")
    base = knowledge.ensure_default(warn)
    if base is not None:
        say(f"actor knowledge ready: {base}")


@app.command("ingest")
def ingest_command(inputs: Inputs, db: DbOption = None, outlet: OutletOption = None, batch_size: BatchOption = None,
                   workers: WorkersOption = None,
                   cluster: Annotated[bool, typer.Option(
                       "--stories/--no-stories",
                       help="Analyse the new articles (entities) and cluster them into stories (--no-stories: "
                            "leave that to a later `entities update` and `stories update`, e.g. for a bulk load).")] = True,
                   engine: EngineOption = "local", ray_address: RayAddressOption = None) -> None:
    """Read inputs into the store: normalize, deduplicate, link near-duplicates, find entities and
    cluster new articles into stories. Safe to re-run: what is stored already is not stored again."""
    with open_db(db) as store, engine_option(engine, ray_address, workers) as chosen:
        run_flow(store, inputs, analyse=cluster, batch_size=batch_size, workers=workers, outlet=outlet, engine=chosen)


@app.command()
def analyze(inputs: Inputs, json_path: Annotated[str, typer.Option(
                "--json", metavar="PATH|-", help="Write the analysis document here; - (the default) for standard output.")] = "-",
            db: DbOption = None,
            report: Annotated[bool, typer.Option("--report", help="Print a readable report of stories, outlets and sources.")] = False,
            outlet: OutletOption = None, batch_size: BatchOption = None, workers: WorkersOption = None,
            engine: EngineOption = "local", ray_address: RayAddressOption = None) -> None:
    """Run the whole pipeline over the inputs and write the analysis document
    (schema newsradar.analysis/1) for the articles they produced. With --engine ray the NLP stage
    (and the extraction of pages) runs on Ray; the store and the document are the same."""
    with open_db(db) as store, engine_option(engine, ray_address, workers) as chosen:
        result = run_flow(store, inputs, batch_size=batch_size, workers=workers, outlet=outlet, engine=chosen)
        assert result.ingest is not None
        document = export.analysis_document(store, result.ingest.article_ids)
        if json_path == "-":
            export.write_json_document(document, sys.stdout)
        else:
            path = Path(json_path)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                with path.open("w", encoding="utf-8") as handle:
                    export.write_json_document(document, handle)
            except OSError as exc:
                raise NewsradarError(f"cannot write the analysis document to {path}: {exc.strerror or exc}") from exc
            say(f"analysis document written to {path}", err)
        if report:
            _print_report(document, result.ingest, err if json_path == "-" else out)


def _print_report(document: dict, result: IngestReport, console: Console) -> None:
    articles = {a["id"]: a for a in document["articles"]}
    table = Table(title=f"{len(document['stories'])} stories from {len(articles)} articles", show_lines=False)
    table.add_column("story", justify="right")
    table.add_column("headline")
    table.add_column("articles · outlets")
    for story in sorted(document["stories"], key=lambda s: (-len(s["article_ids"]), s["id"])):
        members = [articles[i] for i in story["article_ids"] if i in articles]
        outlets = sorted({a["outlet"] or "(unknown outlet)" for a in members})
        copies = sum(1 for a in members if a["duplicate_of"] is not None)
        detail = f"{len(members)} · " + ", ".join(outlets) + (f" ({copies} syndicated copies)" if copies else "")
        table.add_row(str(story["id"]), story["title"] or "(untitled)", detail)
    console.print(table)
    kinds = Table(title="inputs and articles per source kind")
    for column in ("source kind", "inputs", "failed", "articles read", "new", "already stored", "syndicated copies"):
        kinds.add_column(column, justify="right" if column != "source kind" else "left")
    rows: dict[str, list[int]] = {}
    for item in result.inputs:
        row = rows.setdefault(item.kind, [0] * 6)
        for index, value in enumerate((1, int(bool(item.error)), item.read, item.inserted, item.existing)):
            row[index] += value
    for article in document["articles"]:  # copies as they stand after the run (an earlier copy may have taken over)
        if article["duplicate_of"] is not None:
            rows.setdefault(article["source_kind"], [0] * 6)[5] += 1
    for kind, row in sorted(rows.items()):
        kinds.add_row(kind, *(f"{v:,}" for v in row))
    console.print(kinds)
    _print_voices(document, articles, console)


def _print_voices(document: dict, articles: dict[int, dict], console: Console) -> None:
    """Who is quoted most, in how many outlets (the quotes section of the document)."""
    quotes = document.get("quotes") or []
    if not quotes:
        return
    voices: dict[str, dict] = {}
    for quote in quotes:
        name = quote.get("speaker_name") or quote.get("speaker") or "(unattributed)"
        key = f"entity:{quote['speaker_entity_id']}" if quote.get("speaker_entity_id") else name.lower()
        entry = voices.setdefault(key, {"name": name, "quotes": 0, "outlets": set()})
        entry["quotes"] += 1
        entry["outlets"].add(articles.get(quote["article_id"], {}).get("outlet") or "(unknown outlet)")
    table = Table(title=f"{len(quotes)} attributions; the most quoted voices")
    for column in ("speaker", "quotes", "outlets"):
        table.add_column(column, justify="right" if column == "quotes" else "left")
    for entry in sorted(voices.values(), key=lambda v: (-len(v["outlets"]), -v["quotes"], v["name"]))[:10]:
        table.add_row(entry["name"], str(entry["quotes"]), ", ".join(sorted(entry["outlets"])))
    console.print(table)


@app.command()
def reanalyze(db: DbOption = None,
              stage: Annotated[list[str] | None, typer.Option(
                  "--stage", help="Only this stage (repeatable); default every stage.")] = None,
              since: Annotated[str | None, typer.Option(help="Only articles published on or after (YYYY-MM-DD).")] = None,
              limit: Annotated[int | None, typer.Option(min=1, help="At most this many articles (newest first).")] = None,
              engine: EngineOption = "local", ray_address: RayAddressOption = None) -> None:
    """Re-analyse the articles a stage analysed at an older version, newest first, in chunks of
    one transaction each (safe to interrupt). Each ingest also re-analyses a bounded batch
    (NEWSRADAR_REANALYZE_BATCH). With --engine ray the parse runs on a Ray cluster."""
    chosen = [stages.get(name) for name in stage] if stage else None
    with open_db(db) as store, engine_option(engine, ray_address) as parser, progress_bar() as bar:
        found = pipeline.reanalyze(store, chosen, since=date_option(since, "--since"), limit=limit,
                                   progress=Progress(bar), engine=parser)
    say(f"{found.articles:,} articles re-analysed", err)


def print_poll(results: list[PollResult]) -> None:
    for result in results:
        if result.outcome == "error":
            say(f"error: {result.url}: {result.error}" + (" (paused)" if result.paused else ""), err)
        else:
            say(f"{result.url}: {result.outcome} ({result.status}), {result.new_articles} new of {result.entries} entries",
                err)


@app.command()
def poll(db: DbOption = None,
         due: Annotated[bool, typer.Option("--due", help="Only feeds whose polling interval has come (as `watch` does).")] = False,
         force: Annotated[bool, typer.Option("--force", help="Every feed not paused, even one a server asked to wait (Retry-After) or in backoff.")] = False) -> None:
    """Fetch feeds once and store their new entries: every feed not paused that no server hint
    (Retry-After, Cache-Control) or error backoff holds back. Requests are conditional, so an
    unchanged feed costs a 304."""
    if due and force:
        raise NewsradarError("--due and --force contradict each other; give one")
    with open_db(db) as store:
        results = poll_once(store, which="due" if due else "force" if force else "fetchable", warn=warn)
        if any(r.new_articles for r in results):
            run_flow(store)
    print_poll(results)
    new = sum(r.new_articles for r in results)
    failed = sum(r.outcome == "error" for r in results)
    say(f"{len(results)} feeds polled: {new:,} new articles, {failed} failed", err)


@app.command()
def watch(db: DbOption = None) -> None:
    """Keep polling feeds as they fall due, until SIGINT or SIGTERM; a poll under way is finished
    and written first."""
    with open_db(db) as store:
        async def run() -> int:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, stop.set)
            say("watching feeds; Ctrl-C or SIGTERM stops after the current poll", err)

            def on_results(results: list[PollResult]) -> None:
                print_poll(results)
                if any(r.new_articles for r in results):
                    pipeline.run([], store, warn=warn)

            async def deliver_alerts() -> None:  # digests fall due and retries come round between polls too
                while not stop.is_set():
                    await asyncio.to_thread(alerts.after_stories, store, warn)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), timeout=60)

            delivering = asyncio.create_task(deliver_alerts())
            try:
                return await watch_feeds(store, stop, warn=warn, on_results=on_results)
            finally:
                stop.set()
                await delivering

        rounds = asyncio.run(run())
    say(f"stopped after {rounds} polling rounds", err)
