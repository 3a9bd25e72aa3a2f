"""Who said what: attributions found on the one parse of a text.

Two passes over a Doc, both cheap next to the parse:

1. **Quotation marks** (``quotemarks.quote_spans``): a character scan that never gives up on odd
   marks — curly, straight, doubled, guillemets, a quotation run over several paragraphs.
2. **Attribution** (``attributions``): each quotation is tied to its cue — a reporting verb right
   after it (``"…," X said`` / ``"…," said X``), before it (``X said: "…"``), or governing it in the
   parse; a quotation with no cue of its own that continues the paragraph or the paragraph after an
   attributed one keeps that speaker. Then every reporting verb with a clausal complement that no
   quotation took is an indirect attribution (``X said (that) …``, ``X told Y …``), a complement that
   holds a quotation makes a ``mixed`` one, ``According to X, …`` takes its clause, and nouns that
   carry a claim ("Trump's claim that …", "concerns about …") take theirs. Transcripts' turns
   (``PENCE: …``) are read from the text; headlines' colon cues (``Rubio: "…"``) and each claim's
   attributes are ``quoteclaims.py``'s.

Each attribution is a plain dict (Docs cross processes): content offsets and pieces, cue, speaker
as written with its offsets, kind, the sentence, and the claim's attributes (hedged, denial,
question, added by the stage). Resolving speakers to entities needs the whole article and is
``stages/quotes.py``'s.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .quotemarks import quote_spans, trim_end

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

VERSION = "newsradar.quotes.v1"

# Reporting verbs: speech, writing, statement and stance. A verb here with a clausal complement
# (or, for the direct-object verbs below, an object) is a cue.
SPEECH = frozenset(["say", "tell", "add", "note", "write", "post", "tweet", "claim", "argue", "insist", "warn", "announce", "declare", "state", "explain", "acknowledge", "admit", "concede", "confirm", "deny", "reject", "dismiss", "report", "reply", "respond", "answer", "ask", "wonder", "suggest", "indicate", "allege", "charge", "accuse", "contend", "maintain", "assert", "stress", "emphasize", "emphasise", "predict", "estimate", "promise", "pledge", "vow", "threaten", "urge", "demand", "complain", "comment", "recall", "reveal", "disclose", "testify", "caution", "observe", "remark", "mention", "continue", "tell", "assure", "boast", "brag", "joke", "quip", "lament", "concede", "believe", "think", "know", "feel", "fear", "hope", "expect", "worry", "doubt", "agree", "disagree", "show", "find", "conclude"])
# verbs that report what was said through a direct object ("called for new tariffs", "denied the report")
OBJECT_CUES = frozenset(["announce", "deny", "reject", "dismiss", "demand", "propose", "pledge", "promise", "vow", "urge", "call", "cite", "blame", "criticize", "criticise", "condemn", "praise", "welcome", "acknowledge", "admit", "mention", "discuss", "describe", "question", "endorse", "support", "oppose", "emphasize", "emphasise", "stress", "highlight", "recommend", "reveal", "disclose", "confirm", "predict", "estimate"])
# cue verbs whose subject is a document or a study, not a speaker (kept: PolNeAR counts them)
# verbs that report through a preposition: "accused X of …", "called for …", "warned of …", "talked about …"
_PREP_CUES = {"accuse": ("of",), "warn": ("of", "about", "against"), "call": ("for",), "talk": ("about",),
              "speak": ("about", "of"), "ask": ("about", "for"), "complain": ("about", "of"),
              "criticize": ("for",), "criticise": ("for",), "blame": ("for",), "argue": ("for", "against"),
              "rail": ("against",), "campaign": ("for", "against", "on"), "push": ("for",), "press": ("for",),
              "testify": ("about", "on"), "insist": ("on",), "caution": ("against",)}
_TO_CUES = frozenset(["want", "plan", "agree", "refuse", "decline", "promise", "pledge", "vow", "threaten", "hope", "expect", "urge"])
# nouns that carry an attribution: "Trump's claim that …", "a promise to …", "concerns about …"
NOUN_CUES = frozenset(["claim", "statement", "assertion", "allegation", "charge", "accusation", "promise", "pledge", "warning", "suggestion", "argument", "belief", "view", "report", "finding", "announcement", "insistence", "denial", "fear", "hope", "concern", "message", "remark", "comment", "admission", "threat", "vow", "demand", "proposal", "plan", "question", "complaint", "criticism", "doubt", "worry", "estimate", "prediction", "testimony", "conclusion", "assessment", "contention"])
_NOUN_PREPS = ("about", "over")

# quotation marks: opening → the closings that end it


# ------------------------------------------------------------------------------------ the parse

def _speaker_of(verb: Token) -> Span | None:
    """The subject of a reporting verb, as written (with its appositions); the agent of a passive."""
    for child in verb.children:
        if child.dep_ in ("nsubj", "nsubjpass") and child.dep_ != "nsubjpass":
            return _phrase(child)
    for child in verb.children:
        if child.dep_ == "agent":
            for grand in child.children:
                if grand.dep_ == "pobj":
                    return _phrase(grand)
    if verb.dep_ in ("conj", "xcomp", "advcl") and verb.head is not verb and verb.head.pos_ in ("VERB", "AUX"):
        # "…, saying that …" / "…, adding …": the participle's speaker is its clause's subject
        return _speaker_of(verb.head) if verb.dep_ != "advcl" or verb.tag_ == "VBG" else None
    if verb.dep_ == "acl" and verb.head.pos_ in ("NOUN", "PROPN", "PRON"):  # "…, said Jones, the envoy"
        return _phrase(verb.head)
    return None


def _phrase(token: Token) -> Span:
    doc = token.doc
    left, right = token.left_edge.i, token.right_edge.i
    # a relative clause or a long apposition belongs to the speaker, a trailing comma does not
    while right > left and doc[right].is_punct:
        right -= 1
    while left < right and doc[left].is_punct:
        left += 1
    for i in range(token.i - 1, left - 1, -1):  # never across a paragraph or a dateline
        if "\n" in doc[i].text or "\n" in doc[i].whitespace_ or doc[i].text in ("—", "--", "(", ")"):
            left = i + 1
            break
    for i in range(token.i + 1, right + 1):
        if "\n" in doc[i].text or "\n" in doc[i - 1].whitespace_:
            right = i - 1
            break
    return doc[left:right + 1]


def _is_cue(token: Token) -> bool:
    return token.lemma_.lower() in SPEECH and token.pos_ in ("VERB", "AUX")


def _text(doc: Doc) -> str:
    """The Doc's text, joined once (``Doc.text`` joins every token each time it is read)."""
    text = doc.user_data.get("newsradar_text")
    if text is None:
        text = doc.user_data["newsradar_text"] = doc.text
    return text


