"""The vocabulary: the records that travel between stages. Every source returns ``Article``."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

# A publication time as a source wrote it: text in any common form, a feed parser's time tuple, or
# a datetime. ``normalize`` turns it into an aware UTC datetime.
RawTime = str | time.struct_time | datetime | None


@dataclass(slots=True)
class Article:
    """One article through its stages, each group of fields filled by one stage: the source (what
    it found, as written), ``normalize`` (clean text, the parsed time, identity keys, language),
    ``prepare`` (the near-duplicate fingerprint) and the store (id, original, story). Nothing is
    untyped: a source's hints for later stages are fields of their own."""

    text: str
    title: str | None = None
    url: str | None = None
    guid: str | None = None
    external_id: str | None = None
    author: str | None = None
    outlet: str | None = None  # as given by the user until normalize; then the publisher (outlets.derive)
    published_raw: RawTime = None  # as the source wrote it
    language: str | None = None
    source_kind: str = "unknown"  # jsonl, txt, html, feed, warc
    source: str = ""  # where it came from: a path or URL, with a locator ("#3") where useful
    # hints from the source for later stages
    language_hint: str | None = None  # a page's or feed's declared language (site-wide: only a fallback)
    summary_only: bool = False  # a feed entry without its full text (polling may fetch the page)
    # a summary-only entry's text: "page" (its page's full text), "paywall" / "consent" (the page was
    # a wall: the feed's summary kept), "summary" (the page was not fetched); None for other articles
    text_origin: str | None = None
    also_urls: list[str] = field(default_factory=list)  # other addresses that reached it (redirects, canonical)
    section: str | None = None  # the feed's title ("WSJ.com: World News"): a section of the publisher
    site_name: str | None = None  # the publisher as the page (og:site_name) or a feed entry (<source>) names it
    publisher_url: str | None = None  # the original publisher's address when the link is an intermediary's
    guid_scope: str | None = None  # what a non-URL GUID is unique within (the feed), when not the outlet
    # derived by normalize.normalize_article
    published: datetime | None = None  # aware UTC, parsed from published_raw
    canonical_url: str | None = None
    outlet_domain: str | None = None  # the publisher's registrable domain
    outlet_origin: str | None = None  # which rule named the outlet (outlets.GIVEN, MAP, …)
    key: str = ""  # the primary identity key (unique in the store)
    keys: list[str] = field(default_factory=list)  # every identity key, in matching order (key among them)
    content_hash: str = ""
    summary: str | None = None  # a feed's own summary, kept when the full text was fetched
    fingerprint: bytes | None = None  # MinHash signature (dedup.to_bytes), None for short texts
    # assigned by the store
    id: int | None = None
    duplicate_of: int | None = None
    story_id: int | None = None


@dataclass(slots=True)
class RawPage:
    """An HTML page whose article is still to be extracted. Sources yield these instead of doing
    the (slow) extraction themselves, so that the pipeline can run it on worker processes."""

    content: bytes
    source: str
    kind: str  # html, warc, url
    url: str | None = None
    fallback_published: RawTime = None  # e.g. a WARC record's date, when the page gives none
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
