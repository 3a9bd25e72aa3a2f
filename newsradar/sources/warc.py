"""WARC and WARC.gz archives, streamed record by record in constant memory: one article per HTML
response; every other record is counted and skipped."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from ..errors import InputError
from ..model import RawPage

_HTML_TYPES = ("text/html", "application/xhtml+xml")


def read_warc(stream: BinaryIO, source: str, warn: Callable[[str], None], max_record_bytes: int) -> Iterator[RawPage]:
    skipped: Counter[str] = Counter()
    records = 0
    size = _size(stream)
    end = 0
    try:
        archive = ArchiveIterator(stream)
        for record in archive:
            records += 1
            if record.format != "warc":
                raise InputError(source, f"not a WARC archive (record {records} is not a WARC record)")
            yield from _page_of(record, source, records, max_record_bytes, skipped)
            archive.read_to_end()
            if getattr(record.raw_stream, "limit", 0):  # an uncompressed record cut short
                raise EOFError(f"record {records} is shorter than its Content-Length")
            end = archive.get_record_offset() + archive.get_record_length()
    except (ArchiveLoadFailed, EOFError, OSError, ValueError) as exc:
        reason = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
        if records == 0:
            raise InputError(source, f"not a readable WARC archive ({reason})") from exc
        raise InputError(source, f"archive is truncated or corrupt after record {records} ({reason}); "
                                 "kept the articles before it") from exc
    if size is not None and records and end < size - 4:  # warcio stops quietly at a cut gzip member
        raise InputError(source, f"archive is truncated or corrupt after record {records} (byte {end:,} of "
                                 f"{size:,}); kept the articles before it")
    if skipped:
        summary = ", ".join(f"{count} {what}" for what, count in sorted(skipped.items()))
        warn(f"{source}: skipped {summary}")
    if records == 0:
        raise InputError(source, "empty archive")


def _size(stream: BinaryIO) -> int | None:
    try:
        position = stream.tell()
        size = stream.seek(0, 2)
        stream.seek(position)
        return size
    except (AttributeError, OSError, ValueError):
        return None


def _page_of(record, source: str, number: int, max_record_bytes: int, skipped: Counter[str]) -> Iterator[RawPage]:
    """The HTML page of one record, or nothing (the reason counted in ``skipped``)."""
    if record.rec_type != "response":
        skipped[f"{record.rec_type} records"] += 1
        return
    headers = record.http_headers
    content_type = (headers.get_header("Content-Type") or "").lower() if headers else ""
    if not content_type.startswith(_HTML_TYPES):
        skipped["non-HTML responses"] += 1
        return
    status = headers.get_statuscode() if headers else None
    if status and not str(status).startswith("2"):
        skipped[f"HTTP {status} responses"] += 1
        return
    if int(record.rec_headers.get_header("Content-Length") or 0) > max_record_bytes:
        skipped["records over the size cap"] += 1
        return
    # A page without a date of its own takes the record's: a news crawl fetches pages close to
    # their publication.
    content = record.content_stream().read(max_record_bytes + 1)  # decoded as it streams: bounded
    if len(content) > max_record_bytes:
        skipped["records over the size cap"] += 1
        return
    yield RawPage(content, f"{source}#{number}", "warc",
                  url=record.rec_headers.get_header("WARC-Target-URI"),
                  fallback_published=record.rec_headers.get_header("WARC-Date"))
