"""Framing: how each outlet told a story, side by side in the terminal."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from .. import export
from ..store import framing as framing_store
from ..store import stories as story_store
from .common import DbOption, group, open_db, out, say, table

framing_app = group("framing", "Framing: tone, loaded language and how each outlet told a story.")


@framing_app.command("show")
def framing_show(story_id: Annotated[int, typer.Argument(help="The story's id (`stories list` shows them).")],
                 db: DbOption = None,
                 as_json: Annotated[bool, typer.Option("--json", help="The whole comparison as JSON.")] = False) -> None:
    """One story outlet by outlet: headline, tone, its own loaded terms (and those it quoted),
    tone toward the story's main actors, whom it quoted, and what it left out that two or more
    other outlets report."""
    with open_db(db) as store:
        story = story_store.detail(store, story_id)
        told = framing_store.story_framing(store, story["id"])
    if as_json:
        say(json.dumps(told, default=export.iso, ensure_ascii=False, indent=2))
        return
    say(f"story {story['id']}: {story['title'] or '(untitled)'}")
    if told["main_actors"]:
        say("main actors: " + ", ".join(f"{a['name']} ({a['outlets']})" for a in told["main_actors"]))
    shown = table("outlet", "headline", "tone", "loaded (own · quoted)", "toward", "left out")
    for outlet in told["outlets"]:
        first = outlet["articles"][0]
        tone = f"{first['tone']['tone']:+.1f}" if first["tone"] else f"— ({first['tone_reason'] or 'not analysed'})"
        loaded = ", ".join(f"{t['text']} [{t['category']}]" for t in first["loaded_terms"][:4])
        counts = f"{len(first['loaded_terms'])} · {len(first['quoted_terms'])}"
        toward = ", ".join(f"{t['name']} {t['tone']:+.2f}" for t in outlet["toward"] if t["tone"] is not None)
        left = outlet["left_out"]
        missing = ", ".join([a["name"] for a in left["actors"]] + left["figures"][:4])
        name = outlet["outlet"] + (f" ({outlet['lean']})" if outlet["lean"] else "")
        shown.add_row(name, first["title"] or "", tone, counts + ("\n" + loaded if loaded else ""), toward, missing)
    out.print(shown)
