"""Writes the sample corpus (corpus.py) into every input format newsradar reads.

    python examples/make_examples.py      # rewrites the files under examples/

The output is deterministic and committed, so the demo and the tests need no build step."""

from __future__ import annotations

import html
import io
import json
import re
import sys
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from corpus import ARTICLES, OUTLETS, SYNDICATED  # noqa: E402
from topic_dense import DENSE, DENSE_OUTLETS  # noqa: E402


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60]


def when(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def url_of(outlet: str, published: str, headline: str) -> str:
    domain = OUTLETS[outlet][1]
    d = when(published)
    return f"https://www.{domain}/{d:%Y/%m/%d}/{slug(headline)}"


def articles() -> list[dict]:
    records = []
    originals = {}
    for story, outlet, published, author, headline, paragraphs in ARTICLES:
        record = {"story": story, "outlet": outlet, "published": published, "author": author,
                  "headline": headline, "paragraphs": list(paragraphs), "url": url_of(outlet, published, headline)}
        records.append(record)
        originals[(story, outlet)] = record
    for story, source, outlet, published, edits in SYNDICATED:
        original = originals[(story, source)]
        paragraphs = []
        for paragraph in original["paragraphs"]:
            for old, new in edits:
                paragraph = paragraph.replace(old, new)
            paragraphs.append(paragraph)
        records.append({"story": story, "outlet": outlet, "published": published, "author": original["author"],
                        "headline": original["headline"], "paragraphs": paragraphs,
                        "url": url_of(outlet, published, original["headline"]) + "-wire"})
    return records


def of_format(records: list[dict], fmt: str) -> list[dict]:
    chosen = [r for r in records if OUTLETS[r["outlet"]][2] == fmt]
    return sorted(chosen, key=lambda r: r["published"])


def page_html(record: dict) -> str:
    name, domain, _ = OUTLETS[record["outlet"]]
    body = "\n".join(f"      <p>{html.escape(p, quote=False)}</p>" for p in record["paragraphs"])
    tracked = record["url"] + "?utm_source=newsletter&utm_medium=email"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{html.escape(record['headline'])} | {html.escape(name)}</title>
  <link rel="canonical" href="{html.escape(tracked)}">
  <meta property="og:site_name" content="{html.escape(name)}">
  <meta property="og:title" content="{html.escape(record['headline'])}">
  <meta name="author" content="{html.escape(record['author'])}">
  <meta property="article:published_time" content="{record['published']}">
</head>
<body>
  <header class="site-header"><a href="/">{html.escape(name)}</a>
    <nav><a href="/world">World</a> <a href="/politics">Politics</a> <a href="/opinion">Opinion</a> <a href="/subscribe">Subscribe</a></nav>
  </header>
  <main>
    <article>
      <h1>{html.escape(record['headline'])}</h1>
      <p class="byline">By {html.escape(record['author'])} · <time datetime="{record['published']}">{when(record['published']):%d %B %Y}</time></p>
{body}
    </article>
    <aside class="related"><h2>Most read</h2><ul><li><a href="/a">Markets close mixed</a></li><li><a href="/b">Weather: a cold week ahead</a></li></ul></aside>
  </main>
  <footer>© 2026 {html.escape(name)}. All rights reserved. <a href="/privacy">Privacy</a> <a href="/terms">Terms</a></footer>
  <script>window.analytics = {{page: "article"}};</script>
</body>
</html>
"""


def write_jsonl(records: list[dict], path: Path) -> None:
    with path.open("w", encoding="utf-8") as out:
        for index, r in enumerate(records, start=1):
            out.write(json.dumps({"id": f"HW-2026-{index:04d}", "title": r["headline"], "text": "\n\n".join(r["paragraphs"]),
                                  "url": r["url"], "published": r["published"], "outlet": OUTLETS[r["outlet"]][0],
                                  "language": "en", "author": r["author"], "desk": "world"}, ensure_ascii=False) + "\n")


def content_html(record: dict) -> str:
    return "".join(f"<p>{html.escape(p, quote=False)}</p>" for p in record["paragraphs"])


def write_rss(records: list[dict], outlet: str, path: Path) -> None:
    name, domain, _ = OUTLETS[outlet]
    items = []
    for r in records:
        items.append(f"""    <item>
      <title>{html.escape(r['headline'])}</title>
      <link>{html.escape(r['url'])}?utm_source=rss&amp;utm_medium=feed</link>
      <guid isPermaLink="false">{domain}-{slug(r['headline'])}</guid>
      <pubDate>{format_datetime(when(r['published']))}</pubDate>
      <dc:creator>{html.escape(r['author'])}</dc:creator>
      <description>{html.escape(r['paragraphs'][0])}</description>
      <content:encoded><![CDATA[{content_html(r)}]]></content:encoded>
    </item>""")
    path.write_text(f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel>
    <title>{html.escape(name)}</title>
    <link>https://www.{domain}/</link>
    <description>{html.escape(name)}: latest world news</description>
    <language>en-us</language>
{chr(10).join(items)}
  </channel>
</rss>
""", encoding="utf-8")


