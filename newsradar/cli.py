"""The command-line interface: each command calls one library function. Errors raised by the
library are turned into one-line messages in one place (``_Group.invoke``)."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import sys
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as RichProgress
from rich.table import Table
from typer.core import TyperGroup

from . import __version__, analysis, export, settings, stories
from .errors import NewsradarError
from .normalize import parse_datetime
from .opml import read_opml, write_opml
from .pipeline import IngestReport, Progress, ingest
from .poll import PollResult, poll_once
from .poll import watch as watch_feeds
from .store import Store, open_store
from .store import entities as entity_store
from .store import feeds as feed_store
from .store import topics as topic_store

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


class _Group(TyperGroup):
    """Translates the library's errors into one-line messages, once, for every command."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except NewsradarError as exc:
            err.print(f"error: {exc}", markup=False, highlight=False)
            raise typer.Exit(1) from exc
        except BrokenPipeError:  # `newsradar export | head`
            sys.stderr.close()
            raise SystemExit(0) from None
        except KeyboardInterrupt:
            err.print("interrupted: every batch written so far is kept; run the same command again to go on",
                      markup=False, highlight=False)
            raise typer.Exit(130) from None


app = typer.Typer(cls=_Group, no_args_is_help=True, add_completion=False, rich_markup_mode=None,
                  pretty_exceptions_enable=False,
                  help="newsradar: ingest news coverage, deduplicate it, group it into stories and analyse it.")
articles_app = typer.Typer(cls=_Group, no_args_is_help=True, help="Browse stored articles.")
app.add_typer(articles_app, name="articles")
feeds_app = typer.Typer(cls=_Group, no_args_is_help=True, help="Feed subscriptions: add, import, export, list, remove.")
app.add_typer(feeds_app, name="feeds")
stories_app = typer.Typer(cls=_Group, no_args_is_help=True,
                          help="Stories: articles grouped by real-world event, across outlets.")
app.add_typer(stories_app, name="stories")
entities_app = typer.Typer(cls=_Group, no_args_is_help=True,
                           help="Entities: people, organizations and places named in the articles, with aliases, "
                                "country and sector; corrections that survive re-analysis.")
app.add_typer(entities_app, name="entities")
topics_app = typer.Typer(cls=_Group, no_args_is_help=True,
                         help="Topics: saved searches served as web pages, Atom feeds and JSON Feeds.")
app.add_typer(topics_app, name="topics")

DbOption = Annotated[str | None, typer.Option(
    "--db", envvar="NEWSRADAR_DB", metavar="URL", show_envvar=True,
    help="Database URL: sqlite:///path.db or postgresql://user@host:port/dbname. "
         "Default: the embedded store in the data directory (NEWSRADAR_DATA_DIR).")]
BatchOption = Annotated[int | None, typer.Option(
    "--batch-size", min=1, help="Articles written per transaction (NEWSRADAR_BATCH_SIZE, default 200).")]
WorkersOption = Annotated[int | None, typer.Option(
    "--workers", min=1, help="Processes for extraction and normalization (NEWSRADAR_WORKERS; default one per CPU, at most 4).")]
OutletOption = Annotated[str | None, typer.Option(
    "--outlet", help="Outlet name for articles whose source names none (e.g. a page of headlines pasted from a site).")]
Inputs = Annotated[list[str], typer.Argument(
    metavar="INPUT...", help="Files (.jsonl .txt .html .htm .xml .rss .atom .warc .warc.gz), directories, "
                             "http(s) URLs, or - for standard input.")]


def _store(db: str | None) -> Store:
    return open_store(db or settings.default_db_url())


def _warn(message: str) -> None:
    err.print(f"warning: {message}", markup=False, highlight=False)


class _RichProgress(Progress):
    """One bar over the bytes of all inputs, with the input being read and the articles written."""

    def __init__(self, bar: RichProgress):
        self.bar = bar
        self.task = bar.add_task("reading", total=None, done=0)
        self.done = 0
        self.inputs = 0
        self.current = 0

    def started(self, total_bytes: int | None, inputs: int) -> None:
        self.inputs = inputs
        self.bar.update(self.task, total=total_bytes)

    def input_started(self, name: str, kind: str) -> None:
        self.current += 1
        shown = name if "://" in name else Path(name).name
        self.bar.update(self.task, description=f"[{self.current}/{self.inputs}] {kind}: {shown}")

    def bytes_read(self, done: int) -> None:
        self.bar.update(self.task, completed=done)

    def articles_done(self, count: int) -> None:
        self.done += count
        self.bar.update(self.task, done=self.done)


def _run_ingest(inputs: list[str], store: Store, batch_size: int | None, workers: int | None,
                outlet: str | None) -> IngestReport:
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
               TextColumn("{task.fields[done]:,} articles"), TimeElapsedColumn(), TimeRemainingColumn())
    with RichProgress(*columns, console=err, transient=True, disable=not err.is_terminal) as bar:
        report = ingest(inputs, store, warn=_warn, progress=_RichProgress(bar), batch_size=batch_size, workers=workers,
                        outlet=outlet)
    for failed in report.errors:
        err.print(f"error: {failed.name}: {failed.error}", markup=False, highlight=False)
    if report.processed == 0:
        if not report.errors:
            err.print("error: the inputs held no articles", markup=False)
        raise typer.Exit(1)
    return report


