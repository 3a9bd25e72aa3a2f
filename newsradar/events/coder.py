"""The event coder on one parse: each sentence's PLOVER events, found by the pattern dictionary
(``patterns.yaml``) on the dependency parse, with general rules of English for what surrounds a
trigger:

- **who and whom**: the subject is the source (the agent of a passive; the subject of the verb a
  control verb or a conjunct shares), the direct object or the right preposition's object the
  target (the passive subject; "urged X to …"; "talks with X"; "sanctions on X"); coordinated actors
  are listed, never split into several events;
- **composition**: a verb that frames another event absorbs it ("threatened to impose sanctions"
  is one THREATEN of mode sanction; "agreed to allow access" one AGREE; "refused to withdraw" one
  REJECT; "accused X of attacking" one ACCUSE); "denied that X attacked" is the attack, negated;
- **commitments**: a future act ("will", "would", "going to", "vowed to") of material conflict is a
  THREATEN, of cooperation an AGREE; "X said Y must …" is X's REQUEST of Y;
- **negation** ("not", "never", "no", "refused to", "failed to") and **hypotheticals** (could, may,
  might, plans to, considers, conditionals, questions);
- the **time** phrases and **place** that attach to the event's own predicate (not to a clause
  around or inside it); dates are resolved per article (``dates.py``).

Only events of the sentence's own predicates are coded: not those inside relative clauses or
participle modifiers (background), nor event nouns without a verb of their own ("Saturday's
sanctions")."""

from __future__ import annotations

from typing import Any

from spacy.tokens import Doc, Span, Token

from .lexicon import COOPERATIVE, MATERIAL_CONFLICT, Lexicon, Pattern, lexicon

_SUBJECTS = frozenset({"nsubj", "nsubjpass", "csubj"})
_OBJECTS = frozenset({"dobj", "obj", "nsubjpass", "attr", "oprd"})
_CLAUSES = frozenset({"ccomp", "xcomp", "advcl", "relcl", "acl", "csubj", "parataxis", "conj", "pcomp"})
_BACKGROUND = frozenset({"relcl", "acl", "amod", "compound", "nmod", "appos"})
_TARGET_PREPS = ("against", "on", "at", "to", "toward", "towards", "into", "with", "from", "over", "upon", "near",
                 "off", "between", "for", "in", "inside", "across")
_PLACE_PREPS = frozenset({"in", "at", "near", "off", "toward", "towards", "into", "inside", "across", "outside",
                          "around", "along"})
_REPORTING = frozenset({"say", "tell", "state", "announce", "declare", "add", "report", "claim", "note", "confirm",
                        "stress", "explain", "write", "tweet", "argue", "assert", "maintain", "reiterate",
                        "indicate", "suggest", "predict", "believe", "think", "acknowledge", "admit", "disclose",
                        "reveal", "signal", "post"})
_FRAMING = frozenset({"AGREE", "REJECT", "THREATEN", "REQUEST", "ACCUSE"})  # types that absorb the act they frame
_DENY = frozenset({"deny", "refute"})
_REFUSE = frozenset({"refuse", "decline", "fail", "reject"})
_HYPOTHETICAL_MODALS = frozenset({"could", "may", "might", "can"})
_FUTURE = frozenset({"will", "would", "shall", "'ll", "wo"})
_OBLIGATION = frozenset({"must", "should", "ought"})
_PLANNING = frozenset({"plan", "consider", "intend", "want", "hope", "aim", "propose", "mull", "weigh", "prepare",
                       "seek", "try", "attempt", "expect", "wish", "contemplate", "study", "explore", "review",
                       "discuss", "debate", "eye"})
_COMMITTING = frozenset({"vow", "pledge", "promise", "swear", "resolve", "ready", "prepared", "determined", "willing",
                         "offer", "agree",
                         "go", "set", "poised"})
_CONDITIONAL_MARKS = frozenset({"if", "unless", "whether", "should"})
_NEGATIONS = frozenset({"not", "n't", "never", "no"})
_PRONOUNS = frozenset({"he", "she", "they", "it", "we", "i", "him", "her", "them", "us", "me", "who", "which", "that"})
_THREAT_MODES = {"ASSAULT": "violence", "MOBILIZE": "violence", "SANCTION": "sanction", "COERCE": "restrict",
                 "THREATEN": None}
