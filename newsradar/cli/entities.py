"""Entities (list, show, merge, split, rename, update) and actor coding."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.table import Table

from .. import export
from ..actors.profile import profile
from ..errors import NewsradarError
from ..store import entities as entity_store
from .common import (
    DbOption,
    Progress,
    app,
    day,
    day_option,
    err,
    full_date,
    group,
    open_db,
    out,
    progress_bar,
    say,
    warn,
)
from .run import run_flow

entities_app = group("entities", "Entities: people, organizations and places named in the articles, with aliases, "
                                 "country and sector; corrections that survive re-analysis.")


@entities_app.command("list")
def entities_list(db: DbOption = None,
                  limit: Annotated[int, typer.Option(min=1, help="How many entities.")] = 30,
                  offset: Annotated[int, typer.Option(min=0, help="Skip this many.")] = 0,
                  type_: Annotated[str | None, typer.Option("--type", help="Only this type: PERSON, ORG, GPE, NORP, LOC, FAC, PRODUCT (a named vessel).")] = None,
                  name: Annotated[str | None, typer.Option("--name", help="Only entities whose name contains this.")] = None,
                  as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False) -> None:
    """Entities, the most mentioned first: name, type, country, sector, mentions and articles."""
    with open_db(db) as store:
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
    """One entity: aliases, titles, country and sector, known roles with their sources, articles, outlets and
    co-mentioned entities."""
    with open_db(db) as store:
        found = entity_store.get(store, entity)
    found["known"] = profile(found.get("dictionary_id"))
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
    for role in (found["known"] or {}).get("roles", []):
        span = f"{role['start'] or '?'}–{role['end'] or ('' if role['start'] else '?')}"
        out.print(f"role: {role['title'] or '—'}  {role['country'] or '—'}/{role['sector'] or '—'}  {span}  "
                  f"[{role['source_name']}]", markup=False, highlight=False)
    out.print("outlets: " + ", ".join(f"{o} {n}" for o, n in found["outlets"]), markup=False, highlight=False)
    out.print("mentioned with: " + ", ".join(f"{c['name']} ({c['articles']})" for c in found["co_mentions"]),
              markup=False, highlight=False)
    for article in found["articles"][:20]:
        out.print(f"  {article['id']:>6}  {day(article['published'])}  {article['outlet'] or ''}  —  {article['title'] or ''}",
                  markup=False, highlight=False)


@entities_app.command("merge")
def entities_merge(source: Annotated[str, typer.Argument(help="The entity to merge away (id, key or name).")],
                   target: Annotated[str, typer.Argument(help="The entity it is (id, key or name).")],
                   db: DbOption = None) -> None:
    """Merge one entity into another; kept for every later analysis."""
    with open_db(db) as store:
        merged = entity_store.merge(store, source, target)
    out.print(f"merged into {merged['name']} (id {merged['id']})", markup=False, highlight=False)


@entities_app.command("split")
def entities_split(entity: Annotated[str, typer.Argument(help="Entity id, key or name.")],
                   alias: Annotated[str, typer.Argument(help="The alias whose mentions become an entity of their own.")],
                   db: DbOption = None) -> None:
    """Split the mentions written ALIAS off an entity (two people who share a surname, say); kept
    for every later analysis."""
    with open_db(db) as store:
        new = entity_store.split(store, entity, alias)
    out.print(f"split off: {new['name']} (id {new['id']})", markup=False, highlight=False)


@entities_app.command("rename")
def entities_rename(entity: Annotated[str, typer.Argument(help="Entity id, key or name.")],
                    name: Annotated[str, typer.Argument(help="The new canonical name.")], db: DbOption = None) -> None:
    """Give an entity another canonical name; kept for every later analysis."""
    with open_db(db) as store:
        renamed = entity_store.rename(store, entity, name)
    out.print(f"renamed: {renamed['name']} (id {renamed['id']})", markup=False, highlight=False)


@entities_app.command("update")
def entities_update(db: DbOption = None) -> None:
    """Analyse every article never analysed (every stage: story terms, entities; `newsradar
    reanalyze` redoes those an older stage version analysed)."""
    with open_db(db) as store:
        report = run_flow(store, cluster=False).analysis
    found = ", ".join(f"{n:,} {name}" for name, n in report.found.items())
    err.print(f"{report.articles:,} articles analysed" + (f" ({found})" if found else ""), markup=False,
              highlight=False)


actors_app = group("actors", "The world actor knowledge base: where its index is, and importing another copy of it.")


@actors_app.command("import")
def actors_import(path: Annotated[str, typer.Argument(help="The actor-knowledge folder, its actors.jsonl, or a "
                                                           "compact .jsonl.xz like the one shipped.")]) -> None:
    """Compile actor knowledge from PATH into the index every analysis uses (NEWSRADAR_ACTORS_INDEX),
    in place of the shipped one; articles are coded with it from their next (re-)analysis on."""
    from pathlib import Path

    from ..actors import knowledge

    with progress_bar() as bar:
        adapter = Progress(bar)
        adapter.start("importing actors", None, "actors")
        target, count = knowledge.import_source(Path(path).expanduser(), adapter)
    say(f"{count:,} actors from {path} compiled into {target}")


@actors_app.command("info")
def actors_info(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Where the actor knowledge index is, what it was compiled from and how many actors it holds
    (compiling it from the shipped file first if needed)."""
    from ..actors import knowledge

    base = knowledge.knowledge()
    info = {"index": str(base.path) if base else None, "origin": base.meta.get("origin") if base else None,
            "actors": base.size() if base else 0, "notice": str(knowledge.NOTICE)}
    if as_json:
        out.print(json.dumps(info), markup=False, highlight=False)
        return
    if base is None:
        say("the actor knowledge base is off (NEWSRADAR_ACTORS_INDEX=off)")
        return
    say(f"{info['actors']:,} actors in {info['index']} (from {info['origin']}); sources and licences: {info['notice']}")