def _token_at(doc: Doc, char: int) -> int:
    """The index of the first token starting at or after ``char`` (a bisection over the offsets)."""
    offsets = doc.user_data.get("newsradar_offsets")
    if offsets is None:
        offsets = doc.user_data["newsradar_offsets"] = [t.idx for t in doc]
    return bisect_left(offsets, char)


def _sentence_span(doc: Doc, i: int) -> tuple[int, int]:
    """The token range of the sentence holding token ``i`` (sentences found once per Doc: asking a
    token for its sentence walks the whole Doc every time)."""
    starts = doc.user_data.get("newsradar_sentences")
    if starts is None:
        starts = doc.user_data["newsradar_sentences"] = [sent.start for sent in doc.sents] + [len(doc)]
    at = bisect_right(starts, i) - 1
    return starts[max(at, 0)], starts[min(max(at, 0) + 1, len(starts) - 1)]


def _in(token: Token, spans: Iterable[tuple[int, int]]) -> bool:
    return any(s <= token.idx < e for s, e in spans)


def _cue_after(doc: Doc, end: int, quoted: list[tuple[int, int]] | None = None) -> Token | None:
    """A reporting verb with a speaker just after a quotation ends ('"…," X said' / '"…," said X')."""
    first_after = _token_at(doc, end)
    for token in doc[first_after:first_after + 9]:
        if token.text == "\n\n" or token.text.startswith("\n") or (quoted and _in(token, quoted) and token.idx > end + 1):
            break
        if _is_cue(token) and _speaker_of(token) is not None:
            return token
        if token.text in (".", "?", "!") and token.idx > end + 1:
            break
    return None


