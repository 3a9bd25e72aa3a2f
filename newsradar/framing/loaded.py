"""Loaded language: words and phrases whose choice carries a judgement, found on one parse.

``find_loaded(doc)`` reads a spaCy Doc (a headline or a text) once, token by token, looking each
token's lowercased text and lemma up in the lexicon of ``loaded.yaml`` (a dict keyed by the first
word of every entry; a phrase is then checked word by word, longest first). Categories and
entries are data: dehumanizing, criminalizing, delegitimizing, sarcasm, intensifier (and
hyperbole), emotive verbs, pejorative labels and descriptors, laudatory words, euphemism, and
doubt (verbs and hedges that cast doubt where "said" would not).

Context rules:

- **Neutral phrases** (``neutral_phrases``: "regime change", "war on terror", "criminal
  justice"…): names of policies and set terms; nothing inside one is a hit.
- **Names**: a capitalized word inside a named entity (Rep. Louise Slaughter, "the Rising Star
  Fund") is the name, not the writer's wording; a capitalized word outside any name (headlines,
  text in capitals, which the tagger calls PROPN) still meets an entry's POS constraint.
- **Scare quotes**: a quotation-marked span of one to three words that is not a quotation of
  speech — no reporting verb or noun governs it (the "peace" talks; not: called it "a trap", not:
  a quotation that is its sentence or follows a colon) — is ``delegitimizing`` with rule
  ``scare_quotes``; its marks are part of the hit.
- **Exclamation**: an exclamation mark in the writer's own voice (outside quotations) is an
  intensifier; one inside a quotation is the speaker's punctuation, not a term.
- **Quotations**: a hit inside a quotation of speech is kept and marked ``in_quote: True`` with
  the ``speaker`` when known: it is the speaker's word, not the outlet's. The quotations are the
  caller's ``quotes`` (start, end, speaker) when given, else every quotation-marked span
  (``newsradar.quotemarks``) that is not a scare quote.
- **Negation**: a hit whose word (or the verb it complements) is negated is kept and marked
  ``negated: True`` ("is not a thug").

Every hit is ``{"text", "start", "end", "category", "rule", "in_quote", "speaker", "negated"}`` with
character offsets into ``doc.text`` (``doc.text[start:end] == text``); ``rule`` names the entry
(``lexicon:slam``), ``scare_quotes`` or ``exclamation``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

import yaml

from ..errors import NewsradarError
from ..quotemarks import quote_spans

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

VERSION = "newsradar.loaded.v1"
_HYPHENS = frozenset(["-", "–", "‐"])
_MARKS = "\"“”‘’'«»„‹›`"
_NAME_ENTITIES = frozenset(["PERSON", "ORG", "GPE", "LOC", "WORK_OF_ART", "LAW", "EVENT", "FAC", "PRODUCT"])
_NEGATORS = frozenset(["not", "n't", "never", "no", "nt"])
_COMPLEMENTS = frozenset(["attr", "acomp", "oprd", "xcomp", "dobj", "pobj"])
_SKIP_POS = frozenset(["PUNCT", "SPACE", "NUM", "SYM", "X"])
_MAX_SCARE_WORDS = 3
_MODIFIER = frozenset(["amod", "compound", "nmod", "poss", "nummod"])


@dataclass(frozen=True)
class Entry:
    words: tuple[str, ...]  # lowercased, hyphens dropped ("so-called" → ("so", "called"))
    hyphens: tuple[bool, ...]  # whether a hyphen must join word k to word k + 1
    category: str
    rule: str
    pos: frozenset[str] | None = None
    not_before: frozenset[str] = frozenset()
    not_after: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Lexicon:
    entries: dict[str, tuple[Entry, ...]]  # by first word, longest first
    neutral: dict[str, tuple[tuple[str, ...], ...]]  # neutral phrases by first word, longest first
    reporting_verbs: frozenset[str]
    reporting_nouns: frozenset[str]
    categories: tuple[str, ...]


def _words(term: str) -> tuple[tuple[str, ...], tuple[bool, ...]]:
    """A term's words, lowercased, hyphens and commas dropped, and after each word whether a
    hyphen joins it to the next ("so-called" needs its hyphen; "flip flop" takes one or none)."""
    out: list[str] = []
    joined: list[bool] = []
    for chunk in term.lower().replace("’", "'").replace(",", " ").split():
        parts = [part for part in chunk.replace("–", "-").split("-") if part]
        out.extend(parts)
        joined.extend([True] * (len(parts) - 1) + [False])
    return tuple(out), tuple(joined[:-1])


def _as_set(value: Any) -> frozenset[str]:
    if value is None:
        return frozenset()
    if isinstance(value, str):
        value = [value]
    return frozenset(str(v).lower() for v in value)


def build(data: dict) -> Lexicon:
    """The lexicon from the YAML's data (also for tests with a lexicon of their own)."""
    if not isinstance(data, dict) or not isinstance(data.get("categories"), dict):
        raise NewsradarError("loaded.yaml: a mapping with 'categories' is expected")
    by_first: dict[str, list[Entry]] = {}
    seen: set[tuple] = set()
    for category, items in data["categories"].items():
        for item in items or ():
            spec = {"term": item} if isinstance(item, str) else dict(item)
            term = str(spec.get("term", "")).strip()
            words, hyphens = _words(term)
            if not words:
                raise NewsradarError(f"loaded.yaml: an entry of {category} has no term: {item!r}")
            key = (words, hyphens, tuple(sorted(spec.get("pos") or ())))
            if key in seen:
                continue  # listed twice: the first category holds it
            seen.add(key)
            pos = frozenset(str(p).upper() for p in spec["pos"]) if spec.get("pos") else None
            entry = Entry(words, hyphens, str(category), f"lexicon:{term.lower()}", pos,
                          _as_set(spec.get("not_before")), _as_set(spec.get("not_after")))
            by_first.setdefault(words[0], []).append(entry)
            if len(words) > 1 and "-" in term:  # also the hyphenated word as one token
                by_first.setdefault("-".join(words), []).append(Entry(
                    ("-".join(words),), (), entry.category, entry.rule, pos, entry.not_before, entry.not_after))
    neutral: dict[str, list[tuple[str, ...]]] = {}
    for phrase in data.get("neutral_phrases") or ():
        words, _hyphens = _words(str(phrase))
        if words:
            neutral.setdefault(words[0], []).append(words)
    return Lexicon(
        {k: tuple(sorted(v, key=lambda e: -len(e.words))) for k, v in by_first.items()},
        {k: tuple(sorted(v, key=len, reverse=True)) for k, v in neutral.items()},
        _as_set(data.get("reporting_verbs")), _as_set(data.get("reporting_nouns")),
        tuple(str(c) for c in data["categories"]))


