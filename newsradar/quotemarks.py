"""Quotation marks, found by a character scan that never gives up on odd marks (``quote_spans``).

Curly, straight, doubled (``''`` and ````` `` `````, as some wires write them), low-9 and guillemets
open and close; a right mark at a paragraph's start opens (as some outlets type it); single curly
marks make a quotation outside double ones (headlines, British style), never an apostrophe. A
paragraph that ends inside a quotation closes it there — unless the next paragraph reopens with a
mark, the newswire way of running one quotation over several paragraphs. A closing mark with no
opening one closes a quotation that began at the paragraph's start. Nothing here backtracks: one
pass over the text."""

from __future__ import annotations

_OPEN = {"“": "”\"", "«": "»", "„": "“”", "‹": "›", "”": "”"}
_DOUBLE_CLOSE = frozenset("”»\"“")
_MAX_QUOTE = 20_000  # characters of one quotation (the parse reads at most that much of a text)


def _is_word(ch: str) -> bool:
    return ch.isalnum()


def quote_spans(text: str) -> list[tuple[int, int, bool]]:
    """Quotations in ``text``: (start, end, well_formed) of the text inside the marks. A quotation
    running over several paragraphs is one span (its inner reopening marks included)."""
    spans: list[tuple[int, int, bool]] = []
    n = len(text)
    i = 0
    open_at: int | None = None  # index of the first character inside the open quotation
    closers = ""
    while i < n:
        ch = text[i]
        two = text[i:i + 2]
        if open_at is None:
            if two in ("``", "''") and (i == 0 or not _is_word(text[i - 1])) and i + 2 < n and not text[i + 2].isspace():
                open_at, closers = i + 2, "''"
                i += 2
                continue
            if ch in "“«„‹" or (ch in '"”' and (i + 1 < n and not text[i + 1].isspace() and text[i + 1] not in ".,;:)")
                                     and (i == 0 or text[i - 1].isspace() or text[i - 1] in "(—–")):
                # (a right mark at a paragraph's or a word's start opens, as some outlets type it)
                open_at, closers = i + 1, (_OPEN.get(ch, '"') if ch != '"' else '"”')
                if ch == "”":
                    closers = "”“\""
            elif ch == "‘" and (i == 0 or not _is_word(text[i - 1])) and i + 1 < n and _is_word(text[i + 1]):
                close = _single_close(text, i + 1)
                if close is not None:  # a quotation in single marks (headlines, British style)
                    spans.append((i + 1, close, True))
                    i = close + 1
                    continue
            elif ch in "”»" and (i + 1 >= n or not _is_word(text[i + 1])):
                # a closing mark with no opening one: the quotation began at the paragraph's start
                start = text.rfind("\n", 0, i) + 1
                if spans and spans[-1][1] > start:
                    start = spans[-1][1] + 1
                if i - start > 2:
                    spans.append((start, i, False))
            i += 1
            continue
        # inside a quotation
        if closers == "''":
            if two == "''" and (i + 2 >= n or not _is_word(text[i + 2])):
                spans.append((open_at, i, True))
                open_at = None
                i += 2
                continue
        elif ch in closers or ch in _DOUBLE_CLOSE:
            if ch == '"' and i + 1 < n and _is_word(text[i + 1]) and not text[i - 1].isspace():
                pass  # a straight mark between letters is not a closing one
            elif (ch == "“" and "“" not in closers) or (ch == '"' and text[i - 1].isspace() and i + 1 < n
                                                         and not text[i + 1].isspace()):
                # an opening mark while a quotation is open: the previous one never closed
                spans.append((open_at, trim_end(text, open_at, i), False))
                open_at = i + 1
            else:
                spans.append((open_at, i, True))
                open_at = None
            i += 1
            continue
        if ch == "\n" and two == "\n\n":
            # a paragraph ends inside the quotation: it goes on if the next paragraph reopens
            j = i
            while j < n and text[j] == "\n":
                j += 1
            if j < n and (text[j] in "“«\"" or text[j:j + 2] in ("``", "''")):
                i = j + (2 if text[j:j + 2] in ("``", "''") else 1)
                continue
            spans.append((open_at, i, False))
            open_at = None
            i = j
            continue
        if i - open_at > _MAX_QUOTE:
            spans.append((open_at, i, False))
            open_at = None
        i += 1
    if open_at is not None:
        spans.append((open_at, trim_end(text, open_at, n), False))
    return [(s, e, ok) for s, e, ok in spans if text[s:e].strip(" ,.") and e > s]


def _single_close(text: str, start: int) -> int | None:
    """Where a quotation opened with ‘ closes: a ’ not followed by a letter (else an apostrophe),
    in the same paragraph."""
    limit = text.find("\n", start)
    limit = len(text) if limit < 0 else limit
    i = start
    while i < limit:
        if text[i] == "’" and (i + 1 >= len(text) or not _is_word(text[i + 1])) and not (
                text[i - 1] in "sS" and (i + 1 >= len(text) or text[i + 1] == " ")
                and i + 1 < limit and text[i + 2:i + 3].islower()):
            return i
        i += 1
    return None


def trim_end(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end
