"""Every feed in feedparser's own test corpus is read without an exception: each gives articles or
one InputError with a reason, never a crash."""

from pathlib import Path

import pytest

from newsradar.errors import InputError
from newsradar.prepare import prepare
from newsradar.sources import read_input

from .conftest import DATASETS, require_datasets

FEEDS_DIR = DATASETS / "feedparser-feeds"
FEEDS = sorted(p for p in FEEDS_DIR.rglob("*") if p.is_file() and p.suffix in (".xml", ".rdf", ".rss", ".atom")) \
    if FEEDS_DIR.is_dir() else []


def test_the_corpus_is_there():
    require_datasets("feedparser-feeds")
    assert len(FEEDS) > 1000


def _read(path: Path) -> int:
    count = 0
    for item in read_input(str(path), lambda message: None):
        for article in item.articles:
            prepare(article)
            count += 1
    return count


@pytest.mark.skipif(not FEEDS, reason=f"feedparser's test feeds are not at {FEEDS_DIR}")
def test_the_feed_corpus_is_there():
    assert len(FEEDS) > 1500


@pytest.mark.skipif(not FEEDS, reason=f"feedparser's test feeds are not at {FEEDS_DIR}")
@pytest.mark.parametrize("path", FEEDS, ids=lambda p: str(p.relative_to(FEEDS_DIR)))
def test_feed_ingests_without_exception(path):
    try:
        _read(path)
    except InputError as exc:
        assert str(exc).startswith(str(path)) and "\n" not in str(exc)


@pytest.mark.skipif(not FEEDS, reason=f"feedparser's test feeds are not at {FEEDS_DIR}")
def test_hostile_html_never_survives_as_markup():
    for path in sorted((FEEDS_DIR / "wellformed" / "sanitize").glob("*.xml")):
        try:
            for item in read_input(str(path), lambda message: None):
                for article in item.articles:
                    for value in (article.text, article.title or "", article.author or ""):
                        lowered = value.lower()
                        assert "<script" not in lowered and "javascript:" not in lowered.replace(" ", "") \
                            and "onerror=" not in lowered and "onclick=" not in lowered, (path, value)
        except InputError:
            pass