@functools.cache
def lexicon() -> Lexicon:
    """``loaded.yaml``, read once per process."""
    try:
        text = resources.files(__package__).joinpath("loaded.yaml").read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except (OSError, yaml.YAMLError) as exc:
        raise NewsradarError(f"cannot read the loaded-language lexicon: {exc}") from exc
    return build(data)


def _keys(token: Token) -> tuple[str, ...]:
    """The forms a token is looked up by: its lowercased text and lemma; a word in capitals, which
    the lemmatizer leaves as it is, also by its plain suffix-stripped stems (SLAMMED → slam)."""
    lower = token.lower_.replace("’", "'")
    lemma = token.lemma_.lower()
    if not (token.is_upper and len(lower) > 3 and lemma == lower):
        return (lower, lemma) if lemma != lower else (lower,)
    keys = [lower]
    for suffix in ("ing", "ed", "es", "s", "d"):
        if lower.endswith(suffix) and len(lower) - len(suffix) >= 3:
            base = lower[:-len(suffix)]
            keys += [base, base + "e"]
            if len(base) > 3 and base[-1] == base[-2]:
                keys.append(base[:-1])
    return tuple(dict.fromkeys(keys))


def _match(tokens: Sequence[Token], i: int, words: tuple[str, ...], hyphens: tuple[bool, ...] = ()) -> int | None:
    """The index of the last token of ``words`` matched from token ``i`` (hyphen tokens between
    words skipped; required where ``hyphens`` says so), or None."""
    j = i
    n = len(tokens)
    for k, word in enumerate(words):
        if k:
            j += 1
            hyphen = j < n and tokens[j].text in _HYPHENS
            if hyphens and hyphens[k - 1] and not hyphen:
                return None
            while j < n and tokens[j].text in _HYPHENS:
                j += 1
        if j >= n:
            return None
        if word not in _keys(tokens[j]):
            return None
    return j


