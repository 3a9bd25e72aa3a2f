"""JSON Lines: one article object per line. A ``text`` or a ``title`` is required (a headline-only
line is an article: headline exports are common); ``id`` is kept as ``external_id``; unknown
fields are ignored. A bad line is reported and skipped."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator

from ..errors import InputError
from ..model import Article
from .text import decode


def read_jsonl(lines: Iterable[bytes], source: str, warn: Callable[[str], None], max_line_bytes: int) -> Iterator[Article]:
    seen_any_line = False
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        seen_any_line = True
        where = f"{source}:{number}"
        if len(raw.rstrip(b"\r\n")) > max_line_bytes:
            warn(f"{where}: line over the {max_line_bytes:,}-byte cap (NEWSRADAR_MAX_FILE_MB); skipped")
            continue
        try:
            record = json.loads(decode(raw, where))
        except InputError as exc:
            warn(f"{exc}; skipped")
            continue
        except json.JSONDecodeError as exc:
            warn(f"{where}: not valid JSON ({exc.msg} at column {exc.colno}); skipped")
            continue
        except RecursionError:
            warn(f"{where}: JSON nested too deeply to read; skipped")
            continue
        if not isinstance(record, dict):
            warn(f"{where}: expected a JSON object, found {type(record).__name__}; skipped")
            continue
        text, title = record.get("text"), _str(record.get("title"))
        if text is not None and not isinstance(text, str):
            warn(f"{where}: \"text\" is {_kind(text)}, not a string; skipped")
            continue
        if not (text and text.strip()) and not (title and title.strip()):
            warn(f"{where}: neither a \"text\" nor a \"title\" with content; skipped")
            continue
        external_id = record.get("id")
        yield Article(
            text=text or "",
            title=title,
            url=_str(record.get("url")),
            guid=_str(record.get("guid")),
            external_id=None if external_id is None else str(external_id),
            author=_str(record.get("author")),
            outlet=_str(record.get("outlet")),
            published_raw=record.get("published"),  # normalized later
            language=_str(record.get("language")),
            source_kind="jsonl",
            source=where,
        )
    if not seen_any_line:
        raise InputError(source, "empty input")


def _kind(value: object) -> str:
    return {dict: "an object", list: "a list", bool: "true or false"}.get(type(value), f"a {type(value).__name__}")


def _str(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    return None
