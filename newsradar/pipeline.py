"""Runs the stages: sources → normalize → store (dedup and stories inside the one write path),
in batches, one transaction per batch."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from . import settings
from .errors import InputError
from .model import Article
from .normalize import normalize_article
from .sources import read_input
from .store import Store

Warn = Callable[[str], None]


@dataclass(slots=True)
class InputReport:
    """What one input gave: articles read, newly stored, already stored, near-duplicates, error."""

    name: str
    kind: str
    read: int = 0
    inserted: int = 0
    existing: int = 0
    duplicates: int = 0
    error: str | None = None


@dataclass(slots=True)
class IngestReport:
    inputs: list[InputReport] = field(default_factory=list)
    article_ids: list[int] = field(default_factory=list)  # in input order, each once

    @property
    def processed(self) -> int:
        return sum(r.read for r in self.inputs)

    @property
    def inserted(self) -> int:
        return sum(r.inserted for r in self.inputs)

    @property
    def errors(self) -> list[InputReport]:
        return [r for r in self.inputs if r.error]


class Progress:
    """Progress callbacks; the CLI draws them, the library only calls them."""

    def input_started(self, name: str, kind: str) -> None: ...

    def articles_done(self, count: int) -> None: ...


def ingest(specs: Sequence[str], store: Store, *, warn: Warn = lambda message: None,
           progress: Progress | None = None, batch_size: int | None = None) -> IngestReport:
    """Read every input, normalize, and write in batches. A bad input is recorded in the report
    (``InputReport.error``) and skipped; the other inputs go on; ``warn`` hears of lesser problems
    (a bad line, skipped records). Re-running on the same inputs writes nothing new."""
    batch_size = batch_size or settings.get("batch_size")
    progress = progress or Progress()
    report = IngestReport()
    seen: set[int] = set()
    batch: list[tuple[Article, InputReport]] = []

    def flush() -> None:
        if not batch:
            return
        results = store.write_batch([article for article, _ in batch])
        for (_article, input_report), result in zip(batch, results, strict=True):
            if result.inserted:
                input_report.inserted += 1
                if result.duplicate_of is not None:
                    input_report.duplicates += 1
            else:
                input_report.existing += 1
            if result.article_id not in seen:
                seen.add(result.article_id)
                report.article_ids.append(result.article_id)
        progress.articles_done(len(batch))
        batch.clear()

    for spec in specs:
        try:
            inputs: Iterable = read_input(spec, warn)
            for item in inputs:
                input_report = InputReport(item.name, item.kind)
                report.inputs.append(input_report)
                progress.input_started(item.name, item.kind)
                try:
                    for article in item.articles:
                        batch.append((normalize_article(article), input_report))
                        input_report.read += 1
                        if len(batch) >= batch_size:
                            flush()
                except InputError as exc:
                    input_report.error = exc.reason
        except InputError as exc:
            report.inputs.append(InputReport(exc.source, "?", error=exc.reason))
    flush()
    return report
