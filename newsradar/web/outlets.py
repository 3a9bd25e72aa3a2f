"""Outlets on the web: the list of publishers (/outlets), one outlet's page (/outlets/ID: keyed by
the outlet's id, which a rename keeps), and the same in the JSON API (/api/v1/outlets)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse

from ..export import iso
from ..store import outlets as outlet_store
from .api import article_json
from .common import json_response, require_read, store_of
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
    """One outlet: its domains, sections and latest articles."""
    store = store_of(request)
    with store.connect() as conn:
        outlet = outlet_store.by_id(conn, outlet_id)
    return render(request, "outlet.html", outlet=outlet, articles=store.list_articles(limit=50, outlet=outlet["name"]))


@api_router.get("/outlets")
def outlets_api(request: Request):
    """Outlets by number of articles: name, domains, sections, counts, first and last published,
    and the lean, country and owner the user gave (newsradar ships no ratings)."""
    with store_of(request).connect() as conn:
        found = outlet_store.listing(conn, limit=1000)
    return json_response(request, {"items": [_outlet_json(o) for o in found]})


@api_router.get("/outlets/{outlet_id}")
def outlet_api(request: Request, outlet_id: int):
    """One outlet by its id, with its latest articles."""
    store = store_of(request)
    with store.connect() as conn:
        outlet = _outlet_json(outlet_store.by_id(conn, outlet_id))
    outlet["articles"] = [article_json(a) for a in store.list_articles(limit=50, outlet=outlet["name"])]
    return json_response(request, outlet)