def write_rdf(records: list[dict], outlet: str, path: Path) -> None:
    name, domain, _ = OUTLETS[outlet]
    seq = "\n".join(f'        <rdf:li rdf:resource="{html.escape(r["url"])}"/>' for r in records)
    items = "\n".join(f"""  <item rdf:about="{html.escape(r['url'])}">
    <title>{html.escape(r['headline'])}</title>
    <link>{html.escape(r['url'])}</link>
    <description>{html.escape(chr(10).join(r['paragraphs']))}</description>
    <dc:date>{r['published']}</dc:date>
    <dc:creator>{html.escape(r['author'])}</dc:creator>
  </item>""" for r in records)
    path.write_text(f"""<?xml version="1.0" encoding="UTF-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://www.{domain}/rss">
    <title>{html.escape(name)}</title>
    <link>https://www.{domain}/</link>
    <description>{html.escape(name)}: Washington and the world</description>
    <dc:language>en</dc:language>
    <items>
      <rdf:Seq>
{seq}
      </rdf:Seq>
    </items>
  </channel>
{items}
</rdf:RDF>
""", encoding="utf-8")


def write_atom(records: list[dict], outlet: str, path: Path) -> None:
    name, domain, _ = OUTLETS[outlet]
    entries = "\n".join(f"""  <entry>
    <title type="text">{html.escape(r['headline'])}</title>
    <link rel="alternate" type="text/html" href="{html.escape(r['url'])}#comments"/>
    <id>tag:{domain},2026:{slug(r['headline'])}</id>
    <published>{r['published']}</published>
    <updated>{r['published']}</updated>
    <author><name>{html.escape(r['author'])}</name></author>
    <summary type="text">{html.escape(r['paragraphs'][0])}</summary>
    <content type="html">{html.escape(content_html(r))}</content>
  </entry>""" for r in records)
    updated = max(r["published"] for r in records)
    path.write_text(f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
  <title>{html.escape(name)}</title>
  <link rel="alternate" href="https://www.{domain}/"/>
  <id>tag:{domain},2026:feed</id>
  <updated>{updated}</updated>
{entries}
</feed>
""", encoding="utf-8")


def write_pasted(records: list[dict], path: Path) -> None:
    """A topic page as a reader would copy it from a browser: headline, date, excerpt, link text."""
    blocks = []
    for index, r in enumerate(records):
        headline = re.sub(r"(?<=\s)'", "\u2018", r["headline"]).replace("'", "\u2019")
        if index == 0:
            headline = headline.replace(" ", "\u00a0", 2)  # non-breaking spaces, as browsers copy them
        if index == 1:
            headline = headline[:48].rstrip() + "\u2026"  # a headline the listing truncated
        lines = [headline, f"Published On {when(r['published']):%-d %b %Y}"]
        lines += [p.replace('"', "\u201c", 1).replace('"', "\u201d", 1) for p in r["paragraphs"]]
        if index == 2:
            lines.insert(3, "OAS_Permanent_Council_Draft_Resolution_Document.pdf")
        lines.append("Keep reading" if index % 2 == 0 else "Read more \u00bb")
        blocks.append("\n".join(lines))
    path.write_text("\n\n".join(blocks) + "\n\nLoad more\n", encoding="utf-8")


def write_dense() -> None:
    """The topic-dense set (``topic_dense.py``): a pasted page without dates, a summary-only feed."""
    folder = HERE / "topic-dense"
    folder.mkdir(exist_ok=True)
    pasted = [r for r in DENSE if r[2] is None]
    blocks = []
    for index, (_story, _outlet, _published, _author, headline, paragraphs) in enumerate(pasted):
        lines = [headline.replace("'", "\u2019"), *paragraphs]
        lines.append("Keep reading" if index % 2 == 0 else "Read more \u00bb")
        blocks.append("\n".join(lines))
    (folder / "andes-digest-venezuela.txt").write_text("\n\n".join(blocks) + "\n", encoding="utf-8")
    name, domain, _ = DENSE_OUTLETS["lantern"]
    items = []
    for _story, _outlet, published, author, headline, paragraphs in sorted(
            (r for r in DENSE if r[2] is not None), key=lambda r: r[2], reverse=True):
        items.append(f"""    <item>
      <title>{html.escape(headline)}</title>
      <link>https://www.{domain}/{when(published):%Y/%m/%d}/{slug(headline)}</link>
      <guid isPermaLink="false">{domain}-{slug(headline)}</guid>
      <pubDate>{format_datetime(when(published))}</pubDate>
      <dc:creator>{html.escape(author)}</dc:creator>
      <description>{html.escape(" ".join(paragraphs))}</description>
    </item>""")
    (folder / "lantern-report.rss").write_text(f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel>
    <title>{html.escape(name)}</title>
    <link>https://www.{domain}/</link>
    <description>{html.escape(name)}: Venezuela</description>
    <language>en-us</language>
{chr(10).join(items)}
  </channel>
</rss>
""", encoding="utf-8")