def _cue_near(doc: Doc, start: int, end: int, quoted: list[tuple[int, int]]) -> Token | None:
    """The cue of a quotation at [start, end): a reporting verb just after it, else just before it
    in its sentence, else the one governing it."""
    cue = _cue_after(doc, end, quoted)
    if cue is not None:
        return cue
    last_before = _token_at(doc, start)
    while last_before > 0 and doc[last_before - 1].idx + len(doc[last_before - 1]) > start:
        last_before -= 1
    before = list(doc[max(0, last_before - 16):last_before])
    if before:
        sent_start = _sentence_span(doc, before[-1].i)[0]
        window = [t for t in before[-14:] if t.i >= sent_start - 0 and not _in(t, quoted)]
        # "X said: "…"" may be its own sentence when the parser splits at the colon
        opening = before[-1] if before[-1].text in ("“", "\"", "``", "«") else None
        last = before[-2] if opening is not None and len(before) > 1 else before[-1]
        if last.text == ":" or (last.is_space and len(before) > 2 and before[-3 if opening else -2].text == ":"):
            colon = last if last.text == ":" else before[-3 if opening else -2]
            window = [t for t in doc[max(0, colon.i - 14):colon.i] if not _in(t, quoted)]
            for token in reversed(window):
                if _is_cue(token) and _speaker_of(token) is not None:
                    return token
        for token in reversed(window):
            if token.text in ("\n\n",) or "\n" in token.text:
                break
            if _is_cue(token) and (_speaker_of(token) is not None):
                return token
    inside = list(doc[_token_at(doc, start):_token_at(doc, end)])
    if inside:
        head = inside[0]
        for _ in range(20):
            if head.head is head:
                break
            head = head.head
            if not (start <= head.idx < end) and _is_cue(head) and _speaker_of(head) is not None:
                return head
    return None


def attributions(doc: Doc) -> list[dict[str, Any]]:
    """Every attribution in one Doc: the quotations' and the indirect ones, in text order."""
    text = _text(doc)
    marks = quote_spans(text)
    found: list[dict[str, Any]] = []
    taken: set[int] = set()  # token indexes of cues already used
    quoted = [(s, e) for s, e, _ in marks]
    previous: dict[str, Any] | None = None
    for start, end, well_formed in marks:
        words = len(text[start:end].split())
        if previous is not None and _interrupted(text, previous, start):
            # "A," he said, "B." / "A," he said. "B." — one quotation broken by its attribution
            previous["pieces"].append([start, end])
            previous["end"] = end
            previous["content"] += " " + text[start:end].strip()
            continue
        if _fragment(doc, start, end):
            continue  # a few verbless words in marks belong to the sentence's own attribution, if any
        cue = _cue_near(doc, start, end, quoted)
        if cue is not None:
            item = _direct_or_mixed(doc, start, end, cue, marks)
            taken.add(cue.i)
            if item is None:
                continue
        elif (dash := _dash_speaker(doc, end)) is not None:
            item = _item(doc, start, end, None, dash, "direct")
            item["cue"], item["cue_start"] = text[end:dash.start_char].strip(" ”\"'’»") or "—", end
        elif (previous is not None and previous.get("speaker") and _continues(text, previous["end"], start)
              and not text[start:start + 1].islower()):  # a new utterance, not a phrase quoted inside a sentence
            if previous["kind"] == "direct" and "\n" not in text[previous["end"]:start]:
                previous["pieces"].append([start, end])  # the same paragraph goes on quoting the same speaker
                previous["end"] = end
                previous["content"] += " " + text[start:end].strip()
                continue
            item = dict(previous, start=start, end=end, pieces=[[start, end]], content=text[start:end].strip(),
                        kind="direct", sentence=_sentence_of(doc, start))
        elif words >= 6 and (not well_formed or _own_paragraph(text, start, end)):
            # a long quotation with no cue: kept, with no speaker (never dropped for odd marks)
            item = _item(doc, start, end, None, None, "direct")
        else:
            continue  # a scare quote or a title in marks: not an attribution
        item["well_formed"] = well_formed
        found.append(item)
        previous = item
    found.extend(_transcript(doc, found))
    reported = _indirect(doc, marks, taken, found)
    verbs = [q for q in reported if q.get("cue_pos") != "NOUN"] + found
    found.extend(q for q in reported if q.get("cue_pos") != "NOUN" or not any(
        v["start"] <= q["start"] and q["end"] <= v["end"] for v in verbs))  # "said in a statement that …": once
    found.sort(key=lambda q: q["start"])
    for item in found:
        item.pop("cue_token", None)
        if item["kind"] == "direct":
            _paragraph_pieces(text, item)
    for key in ("newsradar_text", "newsradar_offsets", "newsradar_sentences"):
        doc.user_data.pop(key, None)  # caches of this pass: the Doc may travel between processes
    return found


