"""Pasted topic pages (.txt): several articles copied from a news site's listing.

Each article is a headline line, then its paragraphs, then a line such as "Keep reading",
"Read more" or "Continue reading". A text without such lines is one article. Lines that are not
article text — a lone attachment file name, "Advertisement", a relative time stamp ("3 hours
ago", which cannot be dated once pasted) — are dropped; a line that is only a date becomes the
article's date, and a "By …" line right under the headline its author."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..errors import InputError
from ..model import Article
from ..normalize import clean_text, parse_datetime

_SEPARATOR = re.compile(
    r"^[\W_]*(keep reading|read more|continue reading|read on|read (the )?(full|whole|rest of the|entire) "
    r"(story|article|post|report)|full (story|article)|more on this story|view (the )?full (story|article))"
    r"( (the )?(main |full |whole )?(story|article|post))?( here)?[\W_]*$",
    re.IGNORECASE,
)
_ATTACHMENT = re.compile(
    r"^\W*\S.{0,200}\.(pdf|docx?|xlsx?|pptx?|odt|rtf|csv|zip|jpe?g|png|gif|webp|mp3|mp4)\W*$", re.IGNORECASE)
_CHROME = re.compile(r"^(advertisement|sponsored|share|share this( article| story)?|skip advert"
                     r"|(updated |published )?(\d+|an?) (second|minute|hour|day|week)s? ago)$", re.IGNORECASE)
_BYLINE = re.compile(r"^by\s+\S.{0,120}$", re.IGNORECASE)
_DATE_LINE = re.compile(
    r"^(published( on)?|updated( on)?|posted( on)?)?:?\s*(\d{1,2}\s+\w{3,9}\.?\s+\d{4}|\w{3,9}\.?\s+\d{1,2},?\s+\d{4}"
    r"|\d{4}-\d{2}-\d{2})(\s*[T ,]?\s*\d{1,2}:\d{2}(\s*[ap]\.?m\.?)?(\s*[A-Z]{2,4})?)?$",
    re.IGNORECASE,
)
# A headline is one line; a paragraph of prose is longer or ends like a sentence.
_MAX_HEADLINE_CHARS = 300


def _is_stray(line: str) -> bool:
    return bool(_CHROME.match(line)) or (bool(_ATTACHMENT.match(line)) and len(line.split()) <= 6)


def _article_from_block(lines: list[str], source: str, index: int) -> Article | None:
    lines = [line for line in lines if not _is_stray(line)]
    if not lines:
        return None
    title: str | None = None
    if len(lines) == 1 or len(lines[0]) <= _MAX_HEADLINE_CHARS:
        title, body = lines[0], lines[1:]
    else:
        body = lines
    # A line that is only a date is the listing's date stamp, wherever the site puts it; a "By …"
    # line is a byline only right under the headline (or its date stamp).
    published = None
    kept: list[str] = []
    for line in body:
        if _DATE_LINE.match(line):
            stamp = parse_datetime(re.sub(r"^(published|updated|posted)( on)?:?\s*", "", line, flags=re.I))
            if stamp is not None:
                published = published or stamp
                continue
        kept.append(line)
    body = kept
    author = None
    if body and _BYLINE.match(body[0]) and len(body[0].split()) <= 12:
        author, body = body[0][3:].strip(), body[1:]
    text = "\n\n".join(body)
    if not text and not title:
        return None
    return Article(text=text, title=title, published_raw=published, author=author, source_kind="txt",
                   source=f"{source}#{index}")


def split_pasted_page(content: str, source: str) -> Iterator[Article]:
    """The articles of a pasted page, in page order."""
    lines = clean_text(content).split("\n\n")
    if not any(line.strip() for line in lines):
        raise InputError(source, "empty input")
    blocks: list[list[str]] = [[]]
    for line in lines:
        if _SEPARATOR.match(line):
            blocks.append([])
        else:
            blocks[-1].append(line)
    closed, tail = blocks[:-1], blocks[-1]
    if not closed:  # no separators: the whole text is one article
        article = _article_from_block(tail, source, 1)
        if article is None:
            raise InputError(source, "no article text found")
        yield article
        return
    index = 0
    for block in closed:
        article = _article_from_block(block, source, index + 1)
        if article is not None:
            index += 1
            yield article
    # Text after the last separator is page furniture ("Load more", a footer) unless it reads like
    # an article: a headline and at least one sentence-length paragraph.
    kept = [line for line in tail if not _is_stray(line)]
    if len(kept) >= 2 and any(len(line.split()) >= 12 for line in kept[1:]):
        article = _article_from_block(kept, source, index + 1)
        if article is not None:
            yield article
