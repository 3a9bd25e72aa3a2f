"""A topic's stories as an Atom feed (RFC 4287) and a JSON Feed (version 1.1): newsradar as a
feed source. One entry per story, pointing at its story page, with its latest matching article
as the related link."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from .. import __version__
from ..export import iso

ATOM = "http://www.w3.org/2005/Atom"


def _updated(items: list[dict]) -> datetime:
    times = [i["last_published"] for i in items if i.get("last_published")]
    return max(times) if times else datetime(1970, 1, 1, tzinfo=UTC)


def _summary(story: dict) -> str:
    sentences = [s.get("text", "") for s in story.get("summary") or []]
    return " ".join(sentences) or story["excerpt"]["text"]


def atom(title: str, self_url: str, page_url: str, items: list[dict], story_url) -> bytes:
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(feed, f"{{{ATOM}}}id").text = self_url
    ET.SubElement(feed, f"{{{ATOM}}}title").text = title
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = _updated(items).isoformat()
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=self_url, type="application/atom+xml")
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="alternate", href=page_url, type="text/html")
    ET.SubElement(feed, f"{{{ATOM}}}generator", version=__version__).text = "newsradar"
    for story in items:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        url = story_url(story["id"])
        ET.SubElement(entry, f"{{{ATOM}}}id").text = url
        ET.SubElement(entry, f"{{{ATOM}}}title").text = story["title"] or story["lead"]["title"] or "(untitled)"
        when = story.get("last_published") or story.get("first_published")
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = (when or _updated(items)).isoformat()
        if story.get("first_published"):
            ET.SubElement(entry, f"{{{ATOM}}}published").text = story["first_published"].isoformat()
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", href=url, type="text/html")
        lead_url = story["lead"].get("url")
        if lead_url and lead_url.lower().startswith(("http://", "https://")):
            ET.SubElement(entry, f"{{{ATOM}}}link", rel="related", href=lead_url)
        author = ET.SubElement(entry, f"{{{ATOM}}}author")
        ET.SubElement(author, f"{{{ATOM}}}name").text = ", ".join(story.get("outlets") or []) or "newsradar"
        ET.SubElement(entry, f"{{{ATOM}}}summary", type="text").text = _summary(story)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8")


def json_feed(title: str, self_url: str, page_url: str, items: list[dict], story_url, next_url: str | None) -> bytes:
    entries: list[dict] = []
    document: dict = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": title,
        "home_page_url": page_url,
        "feed_url": self_url,
        "items": entries,
    }
    if next_url:
        document["next_url"] = next_url
    for story in items:
        lead_url = story["lead"].get("url")
        item = {
            "id": story_url(story["id"]),
            "url": story_url(story["id"]),
            "title": story["title"] or story["lead"]["title"] or "(untitled)",
            "content_text": _summary(story),
            "date_published": iso(story.get("first_published")),
            "date_modified": iso(story.get("last_published")),
            "authors": [{"name": name} for name in story.get("outlets") or []],
            "_newsradar": {"story_id": story["id"], "article_count": story["article_count"],
                           "lead_article_id": story["lead"]["id"]},
        }
        if lead_url and lead_url.lower().startswith(("http://", "https://")):
            item["external_url"] = lead_url
        entries.append({k: v for k, v in item.items() if v is not None})
    return json.dumps(document, ensure_ascii=False, indent=1).encode()
