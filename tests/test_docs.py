"""Docs that tests keep honest."""

from .conftest import ROOT


def test_cli_reference_is_current(monkeypatch):
    import sys

    monkeypatch.syspath_prepend(str(ROOT / "docs"))
    sys.modules.pop("make_cli_reference", None)
    from make_cli_reference import reference

    assert (ROOT / "docs" / "cli.md").read_text(encoding="utf-8") == reference(), \
        "docs/cli.md is stale: run .venv/bin/python docs/make_cli_reference.py"


def test_readme_quick_start_has_exactly_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = quick.split("```sh", 1)[1].split("```", 1)[0]
    commands = [line for line in block.splitlines() if line.strip() and not line.strip().startswith("#")]
    assert commands == ["make run", "make test"]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci
