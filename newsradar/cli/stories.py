"""Stories: list, show, update, rebuild."""

from __future__ import annotations

from typing import Annotated

import typer

from .. import export
from ..store import stories as story_store
from .common import (
    DbOption,
    JsonLinesOption,
    JsonOption,
    day,
    err,
    group,
    open_db,
    out,
    print_json,
    say,
    table,
)
from .run import run_flow

stories_app = group("stories", "Stories: articles grouped by real-world event, across outlets.")


def _story_json(story: dict) -> dict:
    return {**{k: export.iso(v) for k, v in story.items()}, "article_count": len(story["article_ids"])}


@stories_app.command("list")
def stories_list(db: DbOption = None,
                 limit: Annotated[int, typer.Option(min=1, help="How many stories.")] = 20,
                 offset: Annotated[int, typer.Option(min=0, help="Skip this many.")] = 0,
                 as_json: JsonLinesOption = False) -> None:
    """Stories, the most recently published first: headline, dates, articles and outlets."""
    with open_db(db) as store:
        found = story_store.stories(store, limit=limit, offset=offset)
    if as_json:
        for story in found:
            print_json(_story_json(story))
        return
    if not found:
        say("no stories yet: ingest or analyze some articles first", err)
        return
    listing = table("story", "last published", "headline", "articles", "outlets", right=("story", "articles"))
    for story in found:
        listing.add_row(str(story["id"]), day(story["last_published"]), story["title"] or "(untitled)",
                        str(len(story["article_ids"])), ", ".join(story["outlets"]))
    out.print(listing)


@stories_app.command("show")
def stories_show(story_id: Annotated[int, typer.Argument(help="Story id (a merged story's id shows the story it joined).")],
                 db: DbOption = None, as_json: JsonOption = False) -> None:
    """One story: headline, summary with its sources, its articles by outlet, and its merges and splits."""
    with open_db(db) as store:
        story = story_store.detail(store, story_id)
    current, members, history = story["id"], story["articles"], story["history"]
    if as_json:
        summary = {k: v for k, v in story.items() if k not in ("articles", "history", "decisions", "requested_id")}
        print_json(_story_json(summary) | {
            "articles": [{k: a[k] for k in ("id", "title", "outlet", "published", "url", "duplicate_of")}
                         for a in members],
            "history": history, "decisions": story["decisions"]}, indent=2)
        return
    if current != story_id:
        say(f"story {story_id} was merged into story {current}", err)
    out.print(f"[bold]{story['title'] or '(untitled)'}[/bold]")
    span = f"{day(story['first_published'])} – {day(story['last_published'])}" if story["first_published"] else "undated"
    say(f"story {story['id']} · {len(members)} articles · {len(story['outlets'])} outlets · {span}")
    if story["summary"]:
        out.print()
        for sentence in story["summary"]:
            say(f"  {sentence['text']}")
            say(f"      — {sentence['outlet'] or '(unknown outlet)'}, “{sentence['title'] or 'untitled'}” "
                f"[article {sentence['article_id']}]")
    by_outlet: dict[str, list[dict]] = {}
    for article in members:
        by_outlet.setdefault(article["outlet"] or "(unknown outlet)", []).append(article)
    for outlet_name, articles in sorted(by_outlet.items()):
        out.print()
        out.print(f"[bold]{outlet_name}[/bold]")
        for article in articles:
            copy = f" (copy of {article['duplicate_of']})" if article["duplicate_of"] else ""
            say(f"  {article['id']:>6}  {day(article['published']):16}  {article['title'] or '(untitled)'}{copy}")
    if story["decisions"]:
        out.print()
        out.print("[bold]Why these articles are one story[/bold]")
        for decision in story["decisions"]:
            say(f"  {decision['article_id']:>6}  {decision['explained']}")
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
        say(f"{day(change['at'])}  {what} ({how})")


@stories_app.command("update")
def stories_update(db: DbOption = None) -> None:
    """Cluster the articles that have no story yet (ingest, analyze and poll do this themselves).
    Articles never analysed (after `ingest --no-stories`) are analysed first: one parse gives their
    story terms and entities."""
    with open_db(db) as store:
        report = run_flow(store).stories
    say(f"{report.articles:,} articles clustered: {report.new_stories:,} new stories, {report.joined:,} joined "
        f"existing ones, {report.merges:,} merges, {report.splits:,} splits", err)


@stories_app.command("rebuild")
def stories_rebuild(db: DbOption = None) -> None:
    """Forget every story and cluster the whole store again, in publication order (after a
    backfill of older articles, or with new story settings). Articles are not parsed again; any
    never analysed are analysed first."""
    with open_db(db) as store:
        report = run_flow(store, rebuild=True).stories
        count = store.stats()["stories"]
    say(f"{report.articles:,} articles clustered into {count:,} stories ({report.merges:,} merges, "
        f"{report.splits:,} splits on the way)", err)
