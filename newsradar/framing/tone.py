"""Tone: an article's GDELT-V2Tone-shaped tone and its tone toward each entity it names, on the one
spaCy parse (the words, offsets and dependency tree every other stage reads).

**The lexicon** is VADER's (``vaderSentiment`` 3.3.2, C.J. Hutto, MIT licence for the code *and* the
bundled ``vader_lexicon.txt``; 7,500 English words and forms, each a mean valence from −4 to +4
rated by ten people). We read its word → valence table and look it up on our tokens — the
lower-cased word, then its lemma — not its sentence scorer, so the article's tone and the tone
toward each entity count the same words at the same offsets. Entries whose raters' mean is under
``_MIN_VALENCE`` in size are treated as neutral ("matter" 0.1). Not looked up: words inside a name
(spaCy's entity types: "Hope", "Justice Department", "United Nations"), negators (handled below),
and a few news senses the lexicon rates as feelings (``_NOT_FEELINGS``: a political *party*,
*like* as a preposition, *well* as an adverb, health *care*…).

**Our rules** (small and general, not fitted to any article):

- *Negation*: a word is negated when it, or the verb it complements, has a negation child in the
  parse ("did not support", "was not honest"), or a negator ("not", "no", "never", "without",
  "n't", "hardly"…) stands among the three words before it, with no verb, punctuation or conjunction between
  ("no good reason", not "did not support the good plan").
  A negated word counts with the other sign and ``_NEGATED`` of its size: "not good" is less
  hostile than "bad".
- *Intensifiers and hedges*: an adverb modifying the word (or the word just before it) scales its
  valence — ``_INTENSIFIERS`` (very, deeply, utterly…) by 1.3, ``_HEDGES`` (somewhat, slightly,
  reportedly…) by 0.6. They move the entity tone's size, never a word's count.

**Article tone** (``article_tone``), in percent of words (a word: a token with a letter):
``positive`` and ``negative`` are the shares of words counting positive or negative after
negation, ``tone`` = positive − negative, ``polarity`` = positive + negative (so polarity ≥
|tone|), ``activity_density`` the share of words that are verbs of action (spaCy's VERB tag, not an
auxiliary, and not a stative, mental or reporting verb: be, have, seem, know, think, want, say,
tell…), ``self_group_density`` the share of words that are first-person pronouns (I, me, my,
mine, myself, we, us, our, ours, ourselves), and ``word_count``. No tone, with a one-line reason,
for what the lexicon cannot read fairly: no words, another language, text in capitals, only
quotations (the tone would be the speakers', not the article's), only emoji or symbols.

**Tone toward an entity** (``entity_tone``): the words syntactically linked to each of its
mentions, never the whole sentence — its own adjectival, appositive and relative-clause modifiers;
as a subject, its verb and the verb's complements, objects, adverbs and open clauses (and the
predicate of a copula: "Steele was fierce"), not a reported clause (what X said is not about X)
nor an object's complement ("X called them *inadequate*" is about them); as an object, the verb
governing it and its complement ("critics called Obama *weak*"); after a preposition, the noun or
verb the phrase hangs on ("criticism of Obama"); as a possessor, the thing possessed and its
modifiers ("Obama's failed policy"). A coordinated or apposed mention takes its head's role.
Besides the names, "he", "his", "she", "her"… are the person named last within about two
sentences, and a definite role noun ("the president") the person last named with that title
(``pronoun_mentions``; no gender is guessed). A quotation's tone counts toward its targets — the
entities named (or referred to) inside it other than its speaker, every valenced word of it —
and never toward its speaker: the speaker's mention gets nothing from the quotation's content.

Per entity each valenced word counts once (VADER's −4…4, negation and intensity applied); a
hostile word weighs ``_NEGATIVITY`` (2) times a friendly one. English is skewed positive in its
words (Dodds et al. 2015, "Human language reveals a universal positivity bias"), and news prose
names support, wins and help around people it frames badly; on BASIL's tuned part weighing
hostile words 1.5–2.5 times lifted the balanced accuracy of the sign from 0.62 to 0.68–0.69
(bench/framing_tone.py). The tone is the weighted mean valence over 3 (a "terrible" or
"wonderful"), clipped to [−1, 1]; an entity with no valenced word has no tone (not 0).
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

VERSION = "tone/1"

_MIN_VALENCE = 0.5
_NEGATED = 0.75  # "not good" counts −0.75 × good
_NEGATION_WINDOW = 3
_INTENSITY = 1.3
_HEDGE = 0.6
_SCALE = 3.0
_NEGATIVITY = 2.0  # a hostile word weighs twice a friendly one in an entity's tone (see the docstring)  # a mean valence of ±3 ("terrible", "wonderful") is tone ±1

_NEGATORS = frozenset({"not", "n't", "no", "never", "none", "nobody", "nothing", "neither", "nor", "nowhere",
                       "without", "hardly", "barely", "scarcely", "cannot", "lack", "lacks", "lacking"})
_INTENSIFIERS = frozenset({"very", "extremely", "highly", "deeply", "utterly", "totally", "absolutely", "completely",
                           "entirely", "incredibly", "really", "truly", "so", "too", "most", "especially",
                           "particularly", "exceptionally", "remarkably", "hugely", "enormously", "thoroughly",
                           "seriously", "severely", "fiercely", "bitterly", "sharply", "strongly", "badly"})
_HEDGES = frozenset({"somewhat", "slightly", "partly", "partially", "fairly", "rather", "relatively", "marginally",
                     "moderately", "reportedly", "allegedly", "apparently", "arguably", "possibly", "perhaps",
                     "maybe", "seemingly", "little", "less", "mildly"})
# lexicon entries whose usual news sense (by part of speech) is not a feeling
_NOT_FEELINGS: dict[str, frozenset[str] | None] = {
    "party": None, "parties": None, "united": None, "justice": None, "share": None, "shares": None,
    "interest": None, "interests": None, "credit": None, "security": None, "please": None, "yes": None,
    "ok": None, "okay": None, "care": frozenset({"NOUN"}), "kind": frozenset({"NOUN"}),
    "like": frozenset({"ADP", "SCONJ", "ADV", "INTJ"}), "well": frozenset({"ADV", "INTJ"}),
    "pretty": frozenset({"ADV"}),
}
_NAME_TYPES = frozenset({"PERSON", "ORG", "GPE", "NORP", "FAC", "LOC", "EVENT", "WORK_OF_ART", "LAW", "PRODUCT"})
_STATIVE = frozenset({"be", "have", "seem", "appear", "remain", "become", "know", "think", "believe", "feel", "want",
                      "need", "like", "love", "hate", "hope", "wish", "include", "contain", "consist", "belong",
                      "own", "mean", "exist", "say", "tell", "add", "state", "note", "ask", "report", "write",
                      "explain", "suggest", "claim", "argue", "insist", "deny", "describe", "call", "get", "let",
                      "do", "go", "come", "make", "take", "see", "look", "sound", "understand"})
_SELF_GROUP = frozenset({"i", "me", "my", "mine", "myself", "we", "us", "our", "ours", "ourselves"})
# governed clauses that are not about the subject: what X said, asked or heard is not X's tone
_NOT_ABOUT_SUBJECT = frozenset({"ccomp", "parataxis", "csubj", "advcl", "mark", "punct", "nsubj", "nsubjpass",
                                "expl", "aux", "auxpass", "cc", "conj", "dep"})
_SUBJECT = frozenset({"nsubj", "nsubjpass", "csubj"})
_OBJECT = frozenset({"dobj", "dative", "oprd", "attr"})
_PREDICATE = frozenset({"acomp", "attr", "oprd", "xcomp", "dobj", "advmod", "npadvmod", "prt", "neg"})
_NOUN_MODIFIERS = frozenset({"amod", "compound", "nmod", "advmod"})
_CLAUSE_MODIFIERS = frozenset({"relcl", "acl"})

_CAPS_SHARE = 0.8
_QUOTED_SHARE = 0.9
_ENGLISH_FUNCTION_SHARE = 0.1  # English prose runs at 40–50 % function words
_MIN_WORDS_TO_JUDGE = 8

_lock = threading.Lock()
_lexicon: dict[str, float] | None = None


def lexicon() -> dict[str, float]:
    """VADER's word → valence table (the installed package's file, read once per process)."""
    global _lexicon
    with _lock:
        if _lexicon is None:
            from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

            table = SentimentIntensityAnalyzer().lexicon
            _lexicon = {word: float(value) for word, value in table.items()
                        if " " not in word and any(ch.isalpha() for ch in word) and abs(float(value)) >= _MIN_VALENCE}
        return _lexicon


def _is_word(token: Token) -> bool:
    """A token with a letter ("U.S.", "n't", "co-op"), read off spaCy's flags where they suffice."""
    if token.is_alpha:
        return True
    if token.is_punct or token.is_space or token.is_digit:
        return False
    return any(ch.isalpha() for ch in token.text)


