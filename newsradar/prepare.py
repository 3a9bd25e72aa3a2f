"""The CPU-bound part of ingestion, per item and free of I/O: extract the article of an HTML
page, normalize it, fingerprint it. ``Preparer`` runs it inline or on worker processes; results
come back in input order either way, so the store sees the same sequence whatever the engine."""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor

from . import dedup, settings
from .errors import InputError
from .model import Article, Item, RawPage
from .normalize import (
    canonical_url,
    clean_text,
    clean_title,
    content_hash,
    identity_key,
    identity_keys,
    normalize_article,
)
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


def identify(article: Article) -> Article:
    """A copy of the article with only its identity keys worked out — the cheap part of
    normalization, without language identification or the fingerprint — to find an item that is
    stored already (a re-run) and skip the rest of its preparation. Its keys are the ones
    ``prepare`` would give it."""
    found = dataclasses.replace(article, also_urls=list(article.also_urls))
    found.outlet = clean_title(found.outlet)
    found.guid_scope = clean_title(found.guid_scope)
    found.canonical_url = canonical_url(found.url)
    if not found.canonical_url and not (found.guid and found.guid.strip()):
        found.title, found.text = clean_title(found.title), clean_text(found.text)
        found.content_hash = content_hash(found.title, found.text)
    found.key = identity_key(found)
    found.keys = identity_keys(found)
    return found


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

    def submit(self, items: Sequence[Item], known: dict[int, Article] | None = None) -> PreparedBatch:
        """Prepare ``items`` but those at the positions in ``known`` (stored already: their
        identified copies stand in their place)."""
        known = known or {}
        if known:
            items = [item for index, item in enumerate(items) if index not in known]
        if self.workers <= 1 or len(items) < self.min_parallel:
            return PreparedBatch(results=[prepare(item) for item in items], known=known)
        if self._pool is None:
            # spawn, not fork: the parent may hold database connections and a progress thread
            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
        size = max(1, -(-len(items) // (self.workers * 4)))
        return PreparedBatch(futures=[self._pool.submit(_prepare_chunk, items[i:i + size]) for i in range(0, len(items), size)],
                             known=known)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> Preparer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class PreparedBatch:
    """A batch being prepared; ``result()`` waits for it. ``known`` holds, by position, items
    found stored already (``identify``d, not prepared); the others are prepared in order."""

    def __init__(self, results: list[Prepared] | None = None, futures: list[Future] | None = None,
                 known: dict[int, Article] | None = None):
        self._results = results
        self._futures = futures or []
        self.known = known or {}

    def result(self) -> list[Prepared]:
        if self._results is None:
            self._results = [prepared for future in self._futures for prepared in future.result()]
        if not self.known:
            return self._results
        prepared = iter(self._results)
        merged: list[Prepared] = []
        for index in range(len(self._results) + len(self.known)):
            merged.append(self.known[index] if index in self.known else next(prepared))
        return merged
