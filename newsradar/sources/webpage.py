"""Saved web pages: main text, title, author, date, canonical URL and site name (trafilatura)."""

from __future__ import annotations

import logging
import re
from typing import Any

import trafilatura

from ..errors import InputError
from ..model import Article
from ..normalize import fold

# trafilatura logs every page it cannot use; the pipeline reports those itself, once.
logging.getLogger("trafilatura").setLevel(logging.CRITICAL)

_DATE_PARAMS = {"extensive_search": True, "original_date": True, "outputformat": "%Y-%m-%dT%H:%M:%S%z"}


# Publisher-declared publication times (meta tags, JSON-LD). htmldate, inside trafilatura, often
# settles for a day taken from the URL; a declared timestamp keeps the time of day.
_DECLARED_TIME = re.compile(
    r"""<meta\s[^>]*?(?:property|name|itemprop)\s*=\s*["']?(?:article:published_time|og:published_time|"""
    r"""datePublished|publish[-_]?date|pubdate|dc\.date\.issued|parsely-pub-date|sailthru\.date)["']?[^>]*>"""
    r"""|"datePublished"\s*:\s*"([^"]+)\"""",
    re.IGNORECASE,
)
_MIN_WORDS = 5  # fewer is navigation or a caption, not an article
_CONTENT = re.compile(r"""content\s*=\s*["']([^"']+)["']""", re.IGNORECASE)


def declared_time(page: str) -> str | None:
    """The first publisher-declared publication timestamp that carries a time of day."""
    for match in _DECLARED_TIME.finditer(page[:300_000]):
        value = match.group(1)
        if value is None:
            content = _CONTENT.search(match.group(0))
            value = content.group(1) if content else None
        if value and re.search(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}", value):
            return value.strip()
    return None


_WRAPPERS = re.compile(rb"<(/?)(?:div|span|section|font|center|main|aside|header|footer|nav)\b[^>]*>", re.IGNORECASE)
_DEEP = 200  # nesting of wrapper elements past which the HTML parser gives up on the tree


def _nesting(page: bytes) -> int:
    depth = deepest = 0
    for match in _WRAPPERS.finditer(page):
        depth = max(0, depth - 1) if match.group(1) else depth + 1
        deepest = max(deepest, depth)
    return deepest


def _extract(content: bytes | str, source: str, url: str | None) -> Any:
    try:
        return trafilatura.bare_extraction(
            content, url=url, with_metadata=True, favor_precision=True, include_comments=False,
            include_tables=True, date_extraction_params=_DATE_PARAMS,
        )
    except (ValueError, TypeError, AttributeError) as exc:  # trafilatura on pathological markup
        raise InputError(source, f"HTML could not be parsed: {exc}") from exc


def extract_page(content: bytes | str, source: str, url: str | None = None, kind: str = "html") -> Article:
    """The article of one HTML page. Raises InputError when the page holds no article text.

    A page nested too deeply for the HTML parser's tree (hundreds of wrapper elements: the parser
    drops what lies below its depth limit) is read again with its wrapper elements taken out."""
    document: Any = _extract(content, source, url)
    text = getattr(document, "text", None) if document is not None else None
    if not text or len(text.split()) < _MIN_WORDS:
        markup = content.encode("utf-8") if isinstance(content, str) else content  # bytes: the page's charset kept
        if _nesting(markup) >= _DEEP:
            document = _extract(_WRAPPERS.sub(b" ", markup), source, url)
            text = getattr(document, "text", None) if document is not None else None
    if not text or len(text.split()) < _MIN_WORDS:
        raise InputError(source, "no article text found in the page")
    title = document.title
    if title:
        first, _, rest = text.partition("\n")
        if fold(first) == fold(title):  # the headline repeated as the body's first line
            text = rest
    page = content if isinstance(content, str) else content[:300_000].decode("utf-8", errors="replace")
    published = declared_time(page) or document.date
    return Article(
        text=text,
        title=title,
        url=document.url or url,
        author=document.author,
        site_name=document.sitename,  # og:site_name; trafilatura falls back to the host (outlets.derive knows)
        published_raw=published,
        language_hint=document.language,  # the page's lang attribute: a site-wide hint
        source_kind=kind,
        source=source,
    )


# What a paywall or a consent wall says instead of the article. A fetched page that is short and
# made mostly of such sentences is not the article: the feed's summary is kept.
_PAYWALL = re.compile(
    r"\b(subscribe|subscriber|subscription|sign in|log in|create (?:a |an )?(?:free )?account"
    r"|register (?:now|for free|to (?:read|continue))|continue reading|read the full (?:story|article)"
    r"|unlock (?:this|the|full) (?:article|story|access)|paywall|premium (?:content|article|access)"
    r"|free articles?|article limit|reached your limit|free trial|per (?:week|month)|cancel anytime)\b",
    re.IGNORECASE)
_CONSENT = re.compile(
    r"\b(cookies?|consent|privacy (?:policy|settings|choices)|accept all|reject all|manage (?:options|preferences)"
    r"|personal data|our partners|we and our|enable javascript|ad ?blocker|are you a robot|verify you are human"
    r"|unusual activity)\b", re.IGNORECASE)
# a report says who said what; a wall never does ("said" in a short page: a news brief about cookies)
_REPORTING = re.compile(r"\b(said|says|told|according to|announced|reported)\b", re.IGNORECASE)
_WALL_WORDS = 250  # a longer page is an article, whatever its footer says
_SENTENCES = re.compile(r"(?<=[.!?])\s+|\n+")


def walled(text: str) -> str | None:
    """"paywall" or "consent" when a fetched page's text is such a wall rather than the article:
    short, at least half of its sentences (two at least) about subscribing or consenting, and no
    sentence reporting what someone said."""
    if len(text.split()) > _WALL_WORDS or _REPORTING.search(text):
        return None
    sentences = [s for s in _SENTENCES.split(text) if s.strip()]
    paywall = sum(1 for s in sentences if _PAYWALL.search(s))
    consent = sum(1 for s in sentences if _CONSENT.search(s))
    found = max(paywall, consent)
    if found < 2 or found * 2 < len(sentences):
        return None
    return "paywall" if paywall >= consent else "consent"
