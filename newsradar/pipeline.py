"""The flow, in one entry point: ``run(inputs, store)`` ingests the inputs, analyses every article
waiting for it (one parse, every registered stage) and puts new articles into stories. ``ingest``,
``analyze``, ``poll``/``watch``, ``stories update``/``rebuild`` and the benchmarks all go through it.

Ingestion: sources → prepare (extract, normalize, fingerprint; inline or on worker processes) →
store (exact and near-duplicate matching inside the one write path), in batches, one transaction
per batch; the next batch is prepared while the current one is written. Inputs that fail are
reported and stored (``store/failures.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from . import alerts, analysis, settings, stories
from .alerts import AlertReport
from .analysis import AnalysisReport
from .clustering import StoryConfig
from .errors import InputError
from .model import Article, Item, RawPage, Warn
from .prepare import PreparedBatch, Preparer, identify
from .progress import NO_PROGRESS, Progress
from .sources import Input, read_input
from .stages import Stage
from .store import Store
from .store import failures as failure_store
from .stories import UpdateReport


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


def ingest(specs: Sequence[str], store: Store, *, warn: Warn = lambda message: None,
           progress: Progress = NO_PROGRESS, batch_size: int | None = None, workers: int | None = None,
           outlet: str | None = None, preparer: Preparer | None = None) -> IngestReport:
    """Read every input, prepare and write in batches (``preparer``: where items are prepared;
    default inline or on ``workers`` processes). A bad input is recorded in the report
    (``InputReport.error``) and skipped; the other inputs go on; ``warn`` hears of lesser
    problems (a bad line, skipped records). ``outlet`` is the user's name for the inputs' outlet:
    it wins over the publisher derived from the address (``outlets.derive``), not over a JSONL
    line's own ``outlet``. Re-running on the same inputs writes nothing new."""
    batch_size = batch_size or settings.get("batch_size")
    report = IngestReport()
    seen: set[int] = set()
    pending: list[tuple[Item, InputReport]] = []
    label = ["reading"]  # the input being read, for progress notes
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
        progress.note(f"{label[0]} · {len(seen):,} articles")

    stored_already = _StoredAlready(store)
    with preparer or Preparer(workers) as preparer:

        def dispatch(final: bool) -> None:
            """Send the pending items to be prepared; write every prepared batch but the newest
            (or all of them, when ``final``)."""
            if pending:
                items = [item for item, _ in pending]
                in_flight.append((preparer.submit(items, known=stored_already(items)), list(pending)))
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
        progress.start("reading", None if None in sizes else sum(s or 0 for s in sizes), "bytes")
        read_bytes = finished_bytes = 0

        def meter(done: int) -> None:
            nonlocal read_bytes
            progress.advance(done - read_bytes)
            read_bytes = done

        number = 0
        for source in sources:
            if isinstance(source, InputReport):
                report.inputs.append(source)
                continue
            input_report = InputReport(source.name, source.kind)
            report.inputs.append(input_report)
            number += 1
            shown = source.name if "://" in source.name else Path(source.name).name
            label[0] = f"[{number}/{len(sizes)}] {source.kind}: {shown}"
            progress.note(f"{label[0]} · {len(seen):,} articles")
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
                        meter(finished_bytes + source.meter.done)
            except InputError as exc:
                input_report.error = exc.reason
            finished_bytes += source.meter.done
            meter(finished_bytes)
        dispatch(final=True)
    for item_report in report.inputs:
        if item_report.no_article and not item_report.error:
            warn(f"{item_report.name}: skipped {item_report.no_article} HTML pages without article text")
    failure_store.record(store, [(r.name, r.kind, r.error) for r in report.errors if r.error])
    return report


