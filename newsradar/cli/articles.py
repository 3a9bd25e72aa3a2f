"""Articles: list, show, search, export."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from .. import export
from ..errors import NewsradarError
from ..store import articles as article_store
from ..store import browse
from .common import (
    DbOption,
    JsonLinesOption,
    JsonOption,
    app,
    date_option,
    day,
    err,
    group,
    open_db,
    out,
    print_json,
    say,
    table,
)

articles_app = group("articles", "Browse stored articles.")


@articles_app.command("list")
def articles_list(db: DbOption = None,
                  limit: Annotated[int, typer.Option(min=1, help="How many articles.")] = 20,
                  offset: Annotated[int, typer.Option(min=0, help="Skip this many.")] = 0,
                  outlet: Annotated[str | None, typer.Option(help="Only this outlet.")] = None,
                  story: Annotated[int | None, typer.Option(help="Only this story id.")] = None,
                  since: Annotated[str | None, typer.Option(help="Published on or after (ISO date).")] = None,
                  until: Annotated[str | None, typer.Option(help="Published before (ISO date).")] = None,
                  as_json: JsonLinesOption = False) -> None:
    """List articles, newest first."""
    with open_db(db) as store:
        rows = store.list_articles(limit=limit, offset=offset, outlet=outlet, story_id=story,
                                   since=date_option(since, "--since"), until=date_option(until, "--until"))
    if as_json:
        for row in rows:
            print_json(export.document_article(row))
        return
    found = table("id", "published", "outlet", "title", "story", "dup of")
    for row in rows:
        found.add_row(str(row["id"]), day(row["published"]), row["outlet"] or "", row["title"] or "",
                      str(row["story_id"] or ""), str(row["duplicate_of"] or ""))
    out.print(found)


@articles_app.command("show")
def articles_show(article_id: Annotated[int, typer.Argument(help="Article id.")], db: DbOption = None,
                  as_json: JsonOption = False) -> None:
    """Show one article: metadata, sightings, duplicates, entities and text."""
    with open_db(db) as store:
        found = article_store.detail(store, article_id)
    record, copies = found["article"], [c["id"] for c in found["duplicates"]]
    if as_json:
        print_json(export.document_article(record) | {
            "sightings": found["sightings"], "duplicates": copies, "entities": found["entities"]}, indent=2)
        return
    out.print(f"[bold]{record['title'] or '(untitled)'}[/bold]")
    for label, value in (("id", record["id"]), ("outlet", record["outlet"]), ("author", record["author"]),
                         ("published", record["published"]), ("url", record["url"]), ("language", record["language"]),
                         ("story", record["story_id"]), ("duplicate of", record["duplicate_of"]),
                         ("copies", ", ".join(map(str, copies)) or None),
                         ("entities", ", ".join(e["name"] for e in found["entities"][:12]) or None)):
        if value is not None:
            say(f"{label:>12}: {value}")
    for sighting in found["sightings"]:
        say(f"{'seen in':>12}: {sighting['source']} ({sighting['source_kind']})")
    out.print()
    say(record["text"])


@app.command()
def search(query: Annotated[str, typer.Argument(help='Words, "exact phrases", OR, and -excluded words.')],
           db: DbOption = None, limit: Annotated[int, typer.Option(min=1)] = 20,
           as_json: JsonLinesOption = False) -> None:
    """Full-text search over titles and texts, best matches first."""
    with open_db(db) as store:
        hits = browse.search(store, query, limit=limit)
    if as_json:
        for hit in hits:
            print_json(hit)
        return
    if not hits:
        say(f"no articles match {query!r}", err)
        return
    for hit in hits:
        out.print(f"[bold]{hit['id']}[/bold]  {day(hit['published'])}  {hit['outlet'] or ''}  —  ", end="")
        say(hit["title"] or "(untitled)")
        say("    " + " ".join((hit["snippet"] or "").split()))


@app.command("export")
def export_command(fmt: Annotated[str, typer.Option("--format", "-f", help="json, jsonl, csv, parquet, or events-tsv (a GDELT 2.0-style event table).")] = "json",
                   output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (default: standard output).")] = None,
                   table: Annotated[str, typer.Option("--table", help="For jsonl, csv and parquet: articles, quotes (one row per attribution), events (one row per event) or outlets (one row per publisher, with its domains, sections and the names the user corrected).")] = "articles",
                   db: DbOption = None) -> None:
    """Export every stored article (and, for json, the whole analysis document, quotes and events
    included) in one format; ``--table quotes`` or ``--table events`` writes those as rows instead;
    ``--format events-tsv`` writes the events as a GDELT 2.0-style table."""
    if fmt not in export.FORMATS:
        raise NewsradarError(f"unknown export format {fmt!r}; choose one of {', '.join(export.FORMATS)}")
    if table not in export.TABLES:
        raise NewsradarError(f"unknown export table {table!r}; choose one of {', '.join(export.TABLES)}")
    if fmt in ("json", "events-tsv") and table != "articles":
        raise NewsradarError(f"--table is for jsonl, csv and parquet; {fmt} has its own content")
    kwargs = {"table": table} if fmt not in ("json", "events-tsv") else {}
    table = "events" if fmt == "events-tsv" else table
    binary = fmt in export.BINARY_FORMATS
    if binary and output is None and sys.stdout.isatty():
        raise NewsradarError(f"{fmt} is binary; give --output FILE or redirect standard output")
    with open_db(db) as store:
        if output is not None:
            try:
                output.parent.mkdir(parents=True, exist_ok=True)
                handle = output.open("wb") if binary else output.open("w", encoding="utf-8", newline="")
            except OSError as exc:
                raise NewsradarError(f"cannot write {output}: {exc.strerror or exc}") from exc
            with handle:
                count = export.FORMATS[fmt](store, handle, **kwargs)
            say(f"{count:,} {table} written to {output}", err)
        else:
            export.FORMATS[fmt](store, sys.stdout.buffer if binary else sys.stdout, **kwargs)
            sys.stdout.flush()
