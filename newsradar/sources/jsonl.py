"""JSON Lines: one article object per line. Only ``text`` is required; ``id`` is kept as
``external_id``; unknown fields are ignored. A bad line is reported and skipped."""

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
        text = record.get("text")
        if not isinstance(text, str) or not text.strip():
            warn(f"{where}: no \"text\" field with content; skipped")
            continue
        external_id = record.get("id")
        yield Article(
            text=text,
            title=_str(record.get("title")),
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


def _str(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    return None
