"""The vocabulary: the records that travel between stages. Every source returns ``Article``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(slots=True)
class Article:
    """One article as a source found it; ``normalize`` fills the derived fields."""

    text: str
    title: str | None = None
    url: str | None = None
    guid: str | None = None
    external_id: str | None = None
    author: str | None = None
    outlet: str | None = None
    published: datetime | None = None
    language: str | None = None
    source_kind: str = "unknown"  # jsonl, txt, html, feed, warc
    source: str = ""  # where it came from: a path or URL, with a locator ("#3") where useful
    # derived by normalize.normalize_article
    canonical_url: str | None = None
    key: str = ""  # the primary identity key (unique in the store)
    keys: list[str] = field(default_factory=list)  # every identity key, in matching order (key among them)
    content_hash: str = ""
    summary: str | None = None  # a feed's own summary, kept when the full text was fetched
    fingerprint: bytes | None = None  # MinHash signature (dedup.to_bytes), None for short texts
    # assigned by the store
    id: int | None = None
    duplicate_of: int | None = None
    story_id: int | None = None
    extra: dict = field(default_factory=dict)


@dataclass(slots=True)
class RawPage:
    """An HTML page whose article is still to be extracted. Sources yield these instead of doing
    the (slow) extraction themselves, so that the pipeline can run it on worker processes."""

    content: bytes
    source: str
    kind: str  # html, warc, url
    url: str | None = None
    fallback_published: str | None = None  # e.g. a WARC record's date, when the page gives none
    fallback_outlet: str | None = None  # the outlet the user named, when the page gives none
    single: bool = False  # the whole input is this page: no article in it is the input's error


@dataclass(slots=True)
class WriteResult:
    """What the store did with one article: inserted anew, or found already stored."""

    article_id: int
    inserted: bool
    duplicate_of: int | None
    story_id: int | None


@dataclass(slots=True)
class Feed:
    """A feed subscription and its health."""

    id: int
    url: str
    outlet: str | None
    title: str | None
    interval_seconds: int
    full_text: bool
    etag: str | None = None
    last_modified: str | None = None
    last_fetch_at: datetime | None = None
    last_success_at: datetime | None = None
    last_status: int | None = None
    error_count: int = 0
    last_error: str | None = None
    next_poll_at: datetime | None = None  # when the feed's interval (or the server) says to poll again
    not_before: datetime | None = None  # no fetch before this: Retry-After, Cache-Control, backoff
    paused: bool = False
    articles_count: int = 0
    created_at: datetime | None = None


Item = Article | RawPage  # what a source yields: an article, or a page whose article is still to extract
Warn = Callable[[str], None]  # how the library reports a lesser problem (the CLI prints it)
