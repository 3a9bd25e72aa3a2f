"""Quotes: who said what (list with filters, full-text search over speaker, cue and content)."""

from __future__ import annotations

from typing import Annotated

import typer

from ..errors import NotFound
from ..store import quotes as quote_store
from ..store import stories as story_store
from .common import DbOption, date_option, err, group, open_db, out, print_json, say, table

quotes_app = group("quotes", "Quotes: who said what — direct, indirect, mixed and 'according to' attributions, "
                             "speakers resolved to entities.")


@quotes_app.command("list")
def quotes_list(db: DbOption = None,
                speaker: Annotated[str | None, typer.Option(help="Speakers whose words or resolved name contain this.")] = None,
                story: Annotated[int | None, typer.Option(help="Only quotes in this story's articles.")] = None,
                outlet: Annotated[str | None, typer.Option(help="Only quotes in this outlet's articles.")] = None,
                since: Annotated[str | None, typer.Option(help="Articles published on or after (YYYY-MM-DD).")] = None,
                entity: Annotated[int | None, typer.Option(help="Only quotes whose speaker resolves to this entity id.")] = None,
                query: Annotated[str | None, typer.Option("--query", "-q", help='Full text over speaker, cue and content: words, "phrases", OR, -word.')] = None,
                kind: Annotated[list[str] | None, typer.Option(help="Only these kinds: direct, indirect, mixed, according_to (repeatable).")] = None,
                limit: Annotated[int, typer.Option(min=1, help="How many quotes.")] = 30,
                offset: Annotated[int, typer.Option(min=0, help="Skip this many.")] = 0,
                as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False) -> None:
    """Quotes, newest articles first: speaker (and the entity it resolves to), cue, kind and content."""
    filters = quote_store.QuoteFilters(speaker=speaker, story_id=None, outlet=outlet,
                                       since=date_option(since, "--since"), entity_id=entity, query=query,
                                       kinds=tuple(kind or ()))
    with open_db(db) as store:
        if story is not None:
            filters.story_id = story_store.resolve(store, story)
            if filters.story_id is None:
                raise NotFound(f"no story {story}")
        found = quote_store.listing(store, filters, limit, offset)
    if as_json:
        for quote in found:
            print_json(quote)
        return
    if not found:
        err.print("no quotes match: analyze some articles first, or loosen the filters", markup=False)
        return
    grid = table("article", "outlet", "speaker", "kind", "content", right=("article",))
    for quote in found:
        speaker_text = quote["speaker"] or "—"
        if quote["speaker_name"] and quote["speaker_name"].lower() not in speaker_text.lower():
            speaker_text += f" ({quote['speaker_name']})"
        flags = "".join(f" [{name}]" for name in ("hedged", "denial", "question") if quote[name])
        content = quote["content"] if len(quote["content"]) < 220 else quote["content"][:217] + "…"
        grid.add_row(str(quote["article_id"]), quote["outlet"] or "", speaker_text, quote["kind"] + flags, content)
    out.print(grid)
    say(f"{len(found)} quotes" + (" (more with --offset)" if len(found) == limit else ""), err)


@quotes_app.command("sources")
def quotes_sources(db: DbOption = None,
                   since: Annotated[str | None, typer.Option(help="Articles published on or after (YYYY-MM-DD).")] = None,
                   as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False) -> None:
    """Source diversity per outlet: quotes, distinct speakers, share of anonymous sources, share of
    official voices (government, military, police, courts, legislature) among coded speakers."""
    with open_db(db) as store:
        rows = quote_store.by_outlet(store, date_option(since, "--since"))
    if as_json:
        for row in rows:
            print_json(row)
        return
    if not rows:
        err.print("no quotes yet: analyze some articles first", markup=False)
        return
    grid = table("outlet", "quotes", "speakers", "anonymous", "official", right=("quotes", "speakers", "anonymous", "official"))
    for row in rows:
        grid.add_row(row["outlet"], str(row["quotes"]), str(row["speakers"]), _share(row["anonymous_share"]),
                     _share(row["official_share"]))
    out.print(grid)


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"
