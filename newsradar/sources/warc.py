"""WARC and WARC.gz archives, streamed record by record in constant memory: one article per HTML
response; every other record is counted and skipped."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from ..errors import InputError
from ..model import Article
from .webpage import extract_page

_HTML_TYPES = ("text/html", "application/xhtml+xml")


def read_warc(stream: BinaryIO, source: str, warn: Callable[[str], None], max_record_bytes: int) -> Iterator[Article]:
    skipped: Counter[str] = Counter()
    produced = 0
    records = 0
    try:
        for record in ArchiveIterator(stream):
            records += 1
            if record.rec_type != "response":
                skipped[f"{record.rec_type} records"] += 1
                continue
            headers = record.http_headers
            content_type = (headers.get_header("Content-Type") or "").lower() if headers else ""
            if not content_type.startswith(_HTML_TYPES):
                skipped["non-HTML responses"] += 1
                continue
            status = headers.get_statuscode() if headers else None
            if status and not str(status).startswith("2"):
                skipped[f"HTTP {status} responses"] += 1
                continue
            length = int(record.rec_headers.get_header("Content-Length") or 0)
            if length > max_record_bytes:
                skipped["records over the size cap"] += 1
                continue
            uri = record.rec_headers.get_header("WARC-Target-URI")
            where = f"{source}#{records}"
            body = record.content_stream().read()
            try:
                article = extract_page(body, where, url=uri, kind="warc")
            except InputError:
                skipped["HTML pages without article text"] += 1
                continue
            if article.published is None:  # a news crawl fetches a page close to its publication
                article.published = record.rec_headers.get_header("WARC-Date")  # type: ignore[assignment]
            produced += 1
            yield article
    except (ArchiveLoadFailed, EOFError, OSError, ValueError) as exc:
        reason = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
        if records == 0:
            raise InputError(source, f"not a readable WARC archive ({reason})") from exc
        raise InputError(source, f"archive is truncated or corrupt after record {records} ({reason}); "
                                 f"kept the {produced} articles before it") from exc
    if skipped:
        summary = ", ".join(f"{count} {what}" for what, count in sorted(skipped.items()))
        warn(f"{source}: skipped {summary}")
    if records == 0:
        raise InputError(source, "empty archive")
