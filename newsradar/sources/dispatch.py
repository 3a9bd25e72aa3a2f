"""From what a user typed to streams of articles: paths, directories, stdin and URLs; the kind is
taken from the file name, or sniffed from the content where there is none."""

from __future__ import annotations

import gzip
import io
import os
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Protocol

from .. import settings
from ..errors import InputError
from ..model import Item, RawPage, Warn
from .feed import read_feed
from .jsonl import read_jsonl
from .pasted import split_pasted_page
from .text import decode, looks_binary
from .warc import read_warc

SUPPORTED_SUFFIXES = {
    ".jsonl": "jsonl", ".jsonl.gz": "jsonl", ".txt": "txt", ".html": "html", ".htm": "html",
    ".xml": "feed", ".rss": "feed", ".atom": "feed", ".warc": "warc", ".warc.gz": "warc",
}



@dataclass(slots=True)
class Input:
    """One file, stream or URL, and what it yields: articles, or HTML pages whose article the
    pipeline extracts (lazily; errors surface on iteration). ``size`` is the file's size where
    known, and ``meter.done`` how many of its bytes have been read so far (for progress bars)."""

    name: str
    kind: str
    articles: Iterator[Item]
    size: int | None = None
    meter: Meter = field(default_factory=lambda: Meter())


class Meter:
    """Bytes of an input read so far: the open file's position while it streams, its size once
    read whole or finished."""

    __slots__ = ("handle", "value")

    def __init__(self) -> None:
        self.handle: BinaryIO | None = None
        self.value = 0

    @property
    def done(self) -> int:
        if self.handle is not None and not self.handle.closed:
            try:
                return self.handle.tell()
            except (OSError, ValueError):
                return self.value
        return self.value


def _max_bytes() -> int:
    return int(settings.get("max_file_mb") * 2**20)