class _StoryProgress(stories.UpdateProgress):
    def __init__(self, bar: RichProgress):
        self.bar = bar
        self.task = bar.add_task("clustering stories", total=None)

    def started(self, pending: int) -> None:
        self.bar.update(self.task, total=pending)

    def advanced(self, count: int) -> None:
        self.bar.advance(self.task, count)


def _cluster(store: Store, rebuild: bool = False) -> stories.UpdateReport:
    """Put every article without a story into one (parsing it first), with a progress bar."""
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn(), TimeRemainingColumn())
    with RichProgress(*columns, console=err, transient=True, disable=not err.is_terminal) as bar:
        run = stories.rebuild if rebuild else stories.update
        return run(store, progress=_StoryProgress(bar))


class _AnalysisProgress(analysis.AnalysisProgress):
    def __init__(self, bar: RichProgress):
        self.bar = bar
        self.task = bar.add_task("analysing (spaCy: story terms, entities)", total=None)

    def started(self, total: int) -> None:
        self.bar.update(self.task, total=total)

    def advanced(self, count: int) -> None:
        self.bar.advance(self.task, count)


def _analyze(store: Store) -> analysis.AnalysisReport:
    """Parse every article not yet analysed (one parse: story terms and entities), with a progress bar."""
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn(), TimeRemainingColumn())
    with RichProgress(*columns, console=err, transient=True, disable=not err.is_terminal) as bar:
        return analysis.analyze_pending(store, progress=_AnalysisProgress(bar))


def _analyze_and_cluster(store: Store) -> None:
    _analyze(store)
    _cluster(store)


def _summary_line(report: IngestReport) -> str:
    existing = sum(r.existing for r in report.inputs)
    duplicates = sum(r.duplicates for r in report.inputs)
    return (f"{report.processed:,} articles read from {len(report.inputs)} inputs: {report.inserted:,} new "
            f"({duplicates:,} near-duplicates linked to an original), {existing:,} already stored"
            + (f"; {len(report.errors)} inputs failed" if report.errors else ""))


@app.callback(invoke_without_command=True)
def _main(version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False) -> None:
    if version:
        out.print(f"newsradar {__version__}")
        raise typer.Exit()


@app.command()
def init(db: DbOption = None) -> None:
    """Create the store (or bring its schema up to date) and print where it is."""
    with open_store(db or settings.default_db_url(), migrate=False) as store:
        applied = store.migrate()
        version = max(m["version"] for m in store.migrations())
        state = f"applied migrations {', '.join(map(str, applied))}" if applied else "up to date"
        out.print(f"store ready: {store.safe_url()} (schema version {version}, {state})", markup=False, highlight=False)


@app.command("ingest")
def ingest_command(inputs: Inputs, db: DbOption = None, outlet: OutletOption = None, batch_size: BatchOption = None,
                   workers: WorkersOption = None,
                   cluster: Annotated[bool, typer.Option(
                       "--stories/--no-stories",
                       help="Analyse the new articles (entities) and cluster them into stories (--no-stories: "
                            "leave that to a later `entities update` and `stories update`, e.g. for a bulk load).")] = True) -> None:
    """Read inputs into the store: normalize, deduplicate, link near-duplicates, find entities and
    cluster new articles into stories. Safe to re-run: what is stored already is not stored again."""
    with _store(db) as store:
        report = _run_ingest(inputs, store, batch_size, workers, outlet)
        err.print(_summary_line(report), markup=False, highlight=False)
        if cluster:
            _analyze_and_cluster(store)


@app.command()
def analyze(inputs: Inputs, json_path: Annotated[str, typer.Option(
                "--json", metavar="PATH|-", help="Write the analysis document here; - (the default) for standard output.")] = "-",
            db: DbOption = None,
            report: Annotated[bool, typer.Option("--report", help="Print a readable report of stories, outlets and sources.")] = False,
            outlet: OutletOption = None, batch_size: BatchOption = None, workers: WorkersOption = None) -> None:
    """Run the whole pipeline over the inputs and write the analysis document
    (schema newsradar.analysis/1) for the articles they produced."""
    with _store(db) as store:
        result = _run_ingest(inputs, store, batch_size, workers, outlet)
        _analyze_and_cluster(store)
        document = export.analysis_document(store, result.article_ids)
        err.print(_summary_line(result), markup=False, highlight=False)
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
            err.print(f"analysis document written to {path}", markup=False, highlight=False)
        if report:
            _print_report(document, result, err if json_path == "-" else out)


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