_TRANSCRIPT = re.compile(r"(?m)^[\"“]?([A-Z][A-Z.'’ -]{1,30}[A-Z]):[ ]+(\S.*)$")


def _transcript(doc: Doc, found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """An interview transcript's turns: a paragraph opening with a speaker in capitals and a colon."""
    out = []
    for match in _TRANSCRIPT.finditer(_text(doc)):
        start, end = match.start(2), match.end(2)
        if any(q["start"] <= start < q["end"] for q in found):
            continue
        speaker = doc.char_span(match.start(1), match.end(1), alignment_mode="expand")
        item = _item(doc, start, end, None, speaker, "direct")
        item["cue"], item["cue_start"], item["cue_lemma"] = ":", match.end(1), ":"
        _settle(doc, item)
        item["well_formed"] = True
        out.append(item)
    return out


def _fragment(doc: Doc, start: int, end: int) -> bool:
    """A few words in marks with no verb ("a provocation", "budget reforms"): a scare quote or a
    quoted phrase inside someone's reported speech, not a quotation of its own."""
    inside = _text(doc)[start:end]
    words = inside.split()
    if len(words) > 5 or inside.rstrip().endswith((".", "!", "?", "…")):
        return False  # '"Never again."': a sentence of its own in marks, an utterance
    if inside.rstrip().endswith(",") and _cue_after(doc, end) is not None:
        return False  # '"No," he said'; a comma alone is American style for any quoted phrase
    span = doc.char_span(start, end, alignment_mode="expand")
    return span is not None and not any(t.pos_ in ("VERB", "AUX") for t in span)


def _interrupted(text: str, previous: dict[str, Any], start: int) -> bool:
    """Does the quotation at ``start`` go on with the previous one across its attribution?"""
    cue = previous.get("cue_start")
    if previous["kind"] != "direct" or cue is None or not previous["end"] < cue < start:
        return False
    if not (previous["content"] + text[previous["end"]:previous["end"] + 1]).rstrip(" ”\"'’»").endswith(
            (",", ".", "!", "?", "…", ";", ":", "—")):
        return False  # two quoted phrases of one sentence, not a quotation broken by its attribution
    between = _INITIALS.sub("", text[previous["end"]:start])
    ends = len(re.findall(r"[.!?]\s", between))
    # '"A," he said, "b …"' goes on mid-sentence; after a full stop a quotation starts with a capital
    return "\n" not in between and len(between) < 200 and (ends == 0 or (ends == 1 and not text[start:start + 1].islower()))


_INITIALS = re.compile(r"\b(?:[A-Z]|Mr|Mrs|Ms|Dr|Sen|Rep|Gov|Gen|Lt|Col|St|Jr|Sr|Sept|Oct|Nov|Dec|Jan|Feb|Aug)\.")
_DASH_NAME = re.compile(r"[\"”’'»]?\s*[―—–]{1,2}\s*([A-Z][\w.’'-]*(?:[ ][A-Z][\w.’'-]*){0,3})")
_TAIL = re.compile(r",\s+(?:citing|saying|adding|noting|arguing|according to|(?:he|she|they) (?:said|added))\b")
_LEAD_IN = frozenset([":", ",", "—", "–", "-", "that", "reporters", "him", "her", "them", "us", "me"])


def _direct_or_mixed(doc: Doc, start: int, end: int, cue: Token, marks: list[tuple[int, int, bool]]
                     ) -> dict[str, Any] | None:
    """A quotation with its cue: direct when the cue introduces it or follows it; mixed when the
    quotation is part of what the cue reports ("called the plan \"a trap\"")."""
    speaker = _speaker_of(cue)
    if cue.idx < start:
        between = list(doc[cue.i + 1:_token_at(doc, start)])
        words = [t for t in between if t.text not in ("“", "\"", "``", "«", "'", "‘", "„")]
        if cue.lemma_.lower() == "tell" and len(words) <= 4:
            words = [t for t in words if t.dep_ not in ("dobj", "dative", "det", "compound", "amod", "poss")]
        introduced = bool(words) and words[-1].text == ":"  # 'Rubio said on Tuesday: "…"'
        if not introduced and any(t.lower_ not in _LEAD_IN and not t.is_space for t in words):
            complement = _complement(cue, cue.lemma_.lower())
            if complement is None:
                left, right = cue.i + 1, min(len(doc) - 1, _token_at(doc, end))
            else:
                left, right = complement
            content_start, content_end = doc[left].idx, max(doc[right].idx + len(doc[right]), end)
            if speaker is not None and speaker.start_char < content_end and speaker.end_char > content_start:
                return None
            item = _item(doc, content_start, content_end, cue, speaker, "mixed")
            _settle(doc, item)
            return item
    elif cue.idx >= end:
        # "The plan is \"a trap,\" he said": words of the sentence before the quotation are reported too
        sentence = _sentence_of(doc, start)
        lead_start = sentence[0]
        dateline = _DATELINE.match(_text(doc), lead_start)
        if dateline is not None and dateline.end() <= start:
            lead_start = dateline.end()  # 'CARACAS (Reuters) — "…," Maduro said' is direct
        lead = _text(doc)[lead_start:start].rstrip(" “\"«`'‘")
        if len(lead.split()) >= 2 and "\n" not in lead and not lead.rstrip().endswith((":", ",")):
            item = _item(doc, lead_start, end, cue, speaker, "mixed")
            _settle(doc, item)
            return item
    return _item(doc, start, end, cue, speaker, "direct")


def _dash_speaker(doc: Doc, end: int) -> Span | None:
    """``"…" — Name``: a quotation signed with a dash."""
    match = _DASH_NAME.match(_text(doc), end)
    if match is None:
        return None
    return doc.char_span(match.start(1), match.end(1), alignment_mode="expand")


def _continues(text: str, previous_end: int, start: int) -> bool:
    """Is the quotation at ``start`` the same speaker's, going on (same or next paragraph)?"""
    between = text[previous_end:start]
    return between.count("\n\n") <= 1 and len(between) < 400 and not re.search(r"[A-Za-z]{3,}.*[.!?]", between.split("\n\n")[-1])


def _own_paragraph(text: str, start: int, end: int) -> bool:
    before = text[:start].rstrip("“\"«'`„ ")
    return before == "" or before.endswith("\n")


def _item(doc: Doc, start: int, end: int, cue: Token | None, speaker: Span | None, kind: str) -> dict[str, Any]:
    text = _text(doc)
    dateline = _DATELINE.match(text, start) if start == 0 or text[start - 1] == "\n" else None
    if dateline is not None and dateline.end() < end:
        start = dateline.end()
    while end > start and text[end - 1] in " ,\n":  # '"…," he said': the comma is the attribution's
        end -= 1
    content = text[start:end].strip()
    sentence = _sentence_of(doc, start)
    return {
        "start": start, "end": end, "pieces": [[start, end]], "content": content, "kind": kind,
        "cue": cue.text if cue is not None else None,
        "cue_start": cue.idx if cue is not None else None,
        "cue_lemma": cue.lemma_.lower() if cue is not None else None,
        "cue_pos": cue.pos_ if cue is not None else None,
        "cue_token": cue.i if cue is not None else None,
        "speaker": speaker.text if speaker is not None else None,
        "speaker_start": speaker.start_char if speaker is not None else None,
        "speaker_end": speaker.end_char if speaker is not None else None,
        "speaker_head": _head_text(speaker) if speaker is not None else None,
        "speaker_root": _name_in(speaker).idx if speaker is not None else None,
        "antecedent": _antecedent(cue, speaker),
        "speaker_plural": bool(speaker is not None and speaker.root.tag_ in ("NNS", "NNPS")),
        "speaker_pos": _name_in(speaker).pos_ if speaker is not None else None,
        "sentence": sentence,
        "negated": bool(cue is not None and any(c.dep_ == "neg" for c in cue.children)),
    }


def _antecedent(cue: Token | None, speaker: Span | None) -> list[int] | None:
    """Where a relative pronoun's noun is ("the ministry, which said …" → the ministry)."""
    if cue is None or speaker is None or speaker.root.lower_ not in ("who", "which", "that"):
        return None
    if cue.dep_ == "relcl":
        head = cue.head
        return [head.idx, head.idx + len(head)]
    return None


def _name_in(span: Span) -> Token:
    """The word that names the speaker: the head, or the name in apposition to it ("Iran's foreign
    minister, Abbas Araghchi"); a word in capitals is a name ("TEHRAN")."""
    root = span.root
    for child in root.children:
        if child.dep_ == "appos" and child.pos_ == "PROPN" and span.start <= child.i < span.end:
            return child
    return root


def _head_text(span: Span) -> str:
    return span.root.text


def _sentence_of(doc: Doc, char: int) -> list[int]:
    token = doc.char_span(char, min(char + 1, len(_text(doc))), alignment_mode="expand")
    if token is None or not len(token):
        return [char, char]
    first, last = _sentence_span(doc, token[0].i)
    start_char, end_char = doc[first].idx, doc[last - 1].idx + len(doc[last - 1])
    return [start_char, trim_end(_text(doc), start_char, end_char)]


def _indirect(doc: Doc, marks: list[tuple[int, int, bool]], taken: set[int],
              direct: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Reporting verbs with a clausal complement (or a reported object) that no quotation took,
    and ``according to``."""
    found: list[dict[str, Any]] = []
    for token in doc:
        lemma = token.lemma_.lower()
        if token.i in taken:
            continue
        if lemma == "accord" and token.i + 1 < len(doc) and doc[token.i + 1].lower_ == "to":
            item = _according_to(doc, token)
            if item:
                found.append(item)
            continue
        if token.pos_ == "NOUN" and lemma in NOUN_CUES:
            item = _noun_cue(doc, token, marks)
            if item is not None:
                found.append(item)
            continue
        if token.pos_ not in ("VERB", "AUX") or (lemma not in SPEECH and lemma not in OBJECT_CUES
                                                 and lemma not in _TO_CUES and lemma not in _PREP_CUES):
            continue
        if any(s <= token.idx < e for s, e, _ in marks):
            continue  # a verb inside a quotation is the speaker's own words
        complement = _complement(token, lemma)
        if complement is None:
            continue
        left, right = complement
        speaker = _speaker_of(token)
        if speaker is None and lemma not in ("report", "accord"):
            continue
        start, end = doc[left].idx, doc[right].idx + len(doc[right])
        if speaker is not None and speaker.start_char < end and speaker.end_char > start:
            continue
        inner = [q for q in direct if q["start"] >= start - 1 and q["end"] <= end + 1]
        if inner and all(q.get("cue_start") == token.idx for q in inner):
            continue  # the quotation already is this attribution
        tail = _TAIL.search(_text(doc), start, end)
        if tail is not None:  # "…, citing …" / "…, he said": another attribution's, not this content
            end = tail.start()
        item = _item(doc, start, end, token, speaker, "mixed" if any(start <= s and e <= end + 1 for s, e, _ in marks) else "indirect")
        _settle(doc, item)
        found.append(item)
        taken.add(token.i)
    return found


def _noun_cue(doc: Doc, noun: Token, marks: list[tuple[int, int, bool]]) -> dict[str, Any] | None:
    """"Trump's claim that …", "the promise to …", "concerns about …": the clause or phrase the noun
    governs; its speaker is the noun's possessor (or the agent after "by"), when there is one."""
    content: tuple[int, int] | None = None
    for child in noun.children:
        if child.dep_ in ("acl", "ccomp") and child.i > noun.i and (
                any(c.dep_ == "mark" and c.lower_ == "that" for c in child.children)
                or any(c.dep_ == "aux" and c.lower_ == "to" for c in child.children)):
            content = _edges(child)
            break
        if child.dep_ == "prep" and child.lower_ in _NOUN_PREPS and child.i == noun.i + 1:
            objects = [g for g in child.children if g.dep_ in ("pobj", "pcomp")]
            if objects:
                content = _edges(objects[0])
                break
    if content is None or content[1] - content[0] < 1:
        return None
    speaker = next((_phrase(c) for c in noun.children if c.dep_ == "poss"), None)
    start, end = doc[content[0]].idx, doc[content[1]].idx + len(doc[content[1]])
    item = _item(doc, start, end, noun, speaker, "mixed" if any(start <= a and b <= end + 1 for a, b, _ in marks)
                 else "indirect")
    _settle(doc, item)
    return item


def _complement(verb: Token, lemma: str) -> tuple[int, int] | None:
    """The token range of what a reporting verb reports: its clause; or what it was asked to do
    ("urged Iran to release the ship", "called on Tehran to …"); or what it is about ("warned of
    …"); or its object with what the object was called ("described the talks as serious",
    "called the charges unfounded")."""
    for child in verb.children:
        if child.dep_ == "ccomp" and child.i > verb.i - 1 or (child.dep_ == "ccomp" and lemma in SPEECH):
            left, right = _edges(child)
            # "said he would order a review and warned against …": the second report is the speaker's
            # own next act, not part of what was said
            for conj in child.children:
                if conj.dep_ == "conj" and conj.i > child.i and conj.lemma_.lower() in SPEECH | OBJECT_CUES \
                        and not any(c.dep_.startswith("nsubj") for c in conj.children):
                    right = min(right, conj.left_edge.i - 1)
            while right > left and (child.doc[right].is_punct or child.doc[right].lower_ in ("and", "but")):
                right -= 1
            return left, right
    after = [c for c in verb.children if c.i > verb.i]
    told = next((c for c in after if c.dep_ in ("xcomp", "oprd")), None)
    if lemma in _TO_CUES and told is not None and not any(c.dep_ == "dobj" for c in after):
        return _edges(told)
    for child in after:
        if child.dep_ == "prep" and child.lower_ in _PREP_CUES.get(lemma, ()):
            for grand in child.children:
                if grand.dep_ in ("pobj", "pcomp"):
                    return _edges(grand)[0], (_edges(told)[1] if told is not None and told.i > grand.i
                                              else _edges(grand)[1])
    if lemma in OBJECT_CUES or lemma in _TO_CUES:
        obj = next((c for c in after if c.dep_ in ("dobj", "dative")), None)
        if obj is None:
            return None
        rest = [c for c in after if c.i > obj.i and (c.dep_ in ("xcomp", "oprd", "ccomp")
                                                      or (c.dep_ == "prep" and c.lower_ == "as"))]
        if lemma == "call" and not rest:
            return None  # "called Tehran" is a phone call, not a claim
        return _edges(obj)[0], (_edges(rest[-1])[1] if rest else _edges(obj)[1])
    return None


def _edges(token: Token) -> tuple[int, int]:
    doc = token.doc
    left, right = token.left_edge.i, token.right_edge.i
    while right > left and doc[right].is_punct and doc[right].text not in ("”", "\"", "''", "’"):
        right -= 1
    while left < right and doc[left].is_punct and doc[left].text not in ("“", "\"", "``"):
        left += 1
    return left, right


def _according_to(doc: Doc, according: Token) -> dict[str, Any] | None:
    to = doc[according.i + 1]
    objects = [c for c in to.children if c.dep_ == "pobj"]
    if not objects:
        return None
    speaker = _phrase(objects[0])
    first, last = _sentence_span(doc, according.i)
    sent = doc[first:last]
    skip_from, skip_to = according.i, speaker.end
    tokens = [t for t in sent if not (skip_from <= t.i < skip_to)]
    while tokens and (tokens[0].is_punct or tokens[0].is_space):
        tokens.pop(0)
    while tokens and (tokens[-1].is_punct or tokens[-1].is_space):
        tokens.pop()
    if len(tokens) < 3:
        return None
    start, end = tokens[0].idx, tokens[-1].idx + len(tokens[-1])
    item = _item(doc, start, end, according, speaker, "according_to")
    item["cue"] = "according to"
    item["end"] = min(item["end"], item["start"] + 2000)
    _settle(doc, item)
    return item


_DATELINE = re.compile(r"^[A-Z][A-Z.,' -]{2,40}(?:\([^)]{1,40}\))?\s+[—–-]{1,2}\s+")


_OPENERS, _CLOSERS = "“«\"", "”»\""


def _paragraph_pieces(text: str, item: dict[str, Any]) -> None:
    """A direct quotation's pieces without the marks that reopen it at each new paragraph; its
    content is the pieces' text, joined by a blank line across paragraphs and a space across an
    attribution that broke it."""
    pieces: list[list[int]] = []
    for start, end in item["pieces"]:
        for match in re.finditer(r"[^\n]+", text[start:end]):
            a, b = start + match.start(), start + match.end()
            while a < b and (text[a] in _OPENERS or text[a:a + 2] in ("``", "''") or text[a].isspace()):
                a += 2 if text[a:a + 2] in ("``", "''") else 1
            while b > a and text[b - 1].isspace():
                b -= 1
            if b > a:
                pieces.append([a, b])
    if not pieces:
        return
    parts = [text[pieces[0][0]:pieces[0][1]]]
    for (_, previous_end), (a, b) in zip(pieces, pieces[1:], strict=False):
        parts.append(("\n\n" if "\n" in text[previous_end:a] else " ") + text[a:b])
    item["pieces"], item["start"], item["end"] = pieces, pieces[0][0], pieces[-1][1]
    item["content"] = "".join(parts)


def _settle(doc: Doc, item: dict[str, Any]) -> None:
    """Make the content exactly the text at its offsets. A direct transcript turn loses the marks
    at its edges (the offsets move with them); reported content keeps the marks of the quotation it
    holds, balanced (a clause that ends inside a quotation takes its closing mark)."""
    text = _text(doc)
    start, end = item["start"], item["end"]
    if item["kind"] == "direct":
        while start < end and (text[start] in _OPENERS + _CLOSERS or text[start].isspace()):
            start += 1
        while end > start and (text[end - 1] in _OPENERS + _CLOSERS or text[end - 1].isspace()):
            end -= 1
    else:
        inside = text[start:end]
        opened = sum(inside.count(c) for c in "“«") - sum(inside.count(c) for c in "”»") + inside.count('"') % 2
        if opened > 0 and end < len(text) and text[end] in _CLOSERS:
            end += 1
        elif opened > 0 and end + 1 < len(text) and text[end] in ",." and text[end + 1] in _CLOSERS:
            end += 2  # 'called it "a provocation,"' (the comma inside the marks, American style)
    item["start"], item["end"], item["pieces"] = start, end, [[start, end]]
    item["content"] = text[start:end]
