"""The analysis stages, registered in one place. ``registered()`` is what every run uses: the
spaCy pipeline is built from the stages' components, each article is parsed once, and every stage
reads that parse (``analysis.py``). Adding a stage: write its module (a ``Stage``), add its
migration, and register it here (docs/architecture.md, "Adding a stage")."""

from __future__ import annotations

from ..errors import NotFound
from .base import ArticleText, Stage
from .entities import STAGE as ENTITIES
from .events import STAGE as EVENTS
from .framing import STAGE as FRAMING
from .quotes import STAGE as QUOTES
from .terms import STAGE as TERMS

__all__ = ["ENTITIES", "EVENTS", "FRAMING", "QUOTES", "TERMS", "ArticleText", "Stage", "get", "register", "registered", "unregister"]

_REGISTRY: dict[str, Stage] = {}


def register(stage: Stage) -> Stage:
    """Add a stage (or replace the stage of that name); it runs after those registered before,
    whose results it may read (``Stage.needs``)."""
    missing = [name for name in stage.needs if name not in _REGISTRY or name == stage.name]
    if missing:
        raise ValueError(f"stage {stage.name!r} needs {', '.join(missing)}, which must be registered before it")
    _REGISTRY[stage.name] = stage
    return stage


def unregister(name: str) -> None:
    _REGISTRY.pop(name, None)


def registered() -> list[Stage]:
    return list(_REGISTRY.values())


def get(name: str) -> Stage:
    if name not in _REGISTRY:
        raise NotFound(f"no analysis stage {name!r}; the stages are {', '.join(_REGISTRY)}")
    return _REGISTRY[name]


register(TERMS)
register(ENTITIES)
register(QUOTES)
register(EVENTS)
register(FRAMING)
