"""Quotes: the ``newsradar_quotes`` component finds each Doc's attributions (``quotes.py``); per
article, the headline's colon cue is read, speakers are resolved to the article's entities (the
entities stage's mentions) — a name to its mention, a pronoun or a definite role noun ("the
minister", "the spokesman", "the ministry") to the right earlier person or organization — and each
claim gets its attributes (hedged, denial, question) and its speaker type."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from spacy.language import Language
from spacy.tokens import Doc

from .. import quoteclaims as claims
from .. import quotes as finder
from ..store import quotes as quote_store
from ..store.quotes import QuoteRecord
from .base import ArticleText, Stage

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from ..store import Store
    from ..store.entities import EntityRecord

_log = logging.getLogger(__name__)

if not Doc.has_extension("quotes"):
    Doc.set_extension("quotes", default=None)

_PERSON_PRONOUNS = frozenset({"he", "she", "him", "her"})
_ORG_PRONOUNS = frozenset({"it"})
_PERSON_ROLES = re.compile(r"^(spokes(man|woman|person)|minister|secretary|president|senator|governor|mayor|"
                           r"ambassador|envoy|chief|director|leader|official|general|admiral|commander|lawmaker|"
                           r"congressman|congresswoman|representative|premier|chancellor|king|queen|prince|"
                           r"prosecutor|judge|attorney|lawyer|chairman|chairwoman|chair|head|candidate|nominee|"
                           r"analyst|expert|professor|economist|diplomat|adviser|advisor|aide)s?$", re.I)
_ORG_ROLES = re.compile(r"^(ministry|department|agency|government|administration|company|firm|group|party|"
                        r"organi[sz]ation|office|embassy|campaign|committee|council|court|military|army|navy|"
                        r"police|union|bank|fund|commission|cartel|gang|coalition|alliance|bloc|state)$", re.I)
_LOOKBACK = 3  # paragraphs a pronoun or a role noun may reach back for its person


class QuoteFinder:
    def __call__(self, doc: Doc) -> Doc:
        try:
            doc._.quotes = finder.attributions(doc)
        except Exception as exc:  # noqa: BLE001 - one odd text never stops a run; its quotes are lost, not the article
            _log.warning("quotes: attributions of a text failed (%s: %s); the article is kept without them",
                         type(exc).__name__, exc)
            doc._.quotes = [{"error": f"{type(exc).__name__}: {exc}"}]
        return doc


@Language.factory("newsradar_quotes", requires=["token.dep", "token.lemma"], assigns=["doc._.quotes"])
def make_quotes(nlp: Language, name: str) -> QuoteFinder:
    return QuoteFinder()


def quotes_of_text(texts: Sequence[str]) -> list[list[dict[str, Any]]]:
    """The attributions of plain texts (the benchmark's entry: no store, no article)."""
    from .. import nlp

    return [[q for q in (doc._.quotes or []) if "error" not in q]
            for doc in nlp.parse(texts, pipes=("newsradar_quotes",))]


class _Mentions:
    """The entities stage's mentions of one article, in text order, for resolving speakers."""

    def __init__(self, entities: list[EntityRecord] | None) -> None:
        self.items: list[tuple[str, int, int, str, str | None, str]] = []  # field, start, end, type, title, text
        for record in entities or []:
            for field, start, end, text, title in record.mentions:
                self.items.append((field, start, end, record.type, title, text))
        self.items.sort(key=lambda m: (m[0] != "title", m[1]))

    def at(self, field: str, start: int, end: int, root: int | None = None
           ) -> tuple[str, int, int, str, str | None, str] | None:
        """The mention a speaker written at [start, end) is: the one covering the phrase's head
        word ("Lucia Ferrer, an analyst at the Institute" is Lucia Ferrer), else its first name."""
        inside = [m for m in self.items if m[0] == field and m[1] < end and m[2] > start]
        if root is not None:
            for mention in inside:
                if mention[1] <= root < mention[2]:
                    return mention
        named = [m for m in inside if m[3] in ("PERSON", "ORG", "GPE", "NORP", "FAC")]
        return (named or inside)[0] if (named or inside) else None

    def by_name(self, speaker: str) -> tuple[str, int, int, str, str | None, str] | None:
        """A name the parse did not mark (a headline's "Rubio:"): a person named so in the article."""
        last = speaker.split()[-1].lower().strip(".,’'") if speaker.split() else ""
        for mention in self.items:
            if mention[3] in ("PERSON", "ORG") and mention[5].split() and mention[5].split()[-1].lower() == last:
                return mention
        return None

    def before(self, position: int, types: frozenset[str], text: str, role: str | None = None
               ) -> tuple[str, int, int, str, str | None, str] | None:
        """The latest mention of these types before ``position`` in the text, within a few
        paragraphs (a role noun wants one whose title or name carries it); else the headline's."""
        floor = position
        for _ in range(_LOOKBACK):
            floor = text.rfind("\n\n", 0, max(floor - 1, 0))
            if floor < 0:
                floor = 0
                break
        candidates = [m for m in self.items if m[0] == "text" and floor <= m[1] < position and m[3] in types]
        if role:
            fitting = [m for m in candidates if role in (m[4] or "").lower() or role in m[5].lower()]
            candidates = fitting or candidates
        if candidates:
            return candidates[-1]
        titles = [m for m in self.items if m[0] == "title" and m[3] in types]
        return titles[0] if len(titles) == 1 else None


def extract(article: ArticleText, title_doc: Doc, text_doc: Doc, prior: dict[str, Any] | None = None
            ) -> list[QuoteRecord]:
    mentions = _Mentions((prior or {}).get("entities"))
    found: list[QuoteRecord] = []
    for field, doc in (("title", title_doc), ("text", text_doc)):
        items = [q for q in (doc._.quotes or []) if "error" not in q]
        if field == "title" and article.title:
            headline = claims.title_attribution(article.title)
            if headline and not any(q["start"] < headline["end"] and q["end"] > headline["start"] for q in items):
                items.insert(0, headline)
        previous_ref: tuple[str, int, int, str, str | None, str] | None = None
        text = doc.text  # joined once: Doc.text walks every token
        for item in items:
            record = _record(field, text, item, mentions, previous_ref)
            found.append(record)
            if record.ref_field is not None:
                previous_ref = mentions.at(record.ref_field, record.ref_start or 0, (record.ref_start or 0) + 1)
    return found


def _record(field: str, text: str, item: dict[str, Any], mentions: _Mentions,
            previous: tuple[str, int, int, str, str | None, str] | None) -> QuoteRecord:
    sentence = text[item["sentence"][0]:item["sentence"][1]] if item.get("sentence") else ""
    kind_of_speaker = claims.speaker_type(item, sentence)
    ref = None
    speaker = (item.get("speaker") or "").strip()
    lower = speaker.lower()
    start = item.get("speaker_start")
    if speaker and start is not None:
        if kind_of_speaker == "named":
            ref = mentions.at(field, start, item["speaker_end"], item.get("speaker_root")) or mentions.by_name(speaker)
        elif item.get("antecedent"):
            ref = mentions.at(field, item["antecedent"][0], item["antecedent"][1])
            kind_of_speaker = "named" if ref is not None and ref[3] in ("PERSON", "ORG", "GPE") else kind_of_speaker
        elif kind_of_speaker == "pronoun" and field == "text":
            if lower in _PERSON_PRONOUNS:
                same = previous if previous and previous[3] == "PERSON" and previous[1] < start \
                    and text.count("\n\n", previous[1], start) <= 1 else None
                ref = same or mentions.before(start, frozenset({"PERSON"}), text)
            elif lower in _ORG_PRONOUNS:
                ref = mentions.before(start, frozenset({"ORG"}), text)
            if ref is not None:
                kind_of_speaker = "named"
        elif kind_of_speaker == "role" and field == "text" and lower.startswith("the "):
            head = (item.get("speaker_head") or lower.split()[-1]).lower()
            if _ORG_ROLES.match(head):
                ref = mentions.before(start, frozenset({"ORG", "GPE"}), text, head)
            elif _PERSON_ROLES.match(head):
                ref = mentions.before(start, frozenset({"PERSON"}), text, head.rstrip("s"))
        if ref is None and kind_of_speaker in ("role", "group", "anonymous"):
            inside = mentions.at(field, start, item["speaker_end"])  # "a White House spokesman": the White House
            if inside is not None and inside[3] in ("ORG", "GPE", "NORP"):
                ref = inside
    attributes = claims.claim_attributes(item, text)
    return QuoteRecord(field=field, start=item["start"], end=item["end"], pieces=item["pieces"],
                       content=item["content"], kind=item["kind"], cue=item.get("cue"),
                       speaker=item.get("speaker"), speaker_start=item.get("speaker_start"),
                       speaker_end=item.get("speaker_end"), speaker_type=kind_of_speaker,
                       ref_field=ref[0] if ref else None, ref_start=ref[1] if ref else None,
                       ref_text=ref[5] if ref else None,
                       sentence=sentence[:2000], **attributes)


def write(store: Store, conn: Connection, results: Sequence[tuple[int, list[QuoteRecord]]]) -> None:
    quote_store.write(store, conn, results)


def document(store: Store, article_ids: Sequence[int]) -> list[dict]:
    """The contract's fields, then ours (offsets, pieces, speaker type, sentence, question)."""
    out = []
    for q in quote_store.for_articles(store, article_ids):
        in_text = q["field"] == "text"  # CONTRACT: start/end index articles[].text; a headline's go in title_*
        out.append({"id": q["id"], "article_id": q["article_id"], "speaker": q["speaker"],
                    "speaker_entity_id": q["speaker_entity_id"], "cue": q["cue"], "content": q["content"],
                    "kind": q["kind"], "hedged": q["hedged"], "denial": q["denial"], "speaker_name": q["speaker_name"],
                    "speaker_type": q["speaker_type"], "field": q["field"],
                    "start": q["start"] if in_text else None, "end": q["end"] if in_text else None,
                    "pieces": q["pieces"] if in_text else None,
                    "title_start": None if in_text else q["start"], "title_end": None if in_text else q["end"],
                    "sentence": q["sentence"], "question": q["question"]})
    return out


STAGE = Stage(name="quotes", version=finder.VERSION, extract=extract, write=write, pipes=("newsradar_quotes",),
              section="quotes", document=document, needs=("entities",),
              help="who said what: direct, indirect, mixed and 'according to' attributions, speakers resolved")