_COERCE_THREAT_MODES = {"arrest": "legal", "detain": "legal", "deport": "legal", "seize": "restrict"}
_OBLIGATION_PATTERN = Pattern("REQUEST.general:rule:obligation", "REQUEST", None, False)
_STATEMENTS = frozenset({"statement", "declaration", "communique", "communiqué", "resolution", "letter", "message",
                         "note", "speech", "address", "decree", "order", "report", "bill", "motion", "proposal"})
# objects that are the act's object rather than its target ("lifted the curfew", "rejected the proposal")
_ACT_OBJECTS = frozenset({"curfew", "sanction", "embargo", "blockade", "ban", "restriction", "aid", "troop", "force",
                          "talk", "relation", "tie", "deal", "agreement", "right", "effort", "call", "demand",
                          "report", "claim", "accusation", "allegation", "invitation", "proposal", "plan", "offer",
                          "request", "charge", "resolution", "measure", "policy", "decision", "idea", "move"})
_STATIVE = frozenset({"oppose", "commit", "prepare", "determine", "resolve", "dispose", "incline", "set"})
_NOT_ACTORS = frozenset({"DATE", "TIME", "CARDINAL", "MONEY", "PERCENT", "QUANTITY", "ORDINAL"})
_MAX_EVENTS = 3  # per sentence: over-production is a defect
_MAX_SENTENCE_TOKENS = 150  # a longer "sentence" is a flattened list or table: not parsed for events


class Found:
    """One event's trigger and the words around it, while a sentence is read."""

    __slots__ = ("pattern", "type", "mode", "trigger", "predicate", "noun", "negated", "hypothetical", "sources",
                 "targets", "candidates", "reporter", "absorbed", "framed", "rule")

    def __init__(self, pattern: Pattern, trigger: list[Token], predicate: Token, noun: Token | None) -> None:
        self.pattern = pattern
        self.type = pattern.type
        self.mode = pattern.mode
        self.trigger = trigger
        self.predicate = predicate  # the verb that carries tense, negation and the subject
        self.noun = noun  # an event noun under a light verb
        self.negated = False
        self.hypothetical = False
        self.sources: list[Token] = []
        self.targets: list[Token] = []
        self.candidates: list[list[Token]] = []
        self.reporter: Token | None = None
        self.absorbed = False
        self.framed: Found | None = None
        self.rule: str | None = None  # a general rule that changed the pattern's type ("refusal", "commitment")


def code_doc(doc: Doc, lex: Lexicon | None = None) -> list[dict[str, Any]]:
    """The events of a Doc, as plain dicts of character offsets (the stage resolves actors, dates
    and places against the article)."""
    lex = lex or lexicon()
    text = doc.text
    out: list[dict[str, Any]] = []
    for sent in doc.sents:
        if len(sent) > _MAX_SENTENCE_TOKENS or len(sent) < 3:
            continue
        for found in _sentence(sent, lex):
            out.append(_as_dict(found, sent, text))
    return out


def _sentence(sent: Span, lex: Lexicon) -> list[Found]:
    found: dict[int, Found] = {}
    for token in sent:
        event = _match(token, lex)
        if event is not None and event.predicate.i not in found:
            found[event.predicate.i] = event
    if not found:
        return []
    for token in sent:  # "X said Y must …": X's demand of Y, whatever the act
        if token.i not in found and token.pos_ in ("VERB", "AUX") and _obliged(token) and _reporter(token) is not None:
            found[token.i] = Found(_OBLIGATION_PATTERN, [token], token, None)
    events = sorted(found.values(), key=lambda f: f.predicate.i)
    by_predicate = {f.predicate.i: f for f in events}
    by_predicate.update({f.noun.i: f for f in events if f.noun is not None})
    for event in events:
        _compose(event, by_predicate)
    kept = [e for e in events if not e.absorbed and not _background(e.predicate, sent)]
    question = sent.text.rstrip().rstrip("\"'”’»)").endswith("?")
    for event in kept:
        _actors(event)
        _modality(event, question)
    kept.sort(key=lambda e: _depth(e.predicate))
    return sorted(kept[:_MAX_EVENTS], key=lambda e: e.predicate.i)