def kind_of_path(path: Path) -> str | None:
    name = path.name.lower()
    for suffix in sorted(SUPPORTED_SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return SUPPORTED_SUFFIXES[suffix]
    return None


def sniff_kind(head: bytes) -> str:
    """The input kind from a content's first bytes."""
    if head[:2] == b"\x1f\x8b":
        try:
            head = zlib.decompressobj(wbits=47).decompress(head, 4096)
        except zlib.error:
            return "warc"
        if not head:
            return "warc"
    if head.startswith(b"WARC/"):
        return "warc"
    for bom in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        if head.startswith(bom):
            head = head[len(bom):]
            break
    text = head.replace(b"\x00", b"")[:4096].lstrip().lower()
    if text.startswith(b"{"):
        return "jsonl"
    if text.startswith((b"<!doctype html", b"<html")):
        return "html"
    if text.startswith(b"<"):
        if any(tag in text for tag in (b"<rss", b"<feed", b"<rdf:rdf", b"<rdf")):
            return "feed"
        if b"<html" in text or b"<body" in text or b"<head" in text:
            return "html"
        return "feed"
    return "txt"


def _read_whole(path: Path) -> bytes:
    size = path.stat().st_size
    cap = _max_bytes()
    if size > cap:
        raise InputError(str(path), f"file is {size / 2**20:.1f} MiB, over the {cap / 2**20:.0f} MiB cap (NEWSRADAR_MAX_FILE_MB)")
    return path.read_bytes()


_WIDE_BOMS = (b"\xff\xfe", b"\xfe\xff")  # UTF-16 (and UTF-32 LE, which starts the same way)


def _jsonl_lines(stream: BinaryIO, name: str) -> Iterator[bytes]:
    """Lines of a JSONL stream as UTF-8 bytes. UTF-8 streams (with or without a BOM) are passed
    through line by line; a UTF-16/32 file (found by its BOM) is decoded whole, within the cap."""
    head = stream.read(4)
    stream.seek(0)
    if not head.startswith(_WIDE_BOMS):
        yield from bounded_lines(stream, _max_bytes())
        return
    data = stream.read(_max_bytes() + 1)
    if len(data) > _max_bytes():
        raise InputError(name, f"UTF-16/32 file over the {_max_bytes() // 2**20} MiB cap (NEWSRADAR_MAX_FILE_MB); convert it to UTF-8")
    for line in decode(data, name).splitlines():
        yield line.encode("utf-8")


class _Readable(Protocol):
    def readline(self, size: int = -1, /) -> bytes: ...


def bounded_lines(handle: _Readable, cap: int, chunk: int = 1 << 20) -> Iterator[bytes]:
    """Lines of a stream, none held longer than ``cap`` bytes: a longer line is yielded as its
    first ``cap + 2`` bytes (the reader reports it as over the cap) and the rest of it is read
    past in chunks, so a huge line — a small gzip file can unpack to one — never sits in memory."""
    while True:
        line = handle.readline(cap + 2)  # the content, its line end, and one byte to tell it is over
        if not line:
            return
        yield line
        if len(line) > cap + 1 and not line.endswith(b"\n"):
            while True:
                rest = handle.readline(chunk)
                if not rest or rest.endswith(b"\n"):
                    break


def _gunzip_lines(stream: BinaryIO, name: str) -> Iterator[bytes]:
    try:
        with gzip.GzipFile(fileobj=stream, mode="rb") as handle:
            yield from bounded_lines(handle, _max_bytes())
    except (EOFError, OSError, zlib.error) as exc:
        raise InputError(name, f"truncated or corrupt gzip ({exc})") from exc


def _articles_from_bytes(kind: str, data: bytes, name: str, warn: Warn, url: str | None = None) -> Iterator[Item]:
    if not data.strip():
        raise InputError(name, "empty input")
    if kind == "jsonl":
        yield from read_jsonl(_jsonl_lines(io.BytesIO(data), name), name, warn, _max_bytes())
    elif kind == "warc":
        yield from read_warc(io.BytesIO(data), name, warn, _max_bytes())
    elif kind == "feed":
        yield from read_feed(data, name, warn)
    elif kind == "html":
        if looks_binary(data) and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise InputError(name, "binary data, not HTML")
        yield RawPage(data, name, "url" if url else "html", url=url, single=True)
    else:
        yield from split_pasted_page(decode(data, name), name)


def _file_articles(path: Path, kind: str, warn: Warn, meter: Meter) -> Iterator[Item]:
    name = str(path)
    try:
        if kind == "warc":
            if path.stat().st_size == 0:
                raise InputError(name, "empty input")
            with path.open("rb") as stream:
                meter.handle = stream
                yield from read_warc(stream, name, warn, _max_bytes())
        elif kind == "jsonl":
            with path.open("rb") as stream:
                meter.handle = stream
                head = stream.read(8192)
                if looks_binary(head) and not head.startswith(_WIDE_BOMS) and not path.name.lower().endswith(".gz"):
                    raise InputError(name, "binary data, not JSON lines")
                stream.seek(0)
                lines = _gunzip_lines(stream, name) if path.name.lower().endswith(".gz") else _jsonl_lines(stream, name)
                yield from read_jsonl(lines, name, warn, _max_bytes())
        else:
            data = _read_whole(path)
            meter.value = len(data)
            yield from _articles_from_bytes(kind, data, name, warn)
    finally:
        meter.handle = None
        meter.value = path.stat().st_size if path.exists() else meter.value


def _stdin_articles(stream: BinaryIO, warn: Warn) -> Iterator[Item]:
    data = stream.read(_max_bytes() + 1)
    if len(data) > _max_bytes():
        raise InputError("-", f"standard input is over the {_max_bytes() // 2**20} MiB cap (NEWSRADAR_MAX_FILE_MB)")
    yield from _articles_from_bytes(sniff_kind(data[:8192]), data, "<stdin>", warn)


def _url_articles(url: str, warn: Warn) -> Iterator[Item]:
    from .fetch import fetch  # the network edge, loaded only when a URL is given

    fetched = fetch(url, _max_bytes())
    kind = sniff_kind(fetched.content[:8192])
    if "html" in fetched.content_type and kind == "txt":
        kind = "html"
    yield from _articles_from_bytes(kind, fetched.content, url, warn, url=fetched.url)


def read_input(spec: str, warn: Warn, stdin: BinaryIO | None = None) -> Iterator[Input]:
    """Inputs named by ``spec``: a file, every supported file below a directory, ``-`` for
    standard input, or an http(s) URL. Raises InputError for a path that does not exist or a
    file of an unsupported kind."""
    if spec == "-":
        yield Input("<stdin>", "stdin", _stdin_articles(stdin or sys.stdin.buffer, warn))
        return
    if spec.lower().startswith(("http://", "https://")):
        yield Input(spec, "url", _url_articles(spec, warn))
        return
    path = Path(spec)
    if path.is_dir():
        found = False
        for root, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for filename in sorted(files):
                child = Path(root) / filename
                kind = kind_of_path(child)
                if kind is not None and not filename.startswith("."):
                    found = True
                    yield _file_input(child, kind, warn)
        if not found:
            raise InputError(spec, "directory holds no supported files (" + ", ".join(sorted(SUPPORTED_SUFFIXES)) + ")")
        return
    if not path.exists():
        raise InputError(spec, "no such file or directory")
    if not path.is_file():
        raise InputError(spec, "not a regular file")
    kind = kind_of_path(path)
    if kind is None:
        raise InputError(spec, "unsupported file type; expected one of " + ", ".join(sorted(SUPPORTED_SUFFIXES)))
    yield _file_input(path, kind, warn)


def _file_input(path: Path, kind: str, warn: Warn) -> Input:
    meter = Meter()
    return Input(str(path), kind, _file_articles(path, kind, warn, meter), size=path.stat().st_size, meter=meter)