def _is_latin(token: Token) -> bool:
    return token.is_ascii or all(unicodedata.name(ch, "").startswith("LATIN") for ch in token.text if ch.isalpha())


def base_valence(token: Token, table: dict[str, float] | None = None) -> float:
    """The lexicon's valence of this word (its lower-cased form, else its lemma), or 0.0."""
    table = table if table is not None else lexicon()
    lower = token.lower_
    if lower in _NEGATORS or token.ent_type_ in _NAME_TYPES or token.pos_ in ("PROPN", "DET", "PRON", "ADP", "AUX"):
        return 0.0
    value = table.get(lower)
    if value is None:
        lemma = token.lemma_.lower()
        value = table.get(lemma)
        lower = lemma if value is not None else lower
    if value is None:
        return 0.0
    if lower in _NOT_FEELINGS:
        senses = _NOT_FEELINGS[lower]
        if senses is None or token.pos_ in senses:
            return 0.0
    return value


def negated(token: Token) -> bool:
    """"did not support", "was not honest", "no good reason", "without support"."""
    if any(child.dep_ == "neg" for child in token.children):
        return True
    if token.dep_ in _PREDICATE and token.head is not token and any(c.dep_ == "neg" for c in token.head.children):
        return True
    doc = token.doc
    for i in range(token.i - 1, max(0, token.i - _NEGATION_WINDOW) - 1, -1):
        before = doc[i]
        if doc[i + 1].is_sent_start:
            break
        if before.lower_ in _NEGATORS or before.dep_ == "neg":
            return True
        if before.is_punct or before.pos_ == "VERB" or before.lower_ in ("but", "and", "or", "while", "though"):
            break  # "did not support the good plan": the negator is the verb's
    return False


