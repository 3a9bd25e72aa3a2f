"""What every command shares: the Typer app and its groups (one per noun), the options, the
consoles, the one progress adapter, and the one place the library's errors become one-line
messages (``_Group.invoke``). Commands live in the modules beside this one, by noun."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    ProgressColumn,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as RichProgress
from rich.table import Table
from rich.text import Text
from typer.core import TyperGroup

from .. import engines, settings
from ..errors import NewsradarError
from ..export import iso
from ..normalize import parse_datetime
from ..store import Store, open_store

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


def group(name: str, help_text: str) -> typer.Typer:
    """A command group (a noun: articles, feeds, stories…) under the main app."""
    sub = typer.Typer(cls=_Group, no_args_is_help=True, help=help_text)
    app.add_typer(sub, name=name)
    return sub


app = typer.Typer(cls=_Group, no_args_is_help=True, add_completion=False, rich_markup_mode=None,
                  pretty_exceptions_enable=False,
                  help="newsradar: ingest news coverage, deduplicate it, group it into stories and analyse it.")

DbOption = Annotated[str | None, typer.Option(
    "--db", envvar="NEWSRADAR_DB", metavar="URL", show_envvar=True,
    help="Database URL: sqlite:///path.db or postgresql://user@host:port/dbname. "
         "Default: the embedded store in the data directory (NEWSRADAR_DATA_DIR).")]
BatchOption = Annotated[int | None, typer.Option(
    "--batch-size", min=1, help="Articles written per transaction (NEWSRADAR_BATCH_SIZE, default 200).")]
WorkersOption = Annotated[int | None, typer.Option(
    "--workers", min=1, help="Processes for extraction and normalization (NEWSRADAR_WORKERS; default one per CPU, at most 4).")]
OutletOption = Annotated[str | None, typer.Option(
    "--outlet", help="The outlet of these inputs' articles, over the one derived from their web address (a JSONL line's own outlet still wins); e.g. a page of headlines pasted from a site.")]
EngineOption = Annotated[str, typer.Option(
    "--engine", metavar="local|ray", help="Where the NLP stage runs: local (this machine; the default) or ray (a Ray "
                                          "cluster: --ray-address, else RAY_ADDRESS, else a local Ray instance).")]
RayAddressOption = Annotated[str | None, typer.Option(
    "--ray-address", metavar="ADDRESS", help="The Ray cluster to run on (host:port of its head, or auto); with --engine ray.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
JsonLinesOption = Annotated[bool, typer.Option("--json", help="One JSON object per line.")]
Inputs = Annotated[list[str], typer.Argument(
    metavar="INPUT...", help="Files (.jsonl .txt .html .htm .xml .rss .atom .warc .warc.gz), directories, "
                             "http(s) URLs, or - for standard input.")]


def open_db(db: str | None) -> Store:
    return open_store(db or settings.default_db_url())


def say(message: str, console: Console = out) -> None:
    """A line of plain text (no markup, no highlighting)."""
    console.print(message, markup=False, highlight=False)


def warn(message: str) -> None:
    say(f"warning: {message}", err)


def print_json(data: Any, indent: int | None = None) -> None:
    say(json.dumps(data, ensure_ascii=False, default=iso, indent=indent))


def table(*columns: str, right: tuple[str, ...] = ()) -> Table:
    """A table with these columns, those named in ``right`` right-aligned."""
    result = Table(show_lines=False)
    for column in columns:
        result.add_column(column, justify="right" if column in right else "left")
    return result


class _Amount(ProgressColumn):
    """Done and total in the step's unit: bytes as sizes, anything else as counts."""

    def render(self, task) -> Text:
        unit = task.fields.get("unit", "")
        if unit == "bytes":
            from rich.filesize import decimal

            total = f"/{decimal(int(task.total))}" if task.total is not None else ""
            return Text(f"{decimal(int(task.completed))}{total}")
        total = f"/{int(task.total):,}" if task.total is not None else ""
        return Text(f"{int(task.completed):,}{total} {unit}")


class Progress:
    """The one progress adapter: each step of the library's ``Progress`` protocol becomes a bar
    on standard error (drawn only on a terminal)."""

    def __init__(self, bar: RichProgress):
        self.bar = bar
        self.task: Any = None
        self.step = ""

    def start(self, step: str, total: int | None, unit: str) -> None:
        if self.task is not None:
            self.bar.remove_task(self.task)
        self.step = step
        self.task = self.bar.add_task(step, total=total, unit=unit)

    def advance(self, count: int) -> None:
        if self.task is not None:
            self.bar.advance(self.task, count)

    def note(self, text: str) -> None:
        if self.task is not None:
            self.bar.update(self.task, description=f"{self.step} {text}")


def progress_bar() -> RichProgress:
    return RichProgress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), _Amount(),
                        TimeElapsedColumn(), TimeRemainingColumn(), console=err, transient=True,
                        disable=not err.is_terminal)


def date_option(value: str | None, flag: str) -> datetime | None:
    if value is None:
        return None
    parsed = parse_datetime(value)
    if parsed is None:
        raise NewsradarError(f"{flag} {value!r} is not a date; use YYYY-MM-DD")
    return parsed


def full_date(value: str) -> date | None:
    """A day written in full — YYYY-MM-DD or as people write it ("12 April 2022", "March 3, 2025")
    — or None. A partial date ("2022", "April 12") is refused rather than completed from today."""
    from dateutil import parser

    try:
        first = parser.parse(value, default=datetime(2000, 1, 1))
        second = parser.parse(value, default=datetime(2001, 2, 2))
    except (ValueError, OverflowError):
        return None
    return first.date() if first.date() == second.date() else None


def day_option(value: str | None, flag: str) -> date | None:
    """A day given as YYYY-MM-DD or as people write it ("12 April 2022")."""
    if value is None:
        return None
    found = full_date(str(value))
    if found is None:
        raise NewsradarError(f"{flag} {value!r} is not a full date; use YYYY-MM-DD or e.g. 12 April 2022")
    return found


def day(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""



@contextmanager
def engine_option(name: str, address: str | None, workers: int | None = None) -> Iterator[Any]:
    """The engine a command's --engine and --ray-address name, closed when the command ends."""
    if name not in ("local", "ray"):
        raise NewsradarError(f"--engine {name!r}: use local or ray")
    if address and name != "ray":
        raise NewsradarError("--ray-address needs --engine ray")
    engine = engines.open_engine(name, address, workers if name == "ray" else None)
    try:
        yield engine
    finally:
        engine.close()
