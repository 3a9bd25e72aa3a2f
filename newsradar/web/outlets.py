"""Outlets on the web: the list of publishers (/outlets), one outlet's page (/outlets/ID: keyed by
the outlet's id, which a rename keeps), and the same in the JSON API (/api/v1/outlets)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from markupsafe import Markup
from pydantic import BaseModel, Field

from ..export import iso
from ..store import browse
from ..store import framing as framing_store
from ..store import outlets as outlet_store
from . import charts
from .api import articles_json
from .common import json_response, require_read, require_write, store_of
from .pages import render

router = APIRouter(dependencies=[Depends(require_read)], include_in_schema=False)
api_router = APIRouter(prefix="/api/v1", dependencies=[Depends(require_read)], tags=["api"])


def _outlet_json(outlet: dict) -> dict:
    return {k: iso(v) for k, v in outlet.items()}


@router.get("/outlets")
def outlets_page(request: Request, name: str | None = None):
    """Every outlet: a publisher, with its domains and the sections (feeds) it arrives through.
    ``?name=`` goes to that outlet's page (links from articles, which carry the name)."""
    with store_of(request).connect() as conn:
        if name:
            return RedirectResponse(f"/outlets/{outlet_store.get(conn, name)['id']}", status_code=303)
        found = outlet_store.listing(conn, limit=1000)
    return render(request, "outlets.html", outlets=found)


@router.get("/outlets/{outlet_id}")
def outlet_page(request: Request, outlet_id: int):
    """One outlet: its domains and sections, volume over time, its framing (tone, loaded-language
    rate, tone toward the actors it names most, whom it quotes) and latest articles."""
    store = store_of(request)
    with store.connect() as conn:
        outlet = outlet_store.by_id(conn, outlet_id)
    volume = browse.coverage(store, browse.Filters("", outlet["name"], None, None, None))
    chart = charts.volume_svg(volume, f"Articles of {outlet['name']} per day")
    return render(request, "outlet.html", outlet=outlet, articles=store.list_articles(limit=50, outlet=outlet["name"]),
                  chart=Markup(chart), profile=framing_store.outlet_profile(store, outlet["name"]))


@api_router.get("/outlets")
def outlets_api(request: Request):
    """Outlets by number of articles: name, domains, sections, counts, first and last published,
    and the lean, country and owner the user gave (newsradar ships no ratings)."""
    with store_of(request).connect() as conn:
        found = outlet_store.listing(conn, limit=1000)
    return json_response(request, {"items": [_outlet_json(o) for o in found]})


@api_router.get("/outlets/{outlet_id}")
def outlet_api(request: Request, outlet_id: int):
    """One outlet by its id: volume per day, framing profile and latest articles."""
    store = store_of(request)
    with store.connect() as conn:
        outlet = _outlet_json(outlet_store.by_id(conn, outlet_id))
    outlet["volume"] = [{"day": d, "articles": n} for d, n in browse.coverage(
        store, browse.Filters("", outlet["name"], None, None, None))]
    outlet["framing"] = framing_store.outlet_profile(store, outlet["name"])
    outlet["articles"] = articles_json(request, store.list_articles(limit=50, outlet=outlet["name"]))
    return json_response(request, outlet)


class OutletIn(BaseModel):
    """What the user says of an outlet (newsradar ships no ratings); fields left out stay as they are."""

    lean: str | None = Field(None, description="left, center-left, center, center-right or right.")
    country: str | None = Field(None, description="ISO 3166 alpha-3 (USA, GBR, VEN…).")
    owner: str | None = None
    name: str | None = Field(None, description="A new name (a rename: kept, applied to articles that arrive).")


@api_router.patch("/outlets/{outlet_id}", dependencies=[Depends(require_write)],
                  summary="Describe or rename an outlet (needs the API token)")
def outlet_patch(request: Request, outlet_id: int, body: OutletIn):
    store = store_of(request)
    with store.connect(write=True) as conn:
        name = outlet_store.by_id(conn, outlet_id)["name"]
        if body.lean is not None or body.country is not None or body.owner is not None:
            outlet_store.describe(conn, name, body.lean, body.country, body.owner)
        if body.name is not None and body.name != name:
            name = outlet_store.rename(conn, name, body.name).new  # cleaned, and through earlier renames
        found = outlet_store.get(conn, name)
    return json_response(request, _outlet_json(found))