def _intensity(token: Token) -> float:
    for word in [*(c.lower_ for c in token.children if c.dep_ == "advmod"),
                 *((token.doc[token.i - 1].lower_,) if token.i > 0 else ())]:
        if word in _INTENSIFIERS:
            return _INTENSITY
        if word in _HEDGES:
            return _HEDGE
    return 1.0


def valence(token: Token, table: dict[str, float] | None = None) -> float:
    """The word's valence in its context: the lexicon's, flipped and shrunk when negated, scaled
    by an intensifier or a hedge; 0.0 for a word the lexicon does not rate."""
    value = base_valence(token, table)
    if not value:
        return 0.0
    if negated(token):
        value = -value * _NEGATED
    return value * _intensity(token)


# --- the article's tone ------------------------------------------------------------------------


def _refusal(docs: Sequence[Doc], counts: dict[str, int], language: str | None) -> str | None:
    code = (language or "").strip().lower().replace("_", "-").split("-")[0]
    if code and code != "en":
        return f"not English ({code}): the lexicon is English"
    n = counts["words"]
    if not n:
        text = "".join(doc.text for doc in docs)
        if not text.strip():
            return "empty: no words to read"
        if any(unicodedata.category(ch).startswith("S") for ch in text):
            return "only emoji or symbols: no words to read"
        return "no words (only numbers or punctuation)"
    if counts["lettered"] >= 4 and counts["capitals"] >= _CAPS_SHARE * counts["lettered"]:
        return "text in capitals: the parse and the lexicon misread shouting"
    if counts["latin"] < 0.5 * n:
        return "not English: most words are not in the Latin script"
    if n >= _MIN_WORDS_TO_JUDGE and counts["function"] < _ENGLISH_FUNCTION_SHARE * n:
        return "not English: almost none of its words are English function words"
    if counts["quoted"] >= _QUOTED_SHARE * n:
        return "only quotations: their tone is the speakers', not the article's"
    return None