def _match(token: Token, lex: Lexicon) -> Found | None:
    """The event a verb (or an event noun under a light verb) codes, the most specific rule first."""
    if token.pos_ == "VERB" or (token.pos_ == "AUX" and token.lemma_ in lex.verbs):
        lemma = _lemma(token, lex)
        objects = [c for c in token.children if c.dep_ in _OBJECTS]
        objects += [g for o in objects for g in o.conjuncts]
        rules = lex.verbs.get(lemma, ())
        for rule in rules:  # a verb with this object first: "sent troops", "lifted the curfew"
            if rule.objects is not None and any(o.lemma_.lower() in rule.objects for o in objects):
                return Found(rule.pattern, [token], token, None)
        if lemma in lex.light:  # then an event noun it carries: "launched an airstrike"
            for obj in objects:
                noun = _noun(obj, lex)
                if noun is not None:
                    return Found(noun, [token, obj], token, obj)
        if lemma in lex.onset:  # or an event noun that happens: "protests erupted"
            for subject in (c for c in token.children if c.dep_ == "nsubj"):
                noun = _noun(subject, lex)
                if noun is not None:
                    return Found(noun, [subject, token], token, subject)
        for rule in rules:
            if rule.objects is not None:
                continue
            if rule.other is not None:
                other = _other_word(token, rule.other, rule.other_first)
                if other is None:
                    continue
                trigger = sorted([token, other], key=lambda t: t.i)
                return Found(rule.pattern, trigger, token, None)
            return Found(rule.pattern, [token], token, None)
        return None
    return None


def _lemma(verb: Token, lex: Lexicon) -> str:
    """The verb's lemma, or its form with a regular ending taken off where the lemmatizer missed it
    ("staged" lemmatized "stag")."""
    lemma = verb.lemma_.lower()
    if lemma in lex.verbs or lemma in lex.light:
        return lemma
    lower = verb.lower_
    for ending, replacement in (("ied", "y"), ("ed", "e"), ("ed", ""), ("d", ""), ("ing", "e"), ("ing", ""),
                                ("ies", "y"), ("es", ""), ("s", "")):
        if lower.endswith(ending):
            guess = lower[: -len(ending)] + replacement
            if guess in lex.verbs or guess in lex.light:
                return guess
    return lemma


def _noun(token: Token, lex: Lexicon) -> Pattern | None:
    rules = lex.nouns.get(token.lemma_.lower()) or lex.nouns.get(token.lower_)
    if not rules and token.lemma_.lower() in lex.counting:  # "a new round of talks"
        of = next((c for c in token.children if c.dep_ == "prep" and c.lower_ == "of"), None)
        counted = next((c for c in of.children if c.dep_ == "pobj"), None) if of is not None else None
        return _noun(counted, lex) if counted is not None else None
    if not rules:  # "a mediation effort", "a bombing campaign": the event is the modifier
        modifier = next((c for c in token.children if c.dep_ == "compound" and c.i == token.i - 1), None)
        return _noun(modifier, lex) if modifier is not None else None
    doc = token.doc
    for rule in rules:
        if len(rule.words) == 1:
            return rule.pattern
        start = token.i - (len(rule.words) - 1)
        if start < 0:
            continue
        before = "".join(t.text_with_ws for t in doc[start:token.i]).lower().replace("-", " ").split()
        if before == list(rule.words[:-1]):
            return rule.pattern
    return None


def _other_word(verb: Token, word: str, first: bool) -> Token | None:
    for child in verb.children:
        if (child.lemma_.lower() == word or child.lower_ == word) and (child.i < verb.i) == first:
            return child
    neighbour = verb.i - 1 if first else verb.i + 1
    doc = verb.doc
    if 0 <= neighbour < len(doc) and doc[neighbour].lemma_.lower() == word:
        return doc[neighbour]
    return None


