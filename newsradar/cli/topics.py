"""Topics: saved searches served as pages and feeds."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from .. import export
from ..store import topics as topic_store
from .common import DbOption, date_option, day, err, group, open_db, out

topics_app = group("topics", "Topics: saved searches served as web pages, Atom feeds and JSON Feeds.")


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
    with open_db(db) as store:
        topic, created = topic_store.add(store, name, query, outlet, language, date_option(since, "--since"),
                                         date_option(until, "--until"), replace=replace)
    verb = "added" if created else ("changed" if replace else "exists already (use --replace to change it)")
    out.print(f"topic {topic.name} {verb}: /topics/{topic.name} · /topics/{topic.name}/atom.xml"
              f" · /topics/{topic.name}/feed.json", markup=False, highlight=False)


@topics_app.command("list")
def topics_list(db: DbOption = None,
                as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False) -> None:
    """Saved topics with their queries and filters."""
    with open_db(db) as store:
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
        table.add_row(topic.name, topic.query, topic.outlet or "", topic.language or "", day(topic.since)[:10],
                      day(topic.until)[:10])
    out.print(table)


@topics_app.command("remove")
def topics_remove(name: Annotated[str, typer.Argument(help="The topic's name.")], db: DbOption = None) -> None:
    """Delete a saved topic (its articles and stories stay)."""
    with open_db(db) as store:
        topic = topic_store.remove(store, name)
    out.print(f"removed topic {topic.name}", markup=False, highlight=False)
