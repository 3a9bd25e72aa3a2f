"""What newsradar knows of an actor, with where each fact comes from: the roles (country, sector,
office, from–to) of a dictionary entry, from the hand-written dictionary ("newsradar") or the world
knowledge base (its source per role: wikidata, cia_world_leaders, everypolitician, partyfacts,
ucdp, phoenix). Entity pages, the API and ``entities show`` show it."""

from __future__ import annotations

from datetime import date

from ..errors import NewsradarError
from . import knowledge
from .dictionary import load_dictionary

SOURCE_NAMES = {"newsradar": "newsradar's dictionary", "wikidata": "Wikidata",
                "cia_world_leaders": "CIA World Leaders (2019)", "everypolitician": "EveryPolitician (2015)",
                "partyfacts": "Party Facts", "ucdp": "UCDP Actor Dataset 22.1", "phoenix": "Phoenix dictionaries (2015)"}


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def profile(dictionary_id: str | None) -> dict | None:
    """{"ref", "name", "wikidata", "sources", "roles": [{country, sector, title, start, end, as_of,
    source, source_name}]} for a dictionary entry's id, or None when it names no known actor."""
    if not dictionary_id:
        return None
    if dictionary_id.startswith("kb:"):
        try:
            base = knowledge.knowledge()
        except NewsradarError:  # an index that cannot be compiled here: the page shows the rest
            base = None
        known = base.by_ref(dictionary_id) if base is not None else None
        if known is None:
            return None
        roles = sorted((r.as_dict() for r in known.roles), key=lambda r: (r["start"] or "", r["end"] or ""), reverse=True)
        for role in roles:
            role["source_name"] = SOURCE_NAMES.get(role["source"], role["source"])
        return {"ref": known.ref, "name": known.name, "type": known.type, "wikidata": known.wikidata,
                "sources": known.sources, "roles": roles}
    actor = load_dictionary().actors.get(dictionary_id)
    if actor is None:
        return None
    roles = [{"country": r.country, "sector": r.sector, "title": r.title, "start": _iso(r.start), "end": _iso(r.end),
              "as_of": None, "source": "newsradar", "source_name": SOURCE_NAMES["newsradar"]} for r in actor.roles]
    if not roles and (actor.country or actor.sector):
        roles = [{"country": actor.country, "sector": actor.sector, "title": None, "start": None, "end": None,
                  "as_of": None, "source": "newsradar", "source_name": SOURCE_NAMES["newsradar"]}]
    roles.sort(key=lambda r: (r["start"] or "", r["end"] or ""), reverse=True)
    return {"ref": actor.id, "name": actor.name, "type": actor.kind, "wikidata": None, "sources": ["newsradar"],
            "roles": roles}