def _compose(event: Found, by_predicate: dict[int, Found]) -> None:
    """Let the event that frames another absorb it; a denial negates the act it denies."""
    head = event.predicate
    step = head
    # walk up through clause links: xcomp ("agreed to allow"), ccomp ("warned that it would"),
    # pcomp/prep ("accused X of attacking"), advcl ("blocked roads to press their demands")
    for _ in range(4):
        if step.dep_ in ("xcomp", "ccomp", "pcomp", "advcl") or (step.dep_ == "pobj" and step.head.dep_ == "prep"):
            through_prep = step.dep_ in ("pcomp", "pobj") and step.head.dep_ == "prep"
            parent = step.head.head if through_prep else step.head
            frame = by_predicate.get(parent.i)
            if frame is not None and frame is not event and not frame.absorbed:
                if step.dep_ == "advcl" and not _is_purpose(step):
                    if frame.type == event.type and step is head and not any(
                            c.dep_ in _SUBJECTS for c in step.children):
                        event.absorbed = True  # "struck a boat, killing four men": one attack
                    return
                if frame.predicate.lemma_ in _DENY and step.dep_ == "ccomp":
                    frame.absorbed = True
                    event.negated = True
                    return
                if frame.type in _FRAMING or frame.predicate.lemma_ in _REFUSE or step.dep_ in ("xcomp", "pcomp"):
                    event.absorbed = True
                    frame.framed = frame.framed or event
                    return
            if step.dep_ == "advcl":
                return
            step = parent
            continue
        return


def _obliged(verb: Token) -> bool:
    return any(c.dep_ == "aux" and c.lower_ in _OBLIGATION for c in verb.children) or (
        verb.dep_ == "xcomp" and verb.head.lemma_ in ("have", "need") and verb.head.dep_ != "ROOT")


def _is_purpose(clause: Token) -> bool:
    """'… blocked roads to press their demands': an infinitive of purpose belongs to its verb."""
    return any(c.dep_ == "aux" and c.lower_ == "to" for c in clause.children)


def _background(predicate: Token, sent: Span) -> bool:
    """A predicate inside a relative clause or a participle modifier tells background."""
    step = predicate
    for _ in range(8):
        if step.dep_ in _BACKGROUND and step.pos_ in ("VERB", "AUX", "NOUN", "PROPN", "ADJ"):
            # "issued a statement condemning …": a statement's content is the event, not background
            return not (step.dep_ == "acl" and step.head.lemma_.lower() in _STATEMENTS)
        if step.head is step or step.dep_ == "ROOT":
            return False
        step = step.head
    return False


def _depth(token: Token) -> int:
    depth = 0
    while token.head is not token and depth < 50:
        token = token.head
        depth += 1
    return depth


def _subject_of(verb: Token) -> tuple[list[Token], bool]:
    """The verb's subject tokens (with conjuncts) and whether it is a passive subject; a control
    verb's or a conjunct's subject when the verb has none of its own."""
    step = verb
    for _ in range(5):
        for child in step.children:
            if child.dep_ in ("nsubj", "nsubjpass"):
                return [child, *child.conjuncts], child.dep_ == "nsubjpass"
        if step.dep_ == "xcomp":  # "urged Iran to withdraw": the object does it; "agreed to go": the subject
            obj = next((c for c in step.head.children if c.dep_ in ("dobj", "obj")), None)
            if obj is not None and step.head.lemma_ not in ("promise",):
                return [obj, *obj.conjuncts], False
            step = step.head
            continue
        if step.dep_ in ("conj", "advcl", "pcomp", "acomp") or (step.dep_ == "xcomp"):
            step = step.head if step.dep_ != "pcomp" else step.head.head
            continue
        break
    return [], False


def _actors(event: Found) -> None:
    verb = event.predicate
    subjects, passive = _subject_of(verb)
    agent = next((c for c in verb.children if c.dep_ == "agent"), None)
    agent_objects = [o for c in ([agent] if agent is not None else []) for o in c.children if o.dep_ == "pobj"]
    if event.noun is not None:
        owner = [c for c in event.noun.children if c.dep_ == "poss"]
        if owner and not subjects:
            subjects = owner
    if passive and agent is None and verb.lemma_ in _STATIVE:  # "Israel is opposed to …"
        passive = False
    if passive:
        event.targets = subjects
        event.candidates = [subjects]
        event.sources = [*agent_objects, *(c for o in agent_objects for c in o.conjuncts)]
    else:
        event.sources = subjects
    if event.type == "REQUEST" and event.predicate.dep_ == "ccomp" and event.reporter is not None:
        return
    if not event.targets:
        event.candidates = _targets(event)
        event.targets = event.candidates[0] if event.candidates else []
    reporter = _reporter(verb)
    event.reporter = reporter
    if reporter is not None and event.sources and event.sources[0].lower_ in _PRONOUNS - {"who", "which", "that"}:
        # "the rebels said they will release …": the pronoun is the speaker
        speaker = next((c for c in reporter.children if c.dep_ == "nsubj"), None)
        if speaker is not None and speaker.lower_ not in _PRONOUNS:
            event.sources = [speaker, *speaker.conjuncts]


