"""Bytes to text: BOMs, declared and guessed encodings, and a refusal for binary data."""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

from ..errors import InputError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode(data: bytes, source: str) -> str:
    """Decode text bytes: a BOM wins, then UTF-8, then the best guess (cp1252, latin-1, …).

    Raises InputError for empty or binary data."""
    if not data.strip():
        raise InputError(source, "empty input")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(encoding)
            except UnicodeDecodeError as exc:
                raise InputError(source, f"declares {encoding} with a byte-order mark but is not valid {encoding}: {exc.reason}") from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if looks_binary(data):
        raise InputError(source, "binary data, not text")
    best = from_bytes(data[:200_000]).best()
    encoding = best.encoding if best is not None else "cp1252"
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return data.decode("cp1252", errors="replace")


def looks_binary(data: bytes) -> bool:
    """True for data that no text encoding explains: NUL bytes (without a UTF-16/32 BOM) or many
    control bytes."""
    sample = data[:8192]
    if not sample:
        return False
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return controls / len(sample) > 0.05