def article_tone(docs: Iterable[Doc], language: str | None = None) -> tuple[dict | None, str | None]:
    """The V2Tone-shaped tone of an article's Docs (headline and text), or None and a one-line
    reason why not (``language``: the article's, when known; anything but English is refused)."""
    from ..quotemarks import quote_spans

    docs = [doc for doc in docs if doc is not None]
    table = lexicon()
    counts = dict.fromkeys(("words", "lettered", "capitals", "latin", "function", "quoted", "positive", "negative",
                            "active", "self_group"), 0)
    for doc in docs:
        quoted = [(start, end) for start, end, _ in quote_spans(doc.text)]
        q = 0
        for token in doc:
            if not _is_word(token):
                continue
            counts["words"] += 1
            if len(token) >= 2:
                counts["lettered"] += 1
                counts["capitals"] += token.is_upper
            counts["latin"] += _is_latin(token)
            counts["function"] += token.is_stop
            while q < len(quoted) and quoted[q][1] <= token.idx:
                q += 1
            counts["quoted"] += q < len(quoted) and quoted[q][0] <= token.idx
            tag = token.pos_
            if tag == "PRON" and token.lower_ in _SELF_GROUP:
                counts["self_group"] += 1
            elif tag == "VERB" and token.lemma_.lower() not in _STATIVE:
                counts["active"] += 1
            value = base_valence(token, table)
            if value:
                counts["negative" if (value < 0) != negated(token) else "positive"] += 1
    reason = _refusal(docs, counts, language)
    if reason is not None:
        return None, reason
    n = counts["words"]

    def share(name: str) -> float:
        return round(100.0 * counts[name] / n, 4)

    pos, neg = share("positive"), share("negative")
    return {"tone": round(pos - neg, 4), "positive": pos, "negative": neg, "polarity": round(pos + neg, 4),
            "activity_density": share("active"), "self_group_density": share("self_group"), "word_count": n}, None


# --- tone toward each entity -------------------------------------------------------------------


@dataclass(slots=True)
class Tally:
    """The valenced words linked to one entity's mentions: their valences summed (a negative
    word weighing ``_NEGATIVITY``), the weights summed, the words and the mentions counted."""

    total: float = 0.0
    weight: float = 0.0
    words: int = 0
    mentions: int = 0

    @property
    def tone(self) -> float | None:
        """The weighted mean valence over _SCALE, in [−1, 1]; None when no valenced word was linked."""
        if not self.words:
            return None
        return round(max(-1.0, min(1.0, self.total / self.weight / _SCALE)), 4)

    def count(self, value: float) -> None:
        weight = _NEGATIVITY if value < 0 else 1.0
        self.total += value * weight
        self.weight += weight
        self.words += 1

    def add(self, other: Tally) -> None:
        self.total += other.total
        self.weight += other.weight
        self.words += other.words
        self.mentions += other.mentions


Linked = list[tuple["Token", str]]  # a word and how it is linked to the mention ("subject", "object"…)


def _noun_words(noun: Token, out: Linked, rel: str, skip: Token | None = None) -> None:
    """A noun and the words that describe it: adjectives, compounds, adverbs, apposed nouns, and
    the predicate of a relative clause on it."""
    out.append((noun, rel))
    for child in noun.children:
        if child is skip:
            continue
        if child.dep_ in _NOUN_MODIFIERS or child.dep_ == "appos":
            out.append((child, rel))
            out.extend((c, rel) for c in child.children if c.dep_ in ("amod", "advmod", "compound"))
        elif child.dep_ in _CLAUSE_MODIFIERS:
            _predicate_words(child, out, rel)


def _predicate_words(verb: Token, out: Linked, rel: str, depth: int = 0) -> None:
    """A verb (or a copula's predicate) and its complements, objects, adverbs, open clauses and
    the objects of its prepositions — what the clause says its subject is or does."""
    out.append((verb, rel))
    has_object = any(child.dep_ == "dobj" for child in verb.children)
    for child in verb.children:
        dep = child.dep_
        if dep in _NOT_ABOUT_SUBJECT or (has_object and _of_the_object(child)):
            continue  # "Hutchinson called them inadequate": said of the object, not the subject
        if dep in ("acomp", "attr", "oprd", "dobj"):
            if child.pos_ in ("NOUN", "PROPN", "PRON"):
                _noun_words(child, out, rel)
            else:
                _predicate_words(child, out, rel, depth + 1)
        elif dep == "xcomp" and depth < 2:
            _predicate_words(child, out, rel, depth + 1)
        elif dep == "prep":
            out.append((child, rel))
            for pobj in child.children:
                if pobj.dep_ in ("pobj", "pcomp"):
                    if pobj.pos_ == "VERB":
                        _predicate_words(pobj, out, rel, depth + 1)
                    else:
                        _noun_words(pobj, out, rel)
        elif dep in ("advmod", "npadvmod", "prt"):
            out.append((child, rel))
    # "X lied and cheated": a coordinated verb without its own subject has the same subject
    for conj in verb.children:
        if conj.dep_ == "conj" and conj.pos_ in ("VERB", "AUX", "ADJ") and depth == 0 \
                and not any(c.dep_ in _SUBJECT for c in conj.children):
            _predicate_words(conj, out, rel, depth + 1)


