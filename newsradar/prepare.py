"""The CPU-bound part of ingestion, per item and free of I/O: extract the article of an HTML
page, normalize it, fingerprint it. ``Preparer`` runs it inline or on worker processes; results
come back in input order either way, so the store sees the same sequence whatever the engine."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor

from . import dedup, settings
from .errors import InputError
from .model import Article, Item, RawPage
from .normalize import normalize_article
from .sources.webpage import extract_page

Prepared = Article | InputError


def prepare(item: Item) -> Prepared:
    """A normalized, fingerprinted article; or the InputError saying why a page holds none."""
    if isinstance(item, RawPage):
        try:
            article = extract_page(item.content, item.source, url=item.url, kind=item.kind)
        except InputError as exc:
            return exc
        if article.published_raw is None and item.fallback_published:
            article.published_raw = item.fallback_published
        article.outlet = article.outlet or item.fallback_outlet
    else:
        article = item
    normalize_article(article)
    signature = dedup.fingerprint(article.text)
    article.fingerprint = dedup.to_bytes(signature) if signature is not None else None
    return article


def _prepare_chunk(items: Sequence[Item]) -> list[Prepared]:
    return [prepare(item) for item in items]


def default_workers() -> int:
    configured = settings.get("workers")
    if configured and configured > 0:
        return configured
    return max(1, min(4, os.cpu_count() or 1))


class Preparer:
    """Prepares batches inline (workers=1) or on a process pool started on first real need: a
    batch larger than ``min_parallel`` items. ``submit`` returns a handle whose ``result()``
    gives the batch's results in order, so the caller can write one batch while the next is
    being prepared."""

    def __init__(self, workers: int | None = None, min_parallel: int = 64):
        self.workers = workers or default_workers()
        self.min_parallel = min_parallel
        self._pool: ProcessPoolExecutor | None = None

    def submit(self, items: Sequence[Item]) -> PreparedBatch:
        if self.workers <= 1 or len(items) < self.min_parallel:
            return PreparedBatch(results=[prepare(item) for item in items])
        if self._pool is None:
            # spawn, not fork: the parent may hold database connections and a progress thread
            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
        size = max(1, -(-len(items) // (self.workers * 4)))
        return PreparedBatch(futures=[self._pool.submit(_prepare_chunk, items[i:i + size]) for i in range(0, len(items), size)])

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> Preparer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class PreparedBatch:
    """A batch being prepared; ``result()`` waits for it."""

    def __init__(self, results: list[Prepared] | None = None, futures: list[Future] | None = None):
        self._results = results
        self._futures = futures or []

    def result(self) -> list[Prepared]:
        if self._results is None:
            self._results = [prepared for future in self._futures for prepared in future.result()]
        return self._results