class _StoredAlready:
    """Finds the articles of a batch that are stored already (not pages: their identity is known
    only once extracted), with their identified copies, so that a re-run skips preparing them.
    A URL or GUID is a cheap key; an article with neither is keyed by a hash of its cleaned text,
    which costs more, so those stop being checked once a batch of them found nothing stored (a
    first run pays for one batch, a re-run keeps finding them)."""

    def __init__(self, store: Store):
        self.store = store
        self.check_content = True

    def __call__(self, items: Sequence[Item]) -> dict[int, Article]:
        found: dict[int, Article] = {}
        by_content: set[int] = set()  # positions keyed by their text's hash
        for index, item in enumerate(items):
            if not isinstance(item, Article):
                continue
            keyed = bool(item.url and item.url.strip()) or bool(item.guid and item.guid.strip())
            if keyed or self.check_content:
                found[index] = identify(item)
                if not keyed:
                    by_content.add(index)
        if not found:
            return {}
        known = self.store.known_keys([k for article in found.values() for k in article.keys])
        stored = {index: article for index, article in found.items() if any(k in known for k in article.keys)}
        if len(by_content) >= 50 and not by_content & stored.keys():
            self.check_content = False
        return stored


@dataclass(slots=True)
class RunReport:
    ingest: IngestReport | None = None  # None when there were no inputs (poll, stories update)
    analysis: AnalysisReport = field(default_factory=AnalysisReport)
    reanalysis: AnalysisReport = field(default_factory=AnalysisReport)
    stories: UpdateReport = field(default_factory=UpdateReport)
    alerts: AlertReport = field(default_factory=AlertReport)


def run(inputs: Sequence[str], store: Store, *, stages: Sequence[Stage] | None = None,
        progress: Progress = NO_PROGRESS, warn: Warn = lambda message: None, analyse: bool = True,
        cluster: bool = True, rebuild: bool = False, config: StoryConfig | None = None,
        batch_size: int | None = None, workers: int | None = None, outlet: str | None = None,
        engine: analysis.Engine | None = None) -> RunReport:
    """The whole flow over a store: ingest ``inputs`` (none: only what already waits), analyse
    every article never analysed (``stages``: the registered ones), re-analyse a bounded batch of
    articles an older stage version analysed (``NEWSRADAR_REANALYZE_BATCH``, newest first), then
    cluster every analysed article without a story (``rebuild``: forget the stories first).
    ``analyse=False`` stops after ingestion (a bulk load); ``cluster=False`` after the analysis.
    Given a subset of the stages, new articles are analysed by those only; the others reach them
    through the re-analysis batches or ``reanalyze``. ``engine`` parses (``engines.open_engine``:
    local by default, or Ray); with Ray, ingestion prepares items on the cluster too."""
    report = RunReport()
    if inputs:
        preparer = engine.preparer(workers) if engine is not None and hasattr(engine, "preparer") else None
        report.ingest = ingest(inputs, store, warn=warn, progress=progress, batch_size=batch_size, workers=workers,
                               outlet=outlet, preparer=preparer)
    if not analyse:
        return report
    report.analysis = analysis.analyze_pending(store, stages, progress=progress, engine=engine)
    batch = settings.get("reanalyze_batch")
    if batch:
        report.reanalysis = analysis.analyze_pending(store, stages, progress=progress, outdated=True, limit=batch,
                                                     engine=engine)
    if cluster:
        run_stories = stories.rebuild if rebuild else stories.update
        report.stories = run_stories(store, config, progress=progress) or UpdateReport()
        report.alerts = alerts.after_stories(store, warn)  # the process that assigns stories tells the topics' alerts
    return report


def reanalyze(store: Store, stages: Sequence[Stage] | None = None, *, since: datetime | None = None,
              limit: int | None = None, progress: Progress = NO_PROGRESS,
              engine: analysis.Engine | None = None) -> AnalysisReport:
    """Re-analyse the articles these stages (default: all) analysed at another version, newest
    first, then cluster any that were waiting."""
    found = analysis.analyze_pending(store, stages, progress=progress, outdated=True, since=since, limit=limit,
                                     engine=engine)
    stories.update(store, progress=progress)
    alerts.after_stories(store)
    return found
