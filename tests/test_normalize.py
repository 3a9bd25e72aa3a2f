from datetime import UTC, datetime

import pytest

from newsradar.model import Article
from newsradar.normalize import (
    canonical_url,
    clean_text,
    clean_title,
    content_hash,
    detect_language,
    fold,
    normalize_article,
    parse_datetime,
)


def test_clean_text_fixes_spaces_invisibles_and_paragraphs():
    raw = "Caracas\u00a0said\u2009it  would\u200b respond\u00ad.\r\n\r\n\r\n  Second\tparagraph \u2028third"
    assert clean_text(raw) == "Caracas said it would respond.\n\nSecond paragraph\n\nthird"


def test_clean_text_composes_unicode_and_keeps_typography():
    decomposed = "Nicola\u0301s said \u201cno\u201d\u2026"
    assert clean_text(decomposed) == "Nicol\u00e1s said \u201cno\u201d\u2026"


def test_clean_title_is_one_line():
    assert clean_title("  Two\nlines\u00a0here ") == "Two lines here"
    assert clean_title("   ") is None


def test_fold_makes_typographic_variants_equal():
    assert fold("\u201cMaduro\u2019s\u201d plan \u2014 Nicol\u00e1s\u2026") == fold('"Maduro\'s" plan - Nicolas...')


@pytest.mark.parametrize(("value", "expected"), [
    ("2026-11-16", datetime(2026, 11, 16, tzinfo=UTC)),
    ("2026-11-16T09:10:00Z", datetime(2026, 11, 16, 9, 10, tzinfo=UTC)),
    ("2026-11-16T09:10:00-05:00", datetime(2026, 11, 16, 14, 10, tzinfo=UTC)),
    ("2026-11-16T09:10:00-0500", datetime(2026, 11, 16, 14, 10, tzinfo=UTC)),
    ("Mon, 16 Nov 2026 09:10:00 GMT", datetime(2026, 11, 16, 9, 10, tzinfo=UTC)),
    ("Mon, 16 Nov 2026 09:10:00 +0100", datetime(2026, 11, 16, 8, 10, tzinfo=UTC)),
    ("November 16, 2026 9:10 AM EST", datetime(2026, 11, 16, 14, 10, tzinfo=UTC)),
    ("16 Nov 2026", datetime(2026, 11, 16, tzinfo=UTC)),
    (1794820200, datetime(2026, 11, 16, 9, 10, tzinfo=UTC)),
    ("not a date", None),
    ("", None),
    (None, None),
])
def test_parse_datetime_gives_aware_utc(value, expected):
    parsed = parse_datetime(value)
    assert parsed == expected
    if parsed is not None:
        assert parsed.tzinfo is UTC


@pytest.mark.parametrize(("url", "expected"), [
    ("HTTP://News.Example.COM:80/a/./b/../c?utm_source=x&b=2&a=1&fbclid=z#top", "http://news.example.com/a/c?a=1&b=2"),
    ("https://news.example.com:443", "https://news.example.com/"),
    ("https://news.example.com/x?gclid=1&mc_cid=2&mc_eid=3&utm_campaign=4", "https://news.example.com/x"),
    ("https://news.example.com:8443/%7euser/a%20b/", "https://news.example.com:8443/~user/a%20b/"),
    ("https://user:secret@news.example.com/p", "https://news.example.com/p"),
    ("https://xn--caf-dma.example/", "https://xn--caf-dma.example/"),
    ("https://café.example/", "https://xn--caf-dma.example/"),
    ("ftp://news.example.com/file", None),
    ("not a url", None),
])
def test_canonical_url(url, expected):
    assert canonical_url(url) == expected


def test_language_identification_is_offline_and_falls_back_to_declared():
    assert detect_language("The government said on Monday that the talks would continue next week.") == "en"
    assert detect_language("El gobierno dijo el lunes que las conversaciones continuarían la próxima semana.") == "es"
    assert detect_language("Hola", declared="es-VE") == "es"
    assert detect_language("Hi", declared=None) is None


def test_identity_key_prefers_url_then_guid_then_content():
    with_url = normalize_article(Article(text="Body text", url="https://a.example/x?utm_source=rss", guid="g1"))
    assert with_url.key == "url:https://a.example/x"
    with_guid = normalize_article(Article(text="Body text", guid="g1", outlet="Wire"))
    assert with_guid.key == "guid:wire:g1"
    plain = normalize_article(Article(text="Body text", title="T"))
    assert plain.key == "sha256:" + content_hash("T", "Body text")
    # typographic variants of the same text are the same content
    assert content_hash("T", "it\u2019s \u201cfine\u201d") == content_hash("T", "it's \"fine\"")