def _of_the_object(child: Token) -> bool:
    """A verb's object complement: "called them *inadequate*", "described the plan *as reckless*"."""
    return child.dep_ in ("oprd", "ccomp") and child.pos_ in ("ADJ", "NOUN") or \
        child.dep_ == "prep" and child.lower_ == "as"


def linked_words(root: Token) -> Linked:
    """The words the parse links to a mention whose head word is ``root``, each with its relation."""
    out: Linked = []
    _noun_words(root, out, "modifier")
    out.pop(0)
    role = root
    while role.dep_ in ("conj", "appos") and role.head is not role and role.head.pos_ in ("PROPN", "NOUN", "PRON"):
        role = role.head
        _noun_words(role, out, "modifier", skip=root)
    head = role.head
    dep = role.dep_
    if head is role:
        return out
    if dep in _SUBJECT:
        _predicate_words(head, out, "subject" if dep == "nsubj" else "passive")
    elif dep in _OBJECT:
        out.append((head, "object"))
        for child in head.children:
            if child.dep_ == "advmod":
                out.append((child, "object"))
            elif dep == "dobj" and _of_the_object(child):  # "critics called Obama weak", "… described X as reckless"
                if child.dep_ == "prep":
                    for pobj in child.children:
                        _noun_words(pobj, out, "object")
                else:
                    _noun_words(child, out, "object")
    elif dep == "pobj" and head.dep_ in ("prep", "agent"):
        governor = head.head
        if head.dep_ == "agent" or head.lower_ == "by":
            _predicate_words(governor, out, "subject")
        elif governor.pos_ in ("NOUN", "PROPN"):
            _noun_words(governor, out, "about", skip=head)
        else:
            out.append((governor, "object"))
    elif dep in ("poss", "compound", "nmod"):
        _noun_words(head, out, "possessed", skip=role)
        if head.dep_ in _SUBJECT and head.head.lemma_ == "be":
            _predicate_words(head.head, out, "possessed")
    return [(word, rel) for word, rel in out if word is not root and word is not role]


def _quote_of(position: int, quotes: Sequence[tuple[int, int, str | None]]) -> int | None:
    for i, (start, end, _) in enumerate(quotes):
        if start <= position < end:
            return i
    return None


def _span(doc: Doc, start: int, end: int) -> Span | None:
    return doc.char_span(start, end, alignment_mode="expand") if 0 <= start < end <= _length(doc) else None


def _length(doc: Doc) -> int:
    """len(doc.text) without joining the text."""
    return doc[-1].idx + len(doc[-1].text_with_ws) if len(doc) else 0


_THIRD_PERSON = frozenset({"he", "him", "his", "himself", "she", "her", "hers", "herself"})
_PRONOUN_REACH = 400  # characters back a pronoun may look for its person (about two sentences)


def role_words(titles: Iterable[str | None]) -> set[str]:
    """The role nouns a person's titles give ("President" → president, "State Senator" →
    senator); a deputy's title gives none ("the president" is not the vice president)."""
    out = set()
    for title in titles:
        words = [w.strip(".").lower() for w in (title or "").split()]
        words = [w for w in words if w.isalpha()]
        if words and len(words[-1]) > 2 and not {"vice", "deputy", "assistant", "former", "acting"} & set(words):
            out.add(words[-1])
    return out