def _targets(event: Found) -> list[list[Token]]:
    """Target candidates, most likely first (the stage keeps the first that names an actor): the
    direct object or its owner ("Haiti's efforts"), the right prepositions' objects, the subject of a
    demanded clause ("demanded that Mugabe abandon …"), the framed act's own, a place ("in Algiers")."""
    groups: list[list[Token]] = []

    def add(token: Token | None) -> None:
        if token is not None and token.ent_type_ not in _NOT_ACTORS and token not in event.sources \
                and token.pos_ in ("PROPN", "NOUN", "PRON", "ADJ") and token.lower_ not in ("who", "which", "that") \
                and token.tag_ != "PRP$":
            groups.append([token, *(c for c in token.conjuncts if c.ent_type_ not in _NOT_ACTORS)])

    def add_places(holder: Token) -> None:  # "broke off relations with Congo", "the curfew in Abidjan"
        for prep in _TARGET_PREPS:
            for child in holder.children:
                if child.dep_ == "prep" and child.lower_ == prep:
                    add(next((c for c in child.children if c.dep_ == "pobj"), None))

    frames = [event] + ([event.framed] if event.framed is not None else [])
    for frame in frames:
        for holder in (frame.noun, frame.predicate):
            if holder is None:
                continue
            if holder is frame.predicate and not frame.pattern.thing:
                for child in holder.children:
                    if child.dep_ in ("dobj", "obj", "dative") and child is not frame.noun:
                        if child.lemma_.lower() not in _ACT_OBJECTS:
                            add(child)
                        add_places(child)
                        for owner in child.children:  # "rejected North Korea's demand", "calls by Belarus's rulers"
                            if owner.dep_ == "poss" or (owner.dep_ in ("amod", "compound") and owner.ent_type_ in
                                                        ("GPE", "NORP", "ORG")):
                                add(owner)
                            if owner.dep_ == "prep" and owner.lower_ in ("by", "of", "from"):
                                add(next((c for c in owner.children if c.dep_ == "pobj"), None))
            for prep in _TARGET_PREPS:
                for child in holder.children:
                    if child.dep_ in ("prep", "dative") and child.lower_ == prep:
                        pobj = next((c for c in child.children if c.dep_ == "pobj"), None)
                        add(pobj)
                        if pobj is not None:
                            add_places(pobj)  # "fired at targets in Jericho"
            if holder is frame.noun:
                for child in holder.children:  # "Venezuelan oil sanctions", "Iran's nuclear talks": a named owner
                    if child.dep_ in ("compound", "amod", "poss") and child.ent_type_ in ("GPE", "NORP", "ORG"):
                        add(child)
            for child in holder.children:  # "demanded that Mugabe abandon …": who is asked
                if child.dep_ in ("ccomp", "xcomp", "acl"):
                    add(next((c for c in child.children if c.dep_ in ("nsubj", "nsubjpass")), None))
    return groups


def _reporter(verb: Token) -> Token | None:
    """The reporting verb whose content this verb's clause is ("X said Y will …")."""
    step = verb
    for _ in range(3):
        if step.dep_ in ("ccomp", "parataxis") and step.head.lemma_ in _REPORTING:
            return step.head
        if step.dep_ == "ROOT":
            for child in step.children:  # "Y will …, X said": the parser may hang the saying under it
                if child.dep_ in ("parataxis", "ccomp") and child.lemma_ in _REPORTING and child.i > step.i:
                    return child
            return None
        if step.dep_ not in ("xcomp", "conj"):
            return None
        step = step.head
    return None