def _neighbour(tokens: Sequence[Token], j: int, step: int) -> set[str]:
    j += step
    while 0 <= j < len(tokens) and tokens[j].text in _HYPHENS:
        j += step
    if 0 <= j < len(tokens):
        return set(_keys(tokens[j]))
    return set()


def _negated(token: Token) -> bool:
    if any(c.dep_ == "neg" for c in token.children):
        return True
    head = token.head
    if token.dep_ in _COMPLEMENTS and head is not token:
        if token.dep_ == "pobj" and head.head is not head:
            head = head.head
        return any(c.dep_ == "neg" for c in head.children)
    return False


def _is_name(token: Token) -> bool:
    """A capitalized word inside a name (Rep. Louise Slaughter, the Rising Star Fund); not in a
    text written in capitals, where every word looks like one."""
    return (token.ent_type_ in _NAME_ENTITIES and token.text[:1].isupper() and not token.is_upper
            and (not token.is_sent_start or token.ent_iob_ == "I"))


def _governed_by_speech(span_tokens: list[Token], lex: Lexicon) -> bool:
    """Whether a reporting verb or noun governs these quoted words: the first verb up the heads of
    the span's root (or a reporting noun on the way) says they are someone's words."""
    inside = {t.i for t in span_tokens}
    roots = [t for t in span_tokens if t.head.i not in inside or t.head is t]
    for root in roots:
        if root.head is root:
            continue
        head = root.head
        if root.dep_ in _MODIFIER and head.pos_ in ("NOUN", "PROPN") and not _reporting_noun(head, lex):
            continue  # the "peace" talks: a word of the writer's on a noun
        node = root
        for _ in range(6):
            if node.i not in inside:
                if node.pos_ in ("VERB", "AUX"):
                    if node.lemma_.lower() in lex.reporting_verbs:
                        return True
                    # said the plan was "reckless": the clause a reporting verb carries
                    return (node.dep_ in ("ccomp", "xcomp", "parataxis", "advcl") and node.head is not node
                            and node.head.lemma_.lower() in lex.reporting_verbs)
                if node.pos_ == "NOUN" and _reporting_noun(node, lex):
                    return True
            if node.head is node:
                break
            node = node.head
    return False


def _reported(sentence: Span, start: int, end: int, lex: Lexicon) -> bool:
    """Whether the sentence reports someone's words (a reporting verb outside the quoted tokens, or
    "according to"): a short quotation in it is then that speaker's phrase, not scare quotes."""
    for token in sentence:
        if start <= token.i < end:
            continue
        if token.pos_ in ("VERB", "AUX") and token.lemma_.lower() in lex.reporting_verbs:
            return True
        if token.lower_ == "according" and token.i + 1 < len(token.doc) and token.nbor(1).lower_ == "to":
            return True
    return False


def _reporting_noun(token: Token, lex: Lexicon) -> bool:
    return token.lemma_.lower() in lex.reporting_nouns or token.lower_ in lex.reporting_nouns


def _scare_quotes(doc: Doc, marks: list[tuple[int, int, bool]], lex: Lexicon,
                  speech: list[tuple[int, int, str | None]] | None) -> tuple[list[dict], set[tuple[int, int]]]:
    """Scare quotes among the quotation-marked spans, and the spans they were found in."""
    text = doc.text
    hits: list[dict] = []
    found: set[tuple[int, int]] = set()
    for start, end, _ok in marks:
        if end - start > 80:
            continue
        span = doc.char_span(start, end, alignment_mode="expand")
        if span is None:
            continue
        words = [t for t in span if any(ch.isalpha() for ch in t.text)]
        if not words or len(words) > _MAX_SCARE_WORDS:
            continue
        if any(t.text in ("?", "!") for t in span):
            continue
        if all(t.text[:1].isupper() for t in words):
            continue  # a title, a name or a nickname in marks
        before = text[:max(start - 1, 0)].rstrip()
        if before.endswith((":", ",")) and not before.endswith("so-called,"):
            continue  # X said: "Never." / said, "Fine."
        sentence = span[0].sent
        sentence_words = [t for t in sentence if any(ch.isalpha() for ch in t.text)]
        if len(sentence_words) <= len(words) + 2:
            continue  # the quotation is its own sentence: an utterance
        if speech and any(s <= start and end <= e and who for s, e, who in speech):
            continue  # the caller's quotes name a speaker for it
        if _governed_by_speech(list(span), lex) or _reported(sentence, span.start, span.end, lex):
            continue
        left = start - 1 if start > 0 and text[start - 1] in _MARKS else start
        right = end + 1 if end < len(text) and text[end] in _MARKS else end
        hits.append({"text": text[left:right], "start": left, "end": right, "category": "delegitimizing",
                     "rule": "scare_quotes"})
        found.add((start, end))
    return hits, found


