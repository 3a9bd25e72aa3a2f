"""Framing: an article's tone (GDELT V2Tone-shaped, from a lexicon on our tokens), its loaded
wording (a lexicon we write, with categories and context rules: ``framing/loaded.py``) and its tone
toward each entity it names (the words linked to the entity's mentions in the parse). Reads the
one parse and the entities and quotes stages' results: a loaded word inside a quotation is the
speaker's, not the outlet's; a quote's tone counts toward whom it is about, not who said it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from spacy.tokens import Doc

from ..framing import loaded as loaded_language
from ..framing import tone as tone_lexicon
from ..store import framing as framing_store
from ..store.framing import FramingRecord
from .base import ArticleText, Stage

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from ..store import Store
    from ..store.entities import EntityRecord
    from ..store.quotes import QuoteRecord

VERSION = "newsradar.framing.v1"

Ref = str  # an entity, by the field and start of its first mention in the article: "text:120"


def _entity_refs(entities: list[EntityRecord] | None
                 ) -> tuple[dict[tuple[str, int], Ref], dict[str, list[tuple[int, int, Ref]]]]:
    """Each mention (field, start) → its entity's ref, and per field the (start, end, ref) of every mention."""
    owner: dict[tuple[str, int], Ref] = {}
    spans: dict[str, list[tuple[int, int, Ref]]] = {"title": [], "text": []}
    for record in entities or []:
        if not record.mentions:
            continue
        ref = f"{record.mentions[0][0]}:{record.mentions[0][1]}"
        for field, start, end, _text, _title in record.mentions:
            owner[(field, start)] = ref
            spans.setdefault(field, []).append((start, end, ref))
    return owner, spans


def _target(doc: Doc, start: int, end: int, spans: list[tuple[int, int, Ref]]) -> int | None:
    """The start of the entity mention a loaded term is said of: one its word modifies or is
    modified by, the subject of the clause it predicates, else None (never the nearest name)."""
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None or not spans:
        return None
    root = span.root
    linked = [root.head, *root.children]
    if root.dep_ in ("acomp", "attr", "dobj", "pobj") or root.head.pos_ in ("AUX", "VERB"):
        linked += [c for c in root.head.children if c.dep_ in ("nsubj", "nsubjpass")]
    for token in linked:
        for m_start, m_end, _ref in spans:
            if m_start <= token.idx < m_end and not (start <= m_start < end):
                return m_start
    return None


def extract(article: ArticleText, title_doc: Doc, text_doc: Doc, prior: dict[str, Any] | None = None
            ) -> FramingRecord:
    prior = prior or {}
    owner, spans = _entity_refs(prior.get("entities"))
    # whom "he", "her" and "the president" may stand for: each person's role words, by ref
    people = {f"{r.mentions[0][0]}:{r.mentions[0][1]}": tone_lexicon.role_words(m[4] for m in r.mentions)
              for r in prior.get("entities") or [] if r.type == "PERSON" and r.mentions}
    quotes: list[QuoteRecord] = prior.get("quotes") or []
    tone, reason = tone_lexicon.article_tone([title_doc, text_doc], language=article.language)
    record = FramingRecord(tone=tone, reason=reason)
    tallies: dict[Ref, tone_lexicon.Tally] = {}
    for field, doc in (("title", title_doc), ("text", text_doc)):
        said = [(start, end, q.speaker) for q in quotes if q.field == field and q.kind in ("direct", "mixed")
                for start, end in (q.pieces or [[q.start, q.end]])]  # not the attribution between two pieces
        for term in loaded_language.find_loaded(doc, quotes=said):
            record.loaded.append({**term, "field": field, "target_start": _target(doc, term["start"], term["end"],
                                                                                  spans.get(field, []))})
        about = [(start, end, owner.get((q.ref_field, q.ref_start or 0)) if q.ref_field is not None else None)
                 for q in quotes if q.field == field for start, end in (q.pieces or [[q.start, q.end]])]
        for ref, tally in tone_lexicon.entity_tone(doc, spans.get(field, []), quotes=about, people=people).items():
            tallies.setdefault(ref, tone_lexicon.Tally()).add(tally)  # the headline's and the text's together
    record.entity_tone = [(ref.split(":")[0], int(ref.split(":")[1]), tally.tone, tally.mentions)
                          for ref, tally in tallies.items() if tally.tone is not None]
    return record


def write(store: Store, conn: Connection, results: Sequence[tuple[int, FramingRecord]]) -> None:
    framing_store.write(conn, results)


def article_fields(store: Store, article_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    return framing_store.for_articles(store, article_ids)


STAGE = Stage(name="framing", version=VERSION, extract=extract, write=write, needs=("entities", "quotes"),
              article_fields=article_fields,
              help="tone (GDELT V2Tone-shaped), loaded language by category, tone toward each entity")
