import gzip
import io
import json
from pathlib import Path

import pytest

from newsradar.errors import InputError
from newsradar.normalize import normalize_article
from newsradar.prepare import prepare
from newsradar.sources import read_input, sniff_kind
from newsradar.sources.pasted import split_pasted_page

from .conftest import EXAMPLES


def read_all(spec, warnings=None, stdin=None):
    """Articles of every input under spec, prepared as the pipeline prepares them; an input error
    (or a page without an article) raises."""
    sink = warnings if warnings is not None else []
    articles = []
    for source in read_input(str(spec), sink.append, stdin=stdin):
        for item in source.articles:
            prepared = prepare(item)
            if isinstance(prepared, InputError):
                raise prepared
            articles.append(prepared)
    return articles


# --- pasted pages -----------------------------------------------------------------------------

PASTED = """US and Venezuela trade\u00a0warnings over\u00a0warships\u2026
Published On 16 Nov 2026
CARACAS \u2014 Venezuela\u2019s government said on Monday it would defend its waters.
\u201cWe will not be intimidated,\u201d the defence minister said.
Keep reading

Iran\u2019s foreign minister heads to \u201cdifficult\u201d talks in Oman
Tehran said the talks would be serious.
Briefing_Note_Final_Document.pdf
Negotiators met for four hours.
Read more \u00bb

Oil prices rise on sanctions news
Brent crude rose 2 percent.
Continue reading

Load more
"""


def test_pasted_page_gives_one_article_per_keep_reading_line():
    articles = [normalize_article(a) for a in split_pasted_page(PASTED, "page.txt")]
    assert [a.title for a in articles] == [
        "US and Venezuela trade warnings over warships\u2026",
        "Iran\u2019s foreign minister heads to \u201cdifficult\u201d talks in Oman",
        "Oil prices rise on sanctions news",
    ]
    assert articles[0].published_raw is not None and normalize_article(articles[0]).published.day == 16
    assert articles[0].text.startswith("CARACAS \u2014 Venezuela\u2019s government")
    assert "Document.pdf" not in articles[1].text
    assert articles[1].text == "Tehran said the talks would be serious.\n\nNegotiators met for four hours."
    assert all("Keep reading" not in a.text and "Load more" not in a.text for a in articles)


def test_pasted_page_metadata_lines_and_link_variants():
    page = ("Envoy arrives in Muscat\nBy Leila Farahani\nThe envoy landed on Monday for talks.\n"
            "\u2026Document.pdf\n3 hours ago\n16 November 2026\nKEEP READING \u2192\n"
            "Second story headline\nIts excerpt runs here.\nContinue reading the main story\n")
    first, second = split_pasted_page(page, "p.txt")
    assert (first.title, first.author, first.text) == ("Envoy arrives in Muscat", "Leila Farahani",
                                                       "The envoy landed on Monday for talks.")
    assert first.published_raw is not None and normalize_article(first).published.day == 16
    assert (second.title, second.text) == ("Second story headline", "Its excerpt runs here.")


def test_pasted_page_without_separators_is_one_article():
    articles = list(split_pasted_page("A headline\n\nFirst paragraph.\n\nSecond paragraph.", "one.txt"))
    assert len(articles) == 1
    assert articles[0].title == "A headline"
    assert articles[0].text == "First paragraph.\n\nSecond paragraph."


def test_pasted_page_keeps_a_last_article_without_separator():
    page = PASTED.replace("Load more\n", "Final headline here\nA closing paragraph that runs long enough to read like a real sentence of news.\n")
    titles = [a.title for a in split_pasted_page(page, "p.txt")]
    assert titles[-1] == "Final headline here" and len(titles) == 4


def test_sample_pasted_page():
    articles = read_all(EXAMPLES / "pasted" / "caribbean-courier-venezuela.txt")
    assert len(articles) == 4
    assert articles[1].title.endswith("\u2026")
    assert all(a.source_kind == "txt" for a in articles)


# --- JSONL ------------------------------------------------------------------------------------

