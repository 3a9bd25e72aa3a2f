"""Outlets: the publishers, and the user's corrections of their names."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from .. import export
from ..errors import QueryError
from ..store import outlets as outlet_store
from .common import DbOption, day, group, open_db, out, say, table

outlets_app = group("outlets", "Outlets: the publishers (a feed's title is a section of one), and your corrections.")


def _record(outlet: dict) -> dict:
    return {k: export.iso(v) for k, v in outlet.items()}


@outlets_app.command("list")
def outlets_list(db: DbOption = None,
                 limit: Annotated[int, typer.Option(help="At most this many, the most covered first.")] = 100,
                 as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False) -> None:
    """Outlets by their number of articles, with their domains and sections."""
    with open_db(db) as store, store.connect() as conn:
        found = outlet_store.listing(conn, limit=limit)
    if as_json:
        for outlet in found:
            say(json.dumps(_record(outlet), ensure_ascii=False))
        return
    if not found:
        say("no outlets yet: ingest something with `newsradar analyze`")
        return
    shown = table("outlet", "domains", "sections", "articles", "stories", "last published",
                  right=("articles", "stories"))
    for outlet in found:
        shown.add_row(outlet["name"], ", ".join(outlet["domains"]), ", ".join(outlet["sections"][:3]),
                      f"{outlet['articles']:,}", f"{outlet['stories']:,}", day(outlet["last_published"]))
    out.print(shown)


@outlets_app.command("show")
def outlets_show(name: Annotated[str, typer.Argument(help="The outlet's name, as `outlets list` shows it.")],
                 db: DbOption = None) -> None:
    """One outlet as JSON: domains, sections, counts, what you said of it."""
    with open_db(db) as store, store.connect() as conn:
        say(json.dumps(_record(outlet_store.get(conn, name)), ensure_ascii=False, indent=2))


@outlets_app.command("rename")
def outlets_rename(old: Annotated[str, typer.Argument(help="The outlet's current name.")],
                   new: Annotated[str, typer.Argument(help="Its name from now on (an existing outlet's name merges the two).")],
                   db: DbOption = None) -> None:
    """Call an outlet by another name: its stored articles, its domains, topics filtering by it,
    and every article that arrives under the old name. Stored, kept when outlets are named again
    (`outlets refresh`), and exported (`export --table outlets`)."""
    with open_db(db) as store, store.connect(write=True) as conn:
        done = outlet_store.rename(conn, old, new)
    say(f"outlet {done.old!r} is now {done.new!r} ({done.articles:,} articles)")


@outlets_app.command("merge")
def outlets_merge(names: Annotated[list[str], typer.Argument(help="The outlets to merge (e.g. two sections shown as outlets).")],
                  into: Annotated[str, typer.Option("--into", help="The one outlet they become (new or existing).")],
                  db: DbOption = None) -> None:
    """Make several outlets one: each is renamed to the --into outlet."""
    others = [n for n in dict.fromkeys(names) if n != into]
    if not others:
        raise QueryError("name at least one outlet other than the --into one")
    with open_db(db) as store, store.connect(write=True) as conn:
        moved = sum(outlet_store.rename(conn, name, into).articles for name in others)
    say(f"merged {len(others)} outlet(s) into {into!r} ({moved:,} articles)")


@outlets_app.command("set")
def outlets_set(name: Annotated[str, typer.Argument(help="The outlet's name, as `outlets list` shows it.")],
                lean: Annotated[str | None, typer.Option(help="left, center-left, center, center-right or right.")] = None,
                country: Annotated[str | None, typer.Option(help="Its country, ISO 3166 alpha-3 (USA, GBR, VEN…).")] = None,
                owner: Annotated[str | None, typer.Option(help="Who owns it.")] = None,
                clear: Annotated[bool, typer.Option("--clear", help="Remove what this command does not give.")] = False,
                db: DbOption = None) -> None:
    """Describe an outlet: its lean, country and owner, as you judge them (newsradar ships no
    ratings). Stories then show their coverage by lean, and /blindspots lists stories only one
    side covered. Stored, editable, exported (`export --table outlets`)."""
    if lean is None and country is None and owner is None and not clear:
        raise QueryError("give --lean, --country or --owner (or --clear)")
    with open_db(db) as store, store.connect(write=True) as conn:
        done = outlet_store.describe(conn, name, lean, country, owner, clear)
    say(f"outlet {done['name']!r}: lean {done['lean'] or '—'}, country {done['country'] or '—'}, owner {done['owner'] or '—'}")


@outlets_app.command("refresh")
def outlets_refresh(db: DbOption = None) -> None:
    """Name every stored article's outlet again from its address (after an upgrade of the shipped
    publisher names); outlets you gave and your renames stay."""
    with open_db(db) as store, store.lock("stories"), store.connect(write=True) as conn:
        changed = outlet_store.rederive(conn)
    say(f"outlets named again: {changed:,} articles changed outlet")
