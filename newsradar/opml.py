"""OPML subscription lists: read (import) and write (export)."""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import quoteattr

from lxml import etree

from . import __version__
from .errors import InputError
from .model import Feed


@dataclass(slots=True)
class Outline:
    url: str
    title: str | None


def read_opml(data: bytes, source: str) -> list[Outline]:
    """Every outline with an xmlUrl, at any depth. Entities are not expanded and nothing is
    fetched: an OPML file is as untrusted as a feed."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise InputError(source, f"not well-formed OPML ({exc.msg})") from exc
    if etree.QName(root).localname.lower() != "opml":
        raise InputError(source, f"not OPML (root element is <{etree.QName(root).localname}>)")
    outlines = []
    for element in root.iter("{*}outline", "outline"):
        url = element.get("xmlUrl") or element.get("xmlurl")
        if url:
            outlines.append(Outline(url.strip(), (element.get("title") or element.get("text") or "").strip() or None))
    return outlines


def write_opml(feeds: list[Feed]) -> str:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<opml version="2.0">',
             f"  <head><title>newsradar subscriptions</title><docs>http://opml.org/spec2.opml</docs>"
             f"<ownerName>newsradar {__version__}</ownerName></head>", "  <body>"]
    for feed in feeds:
        title = feed.outlet or feed.title or feed.url
        lines.append(f'    <outline type="rss" text={quoteattr(title)} title={quoteattr(title)} xmlUrl={quoteattr(feed.url)}/>')
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines)
