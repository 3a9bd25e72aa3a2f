"""Events: who did what to whom (list with filters; the most active dyads)."""

from __future__ import annotations

from typing import Annotated

import typer

from ..errors import NewsradarError, NotFound
from ..events.lexicon import TYPES
from ..store import events as event_store
from ..store import stories as story_store
from .common import DbOption, date_option, err, group, open_db, out, print_json, say, table

events_app = group("events", "Events: who did what to whom, coded in PLOVER's 16 types with actors, dates, places "
                             "and intensity.")


def _actor(actor: dict | None) -> str:
    if not actor:
        return "—"
    code = "/".join(c for c in (actor.get("country"), actor.get("sector")) if c)
    return actor["text"] + (f" [{code}]" if code else "")


@events_app.command("list")
def events_list(db: DbOption = None,
                type_: Annotated[str | None, typer.Option("--type", help=f"One PLOVER type: {', '.join(TYPES)}.")] = None,
                source: Annotated[str | None, typer.Option(help="Sources whose words, resolved name or country code match.")] = None,
                target: Annotated[str | None, typer.Option(help="Targets whose words, resolved name or country code match.")] = None,
                since: Annotated[str | None, typer.Option(help="Events on or after this day (YYYY-MM-DD; undated ones by their article's day).")] = None,
                story: Annotated[int | None, typer.Option(help="Only events in this story's articles.")] = None,
                entity: Annotated[int | None, typer.Option(help="Only events with this entity id as source or target.")] = None,
                certain: Annotated[bool, typer.Option("--certain", help="Leave out negated and hypothetical events.")] = False,
                limit: Annotated[int, typer.Option(min=1, help="How many events.")] = 30,
                offset: Annotated[int, typer.Option(min=0, help="Skip this many.")] = 0,
                as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False) -> None:
    """Events, newest articles first: date, type and mode, source → target, trigger, and how many
    articles and outlets report the same real-world event."""
    if type_ is not None and type_.upper() not in TYPES:
        raise NewsradarError(f"unknown event type {type_!r}; the PLOVER types are {', '.join(TYPES)}")
    filters = event_store.EventFilters(type=type_, source=source, target=target, entity_id=entity, certain=certain)
    day = date_option(since, "--since")
    filters.since = day.date() if day is not None else None
    with open_db(db) as store:
        if story is not None:
            filters.story_id = story_store.resolve(store, story)
            if filters.story_id is None:
                raise NotFound(f"no story {story}")
        found = event_store.listing(store, filters, limit, offset)
    if as_json:
        for event in found:
            print_json(event)
        return
    if not found:
        err.print("no events match: analyze some articles first, or loosen the filters", markup=False)
        return
    grid = table("date", "type", "source", "target", "trigger", "reports", "outlet", right=("reports",))
    for event in found:
        kind = event["type"] + (f"/{event['mode']}" if event["mode"] else "")
        flags = "".join(f" [{name}]" for name in ("negated", "hypothetical") if event[name])
        grid.add_row(event["date"] or f"({event['day'] or '?'})", kind + flags, _actor(event["source"]),
                     _actor(event["target"]), event["trigger"],
                     f"{event['num_articles']}/{event['num_sources']}", event["outlet"] or "")
    out.print(grid)
    say(f"{len(found)} events" + (" (more with --offset)" if len(found) == limit else "")
        + "; reports = articles/outlets reporting the same event; a date in brackets is the article's", err)


@events_app.command("dyads")
def events_dyads(db: DbOption = None,
                 limit: Annotated[int, typer.Option(min=1, help="How many dyads.")] = 15,
                 since: Annotated[str | None, typer.Option(help="Events on or after this day (YYYY-MM-DD).")] = None,
                 as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False) -> None:
    """The most active directed dyads (source country → target country) over asserted events, with
    their mean intensity (−10 most conflictual … +10); XXX stands for actors with no country."""
    day = date_option(since, "--since")
    with open_db(db) as store:
        rows = event_store.dyads(store, limit, day.date() if day is not None else None)
    if as_json:
        for row in rows:
            print_json(row)
        return
    if not rows:
        err.print("no events yet: analyze some articles first", markup=False)
        return
    grid = table("dyad", "events", "mean intensity", right=("events", "mean intensity"))
    for row in rows:
        grid.add_row(f"{row['source']} → {row['target']}", str(row["events"]), f"{row['intensity']:+.1f}")
    out.print(grid)