def _modality(event: Found, question: bool) -> None:
    """Negation, commitment, obligation and hypothesis, read from the predicate's auxiliaries and
    the verbs above it."""
    chain = [event.predicate]
    step = event.predicate
    while step.dep_ == "xcomp" and len(chain) < 4:
        step = step.head
        chain.append(step)
    auxes = [c for v in chain for c in v.children if c.dep_ in ("aux", "auxpass", "neg")]
    words = {a.lower_ for a in auxes}
    negated = bool(words & _NEGATIONS) or (event.noun is not None and any(
        c.dep_ == "det" and c.lower_ == "no" for c in event.noun.children))
    refused = any(v.lemma_ in _REFUSE for v in chain[1:])
    planned = any(v.lemma_ in _PLANNING for v in chain[1:])
    committed = any(v.lemma_ in _COMMITTING or v.lower_ in _COMMITTING for v in chain[1:])
    future = bool(words & _FUTURE) or committed or any(v.lemma_ == "go" and v.dep_ != "ROOT" for v in chain[1:])
    obligation = bool(words & _OBLIGATION) or any(v.lemma_ in ("have", "need") for v in chain[1:])
    conditional = any(c.dep_ == "mark" and c.lower_ in _CONDITIONAL_MARKS for v in chain for c in v.children) \
        or _inside_condition(event.predicate)
    if event.negated:  # a denial's object
        negated = True
    if refused or (negated and event.type in ("AGREE", "CONCEDE", "COOPERATE") and event.framed is None
                   and (future or words & {"will", "would"})):
        # "refused to halt", "would not accept": a refusal, not a negated concession
        if event.type not in ("REJECT",):
            event.mode = None
            event.type, event.rule = "REJECT", "refusal"
        negated = False
    elif obligation and event.reporter is not None and event.type not in ("REQUEST",):
        # "Russia said Sudan must return the helicopter": Russia demands it of Sudan
        reporter_subject = next((c for c in event.reporter.children if c.dep_ == "nsubj"), None)
        if reporter_subject is not None:
            event.targets = event.sources
            event.candidates = [event.sources] if event.sources else []
            event.sources = [reporter_subject, *reporter_subject.conjuncts]
            event.type, event.mode, event.rule = "REQUEST", None, "obligation"
    elif future and not negated and event.framed is None and not planned:
        if event.type in MATERIAL_CONFLICT:
            event.mode = _COERCE_THREAT_MODES.get(event.mode or "", "restrict") if event.type == "COERCE" \
                else _THREAT_MODES.get(event.type)
            if event.pattern.mode == "diplomatic":
                event.mode = "relations"
            event.type, event.rule = "THREATEN", "commitment"
        elif event.type in COOPERATIVE and event.type != "AGREE":
            event.type, event.mode, event.rule = "AGREE", None, "commitment"
    if event.type == "THREATEN" and event.framed is not None and event.framed.type == "REJECT":
        event.type, event.mode, event.rule = "REJECT", None, "defiance"  # "vowed to resist": not a threat
    if event.type == "THREATEN" and event.framed is not None and event.mode is None:
        inner = event.framed
        if inner.type == "COERCE":
            event.mode = _COERCE_THREAT_MODES.get(inner.mode or "", "restrict")
        elif inner.pattern.mode == "diplomatic":
            event.mode = "relations"
        else:
            event.mode = _THREAT_MODES.get(inner.type)
    event.negated = negated and event.type != "REJECT"
    hypothetical = bool(words & _HYPOTHETICAL_MODALS) or planned or conditional or question
    event.hypothetical = hypothetical and event.type != "THREATEN"


def _inside_condition(verb: Token) -> bool:
    step = verb
    for _ in range(6):
        if step.dep_ == "advcl" and any(c.dep_ == "mark" and c.lower_ in _CONDITIONAL_MARKS for c in step.children):
            return True
        if step.head is step:
            return False
        step = step.head
    return False


def _phrase(token: Token) -> tuple[int, int]:
    """The token span of an actor phrase: its head with its modifiers, without clauses, appositions,
    coordinated actors or prepositions other than "of" ("the government of Sudan")."""
    keep = {token.i}
    stack = [token]
    while stack:
        node = stack.pop()
        for child in node.children:
            if child.dep_ in ("conj", "cc", "relcl", "acl", "appos", "punct", "advcl", "parataxis") \
                    or (child.dep_ == "prep" and child.lower_ != "of"):
                continue
            keep.add(child.i)
            stack.append(child)
    start, end = min(keep), max(keep) + 1
    # a phrase is contiguous: cut at the first gap
    run_end = token.i + 1
    while run_end < end and run_end in keep:
        run_end += 1
    run_start = token.i
    while run_start - 1 >= start and run_start - 1 in keep:
        run_start -= 1
    doc = token.doc
    while run_start < run_end - 1 and doc[run_start].pos_ in ("DET", "PUNCT", "CCONJ") and doc[run_start].lower_ \
            not in ("this", "these", "those"):
        run_start += 1
    return run_start, run_end


