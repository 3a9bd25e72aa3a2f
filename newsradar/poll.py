"""Polling feed subscriptions, the way a good feed reader does: politely and without ever letting
one feed's failure stop the others.

- conditional GET (ETag, Last-Modified); Cache-Control max-age and Expires respected as the
  earliest next poll; 429/503 with Retry-After respected;
- bounded concurrency, overall and per host;
- on errors: exponential backoff with jitter; a feed failing ``feed_max_errors`` times in a row
  is paused with its error visible, not retried hot;
- a permanent redirect moves the subscription to its new address;
- entries that carry only a summary get their linked page fetched (robots.txt respected, a
  delay between requests to one host) and its main text extracted; both texts are kept;
- every outcome — status, error count, last error, next poll — is stored on the feed."""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import random
import re
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

import httpx

from . import settings
from .errors import InputError
from .model import Article, Feed, Warn, WriteResult
from .prepare import default_workers, prepare
from .sources.feed import read_feed
from .sources.fetch import FetchError, Guard, fetch_async, new_client, user_agent
from .sources.webpage import extract_page, walled
from .store import Store
from .store import feeds as feed_store

_MAX_WAIT = timedelta(days=1)  # no server hint pushes a poll further out than this


@dataclass(slots=True)
class PollResult:
    feed_id: int
    url: str
    outcome: str  # "new", "not modified", "error"
    status: int | None = None
    entries: int = 0
    new_articles: int = 0
    error: str | None = None
    next_poll_at: datetime | None = None
    paused: bool = False


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _cache_delay(headers: httpx.Headers, now: datetime) -> timedelta | None:
    """How long the server asks us to wait before fetching again (Cache-Control, Expires)."""
    control = headers.get("cache-control", "")
    match = re.search(r"max-age\s*=\s*(\d+)", control)
    if match:
        return timedelta(seconds=int(match.group(1)))
    expires = headers.get("expires")
    if expires:
        try:
            when = parsedate_to_datetime(expires)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(timedelta(0), when - now)
    return None


def backoff(interval_seconds: int, errors: int) -> timedelta:
    """Exponential backoff from the feed's interval, with ±20 % jitter, at most a day."""
    base = min(interval_seconds * 2 ** max(0, errors - 1), _MAX_WAIT.total_seconds())
    return timedelta(seconds=base * random.uniform(0.8, 1.2))


class HostPolicy:
    """Politeness toward the sites behind article links: robots.txt (RFC 9309) and a delay
    between two requests to one host."""

    def __init__(self, client: httpx.AsyncClient, guard: Guard, delay: float):
        self.client, self.guard, self.delay = client, guard, delay
        self._robots: dict[str, asyncio.Task[RobotFileParser | None]] = {}  # one fetch per origin
        self._locks: dict[str, asyncio.Lock] = {}
        self._last: dict[str, float] = {}

    async def _robots_of(self, url: str) -> RobotFileParser | None:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._robots:
            self._robots[origin] = asyncio.ensure_future(self._load_robots(origin))
        return await self._robots[origin]

    async def allowed(self, url: str) -> bool:
        robots = await self._robots_of(url)
        return True if robots is None else robots.can_fetch(user_agent(), url)

    async def _load_robots(self, origin: str) -> RobotFileParser | None:
        parser = RobotFileParser()
        try:
            fetched = await self.fetch(f"{origin}/robots.txt", max_bytes=512 * 1024)
        except FetchError as exc:
            if exc.status is not None and 400 <= exc.status < 500:
                return None  # RFC 9309: unavailable robots.txt means no restrictions
            parser.parse(["User-agent: *", "Disallow: /"])  # unreachable (5xx, network): assume complete disallow
            return parser
        parser.parse(fetched.content.decode("utf-8", errors="replace").splitlines())
        return parser

    async def fetch(self, url: str, max_bytes: int | None = None):
        """Fetch a page of a host no sooner than the delay (or its robots.txt Crawl-delay) after
        the previous request to that host."""
        host = urlsplit(url).netloc
        delay = self.delay
        if not url.endswith("/robots.txt"):
            robots = await self._robots_of(url)
            crawl_delay = robots.crawl_delay(user_agent()) if robots is not None else None
            delay = max(delay, float(crawl_delay or 0))
        lock = self._locks.setdefault(host, asyncio.Lock())
        async with lock:
            wait = self._last.get(host, 0.0) + delay - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                return await fetch_async(self.client, url, max_bytes=max_bytes, guard=self.guard)
            finally:
                self._last[host] = time.monotonic()


