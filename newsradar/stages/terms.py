"""Story terms: what the clusterer compares (``nlp.doc_terms``: content lemmas, bigrams of
adjacent content lemmas, named entities as whole names; the headline counts twice). Reads the
tagger and NER only; adds no component."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .. import nlp
from ..store import stories as story_store
from .base import ArticleText, Stage

if TYPE_CHECKING:
    from spacy.tokens import Doc
    from sqlalchemy.engine import Connection

    from ..store import Store


def extract(article: ArticleText, title_doc: Doc, text_doc: Doc) -> dict[str, float]:
    terms: dict[str, float] = {}
    nlp.doc_terms(title_doc, nlp.TITLE_WEIGHT, terms)
    nlp.doc_terms(text_doc, 1.0, terms)
    return terms


def write(store: Store, conn: Connection, results: Sequence[tuple[int, dict[str, float]]]) -> None:
    story_store.write_terms(conn, results)


STAGE = Stage(name="terms", version=nlp.FEATURES_VERSION, extract=extract, write=write,
              help="story terms for the clusterer")