def _actor(token: Token) -> dict[str, Any]:
    start, end = _phrase(token)
    doc = token.doc
    span = doc[start:end]
    return {"start": span.start_char, "end": span.end_char, "text": span.text, "root": token.idx,
            "pronoun": token.pos_ == "PRON" or token.lower_ in _PRONOUNS}


def _split(token: Token) -> list[dict[str, Any]]:
    """Coordinated nationalities before one head are several actors ("Hungarian and Romanian
    officials": the Hungarian ones and the Romanian ones)."""
    for child in token.children:
        if child.dep_ in ("amod", "compound") and child.ent_type_ in ("NORP", "GPE") and child.conjuncts:
            members = [child, *child.conjuncts]
            if all(m.ent_type_ in ("NORP", "GPE") for m in members):
                return [{"start": m.idx, "end": m.idx + len(m.text), "text": m.text, "root": m.idx, "pronoun": False}
                        for m in sorted(members, key=lambda m: m.i)]
    return [_actor(token)]


def _times(predicate: Token) -> list[Token]:
    """DATE/TIME words attached to this predicate, not through another clause."""
    found: list[Token] = []
    stack = [predicate]
    while stack:
        node = stack.pop()
        for child in node.children:
            if child.dep_ in _CLAUSES:
                continue
            if child.ent_type_ in ("DATE", "TIME") or child.lower_ in ("today", "yesterday", "tonight"):
                found.append(child)
                continue
            if child.dep_ in ("prep", "pobj", "npadvmod", "advmod", "tmod", "obl", "nmod"):
                stack.append(child)
    return found


def _date_text(tokens: list[Token]) -> tuple[str, int] | None:
    """The first time word's whole DATE/TIME entity ("last Friday night"), else the word itself."""
    if not tokens:
        return None
    token = tokens[0]
    if token.ent_type_ in ("DATE", "TIME"):
        ent = next((e for e in token.doc.ents if e.start <= token.i < e.end), None)
        if ent is not None:
            return ent.text, ent.start_char
    return token.text, token.idx


def _place(event: Found, actors: list[Token]) -> Token | None:
    for holder in (event.noun, event.predicate):
        if holder is None:
            continue
        for child in holder.children:
            if child.dep_ == "prep" and child.lower_ in _PLACE_PREPS:
                pobj = next((c for c in child.children if c.dep_ == "pobj"), None)
                if pobj is not None and pobj.ent_type_ in ("GPE", "LOC", "FAC") and pobj not in actors:
                    return pobj
    return None


def _as_dict(event: Found, sent: Span, text: str) -> dict[str, Any]:
    trigger_start = event.trigger[0].idx
    last = event.trigger[-1]
    trigger_end = last.idx + len(last.text)
    times = _times(event.predicate)
    if not times and event.reporter is not None and event.type in ("REQUEST", "ACCUSE", "REJECT", "THREATEN",
                                                                    "AGREE"):
        times = _times(event.reporter)  # a speech act is dated by its saying
    when = _date_text(times)
    place = _place(event, [*event.sources, *event.targets])
    place_span = _phrase(place) if place is not None else None
    return {
        "type": event.type, "mode": event.mode,
        "pattern": event.pattern.id + (f" +rule:{event.rule}" if event.rule else ""),
        "trigger": text[trigger_start:trigger_end], "trigger_start": trigger_start, "trigger_end": trigger_end,
        "sentence": [sent.start_char, sent.end_char],
        "sources": [a for t in event.sources for a in _split(t)],
        "targets": [_actor(t) for t in event.targets],
        "target_candidates": [[_actor(t) for t in group] for group in (event.candidates or [event.targets]) if group],
        "negated": event.negated, "hypothetical": event.hypothetical,
        "date_text": when[0] if when else None, "date_start": when[1] if when else None,
        "location": ({"start": sent.doc[place_span[0]].idx, "end": sent.doc[place_span[1] - 1].idx
                      + len(sent.doc[place_span[1] - 1].text), "text": sent.doc[place_span[0]:place_span[1]].text}
                     if place_span else None),
    }
