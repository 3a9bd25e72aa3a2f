"""What an analysis stage is. A stage reads the one spaCy parse of an article and contributes one
kind of result: story terms, entities, and (later) quotes, events, tone.

A stage declares:

- ``pipes``: the spaCy components it adds to the pipeline (factories registered with
  ``Language.factory`` and their ``requires``/``assigns``), in order. They run on each Doc inside
  ``nlp.pipe``, once per text, so work that needs only one text belongs there.
- ``extract(article, title_doc, text_doc)``: the article-level step, run once per article on the
  two Docs of its headline and text (parsed in one ``nlp.pipe`` pass). It returns a plain,
  picklable result (the parse may run on other processes or machines; results travel back).
- ``write(store, conn, results)``: stores the results of a chunk of articles, inside the chunk's
  one transaction. It replaces what the stage stored for those articles before, so re-analysis
  is safe.
- ``section`` and ``document(store, article_ids)``: the stage's list in the analysis document.
- ``needs``: earlier stages whose results ``extract`` reads (the quotes stage resolves speakers
  to the entities stage's mentions); ``extract`` then gets them as ``prior={name: result}``.
- ``name`` and ``version``: stored per article in ``analyses``; an article analysed by another
  version of a stage is re-analysed by ``newsradar reanalyze`` (or in bounded batches by each run).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from ..store import Store


@dataclass(frozen=True, slots=True)
class ArticleText:
    """What the analysis reads of a stored article."""

    id: int
    title: str | None
    text: str
    day: date | None  # its publication day (office-holders are coded as of it)
    language: str | None = None  # ISO 639-1, as normalize identified it (tone is measured in English only)


Extract = Callable[..., Any]  # (article, title_doc, text_doc[, prior={stage: result}]) -> result
Write = Callable[["Store", "Connection", Sequence[tuple[int, Any]]], None]
Document = Callable[["Store", Sequence[int]], list[dict]]


@dataclass(frozen=True, slots=True)
class Stage:
    name: str
    version: str
    extract: Extract
    write: Write
    pipes: tuple[str, ...] = ()
    section: str | None = None
    document: Document | None = None
    help: str = ""
    # earlier stages whose results ``extract`` reads: it is then called with ``prior={name: result}``
    needs: tuple[str, ...] = ()
    # fields the stage adds to each article of the analysis document (CONTRACT: tone, loaded_terms,
    # entity_tone): article id → {field: value}, for the articles it analysed
    article_fields: Callable[[Store, Sequence[int]], dict[int, dict[str, Any]]] | None = None
