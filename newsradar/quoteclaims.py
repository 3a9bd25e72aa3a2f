"""What an attribution says about itself, beside who said what: whether the claim is hedged, a
denial or a question (``claim_attributes``), and how its speaker is identified (``speaker_type``:
named, role, group, anonymous, or a pronoun left unresolved); and a headline's colon cue
(``title_attribution``: ``Rubio: "..."``), read from the headline's text."""

from __future__ import annotations

import re
from typing import Any

_TITLE_COLON = re.compile(r"^([A-Z][\w.’'\- ]{1,60}?)\s?:\s+(\S.{3,})$")
HEDGES = frozenset(["allegedly", "reportedly", "purportedly", "apparently", "supposedly", "seemingly", "possibly", "perhaps", "probably", "likely", "may", "might", "could", "rumored", "rumoured", "suspected", "believed", "unconfirmed", "unverified"])
DENIALS = frozenset(["deny", "reject", "dismiss", "refute", "rebut", "rebuff", "disavow", "dispute", "repudiate"])
_ANONYMOUS = re.compile(
    r"\b(anonymity|anonymously|unnamed|unidentified|not authori[sz]ed to|asked not to be (named|identified)|"
    r"declined to be (named|identified)|familiar with|sources?|insiders?|people close to|person close to)\b", re.I)
_PRONOUNS = frozenset(["he", "she", "they", "it", "i", "we", "you", "who", "which", "that", "this"])


def claim_attributes(item: dict[str, Any], text: str) -> dict[str, bool]:
    """hedged, denial, question — from the content and the words between speaker and cue."""
    content = item["content"]
    words = set(re.findall(r"[a-z’']+", content.lower()))
    around = ""
    if item.get("cue_start") is not None and item.get("speaker_start") is not None:
        a, b = sorted((item["speaker_start"], item["cue_start"]))
        around = text[a:b + 20].lower()
    hedged = bool(words & HEDGES) or bool(re.search(r"\b(is|are|was|were) (believed|thought|said|reported) to\b",
                                                    content.lower() + " " + around)) \
        or bool(set(re.findall(r"[a-z]+", around)) & HEDGES) or item.get("cue_lemma") in ("allege", "claim")
    denial = item.get("cue_lemma") in DENIALS or bool(item.get("negated")) or bool(
        re.search(r"\b(did not|didn’t|didn't|was not|wasn’t|wasn't|never|had no|has no|no evidence)\b", content.lower())
        and item["kind"] != "direct")
    question = content.rstrip(" ”\"’'»").endswith("?") or item.get("cue_lemma") in ("ask", "wonder")
    return {"hedged": hedged, "denial": denial, "question": question}


def speaker_type(item: dict[str, Any], sentence: str) -> str | None:
    """How the speaker is identified: named, role, group, anonymous or pronoun (as written)."""
    speaker = item.get("speaker")
    if not speaker:  # no speaker written: anonymous where the sentence says so, else none
        return "anonymous" if re.search(r"\b(anonymity|anonymously|unnamed|unidentified)\b", sentence, re.I) else None
    lower = speaker.lower()
    if _ANONYMOUS.search(lower) or (_ANONYMOUS.search(sentence) and item.get("speaker_pos") != "PROPN"
                                    and "anonym" in sentence.lower()):
        return "anonymous"
    if lower in _PRONOUNS:
        return "pronoun"
    if item.get("speaker_pos") == "PROPN" or (speaker.isupper() and len(speaker) > 2):
        return "group" if item.get("speaker_plural") and item.get("speaker_start") is not None and \
            speaker.split()[0].lower() in ("several", "some", "many", "other", "two", "three", "few") else "named"
    if item.get("speaker_plural"):
        return "group"
    return "role"


def _strip_marks(content: str) -> str:
    return content.strip().strip("“”\"«»").strip()


def title_attribution(title: str) -> dict[str, Any] | None:
    """A headline's colon cue: ``Rubio: "We will not back down"`` / ``Machado: talks are a trap``."""
    match = _TITLE_COLON.match(title.strip())
    if not match:
        return None
    speaker, content = match.group(1).strip(), match.group(2).strip()
    if len(speaker.split()) > (7 if content[:1] in "“\"'‘«" else 5) or speaker.lower() in ("update", "watch", "live", "breaking", "exclusive",
                                                        "opinion", "analysis", "editorial", "explainer", "video"):
        return None
    offset = title.index(content, match.start(2))
    inner = _strip_marks(content)
    start = offset + content.index(inner) if inner in content else offset
    return {"start": start, "end": start + len(inner), "pieces": [[start, start + len(inner)]], "content": inner,
            "kind": "direct" if content[:1] in "“\"'‘«" else "indirect", "cue": ":", "cue_start": match.end(1),
            "cue_lemma": ":", "speaker": speaker, "speaker_start": match.start(1),
            "speaker_end": match.start(1) + len(speaker), "speaker_head": speaker.split()[-1],
            "speaker_plural": False, "speaker_pos": "PROPN", "sentence": [0, len(title)], "negated": False,
            "well_formed": True}
