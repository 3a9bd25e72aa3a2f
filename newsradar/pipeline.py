"""Runs the stages: sources → prepare (extract, normalize, fingerprint; inline or on worker
processes) → store (dedup and stories inside the one write path), in batches, one transaction per
batch. The next batch is prepared while the current one is written."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from . import settings
from .errors import InputError
from .model import Article, Item, RawPage, Warn
from .prepare import PreparedBatch, Preparer
from .sources import Input, read_input
from .store import Store


@dataclass(slots=True)
class InputReport:
    """What one input gave: articles read, newly stored, already stored, stored as near-duplicates
    of an earlier copy, pages without an article, and the error that stopped it, if any."""

    name: str
    kind: str
    read: int = 0
    inserted: int = 0
    existing: int = 0
    duplicates: int = 0
    no_article: int = 0
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

    def started(self, total_bytes: int | None, inputs: int) -> None:
        """Before reading: the inputs' total size (None when some size is unknown: stdin, URLs)."""

    def input_started(self, name: str, kind: str) -> None: ...

    def bytes_read(self, done: int) -> None:
        """Bytes of all inputs read so far."""

    def articles_done(self, count: int) -> None:
        """``count`` more articles were written."""


def ingest(specs: Sequence[str], store: Store, *, warn: Warn = lambda message: None,
           progress: Progress | None = None, batch_size: int | None = None, workers: int | None = None,
           outlet: str | None = None) -> IngestReport:
    """Read every input, prepare and write in batches. A bad input is recorded in the report
    (``InputReport.error``) and skipped; the other inputs go on; ``warn`` hears of lesser
    problems (a bad line, skipped records). ``outlet`` names the outlet of articles whose source
    names none (a pasted page, say). Re-running on the same inputs writes nothing new."""
    batch_size = batch_size or settings.get("batch_size")
    progress = progress or Progress()
    report = IngestReport()
    seen: set[int] = set()
    pending: list[tuple[Item, InputReport]] = []
    in_flight: list[tuple[PreparedBatch, list[tuple[Item, InputReport]]]] = []  # prepared while another is written

    def write(handle: PreparedBatch, owners: list[tuple[Item, InputReport]]) -> None:
        articles: list[Article] = []
        article_owners: list[InputReport] = []
        for prepared, (item, owner) in zip(handle.result(), owners, strict=True):
            if isinstance(prepared, InputError):
                owner.no_article += 1
                if isinstance(item, RawPage) and item.single:
                    owner.error = prepared.reason
                continue
            owner.read += 1
            articles.append(prepared)
            article_owners.append(owner)
        if not articles:
            return
        for owner, result in zip(article_owners, store.write_batch(articles), strict=True):
            if result.inserted:
                owner.inserted += 1
                owner.duplicates += result.duplicate_of is not None
            else:
                owner.existing += 1
            if result.article_id not in seen:
                seen.add(result.article_id)
                report.article_ids.append(result.article_id)
        progress.articles_done(len(articles))

    with Preparer(workers) as preparer:

        def dispatch(final: bool) -> None:
            """Send the pending items to be prepared; write every prepared batch but the newest
            (or all of them, when ``final``)."""
            if pending:
                in_flight.append((preparer.submit([item for item, _ in pending]), list(pending)))
                pending.clear()
            while len(in_flight) > (0 if final else 1):
                write(*in_flight.pop(0))

        # Expand every spec first (directories listed, nothing read yet) to know the total size;
        # a spec that cannot be expanded keeps its place in the report.
        sources: list[Input | InputReport] = []
        for spec in specs:
            try:
                sources.extend(read_input(spec, warn))
            except InputError as exc:
                sources.append(InputReport(exc.source, "?", error=exc.reason))
        sizes = [s.size for s in sources if isinstance(s, Input)]
        progress.started(None if None in sizes else sum(s or 0 for s in sizes), len(sizes))
        finished_bytes = 0
        for source in sources:
            if isinstance(source, InputReport):
                report.inputs.append(source)
                continue
            input_report = InputReport(source.name, source.kind)
            report.inputs.append(input_report)
            progress.input_started(source.name, source.kind)
            try:
                for count, item in enumerate(source.articles, start=1):
                    if outlet:
                        if isinstance(item, RawPage):
                            item.fallback_outlet = outlet
                        elif not item.outlet:
                            item.outlet = outlet
                    pending.append((item, input_report))
                    if len(pending) >= batch_size:
                        dispatch(final=False)
                    if count % 32 == 0:
                        progress.bytes_read(finished_bytes + source.meter.done)
            except InputError as exc:
                input_report.error = exc.reason
            finished_bytes += source.meter.done
            progress.bytes_read(finished_bytes)
        dispatch(final=True)
    for item_report in report.inputs:
        if item_report.no_article and not item_report.error:
            warn(f"{item_report.name}: skipped {item_report.no_article} HTML pages without article text")
    return report