def parse_feed(content: bytes, url: str, outlet: str | None) -> tuple[list[Article], list[str]]:
    """A polled feed's entries as prepared articles, and the warnings on the way. CPU-bound and
    free of I/O, so the poller can run it on worker processes."""
    warnings: list[str] = []
    prepared: list[Article] = []
    for article in read_feed(content, url, warnings.append):
        article.source = url  # one sighting per feed, however the entries shift
        if outlet:  # the user's name for the feed: the outlet, and (as before) the scope of its GUIDs
            article.outlet = article.guid_scope = outlet
        ready = prepare(article)
        if isinstance(ready, Article):
            prepared.append(ready)
    return prepared, warnings


_MIN_FEEDS_FOR_WORKERS = 16  # fewer feeds are parsed in the poller's own process
_UPDATE_BATCH = 100  # feed states written per transaction


class Poller:
    """Polls feeds into a store. One instance per run (``poll``) or per process (``watch``)."""

    def __init__(self, store: Store, warn: Warn = lambda message: None, guard: Guard | None = None):
        self.store = store
        self.warn = warn
        self.guard = guard or Guard.from_settings()
        self.max_errors = settings.get("feed_max_errors")
        self._queue: list[tuple[list[Article], asyncio.Future[list[WriteResult]]]] = []
        self._writer: asyncio.Future | None = None
        self._pool: ProcessPoolExecutor | None = None
        self._use_workers = False
        self._updates: list[tuple[int, dict]] = []

    async def poll(self, feeds: list[Feed]) -> list[PollResult]:
        """Poll these feeds once each, concurrently within the limits; never raises for a feed.
        Feed states are written in batches, and all of them before this returns."""
        if not feeds:
            return []
        total = asyncio.Semaphore(settings.get("poll_concurrency"))
        per_host: dict[str, asyncio.Semaphore] = {}
        self._use_workers = default_workers() > 1 and len(feeds) >= _MIN_FEEDS_FOR_WORKERS
        try:
            async with new_client(self.guard, max_connections=settings.get("poll_concurrency")) as client:
                policy = HostPolicy(client, self.guard, settings.get("host_delay"))

                async def one(feed: Feed) -> PollResult:
                    host = urlsplit(feed.url).netloc
                    semaphore = per_host.setdefault(host, asyncio.Semaphore(settings.get("per_host_concurrency")))
                    async with total, semaphore:
                        return await self._poll_one(client, policy, feed)

                return list(await asyncio.gather(*(one(feed) for feed in feeds)))
        finally:
            await self._flush_updates()
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
                self._pool = None

    async def _write(self, articles: list[Article]) -> list[WriteResult]:
        """Write one feed's articles. Feeds that finish while a write is under way are written
        together in the next transaction, so a busy poll makes few, larger transactions."""
        future: asyncio.Future[list[WriteResult]] = asyncio.get_running_loop().create_future()
        self._queue.append((articles, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.ensure_future(self._drain())
        return await future

    async def _drain(self) -> None:
        while self._queue:
            batch, self._queue = self._queue, []
            try:
                results = await asyncio.to_thread(self.store.write_batch, [a for articles, _ in batch for a in articles])
            except Exception as exc:  # handed to every feed waiting on this write
                for _, future in batch:
                    future.set_exception(exc)
                continue
            start = 0
            for articles, future in batch:
                future.set_result(results[start:start + len(articles)])
                start += len(articles)

    async def _record(self, feed_id: int, changes: dict) -> None:
        self._updates.append((feed_id, changes))
        if len(self._updates) >= _UPDATE_BATCH:
            await self._flush_updates()

    async def _flush_updates(self) -> None:
        updates, self._updates = self._updates, []
        if updates:
            await asyncio.to_thread(feed_store.update_many, self.store, updates)

    async def _poll_one(self, client: httpx.AsyncClient, policy: HostPolicy, feed: Feed) -> PollResult:
        now = _now()
        headers = {"Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.5"}
        if feed.etag:
            headers["If-None-Match"] = feed.etag
        if feed.last_modified:
            headers["If-Modified-Since"] = feed.last_modified
        try:
            fetched = await fetch_async(client, feed.url, headers=headers, guard=self.guard)
            new_url = fetched.permanent_url
            if new_url is not None and await asyncio.to_thread(feed_store.move, self.store, feed.id, new_url):
                self.warn(f"{feed.url}: moved permanently; the subscription now follows {new_url}")
                feed.url = new_url
            hint = _cache_delay(fetched.headers, now)
            hint = min(hint, _MAX_WAIT) if hint else None
            wait = max(timedelta(seconds=feed.interval_seconds), hint or timedelta(0))
            changes: dict = {"last_fetch_at": now, "last_status": fetched.status, "error_count": 0, "last_error": None,
                             "next_poll_at": now + wait, "not_before": now + hint if hint else None,
                             "last_success_at": now}
            result = PollResult(feed.id, feed.url, "not modified", fetched.status, next_poll_at=now + wait)
            if fetched.status != 304:
                articles, problems = await self._articles(policy, feed, fetched.content)
                written = await self._write(articles) if articles else []
                result.outcome, result.entries = "new", len(articles)
                result.new_articles = sum(1 for r in written if r.inserted)
                changes.update(etag=fetched.headers.get("etag"), last_modified=fetched.headers.get("last-modified"),
                               articles_count=feed.articles_count + result.new_articles)
                if not feed.title and articles and articles[0].section:
                    changes["title"] = articles[0].section
                if problems:  # an entry's bad link is that entry's problem: noted on the feed, not counted as its failure
                    changes["last_error"] = (f"{len(problems)} entr{'y' if len(problems) == 1 else 'ies'} kept the "
                                             f"feed's summary; first: {problems[0]}")
        except InputError as exc:  # FetchError included: a failure is data, not a crash
            errors = feed.error_count + 1
            status = getattr(exc, "status", None)
            retry_after = getattr(exc, "retry_after", None)
            wait = backoff(feed.interval_seconds, errors)
            if status in (429, 503) and retry_after is not None:
                wait = min(max(timedelta(seconds=retry_after), timedelta(seconds=1)), _MAX_WAIT)
            paused = errors >= self.max_errors
            changes = {"last_fetch_at": now, "last_status": status, "error_count": errors, "last_error": exc.reason,
                       "next_poll_at": now + wait, "not_before": now + wait, "paused": paused}
            result = PollResult(feed.id, feed.url, "error", status, error=exc.reason, next_poll_at=now + wait,
                                paused=paused)
        await self._record(feed.id, changes)
        return result

    async def _articles(self, policy: HostPolicy, feed: Feed, content: bytes) -> tuple[list[Article], list[str]]:
        """The feed's entries as prepared articles, with full text fetched for summary-only
        entries that are not stored yet; and why any such entry kept its summary."""
        if self._use_workers and self._pool is None:  # started on the first feed that changed: 304s need none
            self._pool = ProcessPoolExecutor(default_workers(), mp_context=multiprocessing.get_context("spawn"))
        prepared, warnings = await self._cpu(parse_feed, content, feed.url, feed.outlet)
        for warning in warnings:
            self.warn(warning)
        candidates = [a for a in prepared if a.summary_only and a.url] if feed.full_text else []
        if not candidates:
            return prepared, []
        stored = await asyncio.to_thread(self.store.existing_keys, [a.key for a in candidates])
        wanted = [a for a in candidates if a.key not in stored]
        problems = await asyncio.gather(*(self._full_text(policy, article) for article in wanted))
        return prepared, [p for p in problems if p]

    async def _full_text(self, policy: HostPolicy, article: Article) -> str | None:
        """Fetch an entry's page for its full text; on any failure the entry keeps the feed's
        summary and the reason is returned (a bad link never stops the round)."""
        assert article.url is not None
        try:
            self.guard.check_url(article.url)  # a link that does not parse, or a refused address: said as such
            if not await policy.allowed(article.url):
                return None
            fetched = await policy.fetch(article.url)
            updated = await self._cpu(with_full_text, article, fetched.content, fetched.url)
        except Exception as exc:  # noqa: BLE001 - whatever a hostile link does, it is this entry's problem
            reason = exc.reason if isinstance(exc, InputError) else f"{type(exc).__name__}: {exc}"
            self.warn(f"{article.url}: full text not fetched ({reason}); the feed's summary is kept")
            return f"{article.url}: {reason}"
        for name in ("text", "summary", "author", "keys", "content_hash", "fingerprint", "also_urls", "text_origin"):
            setattr(article, name, getattr(updated, name))
        return None

    async def _cpu(self, function, *args):
        """Run CPU-bound work off the event loop: on the worker processes when this round has
        started them, else on a thread."""
        if self._pool is not None:
            return await asyncio.get_running_loop().run_in_executor(self._pool, function, *args)
        return await asyncio.to_thread(function, *args)


def with_full_text(article: Article, content: bytes, final_url: str) -> Article:
    """The article with its linked page's main text (when longer than the feed's), the feed's
    text kept as the summary, and the page's addresses among its keys. Raises InputError when the
    page holds no article."""
    assert article.url is not None
    page = extract_page(content, article.url, url=final_url, kind="url")
    also = [url for url in (final_url, page.url) if url and url != article.url]
    if also:  # reached through a redirect, or the page names its canonical address: those identify it too
        article.also_urls = also
    wall = walled(page.text)
    if wall:  # a paywall or consent page (WSJ, FT, NYT…): the feed's summary is the better text
        article.text_origin = wall
    elif len(page.text) > len(article.text):
        article.summary = article.text
        article.text = page.text
        article.author = article.author or page.author
        article.text_origin = "page"
    prepare(article)  # new text and keys: a new content hash and fingerprint; the primary key stays
    return article


def poll_once(store: Store, *, which: str = "fetchable", warn: Warn = lambda message: None) -> list[PollResult]:
    """Poll feeds once. ``which``: "fetchable" (every feed not paused that no Retry-After,
    Cache-Control or backoff holds back — what a person asking for a refresh wants), "due" (only
    those whose interval has come, as ``watch`` does) or "force" (every feed not paused)."""
    now = _now()
    choose = {"fetchable": lambda: feed_store.fetchable(store, now), "due": lambda: feed_store.due(store, now),
              "force": lambda: feed_store.active(store)}
    if which not in choose:
        raise ValueError(f"which must be one of {sorted(choose)}")
    return asyncio.run(Poller(store, warn).poll(choose[which]()))


async def watch(store: Store, stop: asyncio.Event, *, warn: Warn = lambda message: None,
                on_results: Callable[[list[PollResult]], None] = lambda results: None, max_sleep: float = 60.0) -> int:
    """Poll due feeds until ``stop`` is set; a poll under way is finished first, so nothing
    fetched is lost. Returns the number of polling rounds."""
    poller = Poller(store, warn)
    rounds = 0
    while not stop.is_set():
        due = await asyncio.to_thread(feed_store.due, store, _now())
        if due:
            on_results(await poller.poll(due))
            rounds += 1
        upcoming = await asyncio.to_thread(feed_store.next_due, store)
        sleep = max_sleep if upcoming is None else min(max_sleep, max(0.5, (upcoming - _now()).total_seconds()))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=sleep)
    return rounds


async def probe_feed(url: str) -> str | None:
    """Fetch a would-be subscription once through the safe fetcher and check that it is a feed
    with entries; returns the feed's title. Raises FetchError or InputError saying why not."""
    import feedparser

    async with new_client(max_connections=2) as client:
        fetched = await fetch_async(client, url)
    entries = list(read_feed(fetched.content, url, lambda message: None))
    if not entries:
        raise InputError(url, "the feed has no entries")
    title = feedparser.parse(fetched.content).get("feed", {}).get("title")
    return " ".join(str(title).split())[:200] or None if title else None