def pronoun_mentions(doc: Doc, mentions: Sequence[tuple[int, int, str]], people: Mapping[str, Iterable[str]],
                     quotes: Sequence[tuple[int, int, str | None]] = ()) -> list[tuple[int, int, str]]:
    """Mentions of people by "he", "his", "she", "her"… and by a definite role noun ("the
    president"). ``people``: each person's key → the role words of their titles ("president").
    A pronoun is the person named last before it (within ``_PRONOUN_REACH`` characters), a role
    noun the person with that title named last before it (else the only one so titled); inside a
    quotation its speaker is skipped ("he" in what Steele said is rarely Steele). No gender is
    guessed."""
    named = sorted((start, key) for start, _end, key in mentions if key in people)
    roles: dict[str, list[str]] = {}
    for key, words in people.items():
        for word in words:
            roles.setdefault(word.lower(), []).append(key)
    taken = {i for start, end, _ in mentions if (span := _span(doc, start, end)) is not None
             for i in range(span.start, span.end)}
    out: list[tuple[int, int, str]] = []
    j = 0
    for token in doc if named else ():
        pronoun = token.lower_ in _THIRD_PERSON and token.pos_ == "PRON"
        role = token.pos_ == "NOUN" and token.lower_ in roles and token.i not in taken and token.i > 0 \
            and doc[token.i - 1].lower_ == "the"
        if not (pronoun or role):
            continue
        while j < len(named) and named[j][0] < token.idx:
            j += 1
        inside = _quote_of(token.idx, quotes) if quotes else None
        speaker = quotes[inside][2] if inside is not None else None
        for start, key in reversed(named[:j]):
            if pronoun and token.idx - start > _PRONOUN_REACH:
                break
            if key != speaker and (pronoun or key in roles[token.lower_]):
                out.append((token.idx, token.idx + len(token.text), key))
                break
        else:
            if role and len(roles[token.lower_]) == 1 and roles[token.lower_][0] != speaker:
                out.append((token.idx, token.idx + len(token.text), roles[token.lower_][0]))
    return out


def entity_tone(doc: Doc, mentions: Sequence[tuple[int, int, str]],
                quotes: Sequence[tuple[int, int, str | None]] | None = None,
                people: Mapping[str, Iterable[str]] | None = None) -> dict[str, Tally]:
    """Each entity's tally in one Doc. ``mentions``: (start_char, end_char, key) of its mentions;
    ``quotes``: (start_char, end_char, speaker_key) of quotations' contents (speaker_key None when
    the speaker is no entity); ``people``: the persons' keys and their role words, whom "he",
    "his", "she"… and "the president" refer to (``pronoun_mentions``; they count no mention). A word inside a quotation never counts
    toward that quotation's speaker, and counts toward the other entities named in it (its
    targets); a word counts once per entity however many of its mentions it is linked to."""
    table = lexicon()
    quotes = list(quotes or ())
    tallies: dict[str, Tally] = {}
    for _start, _end, key in mentions:
        tallies.setdefault(key, Tally()).mentions += 1
    if people:
        mentions = [*mentions, *pronoun_mentions(doc, mentions, people, quotes)]
    spans = [(span, key) for start, end, key in mentions if (span := _span(doc, start, end)) is not None and len(span)]
    mentioned = {i for span, _ in spans for i in range(span.start, span.end)}
    seen: dict[str, set[int]] = {key: set() for key in tallies}

    def count(word: Token, key: str) -> None:
        used = seen.setdefault(key, set())
        if word.i in used or word.i in mentioned:
            return
        value = valence(word, table)
        if value:
            used.add(word.i)
            tallies.setdefault(key, Tally()).count(value)

    for span, key in spans:
        for word, _relation in linked_words(span.root):
            inside = _quote_of(word.idx, quotes) if quotes else None
            if inside is None or quotes[inside][2] != key:  # the speaker's own words are about someone else
                count(word, key)
    for start, end, speaker in quotes:
        targets = {key for span, key in spans if start <= span.start_char < end and key != speaker}
        if targets:
            for word in _tokens_between(doc, start, end):
                for key in targets:
                    count(word, key)
    return tallies


def _tokens_between(doc: Doc, start: int, end: int) -> Iterator[Token]:
    first = _span(doc, start, start + 1)
    for token in doc[first.start if first is not None else len(doc):]:
        if token.idx >= end:
            return
        yield token


def merge(*parts: dict[str, Tally]) -> dict[str, Tally]:
    """The tallies of several Docs of one article (headline and text) added up."""
    out: dict[str, Tally] = {}
    for part in parts:
        for key, tally in part.items():
            out.setdefault(key, Tally()).add(tally)
    return out


def entity_tone_list(tallies: dict[str, Tally]) -> list[dict]:
    """The CONTRACT's ``articles[].entity_tone`` entries (``entity_id`` is the key given): tone in
    [−1, 1], or None for an entity no valenced word was linked to."""
    return [{"entity_id": key, "tone": tally.tone, "mentions": tally.mentions} for key, tally in tallies.items()]
