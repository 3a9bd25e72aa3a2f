"""Sources: every kind of input becomes ``Article`` records.

``read_input(spec, warn)`` takes what a user typed (a path, a directory, ``-`` or an http(s) URL)
and yields ``Input`` items, each with its own iterator of articles. Quirks of a format stay inside
its module; everything else sees only ``Article``."""

from __future__ import annotations

from .dispatch import SUPPORTED_SUFFIXES, Input, read_input, sniff_kind

__all__ = ["SUPPORTED_SUFFIXES", "Input", "read_input", "sniff_kind"]