@app.command()
def actor(text: Annotated[str | None, typer.Argument(help='An actor phrase, e.g. "US Senator Marco Rubio".')] = None,
          date_value: Annotated[str | None, typer.Option("--date", metavar="YYYY-MM-DD",
                                                         help="Resolve office-holders as of this day (default: today).")] = None,
          jsonl: Annotated[str | None, typer.Option("--jsonl", metavar="FILE",
                                                    help='Read {"text", "date", "context"} objects, one per line (- for '
                                                         "stdin); print one result per line, in order (a line that "
                                                         'cannot be read answers {"text", "error"}).')] = None) -> None:
    """Code an actor phrase: canonical name, country (ISO alpha-3 or IGO/NGO), sector, entity id (JSON)."""
    from ..actors import code_actor, load_dictionary

    if (text is None) == (jsonl is None):
        raise NewsradarError("give an actor phrase or --jsonl FILE (not both)")
    dictionary = load_dictionary()
    if text is not None or jsonl is None:
        result = code_actor(text or "", day_option(date_value, "--date"), dictionary)
        out.print(json.dumps(result.as_dict(), ensure_ascii=False), markup=False, highlight=False)
        return
    try:
        handle = sys.stdin if jsonl == "-" else open(jsonl, encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        raise NewsradarError(f"{jsonl}: {exc.strerror}") from exc
    resolved = 0
    with handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            answer = _actor_line(line, number, date_value, dictionary, code_actor)
            resolved += "error" not in answer
            if "error" in answer:
                warn(f"{jsonl} line {number}: {answer['error']}")
            sys.stdout.write(json.dumps(answer, ensure_ascii=False) + "\n")
    sys.stdout.flush()
    if not resolved:
        raise NewsradarError(f"{jsonl}: no line could be resolved")


def _actor_line(line: str, number: int, default_day: str | None, dictionary, code_actor) -> dict:
    """One --jsonl line's answer: the coded actor, or {"text", "error"} in its place."""
    try:
        record = json.loads(line)
    except ValueError:
        return {"text": None, "error": "not JSON"}
    phrase = record.get("text") if isinstance(record, dict) else None
    if not isinstance(phrase, str):
        return {"text": None, "error": 'expected a JSON object with a "text" string'}
    written = record.get("date") or default_day
    day = None
    if written is not None:
        day = full_date(str(written))
        if day is None:
            return {"text": phrase, "error": f"date {written!r} is not a full date (YYYY-MM-DD or e.g. 12 April 2022)"}
    context = record.get("context")
    return code_actor(phrase, day, dictionary, context=context if isinstance(context, str) else None).as_dict()
