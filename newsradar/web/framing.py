"""Framing on the web: /blindspots (stories only one side covered) and the JSON of a story's
side-by-side framing (/api/v1/stories/ID/framing, /api/v1/blindspots). The story page's "How
outlets told it" is rendered by pages.py from the same ``store.framing.story_framing``."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from ..export import iso
from ..store import framing as framing_store
from ..store import stories as story_store
from .common import json_response, require_read, store_of
from .pages import render

router = APIRouter(dependencies=[Depends(require_read)], include_in_schema=False)
api_router = APIRouter(prefix="/api/v1", dependencies=[Depends(require_read)], tags=["api"])


def _blindspots(request: Request) -> list[dict]:
    store = store_of(request)
    found = framing_store.blindspots(store)
    stories = {s["id"]: s for s in story_store.stories(store, [b["story_id"] for b in found])}
    return [{**b, "title": stories[b["story_id"]]["title"], "articles": len(stories[b["story_id"]]["article_ids"])}
            for b in found if b["story_id"] in stories]


@router.get("/blindspots")
def blindspots_page(request: Request):
    """Stories that outlets of only one side (as the user described the outlets' leans) covered."""
    return render(request, "blindspots.html", blindspots=_blindspots(request))


@api_router.get("/blindspots", summary="Stories covered by outlets of only one side (by the leans users gave)")
def blindspots_api(request: Request):
    return json_response(request, {"items": _blindspots(request)})


@api_router.get("/stories/{story_id}/framing", summary="How each outlet told a story, side by side")
def story_framing_api(request: Request, story_id: int):
    store = store_of(request)
    story_store.detail(store, story_id)  # 404 for a story that does not exist
    told = framing_store.story_framing(store, story_id)
    for outlet in told["outlets"]:
        for article in outlet["articles"]:
            article["published"] = iso(article["published"])
    return json_response(request, told)
