"""The command-line interface: a Typer app whose commands live in modules by noun (articles,
feeds, stories, entities, topics; run: the flow; system: stats, settings, serve). Each command
calls library functions; errors become one-line messages in ``common._Group``."""

from __future__ import annotations

from . import articles, entities, feeds, run, stories, system, topics  # noqa: F401 - they register the commands
from .common import app

__all__ = ["app", "main"]


def main() -> None:
    app()