def test_jsonl_keeps_ids_and_reports_bad_lines(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('{"id": 7, "text": "Body one", "title": "One", "unknown": 1}\n'
                    "not json\n"
                    '{"title": "  ", "text": ""}\n'
                    "[1, 2]\n"
                    '{"text": "Body two", "published": "2026-11-16T09:10:00Z"}\n'
                    '{"text": ["a", "list"], "title": "Listed"}\n', encoding="utf-8")
    warnings = []
    articles = read_all(path, warnings)
    assert [a.external_id for a in articles] == ["7", None]
    assert articles[1].published.isoformat() == "2026-11-16T09:10:00+00:00"
    assert len(warnings) == 4
    assert all(w.startswith(f"{path}:") for w in warnings)
    assert "a.jsonl:2: not valid JSON" in warnings[0]
    assert 'a.jsonl:3: neither a "text" nor a "title" with content; skipped' in warnings[1]
    assert 'a.jsonl:6: "text" is a list, not a string; skipped' in warnings[3]


def test_a_headline_only_jsonl_line_is_an_article(tmp_path, store):
    """Headline exports are common: a title without text is an article, stored and re-run safely."""
    from newsradar.pipeline import ingest

    path = tmp_path / "headlines.jsonl"
    path.write_text('{"id": "h1", "title": "Venezuela frees six Americans after envoy visit",'
                    ' "url": "https://www.reuters.com/world/americas/h1", "published": "2026-11-20"}\n'
                    '{"id": "h2", "title": "Iran rejects new talks offer", "text": null}\n', encoding="utf-8")
    warnings = []
    articles = read_all(path, warnings)
    assert warnings == [] and [(a.title, a.text) for a in articles] == [
        ("Venezuela frees six Americans after envoy visit", ""), ("Iran rejects new talks offer", "")]
    first = ingest([str(path)], store)
    assert first.inserted == 2 and not any(r.error for r in first.inputs)
    stored = store.get_articles(first.article_ids)
    assert [(a["title"], a["outlet"]) for a in stored] == [
        ("Venezuela frees six Americans after envoy visit", "Reuters"), ("Iran rejects new talks offer", None)]
    assert ingest([str(path)], store).inserted == 0


def test_jsonl_in_utf16_and_with_a_utf8_bom(tmp_path):
    (tmp_path / "wide.jsonl").write_bytes('{"text": "Caf\u00e9 one"}\n{"text": "two"}\n'.encode("utf-16"))
    assert [a.text for a in read_all(tmp_path / "wide.jsonl")] == ["Caf\u00e9 one", "two"]
    (tmp_path / "bom.jsonl").write_bytes(b"\xef\xbb\xbf" + '{"text": "Caf\u00e9"}\n'.encode())
    assert [a.text for a in read_all(tmp_path / "bom.jsonl")] == ["Caf\u00e9"]


def test_gzipped_jsonl(tmp_path):
    path = tmp_path / "a.jsonl.gz"
    path.write_bytes(gzip.compress(b'{"text": "Zipped body"}\n'))
    assert [a.text for a in read_all(path)] == ["Zipped body"]


# --- HTML, feeds, WARC ------------------------------------------------------------------------

def test_saved_page_metadata():
    page = next((EXAMPLES / "pages").glob("frontline-voice-gunboat*.html"))
    [article] = read_all(page)
    assert article.title == "Gunboat diplomacy returns to the Caribbean"
    assert article.author == "Ruth Okafor"
    assert article.outlet == "Frontline Voice"
    assert article.canonical_url == "https://www.frontlinevoice.example/2026/11/17/gunboat-diplomacy-returns-to-the-caribbean"
    assert article.published.isoformat() == "2026-11-17T08:00:00+00:00"
    assert article.text.startswith("The Pentagon's decision")
    assert "Most read" not in article.text and "All rights reserved" not in article.text


@pytest.mark.parametrize(("name", "count", "outlet"), [
    ("liberty-ledger.rss", 7, "Liberty Ledger"),
    ("meridian-post.atom", 7, "The Meridian Post"),
    ("capitol-morning-rdf.xml", 7, "Capitol Morning"),
])
def test_feeds(name, count, outlet):
    articles = read_all(EXAMPLES / "feeds" / name)
    assert len(articles) == count
    assert {a.outlet for a in articles} == {outlet}
    assert all(a.title and a.text and a.published and a.canonical_url for a in articles)
    assert all("<p>" not in a.text for a in articles)
    assert all("utm_" not in a.canonical_url and "#" not in a.canonical_url for a in articles)


def test_warc_reads_html_responses_and_counts_the_rest():
    warnings = []
    articles = read_all(EXAMPLES / "warc" / "gulf-sentinel-crawl.warc.gz", warnings)
    assert len(articles) == 8
    assert {a.outlet for a in articles} == {"Gulf Sentinel"}
    assert warnings == [f"{EXAMPLES / 'warc' / 'gulf-sentinel-crawl.warc.gz'}: skipped 1 non-HTML responses, 8 request records"]


def test_truncated_warc_keeps_what_came_before(tmp_path):
    data = (EXAMPLES / "warc" / "gulf-sentinel-crawl.warc.gz").read_bytes()
    path = tmp_path / "cut.warc.gz"
    path.write_bytes(data[: len(data) * 2 // 3])
    [source] = read_input(str(path), lambda message: None)
    got = []
    with pytest.raises(InputError, match="truncated or corrupt"):
        for page in source.articles:
            got.append(prepare(page))
    assert 0 < len(got) < 8


def test_directory_reads_every_supported_file():
    articles = read_all(EXAMPLES)
    assert len(articles) == 65
    assert {a.source_kind for a in articles} == {"jsonl", "txt", "html", "feed", "warc"}


def test_stdin_is_sniffed():
    data = (EXAMPLES / "feeds" / "liberty-ledger.rss").read_bytes()
    assert len(read_all("-", stdin=io.BytesIO(data))) == 7
    assert len(read_all("-", stdin=io.BytesIO(b'{"text": "from a pipe"}\n'))) == 1


@pytest.mark.parametrize(("head", "kind"), [
    (b"WARC/1.0\r\n", "warc"), (b"\x1f\x8b\x08\x00", "warc"), (b'{"text": 1}', "jsonl"),
    (b"<?xml version='1.0'?><rss>", "feed"), (b"<feed xmlns='http://www.w3.org/2005/Atom'>", "feed"),
    (b"<!DOCTYPE html><html>", "html"), (b"\xef\xbb\xbf<html>", "html"), (b"Headline\nBody", "txt"),
])
def test_sniff_kind(head, kind):
    assert sniff_kind(head) == kind


# --- bad input --------------------------------------------------------------------------------

def _error_of(path: Path) -> str:
    with pytest.raises(InputError) as caught:
        read_all(path)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(str(path))
    return caught.value.reason


@pytest.mark.parametrize("name", ["empty.txt", "empty.jsonl", "empty.html", "empty.rss", "empty.warc"])
def test_empty_files(tmp_path, name):
    (tmp_path / name).write_bytes(b"")
    assert "empty" in _error_of(tmp_path / name)


def test_binary_text_file(tmp_path):
    (tmp_path / "blob.txt").write_bytes(bytes(range(256)) * 10)
    assert "binary" in _error_of(tmp_path / "blob.txt")
    (tmp_path / "blob.jsonl").write_bytes(b"\x00\x01\x02" * 100)
    assert "binary" in _error_of(tmp_path / "blob.jsonl")


def test_not_a_warc(tmp_path):
    (tmp_path / "x.warc.gz").write_bytes(b"\x1f\x8b\x08\x00garbage that is not gzip at all")
    assert "WARC" in _error_of(tmp_path / "x.warc.gz")


def test_truncated_gzip_jsonl(tmp_path):
    blob = gzip.compress(b'{"text": "one"}\n' * 1000)
    (tmp_path / "cut.jsonl.gz").write_bytes(blob[: len(blob) // 2])
    assert "gzip" in _error_of(tmp_path / "cut.jsonl.gz")


def test_cp1252_and_utf16_text(tmp_path):
    (tmp_path / "cp.txt").write_bytes("Caf\u00e9 talks resume\n\nThe minister\u2019s \u201cplan\u201d was read out.".encode("cp1252"))
    [article] = read_all(tmp_path / "cp.txt")
    assert article.title == "Caf\u00e9 talks resume" and "\u2019s \u201cplan\u201d" in article.text
    (tmp_path / "u16.txt").write_bytes("\ufeffNi\u00f1o headline\n\nBody text here.".encode("utf-16-le"))
    [article] = read_all(tmp_path / "u16.txt")
    assert article.title == "Ni\u00f1o headline"


def test_html_without_article(tmp_path):
    (tmp_path / "nav.html").write_text("<html><body><nav><a href='/'>Home</a></nav></body></html>")
    assert "no article text" in _error_of(tmp_path / "nav.html")


def test_oversized_file(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSRADAR_MAX_FILE_MB", "0.001")
    (tmp_path / "big.txt").write_text("Headline\n\n" + "word " * 2000)
    assert "cap" in _error_of(tmp_path / "big.txt")


def test_broken_feed(tmp_path):
    (tmp_path / "broken.xml").write_text("<rss><channel><title>x</title><item><title>Only a")
    assert "feed" in _error_of(tmp_path / "broken.xml")
    (tmp_path / "garbage.rss").write_text("this is <not> a feed at all &&&")
    assert "feed" in _error_of(tmp_path / "garbage.rss")


def test_ill_formed_feed_with_entries_is_read_with_a_warning(tmp_path):
    (tmp_path / "sloppy.rss").write_text(
        "<rss version='2.0'><channel><title>Sloppy</title><item><title>Readable & broken</title>"
        "<description>Text of the entry.</description></item></channel></rss>")
    warnings = []
    [article] = read_all(tmp_path / "sloppy.rss", warnings)
    assert article.title == "Readable & broken"
    assert len(warnings) == 1 and "ill-formed feed" in warnings[0]


def test_missing_and_unsupported(tmp_path):
    assert "no such file" in _error_of(tmp_path / "absent.jsonl")
    (tmp_path / "x.pdf").write_bytes(b"%PDF-1.4")
    assert "unsupported file type" in _error_of(tmp_path / "x.pdf")


def test_declared_language_of_an_article_wins_a_feed_wide_one_does_not(tmp_path):
    spanish = "El gobierno venezolano anunció el lunes que las conversaciones con Washington continuarán la próxima semana."
    lines = [json.dumps({"text": spanish, "language": "pt-BR"}), json.dumps({"text": spanish})]
    (tmp_path / "a.jsonl").write_text("\n".join(lines) + "\n")
    assert [a.language for a in read_all(tmp_path / "a.jsonl")] == ["pt", "es"]
    (tmp_path / "f.rss").write_text(
        "<rss version='2.0'><channel><title>T</title><language>en-us</language><item><title>Conversaciones</title>"
        f"<description>{spanish}</description></item><item><title>Short</title><description>Hi.</description></item>"
        "</channel></rss>", encoding="utf-8")
    assert [a.language for a in read_all(tmp_path / "f.rss")] == ["es", "en"]
