"""Choosing where the NLP stage runs: ``open_engine("local")`` (``analysis.LocalEngine``) or
``open_engine("ray", address)`` (``rayengine.RayEngine``, imported only when asked for: Ray is an
optional dependency)."""

from __future__ import annotations

from typing import Any

from .analysis import LocalEngine


def open_engine(name: str = "local", address: str | None = None, workers: int | None = None) -> Any:
    """The engine called ``name``: "local", or "ray" (on the cluster at ``address`` or
    ``RAY_ADDRESS``, else a local Ray instance; ``workers`` actors, default one per CPU)."""
    if name == "local":
        return LocalEngine(workers)
    if name == "ray":
        from .rayengine import RayEngine

        return RayEngine(address, workers)
    raise ValueError(f"unknown engine {name!r}: use local or ray")