@articles_app.command("list")
def articles_list(db: DbOption = None,
                  limit: Annotated[int, typer.Option(min=1, help="How many articles.")] = 20,
                  offset: Annotated[int, typer.Option(min=0, help="Skip this many.")] = 0,
                  outlet: Annotated[str | None, typer.Option(help="Only this outlet.")] = None,
                  story: Annotated[int | None, typer.Option(help="Only this story id.")] = None,
                  since: Annotated[str | None, typer.Option(help="Published on or after (ISO date).")] = None,
                  until: Annotated[str | None, typer.Option(help="Published before (ISO date).")] = None,
                  as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False) -> None:
    """List articles, newest first."""
    with _store(db) as store:
        rows = store.list_articles(limit=limit, offset=offset, outlet=outlet, story_id=story,
                                   since=_date_option(since, "--since"), until=_date_option(until, "--until"))
    if as_json:
        for row in rows:
            out.print(json.dumps(export.document_article(row), ensure_ascii=False), markup=False, highlight=False)
        return
    table = Table("id", "published", "outlet", "title", "story", "dup of")
    for row in rows:
        table.add_row(str(row["id"]), _day(row["published"]), row["outlet"] or "", row["title"] or "",
                      str(row["story_id"] or ""), str(row["duplicate_of"] or ""))
    out.print(table)


