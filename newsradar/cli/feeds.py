"""Feed subscriptions: add, import, export, list, remove, resume."""

from __future__ import annotations

import json
import re
import sys
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from .. import export
from ..errors import NewsradarError
from ..opml import read_opml, write_opml
from ..sources.fetch import Guard
from ..store import feeds as feed_store
from .common import DbOption, day, group, open_db, out, warn

feeds_app = group("feeds", "Feed subscriptions: add, import, export, list, remove.")


def parse_duration(value: str) -> int:
    """Seconds in "90", "90s", "15m", "2h" or "1d"."""
    match = re.fullmatch(r"\s*(\d+)\s*([smhd]?)\s*", value.lower())
    if not match or int(match.group(1)) == 0:
        raise NewsradarError(f"--every {value!r} is not a duration; use e.g. 90s, 15m, 2h or 1d")
    return int(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]


def _check_feed_url(url: str) -> str:
    """An http(s) URL that parses and whose literal address (if any) polling would fetch: a feed
    `poll` would refuse is refused now, with the reason."""
    if not re.match(r"^https?://[^/\s]+", url, re.IGNORECASE):
        raise NewsradarError(f"{url!r} is not an http(s) URL")
    Guard.from_settings().check_url(url.strip())
    return url.strip()


@feeds_app.command("add")
def feeds_add(url: Annotated[str, typer.Argument(help="The feed's http(s) URL.")], db: DbOption = None,
              outlet: Annotated[str | None, typer.Option(help="The outlet of its articles, over the one named from their web address (the feed's title is kept as their section).")] = None,
              every: Annotated[str, typer.Option(help="Poll interval: 90s, 15m, 2h, 1d.")] = "15m",
              full_text: Annotated[bool, typer.Option("--full-text/--no-full-text",
                                                      help="Fetch the linked page when an entry carries only a summary.")] = True) -> None:
    """Subscribe to a feed. `newsradar poll` fetches it."""
    interval = parse_duration(every)
    with open_db(db) as store:
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
    with open_db(db) as store:
        for outline in outlines:
            try:
                _check_feed_url(outline.url)
            except NewsradarError as exc:
                warn(f"{path}: skipped {outline.url!r}: {exc}")
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
    with open_db(db) as store:
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
    with open_db(db) as store:
        feeds = feed_store.all_feeds(store)
    if as_json:
        for feed in feeds:
            out.print(json.dumps({k: export.iso(v) for k, v in asdict(feed).items()}, ensure_ascii=False),
                      markup=False, highlight=False)
        return
    table = Table("id", "feed", "every", "last fetch", "status", "errors", "last error", "next poll", "articles")
    for feed in feeds:
        table.add_row(str(feed.id), (feed.outlet or feed.title or "") + "\n" + feed.url, f"{feed.interval_seconds // 60} min",
                      day(feed.last_fetch_at), str(feed.last_status or ""), str(feed.error_count),
                      feed.last_error or "", "paused" if feed.paused else day(feed.next_poll_at), f"{feed.articles_count:,}")
    out.print(table)


@feeds_app.command("remove")
def feeds_remove(feed: Annotated[str, typer.Argument(help="Feed id or URL.")], db: DbOption = None) -> None:
    """Unsubscribe (the articles already stored stay)."""
    with open_db(db) as store:
        removed = feed_store.remove(store, feed)
    out.print(f"removed feed {removed.id} {removed.url}", markup=False, highlight=False)


@feeds_app.command("resume")
def feeds_resume(feed: Annotated[str, typer.Argument(help="Feed id or URL.")], db: DbOption = None) -> None:
    """Resume a feed paused after repeated failures, and poll it at the next `poll`."""
    with open_db(db) as store:
        found = feed_store.get(store, feed)
        feed_store.update(store, found.id, paused=False, error_count=0, next_poll_at=datetime.now(UTC))
    out.print(f"resumed feed {found.id} {found.url}", markup=False, highlight=False)
