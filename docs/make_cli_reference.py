"""Writes docs/cli.md from the CLI's own --help texts (tests/test_docs.py checks it is current).

    .venv/bin/python docs/make_cli_reference.py"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))



def commands() -> list[list[str]]:
    """Every command and subcommand of the CLI, walked from the app itself, so none is missed."""
    import typer

    from newsradar.cli import app

    found: list[list[str]] = []

    def walk(group, path: list[str]) -> None:
        for name, command in group.commands.items():
            if hasattr(command, "commands"):
                walk(command, [*path, name])
            else:
                found.append([*path, name])

    walk(typer.main.get_command(app), [])
    return found


def reference() -> str:
    from typer.testing import CliRunner

    from newsradar.cli import app
    from newsradar.settings import SETTINGS

    os.environ["COLUMNS"] = "100"
    runner = CliRunner()
    parts = ["# newsradar command-line reference", "",
             "Generated from `--help` by `docs/make_cli_reference.py`; do not edit by hand.", "",
             "```", runner.invoke(app, ["--help"], prog_name="newsradar", env={"COLUMNS": "80"}).stdout.rstrip(), "```", ""]
    for command in commands():
        parts += [f"## newsradar {' '.join(command)}", "", "```",
                  runner.invoke(app, [*command, "--help"], prog_name="newsradar", env={"COLUMNS": "80"}).stdout.rstrip(), "```", ""]
    parts += ["## Settings", "", "Every setting is read from its environment variable.", "",
              "| setting | environment variable | default | meaning |", "|---|---|---|---|"]
    for setting in SETTINGS:
        parts.append(f"| {setting.name} | `{setting.env}` | {setting.default!r} | {setting.help} |")
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    (ROOT / "docs" / "cli.md").write_text(reference(), encoding="utf-8")
    print("docs/cli.md written")