def _speaker_at(spans: list[tuple[int, int, str | None]], start: int) -> tuple[bool, str | None]:
    for s, e, who in spans:
        if s <= start < e:
            return True, who
    return False, None


def find_loaded(doc: Doc, quotes: Iterable[tuple[int, int, str | None]] | None = None) -> list[dict]:
    """Loaded terms in one Doc (see the module's docstring), in text order."""
    lex = lexicon()
    tokens = list(doc)
    n = len(tokens)
    text = doc.text
    marks = quote_spans(text) if any(ch in text for ch in _MARKS) else []
    given = [(int(s), int(e), w) for s, e, w in quotes] if quotes is not None else None
    scare, scare_spans = _scare_quotes(doc, marks, lex, given)
    if given is not None:
        speech = given
    else:
        speech = [(s, e, None) for s, e, _ok in marks if (s, e) not in scare_spans]
    hits: list[dict] = list(scare)
    i = 0
    while i < n:
        token = tokens[i]
        if token.pos_ in _SKIP_POS:
            if token.text == "!" and not _speaker_at(speech, token.idx)[0]:  # the writer's own
                hits.append({"text": "!", "start": token.idx, "end": token.idx + 1,
                             "category": "intensifier", "rule": "exclamation"})
            i += 1
            continue
        keys = _keys(token)
        neutral = tuple(words for key in keys for words in lex.neutral.get(key, ()))
        skip_to = None
        for words in neutral:
            last = _match(tokens, i, words)
            if last is not None:
                skip_to = last + 1
                break
        if skip_to is not None:
            i = skip_to
            continue
        candidates = tuple(entry for key in keys for entry in lex.entries.get(key, ()))
        matched: tuple[Entry, int] | None = None
        for entry in sorted(candidates, key=lambda e: -len(e.words)) if len(candidates) > 1 else candidates:
            if entry.pos is not None and token.pos_ not in entry.pos and not (
                    token.is_upper or (token.pos_ == "PROPN" and token.ent_iob_ == "O")):
                # (a capitalized word outside any name is tagged PROPN in headlines and in capitals)
                continue
            last = _match(tokens, i, entry.words, entry.hyphens)
            if last is None:
                continue
            if entry.not_before and _neighbour(tokens, last, 1) & entry.not_before:
                continue
            if entry.not_after and _neighbour(tokens, i, -1) & entry.not_after:
                continue
            matched = (entry, last)
            break
        if matched is None or _is_name(token):
            i += 1
            continue
        entry, last = matched
        start, end = token.idx, tokens[last].idx + len(tokens[last].text)
        hits.append({"text": text[start:end], "start": start, "end": end, "category": entry.category,
                     "rule": entry.rule, "negated": _negated(token)})
        i = last + 1
    for hit in hits:
        hit.setdefault("negated", False)
        if hit["rule"] == "scare_quotes":
            hit["in_quote"], hit["speaker"] = False, None
        else:
            hit["in_quote"], hit["speaker"] = _speaker_at(speech, hit["start"])
    hits.sort(key=lambda h: (h["start"], h["end"]))
    return hits


def outlet_terms(hits: Iterable[dict]) -> list[dict]:
    """The hits in the outlet's own voice (outside quotations): what an outlet's loaded-language
    rate counts."""
    return [h for h in hits if not h.get("in_quote")]
