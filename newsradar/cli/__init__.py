"""The command-line interface: a Typer app whose commands live in modules by noun (articles,
feeds, stories, entities, topics; run: the flow; system: stats, settings, serve). Each command
calls library functions; errors become one-line messages in ``common._Group``."""

from __future__ import annotations

from .common import app

# isort: off
# the order commands are listed in `newsradar --help`: the flow first, then reads, then the nouns
from . import run, scale, articles, system, entities, feeds, stories, topics, outlets, quotes, events, framing  # noqa: F401 - they register the commands
# isort: on

__all__ = ["app", "main"]


def main() -> None:
    app()
