"""One progress protocol for every long step (reading inputs, analysing, clustering). The library
only calls it; the CLI draws it (``cli/common.py``), the web app and tests ignore it."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def start(self, step: str, total: int | None, unit: str) -> None:
        """A step begins: ``total`` units of ``unit`` ("bytes", "articles"), None when unknown."""

    def advance(self, count: int) -> None:
        """``count`` more units of the current step are done."""

    def note(self, text: str) -> None:
        """What the current step is working on (an input's name, articles written so far)."""


class NoProgress:
    def start(self, step: str, total: int | None, unit: str) -> None:
        pass

    def advance(self, count: int) -> None:
        pass

    def note(self, text: str) -> None:
        pass


NO_PROGRESS: Progress = NoProgress()