@articles_app.command("show")
def articles_show(article_id: Annotated[int, typer.Argument(help="Article id.")], db: DbOption = None,
                  as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Show one article: metadata, sightings, duplicates and text."""
    with _store(db) as store:
        found = store.get_articles([article_id])
        if not found:
            raise NewsradarError(f"no article with id {article_id}")
        record = found[0]
        sightings = store.sightings(article_id)
        copies = store.duplicates_of(article_id)
    if as_json:
        data = export.document_article(record) | {
            "sightings": [{k: export.iso(v) for k, v in s.items()} for s in sightings], "duplicates": copies}
        out.print(json.dumps(data, ensure_ascii=False, indent=2), markup=False, highlight=False)
        return
    out.print(f"[bold]{record['title'] or '(untitled)'}[/bold]")
    for label, value in (("id", record["id"]), ("outlet", record["outlet"]), ("author", record["author"]),
                         ("published", record["published"]), ("url", record["url"]), ("language", record["language"]),
                         ("story", record["story_id"]), ("duplicate of", record["duplicate_of"]),
                         ("copies", ", ".join(map(str, copies)) or None)):
        if value is not None:
            out.print(f"{label:>12}: {value}", markup=False, highlight=False)
    for sighting in sightings:
        out.print(f"{'seen in':>12}: {sighting['source']} ({sighting['source_kind']})", markup=False, highlight=False)
    out.print()
    out.print(record["text"], markup=False, highlight=False)


@app.command()
def search(query: Annotated[str, typer.Argument(help='Words, "exact phrases", OR, and -excluded words.')],
           db: DbOption = None, limit: Annotated[int, typer.Option(min=1)] = 20,
           as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False) -> None:
    """Full-text search over titles and texts, best matches first."""
    with _store(db) as store:
        hits = store.search(query, limit=limit)
    if as_json:
        for hit in hits:
            out.print(json.dumps({k: export.iso(v) for k, v in hit.items()}, ensure_ascii=False), markup=False, highlight=False)
        return
    if not hits:
        err.print(f"no articles match {query!r}", markup=False)
        return
    for hit in hits:
        out.print(f"[bold]{hit['id']}[/bold]  {_day(hit['published'])}  {hit['outlet'] or ''}  —  ", end="")
        out.print(hit["title"] or "(untitled)", markup=False, highlight=False)
        out.print("    " + " ".join((hit["snippet"] or "").split()), markup=False, highlight=False)


@app.command("export")
def export_command(fmt: Annotated[str, typer.Option("--format", "-f", help="json, jsonl, csv or parquet.")] = "json",
                   output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (default: standard output).")] = None,
                   db: DbOption = None) -> None:
    """Export every stored article (and, for json, the stories) in one format."""
    if fmt not in export.FORMATS:
        raise NewsradarError(f"unknown export format {fmt!r}; choose one of {', '.join(export.FORMATS)}")
    binary = fmt in export.BINARY_FORMATS
    if binary and output is None and sys.stdout.isatty():
        raise NewsradarError(f"{fmt} is binary; give --output FILE or redirect standard output")
    with _store(db) as store:
        if output is not None:
            try:
                output.parent.mkdir(parents=True, exist_ok=True)
                handle = output.open("wb") if binary else output.open("w", encoding="utf-8", newline="")
            except OSError as exc:
                raise NewsradarError(f"cannot write {output}: {exc.strerror or exc}") from exc
            with handle:
                count = export.FORMATS[fmt](store, handle)
            err.print(f"{count:,} articles written to {output}", markup=False, highlight=False)
        else:
            export.FORMATS[fmt](store, sys.stdout.buffer if binary else sys.stdout)
            sys.stdout.flush()


@app.command()
def stats(db: DbOption = None, as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Counts of articles, duplicates, stories, outlets, languages and source kinds."""
    with _store(db) as store:
        data = store.stats()
    if as_json:
        out.print(json.dumps({k: export.iso(v) for k, v in data.items()}, indent=2, ensure_ascii=False), markup=False)
        return
    for key in ("articles", "duplicates", "stories", "outlets", "sightings", "first_published", "last_published"):
        out.print(f"{key:>16}: {data[key] if data[key] is not None else '-'}", markup=False, highlight=False)
    for key in ("by_source_kind", "by_outlet", "by_language"):
        out.print(f"{key:>16}: " + ", ".join(f"{k} {v:,}" for k, v in data[key].items()), markup=False, highlight=False)


@app.command("settings")
def settings_command() -> None:
    """List every setting with its environment variable, current value and meaning."""
    table = Table("setting", "environment variable", "value", "meaning")
    for setting in settings.SETTINGS:
        table.add_row(setting.name, setting.env, str(settings.get(setting.name)), setting.help)
    out.print(table)


def parse_duration(value: str) -> int:
    """Seconds in "90", "90s", "15m", "2h" or "1d"."""
    match = re.fullmatch(r"\s*(\d+)\s*([smhd]?)\s*", value.lower())
    if not match or int(match.group(1)) == 0:
        raise NewsradarError(f"--every {value!r} is not a duration; use e.g. 90s, 15m, 2h or 1d")
    return int(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]


def _check_feed_url(url: str) -> str:
    if not re.match(r"^https?://[^/\s]+", url, re.IGNORECASE):
        raise NewsradarError(f"{url!r} is not an http(s) URL")
    return url.strip()


@feeds_app.command("add")
def feeds_add(url: Annotated[str, typer.Argument(help="The feed's http(s) URL.")], db: DbOption = None,
              outlet: Annotated[str | None, typer.Option(help="Outlet name for its articles (default: the feed's title).")] = None,
              every: Annotated[str, typer.Option(help="Poll interval: 90s, 15m, 2h, 1d.")] = "15m",
              full_text: Annotated[bool, typer.Option("--full-text/--no-full-text",
                                                      help="Fetch the linked page when an entry carries only a summary.")] = True) -> None:
    """Subscribe to a feed. `newsradar poll` fetches it."""
    interval = parse_duration(every)
    with _store(db) as store:
        feed, created = feed_store.add(store, _check_feed_url(url), outlet, interval, full_text)
    out.print(f"{'added' if created else 'already subscribed'}: feed {feed.id} {feed.url} (every {feed.interval_seconds} s)",
              markup=False, highlight=False)


@feeds_app.command("import")
def feeds_import(path: Annotated[Path, typer.Argument(help="An OPML file.")], db: DbOption = None,
                 every: Annotated[str, typer.Option(help="Poll interval for the new feeds.")] = "15m") -> None:
    """Subscribe to every feed of an OPML file (feeds already subscribed are left as they are)."""
    interval = parse_duration(every)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise NewsradarError(f"{path}: {exc.strerror}") from exc
    outlines = read_opml(data, str(path))
    added = 0
    with _store(db) as store:
        for outline in outlines:
            if not re.match(r"^https?://", outline.url, re.IGNORECASE):
                _warn(f"{path}: skipped {outline.url!r}: not an http(s) URL")
                continue
            _, created = feed_store.add(store, outline.url, outline.title, interval)
            added += created
    out.print(f"{added} feeds added, {len(outlines) - added} already subscribed or skipped", markup=False)


@feeds_app.command("export")
def feeds_export(db: DbOption = None,
                 fmt: Annotated[str, typer.Option("--format", "-f", help="opml (subscriptions) or json (subscriptions with their health).")] = "opml",
                 output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (default: standard output).")] = None) -> None:
    """Write the subscriptions as OPML, or as JSON with every feed's settings and health."""
    if fmt not in ("opml", "json"):
        raise NewsradarError(f"unknown feeds export format {fmt!r}; choose opml or json")
    with _store(db) as store:
        feeds = feed_store.all_feeds(store)
    if fmt == "opml":
        document = write_opml(feeds)
    else:
        document = json.dumps([{k: export.iso(v) for k, v in asdict(feed).items()} for feed in feeds],
                              ensure_ascii=False, indent=2) + "\n"
    if output is None:
        sys.stdout.write(document)
    else:
        try:
            output.write_text(document, encoding="utf-8")
        except OSError as exc:
            raise NewsradarError(f"cannot write {output}: {exc.strerror}") from exc


@feeds_app.command("list")
def feeds_list(db: DbOption = None, as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False) -> None:
    """Subscriptions and their health: last fetch and status, errors, next poll, articles so far."""
    with _store(db) as store:
        feeds = feed_store.all_feeds(store)
    if as_json:
        for feed in feeds:
            out.print(json.dumps({k: export.iso(v) for k, v in asdict(feed).items()}, ensure_ascii=False),
                      markup=False, highlight=False)
        return
    table = Table("id", "feed", "every", "last fetch", "status", "errors", "last error", "next poll", "articles")
    for feed in feeds:
        table.add_row(str(feed.id), (feed.outlet or feed.title or "") + "\n" + feed.url, f"{feed.interval_seconds // 60} min",
                      _day(feed.last_fetch_at), str(feed.last_status or ""), str(feed.error_count),
                      feed.last_error or "", "paused" if feed.paused else _day(feed.next_poll_at), f"{feed.articles_count:,}")
    out.print(table)


@feeds_app.command("remove")
def feeds_remove(feed: Annotated[str, typer.Argument(help="Feed id or URL.")], db: DbOption = None) -> None:
    """Unsubscribe (the articles already stored stay)."""
    with _store(db) as store:
        removed = feed_store.remove(store, feed)
    out.print(f"removed feed {removed.id} {removed.url}", markup=False, highlight=False)


@feeds_app.command("resume")
def feeds_resume(feed: Annotated[str, typer.Argument(help="Feed id or URL.")], db: DbOption = None) -> None:
    """Resume a feed paused after repeated failures, and poll it at the next `poll`."""
    with _store(db) as store:
        found = feed_store.get(store, feed)
        feed_store.update(store, found.id, paused=False, error_count=0, next_poll_at=datetime.now(UTC))
    out.print(f"resumed feed {found.id} {found.url}", markup=False, highlight=False)


def _story_json(story: dict) -> dict:
    return {**{k: export.iso(v) for k, v in story.items()}, "article_count": len(story["article_ids"])}


@stories_app.command("list")
def stories_list(db: DbOption = None,
                 limit: Annotated[int, typer.Option(min=1, help="How many stories.")] = 20,
                 offset: Annotated[int, typer.Option(min=0, help="Skip this many.")] = 0,
                 as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False) -> None:
    """Stories, the most recently published first: headline, dates, articles and outlets."""
    with _store(db) as store:
        found = store.stories(limit=limit, offset=offset)
    if as_json:
        for story in found:
            out.print(json.dumps(_story_json(story), ensure_ascii=False), markup=False, highlight=False)
        return
    if not found:
        err.print("no stories yet: ingest or analyze some articles first", markup=False)
        return
    table = Table(show_lines=False)
    for column in ("story", "last published", "headline", "articles", "outlets"):
        table.add_column(column, justify="right" if column in ("story", "articles") else "left")
    for story in found:
        table.add_row(str(story["id"]), _day(story["last_published"]), story["title"] or "(untitled)",
                      str(len(story["article_ids"])), ", ".join(story["outlets"]))
    out.print(table)


@stories_app.command("show")
def stories_show(story_id: Annotated[int, typer.Argument(help="Story id (a merged story's id shows the story it joined).")],
                 db: DbOption = None,
                 as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """One story: headline, summary with its sources, its articles by outlet, and its merges and splits."""
    with _store(db) as store:
        current = store.resolve_story(story_id)
        if current is None:
            raise NewsradarError(f"no story with id {story_id}")
        found = store.stories([current])
        if not found:
            raise NewsradarError(f"story {story_id} has no articles")
        story = found[0]
        members = store.get_articles(story["article_ids"])
        history = store.story_history(current)
    if as_json:
        data = _story_json(story) | {
            "articles": [{k: export.iso(a[k]) for k in ("id", "title", "outlet", "published", "url", "duplicate_of")}
                         for a in members],
            "history": [{k: export.iso(v) for k, v in h.items()} for h in history]}
        out.print(json.dumps(data, ensure_ascii=False, indent=2), markup=False, highlight=False)
        return
    if current != story_id:
        err.print(f"story {story_id} was merged into story {current}", markup=False)
    out.print(f"[bold]{story['title'] or '(untitled)'}[/bold]")
    span = f"{_day(story['first_published'])} – {_day(story['last_published'])}" if story["first_published"] else "undated"
    out.print(f"story {story['id']} · {len(members)} articles · {len(story['outlets'])} outlets · {span}",
              markup=False, highlight=False)
    if story["summary"]:
        out.print()
        for sentence in story["summary"]:
            out.print(f"  {sentence['text']}", markup=False, highlight=False)
            out.print(f"      — {sentence['outlet'] or '(unknown outlet)'}, “{sentence['title'] or 'untitled'}” "
                      f"[article {sentence['article_id']}]", markup=False, highlight=False)
    by_outlet: dict[str, list[dict]] = {}
    for article in members:
        by_outlet.setdefault(article["outlet"] or "(unknown outlet)", []).append(article)
    for outlet_name, articles in sorted(by_outlet.items()):
        out.print()
        out.print(f"[bold]{outlet_name}[/bold]")
        for article in articles:
            copy = f" (copy of {article['duplicate_of']})" if article["duplicate_of"] else ""
            out.print(f"  {article['id']:>6}  {_day(article['published']):16}  {article['title'] or '(untitled)'}{copy}",
                      markup=False, highlight=False)
    if history:
        out.print()
    for change in history:
        if change["kind"] == "merge":
            what = (f"story {change['story_id']} merged in" if change["other_story_id"] == current
                    else f"merged into story {change['other_story_id']}")
            how = f"bridged by article {change['article_id']}, similarity {change['similarity']:.2f}"
        else:
            what = (f"split off into story {change['other_story_id']}" if change["story_id"] == current
                    else f"split off from story {change['story_id']}")
            how = f"on article {change['article_id']}, average similarity between the parts {change['similarity']:.2f}"
        out.print(f"{_day(change['at'])}  {what} ({how})", markup=False, highlight=False)


@stories_app.command("update")
def stories_update(db: DbOption = None) -> None:
    """Cluster the articles that have no story yet (ingest, analyze and poll do this themselves).
    Articles never analysed (after `ingest --no-stories`) are analysed first: one parse gives their
    story terms and entities."""
    with _store(db) as store:
        _analyze(store)
        report = _cluster(store)
    err.print(f"{report.articles:,} articles clustered: {report.new_stories:,} new stories, {report.joined:,} joined "
              f"existing ones, {report.merges:,} merges, {report.splits:,} splits", markup=False, highlight=False)


@stories_app.command("rebuild")
def stories_rebuild(db: DbOption = None) -> None:
    """Forget every story and cluster the whole store again, in publication order (after a
    backfill of older articles, or with new story settings). Articles are not parsed again; any
    never analysed are analysed first."""
    with _store(db) as store:
        _analyze(store)
        report = _cluster(store, rebuild=True)
        count = store.stats()["stories"]
    err.print(f"{report.articles:,} articles clustered into {count:,} stories ({report.merges:,} merges, "
              f"{report.splits:,} splits on the way)", markup=False, highlight=False)


def _print_poll(results: list[PollResult]) -> None:
    for result in results:
        if result.outcome == "error":
            err.print(f"error: {result.url}: {result.error}" + (" (paused)" if result.paused else ""),
                      markup=False, highlight=False)
        else:
            err.print(f"{result.url}: {result.outcome} ({result.status}), {result.new_articles} new of {result.entries} entries",
                      markup=False, highlight=False)


@app.command()
def poll(db: DbOption = None,
         due: Annotated[bool, typer.Option("--due", help="Only feeds whose polling interval has come (as `watch` does).")] = False,
         force: Annotated[bool, typer.Option("--force", help="Every feed not paused, even one a server asked to wait (Retry-After) or in backoff.")] = False) -> None:
    """Fetch feeds once and store their new entries: every feed not paused that no server hint
    (Retry-After, Cache-Control) or error backoff holds back. Requests are conditional, so an
    unchanged feed costs a 304."""
    if due and force:
        raise NewsradarError("--due and --force contradict each other; give one")
    with _store(db) as store:
        results = poll_once(store, which="due" if due else "force" if force else "fetchable", warn=_warn)
        if any(r.new_articles for r in results):
            _analyze_and_cluster(store)
    _print_poll(results)
    new = sum(r.new_articles for r in results)
    failed = sum(r.outcome == "error" for r in results)
    err.print(f"{len(results)} feeds polled: {new:,} new articles, {failed} failed", markup=False, highlight=False)


@app.command()
def watch(db: DbOption = None) -> None:
    """Keep polling feeds as they fall due, until SIGINT or SIGTERM; a poll under way is finished
    and written first."""
    with _store(db) as store:
        async def run() -> int:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, stop.set)
            err.print("watching feeds; Ctrl-C or SIGTERM stops after the current poll", markup=False)
            def on_results(results: list[PollResult]) -> None:
                _print_poll(results)
                if any(r.new_articles for r in results):
                    analysis.analyze_pending(store)
                    stories.update(store)

            return await watch_feeds(store, stop, warn=_warn, on_results=on_results)

        rounds = asyncio.run(run())
    err.print(f"stopped after {rounds} polling rounds", markup=False)


@topics_app.command("add")
def topics_add(name: Annotated[str, typer.Argument(help="Lower-case letters, digits, - or _ (it becomes part of URLs).")],
               query: Annotated[str, typer.Argument(help='Words, "exact phrases", OR, and -excluded words ("" for none).')],
               db: DbOption = None,
               outlet: Annotated[str | None, typer.Option(help="Only articles of this outlet.")] = None,
               language: Annotated[str | None, typer.Option(help="Only articles in this language (e.g. en).")] = None,
               since: Annotated[str | None, typer.Option(help="Only articles published on or after (YYYY-MM-DD).")] = None,
               until: Annotated[str | None, typer.Option(help="Only articles published before (YYYY-MM-DD).")] = None,
               replace: Annotated[bool, typer.Option("--replace", help="Change the topic if the name exists.")] = False) -> None:
    """Save a topic. `newsradar serve` shows it at /topics/NAME with Atom and JSON feeds."""
    with _store(db) as store:
        topic, created = topic_store.add(store, name, query, outlet, language, _date_option(since, "--since"),
                                         _date_option(until, "--until"), replace=replace)
    verb = "added" if created else ("changed" if replace else "exists already (use --replace to change it)")
    out.print(f"topic {topic.name} {verb}: /topics/{topic.name} · /topics/{topic.name}/atom.xml"
              f" · /topics/{topic.name}/feed.json", markup=False, highlight=False)


@topics_app.command("list")
def topics_list(db: DbOption = None,
                as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False) -> None:
    """Saved topics with their queries and filters."""
    with _store(db) as store:
        found = topic_store.all_topics(store)
    if as_json:
        for topic in found:
            record = {k: export.iso(getattr(topic, k)) for k in ("name", "query", "outlet", "language", "since",
                                                                   "until", "created_at")}
            out.print(json.dumps(record, ensure_ascii=False), markup=False, highlight=False)
        return
    if not found:
        err.print("no topics yet: add one with `newsradar topics add NAME QUERY`", markup=False)
        return
    table = Table("topic", "query", "outlet", "language", "since", "until")
    for topic in found:
        table.add_row(topic.name, topic.query, topic.outlet or "", topic.language or "", _day(topic.since)[:10],
                      _day(topic.until)[:10])
    out.print(table)


@topics_app.command("remove")
def topics_remove(name: Annotated[str, typer.Argument(help="The topic's name.")], db: DbOption = None) -> None:
    """Delete a saved topic (its articles and stories stay)."""
    with _store(db) as store:
        topic = topic_store.remove(store, name)
    out.print(f"removed topic {topic.name}", markup=False, highlight=False)


@entities_app.command("list")
def entities_list(db: DbOption = None,
                  limit: Annotated[int, typer.Option(min=1, help="How many entities.")] = 30,
                  offset: Annotated[int, typer.Option(min=0, help="Skip this many.")] = 0,
                  type_: Annotated[str | None, typer.Option("--type", help="Only this type: PERSON, ORG, GPE, NORP, LOC, FAC.")] = None,
                  name: Annotated[str | None, typer.Option("--name", help="Only entities whose name contains this.")] = None,
                  as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False) -> None:
    """Entities, the most mentioned first: name, type, country, sector, mentions and articles."""
    with _store(db) as store:
        found = entity_store.listing(store, limit, offset, type_, name)
    if as_json:
        for entity in found:
            out.print(json.dumps(entity, ensure_ascii=False), markup=False, highlight=False)
        return
    if not found:
        err.print("no entities yet: ingest or analyze some articles first", markup=False)
        return
    table = Table()
    for column in ("id", "name", "type", "country", "sector", "mentions", "articles"):
        table.add_column(column, justify="right" if column in ("id", "mentions", "articles") else "left")
    for entity in found:
        table.add_row(str(entity["id"]), entity["name"], entity["type"], entity["country"] or "", entity["sector"] or "",
                      str(entity["mentions"]), str(entity["articles"]))
    out.print(table)


@entities_app.command("show")
def entities_show(entity: Annotated[str, typer.Argument(help="Entity id, key or exact name.")], db: DbOption = None,
                  as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """One entity: aliases, titles, country and sector, articles, outlets and co-mentioned entities."""
    with _store(db) as store:
        found = entity_store.get(store, entity)
    if as_json:
        out.print(json.dumps({k: export.iso(v) if not isinstance(v, list) else v for k, v in found.items()},
                             ensure_ascii=False, default=export.iso, indent=2), markup=False, highlight=False)
        return
    out.print(f"{found['name']}  ({found['type']}, {found['country'] or '—'}/{found['sector'] or '—'}, id {found['id']},"
              f" {found['key']})", markup=False, highlight=False)
    out.print("aliases: " + ", ".join(f"{a['alias']} ×{a['mentions']}" for a in found["aliases"]), markup=False,
              highlight=False)
    if found["titles"]:
        out.print("titles: " + "; ".join(found["titles"]), markup=False, highlight=False)
    out.print("outlets: " + ", ".join(f"{o} {n}" for o, n in found["outlets"]), markup=False, highlight=False)
    out.print("mentioned with: " + ", ".join(f"{c['name']} ({c['articles']})" for c in found["co_mentions"]),
              markup=False, highlight=False)
    for article in found["articles"][:20]:
        out.print(f"  {article['id']:>6}  {_day(article['published'])}  {article['outlet'] or ''}  —  {article['title'] or ''}",
                  markup=False, highlight=False)


@entities_app.command("merge")
def entities_merge(source: Annotated[str, typer.Argument(help="The entity to merge away (id, key or name).")],
                   target: Annotated[str, typer.Argument(help="The entity it is (id, key or name).")],
                   db: DbOption = None) -> None:
    """Merge one entity into another; kept for every later analysis."""
    with _store(db) as store:
        merged = entity_store.merge(store, source, target)
    out.print(f"merged into {merged['name']} (id {merged['id']})", markup=False, highlight=False)


@entities_app.command("split")
def entities_split(entity: Annotated[str, typer.Argument(help="Entity id, key or name.")],
                   alias: Annotated[str, typer.Argument(help="The alias whose mentions become an entity of their own.")],
                   db: DbOption = None) -> None:
    """Split the mentions written ALIAS off an entity (two people who share a surname, say); kept
    for every later analysis."""
    with _store(db) as store:
        new = entity_store.split(store, entity, alias)
    out.print(f"split off: {new['name']} (id {new['id']})", markup=False, highlight=False)


@entities_app.command("rename")
def entities_rename(entity: Annotated[str, typer.Argument(help="Entity id, key or name.")],
                    name: Annotated[str, typer.Argument(help="The new canonical name.")], db: DbOption = None) -> None:
    """Give an entity another canonical name; kept for every later analysis."""
    with _store(db) as store:
        renamed = entity_store.rename(store, entity, name)
    out.print(f"renamed: {renamed['name']} (id {renamed['id']})", markup=False, highlight=False)


@entities_app.command("update")
def entities_update(db: DbOption = None) -> None:
    """Analyse every article not yet analysed by the current versions of the NLP components."""
    with _store(db) as store:
        report = _analyze(store)
    err.print(f"{report.articles:,} articles analysed, {report.mentions:,} entity mentions", markup=False, highlight=False)


@app.command()
def actor(text: Annotated[str | None, typer.Argument(help='An actor phrase, e.g. "US Senator Marco Rubio".')] = None,
          date_value: Annotated[str | None, typer.Option("--date", metavar="YYYY-MM-DD",
                                                         help="Resolve office-holders as of this day (default: today).")] = None,
          jsonl: Annotated[str | None, typer.Option("--jsonl", metavar="FILE",
                                                    help='Read {"text", "date"} objects, one per line (- for stdin); '
                                                         "print one result per line, in order.")] = None) -> None:
    """Code an actor phrase: canonical name, country (ISO alpha-3 or IGO/NGO), sector, entity id (JSON)."""
    from .actors import code_actor, load_dictionary

    if (text is None) == (jsonl is None):
        raise NewsradarError("give an actor phrase or --jsonl FILE (not both)")
    dictionary = load_dictionary()
    if text is not None or jsonl is None:
        result = code_actor(text or "", _day_option(date_value, "--date"), dictionary)
        out.print(json.dumps(result.as_dict(), ensure_ascii=False), markup=False, highlight=False)
        return
    try:
        handle = sys.stdin if jsonl == "-" else open(jsonl, encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        raise NewsradarError(f"{jsonl}: {exc.strerror}") from exc
    with handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                phrase = record["text"] if isinstance(record, dict) else None
                if not isinstance(phrase, str):
                    raise ValueError("no text")
            except (ValueError, KeyError) as exc:
                raise NewsradarError(f"{jsonl} line {number}: expected a JSON object with a \"text\" string") from exc
            day = _day_option(record.get("date") or date_value, f"{jsonl} line {number}: date")
            result = code_actor(phrase, day, dictionary)
            sys.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _day_option(value: str | None, flag: str):
    from datetime import date

    if value is None:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError as exc:
        raise NewsradarError(f"{flag} {value!r} is not a date; use YYYY-MM-DD") from exc


@app.command()
def serve(db: DbOption = None,
          host: Annotated[str, typer.Option(help="Address to listen on (0.0.0.0 for every interface).")] = "127.0.0.1",
          port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8000,
          workers: Annotated[int, typer.Option(min=1, max=64, help="Server processes (each opens the store).")] = 1) -> None:
    """Serve the web app and the JSON API (/api/v1) over the store until interrupted."""
    import os

    import uvicorn

    from .web.app import create_app

    store = _store(db)  # opened (and migrated) here, so a bad URL fails before the server starts
    web_app = create_app(store=store)
    options = dict(host=host, port=port, log_level="warning", access_log=False, server_header=False,
                   proxy_headers=False)
    shown = f"[{host}]" if ":" in host else host
    writes = "writes enabled (NEWSRADAR_API_TOKEN)" if web_app.state.auth.writes_enabled else "read-only (no NEWSRADAR_API_TOKEN)"
    err.print(f"newsradar serving {store.safe_url()} with {workers} process{'es' if workers > 1 else ''}, {writes}",
              markup=False, highlight=False)
    out.print(f"open http://{shown}:{port}/  (Ctrl+C to stop)", markup=False, highlight=False)
    sys.stdout.flush()
    if workers > 1:  # each worker process builds its own app from the environment
        store.close()
        os.environ["NEWSRADAR_DB"] = store.url
        uvicorn.run("newsradar.web.app:app_from_environment", factory=True, workers=workers, **options)  # type: ignore[arg-type]
        return
    server = uvicorn.Server(uvicorn.Config(web_app, **options))  # type: ignore[arg-type]
    try:
        server.run()
    finally:
        store.close()
    if not server.started:
        raise NewsradarError(f"could not serve on {shown}:{port} (is the port in use?)")


def _date_option(value: str | None, flag: str) -> datetime | None:
    if value is None:
        return None
    parsed = parse_datetime(value)
    if parsed is None:
        raise NewsradarError(f"{flag} {value!r} is not a date; use YYYY-MM-DD")
    return parsed


def _day(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


def main() -> None:
    app()