def write_warc(records: list[dict], path: Path) -> None:
    import uuid

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    def ids(uri: str, kind: str) -> dict:
        return {"WARC-Date": "2026-11-22T23:00:00Z", "WARC-Record-ID": f"<urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, kind + uri)}>"}

    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    domain = OUTLETS["sentinel"][1]
    robots = b"User-agent: *\nDisallow: /admin/\n"
    http = StatusAndHeaders("200 OK", [("Content-Type", "text/plain")], protocol="HTTP/1.1")
    writer.write_record(writer.create_warc_record(f"https://www.{domain}/robots.txt", "response",
                                                  payload=io.BytesIO(robots), http_headers=http,
                                                  warc_headers_dict=ids("robots", "response")))
    for r in records:
        payload = page_html(r).encode("utf-8")
        request = StatusAndHeaders(f"GET {r['url']} HTTP/1.1", [("Host", f"www.{domain}")], is_http_request=True)
        writer.write_record(writer.create_warc_record(r["url"], "request", http_headers=request,
                                                      warc_headers_dict=ids(r["url"], "request")))
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(r["url"], "response", payload=io.BytesIO(payload),
                                                      http_headers=http,
                                                      warc_headers_dict=ids(r["url"], "response")))
    data = buffer.getvalue()
    # gzip members carry a timestamp; zero it so the file is byte-for-byte reproducible
    path.write_bytes(_zero_gzip_mtime(data))


def _zero_gzip_mtime(data: bytes) -> bytes:
    out = bytearray()
    stream = io.BytesIO(data)
    while True:
        member_start = stream.tell()
        head = stream.read(10)
        if not head:
            break
        stream.seek(member_start)
        decompressor = __import__("zlib").decompressobj(31)
        rest = stream.read()
        decompressor.decompress(rest)
        used = len(rest) - len(decompressor.unused_data)
        member = bytearray(rest[:used])
        member[4:8] = b"\x00\x00\x00\x00"
        out += member
        stream.seek(member_start + used)
    return bytes(out)


def main() -> None:
    records = articles()
    for folder in ("jsonl", "feeds", "pages", "pasted", "warc"):
        (HERE / folder).mkdir(exist_ok=True)
    write_jsonl(of_format(records, "jsonl"), HERE / "jsonl" / "harbor-wire.jsonl")
    write_rss(of_format(records, "rss"), "liberty", HERE / "feeds" / "liberty-ledger.rss")
    write_rdf(of_format(records, "rdf"), "capitol", HERE / "feeds" / "capitol-morning-rdf.xml")
    write_atom(of_format(records, "atom"), "meridian", HERE / "feeds" / "meridian-post.atom")
    for old in (HERE / "pages").glob("*.html"):
        old.unlink()
    for r in of_format(records, "html"):
        (HERE / "pages" / f"frontline-voice-{slug(r['headline'])[:40]}.html").write_text(page_html(r), encoding="utf-8")
    write_pasted(of_format(records, "txt"), HERE / "pasted" / "caribbean-courier-venezuela.txt")
    write_warc(of_format(records, "warc"), HERE / "warc" / "gulf-sentinel-crawl.warc.gz")
    write_dense()
    print(f"{len(records)} articles and {len(DENSE)} topic-dense ones written under {HERE}")


if __name__ == "__main__":
    main()
