"""From what a user typed to streams of articles: paths, directories, stdin and URLs; the kind is
taken from the file name, or sniffed from the content where there is none."""

from __future__ import annotations

import gzip
import io
import os
import sys
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .. import settings
from ..errors import InputError
from ..model import Article, RawPage
from .feed import read_feed
from .jsonl import read_jsonl
from .pasted import split_pasted_page
from .text import decode, looks_binary
from .warc import read_warc

SUPPORTED_SUFFIXES = {
    ".jsonl": "jsonl", ".jsonl.gz": "jsonl", ".txt": "txt", ".html": "html", ".htm": "html",
    ".xml": "feed", ".rss": "feed", ".atom": "feed", ".warc": "warc", ".warc.gz": "warc",
}

Warn = Callable[[str], None]
Item = Article | RawPage


@dataclass(slots=True)
class Input:
    """One file, stream or URL, and what it yields: articles, or HTML pages whose article the
    pipeline extracts (lazily; errors surface on iteration)."""

    name: str
    kind: str
    articles: Iterator[Item]


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


def _gunzip_lines(path: Path) -> Iterator[bytes]:
    try:
        with gzip.open(path, "rb") as handle:
            yield from handle
    except (EOFError, OSError, zlib.error) as exc:
        raise InputError(str(path), f"truncated or corrupt gzip ({exc})") from exc


def _articles_from_bytes(kind: str, data: bytes, name: str, warn: Warn, url: str | None = None) -> Iterator[Item]:
    if not data.strip():
        raise InputError(name, "empty input")
    if kind == "jsonl":
        yield from read_jsonl(io.BytesIO(data), name, warn, _max_bytes())
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


def _file_articles(path: Path, kind: str, warn: Warn) -> Iterator[Item]:
    name = str(path)
    if kind == "warc":
        if path.stat().st_size == 0:
            raise InputError(name, "empty input")
        with path.open("rb") as stream:
            yield from read_warc(stream, name, warn, _max_bytes())
    elif kind == "jsonl":
        with path.open("rb") as head:
            if looks_binary(head.read(8192)) and not path.name.lower().endswith(".gz"):
                raise InputError(name, "binary data, not JSON lines")
        if path.name.lower().endswith(".gz"):
            yield from read_jsonl(_gunzip_lines(path), name, warn, _max_bytes())
        else:
            with path.open("rb") as stream:
                yield from read_jsonl(stream, name, warn, _max_bytes())
    else:
        yield from _articles_from_bytes(kind, _read_whole(path), name, warn)


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
                    yield Input(str(child), kind, _file_articles(child, kind, warn))
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
    yield Input(str(path), kind, _file_articles(path, kind, warn))
