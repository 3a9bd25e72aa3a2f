"""Feed files: RSS 0.9x/1.0/2.0, Atom and RDF, one article per entry (feedparser)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import feedparser

from ..errors import InputError
from ..model import Article
from .htmltext import html_to_text

# feedparser would otherwise resolve relative URIs against, and sanitize for, a browser; we take
# plain text out of every field, so no markup of the feed reaches a reader.
feedparser.RESOLVE_RELATIVE_URIS = 0


def _entry_text(entry) -> tuple[str, str | None, bool]:
    """(text, summary, summary_only): the entry's fullest content as text, its summary when
    that is something else, and whether the summary is all the entry carries."""
    contents = [c.get("value", "") for c in entry.get("content", []) or [] if c.get("value")]
    summary = entry.get("summary", "") or ""
    if not contents:
        return html_to_text(summary), None, True
    best = max(contents, key=len)
    summary_text = html_to_text(summary) if summary and summary != best else None
    return html_to_text(best), summary_text, False


def read_feed(data: bytes, source: str, warn: Callable[[str], None]) -> Iterator[Article]:
    if not data.strip():
        raise InputError(source, "empty input")
    parsed = feedparser.parse(data)
    entries = parsed.get("entries", [])
    if parsed.get("bozo"):
        reason = str(parsed.get("bozo_exception", "ill-formed")).splitlines()[0][:200]
        if not entries:
            raise InputError(source, f"not a readable feed ({reason})")
        warn(f"{source}: ill-formed feed ({reason}); read {len(entries)} entries anyway")
    if not entries:
        if parsed.get("version"):
            raise InputError(source, "the feed has no entries")
        raise InputError(source, "not a feed (no RSS, Atom or RDF root element)")
    feed = parsed.get("feed", {})
    section = html_to_text(feed.get("title")) or None  # the feed's title: a section of its publisher
    site_link = feed.get("link") or None  # the site the feed belongs to (an aggregator's is its own)
    feed_language = feed.get("language")
    produced = 0
    for number, entry in enumerate(entries, start=1):
        text, summary, summary_only = _entry_text(entry)
        title = html_to_text(entry.get("title")) or None
        if not text.strip() and not title:
            continue
        origin = entry.get("source") or {}
        content_language = next((c.get("language") for c in entry.get("content", []) or [] if c.get("language")), None)
        produced += 1
        yield Article(
            text=text,
            title=title,
            url=entry.get("link"),
            guid=entry.get("id") or None,
            author=html_to_text(entry.get("author")) or None,
            section=section,
            guid_scope=section,
            # an aggregator's entry names its original: <source url="…">Name</source>, a feed proxy's origLink
            site_name=html_to_text(origin.get("title")) or None,
            publisher_url=origin.get("href") or entry.get("feedburner_origlink") or site_link,
            published_raw=entry.get("published_parsed") or entry.get("updated_parsed") or entry.get("published"),
            # xml:lang and <language> are set for a whole feed and often wrong for an entry: a hint
            # for identification, not a declaration
            language_hint=content_language or feed_language, summary_only=summary_only,
            text_origin="summary" if summary_only else None,
            source_kind="feed",
            source=f"{source}#{number}",
            summary=summary,
        )
    if not produced:
        raise InputError(source, "the feed has no entries with a title or text")
