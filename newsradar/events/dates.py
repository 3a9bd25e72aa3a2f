"""An event's date from the time phrase attached to it, resolved against the article's day (its
publication date, else the date its dateline gives): "on Friday" is the latest Friday on or before
that day, "yesterday" the day before, "last week" the month of that week (when the week lies in one
month), "last month" a month, "in 2019" a year, "March 3" / "3 March 2025" / "Nov. 16" a day (with
no year: the latest such day no more than a week after the article's day). A phrase it cannot
place gives None: a vague span is better unknown than invented."""

from __future__ import annotations

import re
from datetime import date, timedelta

_WEEKDAYS = {name: i for i, name in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                                                "sunday"))}
_MONTHS = {name: i + 1 for i, name in enumerate(("january", "february", "march", "april", "may", "june", "july",
                                                  "august", "september", "october", "november", "december"))}
_MONTHS.update({name[:3]: number for name, number in list(_MONTHS.items())})
_MONTHS["sept"] = 9
_MONTH = r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|" \
         r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_MONTH_DAY = re.compile(rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}}))?", re.I)
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\b(?:,?\s+(\d{{4}}))?", re.I)
_MONTH_ONLY = re.compile(rf"\b(?:in\s+|last\s+|this\s+)?{_MONTH}\b(?:\s+(\d{{4}}))?", re.I)
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
_AGO = re.compile(r"\b(\d+|a|an|one|two|three|four|five|six|seven|ten)\s+(day|week)s?\s+ago\b", re.I)
_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "ten": 10}
_DATELINE = re.compile(rf"^[^\n]{{0,80}}?\b{_MONTH}\s+(\d{{1,2}})(?:,?\s+(\d{{4}}))?\b", re.I)


def dateline_day(text: str, published: date | None) -> date | None:
    """The day a dateline gives ("CARACAS, Nov 16 (Reuters) —"), its year from the publication
    date when it has none; None without both."""
    match = _DATELINE.match(text[:120])
    if not match:
        return None
    month, day = _month(match.group(1)), int(match.group(2))
    year = int(match.group(3)) if match.group(3) else (published.year if published else None)
    if month is None or year is None:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _month(word: str) -> int | None:
    word = word.lower().rstrip(".")
    return _MONTHS.get(word) or _MONTHS.get(word[:3])


def resolve(phrase: str | None, anchor: date | None) -> str | None:
    """The ISO date (or month, or year) a time phrase names, seen from ``anchor``."""
    if not phrase:
        return None
    lower = phrase.lower()
    match = _ISO.search(lower)
    if match:
        return _day(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    for pattern, day_group, month_group in ((_MONTH_DAY, 2, 1), (_DAY_MONTH, 1, 2)):
        match = pattern.search(lower)
        if match:
            month, day = _month(match.group(month_group)), int(match.group(day_group))
            if month is None:
                continue
            if match.group(3):
                return _day(int(match.group(3)), month, day)
            if anchor is None:
                return None
            year = anchor.year
            candidate = _safe(year, month, day)
            if candidate is not None and candidate > anchor + timedelta(days=7):
                candidate = _safe(year - 1, month, day)
            return candidate.isoformat() if candidate else None
    if anchor is not None:
        relative = _relative(lower, anchor)
        if relative is not None:
            return relative
    match = _MONTH_ONLY.search(lower)
    if match and (match.group(1).lower() != "may" or re.search(r"\b(in|last|this) may\b|\bmay \d{4}", lower)):
        month = _month(match.group(1))  # "may" alone is the modal verb, not the month
        if month is not None:
            if match.group(2):
                return f"{int(match.group(2)):04d}-{month:02d}"
            if anchor is not None:
                year = anchor.year if month <= anchor.month else anchor.year - 1
                return f"{year:04d}-{month:02d}"
    match = _YEAR.search(lower)
    if match:
        return match.group(1)
    return None


def _relative(lower: str, anchor: date) -> str | None:
    for name, weekday in _WEEKDAYS.items():
        if re.search(rf"\b{name}\b", lower):
            back = (anchor.weekday() - weekday) % 7
            if "next" in lower.split():
                return None
            if "last" in lower.split() and back == 0:
                back = 7
            return (anchor - timedelta(days=back)).isoformat()
    if re.search(r"\b(today|tonight|this (morning|afternoon|evening))\b", lower):
        return anchor.isoformat()
    if re.search(r"\b(yesterday|last night)\b", lower):
        return (anchor - timedelta(days=1)).isoformat()
    match = _AGO.search(lower)
    if match:
        word = match.group(1).lower()
        count = int(word) if word.isdigit() else _NUMBERS[word]
        days = count * (7 if match.group(2).lower() == "week" else 1)
        return (anchor - timedelta(days=days)).isoformat()
    if re.search(r"\blast week\b", lower):
        monday = anchor - timedelta(days=anchor.weekday() + 7)
        sunday = monday + timedelta(days=6)
        return f"{monday:%Y-%m}" if monday.month == sunday.month else None
    if re.search(r"\bthis week\b", lower):
        monday = anchor - timedelta(days=anchor.weekday())
        return f"{monday:%Y-%m}" if monday.month == anchor.month else None
    if re.search(r"\blast month\b", lower):
        first = anchor.replace(day=1) - timedelta(days=1)
        return f"{first:%Y-%m}"
    if re.search(r"\bthis month\b", lower):
        return f"{anchor:%Y-%m}"
    if re.search(r"\blast year\b", lower):
        return str(anchor.year - 1)
    if re.search(r"\bthis year\b", lower):
        return str(anchor.year)
    return None


def _safe(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _day(year: int, month: int, day: int) -> str | None:
    found = _safe(year, month, day)
    return found.isoformat() if found else None
