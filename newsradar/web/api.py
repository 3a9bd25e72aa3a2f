"""The JSON API under /api/v1: the pages' data for programs. Lists are cursor-paged
(``next_cursor``), responses carry ETags, errors have one shape (``errors.error_body``), writes
need the API token."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

import anyio
from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from .. import alerts
from ..actors.profile import profile
from ..errors import InputError
from ..events.lexicon import TYPES as EVENT_TYPES
from ..export import document_article, document_story, with_stage_fields
from ..poll import probe_feed
from ..store import articles as article_store
from ..store import browse, leases
from ..store import entities as entity_store
from ..store import events as event_store
from ..store import failures as failure_store
from ..store import feeds as feed_store
from ..store import quotes as quote_store
from ..store import stories as story_store
from ..store import topics as topic_store
from .common import (
    auth_of,
    check_search_rate,
    filters_from,
    json_response,
    parse_day,
    require_read,
    require_write,
    store_of,
)
from .errors import ApiError

router = APIRouter(prefix="/api/v1", dependencies=[Depends(require_read)], tags=["api"])

Limit = Annotated[int, Query(ge=1, le=100, description="Items per page (1–100).")]
Cursor = Annotated[str | None, Query(description="next_cursor of the previous page.")]
Q = Annotated[str | None, Query(description='Words, "exact phrases", OR, and -excluded words.')]
Outlet = Annotated[str | None, Query(description="Only articles of this outlet.")]
Language = Annotated[str | None, Query(description="Only articles in this language (ISO 639-1).")]
Since = Annotated[str | None, Query(description="Published on or after (YYYY-MM-DD).")]
Until = Annotated[str | None, Query(description="Published before (YYYY-MM-DD).")]


def _page(request: Request, page: browse.Page, items: list) -> dict:
    next_url = None
    if page.next_cursor:
        next_url = str(request.url.include_query_params(cursor=page.next_cursor))
    return {"items": items, "next_cursor": page.next_cursor, "next": next_url}


def articles_json(request: Request, records: list[dict], full: bool = False) -> list[dict]:
    """Articles as the API shows them, with what the stages add (tone, loaded terms, entity tone)."""
    return with_stage_fields(store_of(request), [article_json(r, full) for r in records])


def article_json(record: dict, full: bool = False) -> dict:
    data = document_article(record)
    data["ingested_at"] = record.get("ingested_at")
    if not full:
        data["excerpt"] = browse.excerpt(record.get("summary") or record.get("text"))
        del data["text"]
    return data


def story_json(story: dict) -> dict:
    data = document_story(story)
    if "lead" in story:
        data["lead"] = story["lead"]
    if "excerpt" in story:  # the most representative, least loaded article's
        data["excerpt"] = story["excerpt"]
    return data


def topic_json(topic: topic_store.Topic) -> dict:
    return {"name": topic.name, "query": topic.query, "outlet": topic.outlet, "language": topic.language,
            "since": topic.since, "until": topic.until, "created_at": topic.created_at,
            "atom": f"/topics/{topic.name}/atom.xml", "json_feed": f"/topics/{topic.name}/feed.json"}


def feed_json(feed) -> dict:
    return {"id": feed.id, "url": feed.url, "outlet": feed.outlet, "title": feed.title,
            "interval_seconds": feed.interval_seconds, "full_text": feed.full_text, "paused": feed.paused,
            "last_fetch_at": feed.last_fetch_at, "last_success_at": feed.last_success_at,
            "last_status": feed.last_status, "error_count": feed.error_count, "last_error": feed.last_error,
            "next_poll_at": feed.next_poll_at, "articles_count": feed.articles_count, "created_at": feed.created_at}


@router.get("/stats", summary="Counts of articles, duplicates, stories, outlets and languages")
def stats(request: Request):
    return json_response(request, store_of(request).stats())


@router.get("/stories", summary="Stories newest first, optionally those matching a query and filters")
def stories(request: Request, q: Q = None, outlet: Outlet = None, language: Language = None, since: Since = None,
            until: Until = None, cursor: Cursor = None, limit: Limit = 20):
    page = browse.story_page(store_of(request), filters_from(q, outlet, language, since, until), cursor, limit)
    return json_response(request, _page(request, page, [story_json(s) for s in page.items]))


@router.get("/stories/{story_id}", summary="One story: its articles, coverage per day, merge/split history and why each article is in it")
def story(request: Request, story_id: int):
    store = store_of(request)
    found = story_store.detail(store, story_id)
    data = story_json(found)
    data["articles"] = articles_json(request, found["articles"])
    data["coverage"] = [{"day": d, "articles": n} for d, n in browse.coverage(store, story_id=found["id"])]
    data["history"] = found["history"]
    data["decisions"] = found["decisions"]
    data["quotes"] = _who_said_what(quote_store.who_said_what(store, found["id"]))
    data["events"] = [event_json(e) for e in event_store.story_events(store, found["id"])]
    if found["id"] != story_id:
        data["merged_from"] = story_id
    return json_response(request, data)


@router.get("/articles", summary="Articles newest first, with filters")
def articles(request: Request, q: Q = None, outlet: Outlet = None, language: Language = None, since: Since = None,
             until: Until = None, story_id: int | None = None, cursor: Cursor = None, limit: Limit = 20):
    page = browse.article_page(store_of(request), filters_from(q, outlet, language, since, until), cursor, limit,
                               story_id=story_id)
    return json_response(request, _page(request, page, articles_json(request, page.items)))


@router.get("/articles/{article_id}", summary="One article with its text, duplicates, sightings and entities")
def article(request: Request, article_id: int):
    found = article_store.detail(store_of(request), article_id)
    data = articles_json(request, [found["article"]], full=True)[0]
    data["duplicates"] = [a["id"] for a in found["duplicates"]]
    data["sightings"] = found["sightings"]
    data["story"] = story_json(found["story"]) if found["story"] else None
    data["entities"] = found["entities"]
    data["quotes"] = quote_store.listing(store_of(request), quote_store.QuoteFilters(article_id=article_id), limit=500)
    data["events"] = [event_json(e) for e in event_store.for_articles(store_of(request), [found["article"]["id"]])]
    return json_response(request, data)


@router.get("/search", summary="Full-text search with highlighted snippets (rate-limited per client)")
def search(request: Request, q: Annotated[str, Query(min_length=1, description="The query.")],
           sort: Annotated[str, Query(pattern="^(relevance|date)$")] = "relevance",
           outlet: Outlet = None, language: Language = None, since: Since = None, until: Until = None,
           cursor: Cursor = None, limit: Limit = 20):
    check_search_rate(request)
    page = browse.search_page(store_of(request), filters_from(q, outlet, language, since, until), sort, cursor, limit)
    items = []
    for hit in page.items:
        snippet = hit.pop("snippet") or ""
        hit["snippet"] = snippet.replace(browse.MARK_START, "").replace(browse.MARK_END, "")
        hit["highlights"] = _highlights(snippet)
        items.append(hit)
    return json_response(request, _page(request, page, items))


def _highlights(snippet: str) -> list[list[int]]:
    """[start, end) character ranges of the matches in the unmarked snippet."""
    ranges, plain_len, start = [], 0, None
    for char in snippet:
        if char == browse.MARK_START:
            start = plain_len
        elif char == browse.MARK_END:
            if start is not None:
                ranges.append([start, plain_len])
            start = None
        else:
            plain_len += 1
    return ranges


# --- feeds ----------------------------------------------------------------------------------------

class FeedIn(BaseModel):
    url: str = Field(description="The feed's http(s) URL; fetched once through the safe fetcher to check it.")
    outlet: str | None = Field(None, description="The outlet of its articles, over the one named from their web address (the feed's title is kept as their section).")
    interval_seconds: int = Field(900, ge=60, le=7 * 86400)
    full_text: bool = True


@router.get("/feeds", summary="Feed subscriptions and their health")
def feeds(request: Request):
    return json_response(request, {"items": [feed_json(f) for f in feed_store.all_feeds(store_of(request))]})


async def subscribe(request: Request, url: str, outlet: str | None, interval: int, full_text: bool):
    """Check a feed through the safe fetcher, then subscribe; (feed, created)."""
    url = url.strip()
    if not url.lower().startswith(("http://", "https://")) or len(url) > 2000:
        raise ApiError(422, f"{url[:100]!r} is not an http(s) URL")
    try:
        title = await probe_feed(url)
    except InputError as exc:
        raise ApiError(422, f"not subscribed: {exc}") from exc
    store = store_of(request)
    return await anyio.to_thread.run_sync(
        lambda: feed_store.add(store, url, outlet or None, interval, full_text, title=title))


@router.post("/feeds", status_code=201, dependencies=[Depends(require_write)],
             summary="Subscribe to a feed (needs the API token)")
async def add_feed(request: Request, body: FeedIn):
    feed, created = await subscribe(request, body.url, body.outlet, body.interval_seconds, body.full_text)
    return json_response(request, {**feed_json(feed), "created": created}, status=201 if created else 200)


@router.delete("/feeds/{feed_id}", dependencies=[Depends(require_write)], summary="Unsubscribe (needs the API token)")
def remove_feed(request: Request, feed_id: int):
    feed = feed_store.remove(store_of(request), feed_id)
    return json_response(request, {"removed": feed_json(feed)})


@router.get("/workers", summary="`newsradar worker` and `backfill` processes on this store: last seen, state, work done, leases held")
def workers(request: Request):
    return json_response(request, {"items": leases.workers(store_of(request))})


@router.get("/failures", summary="Inputs that failed to ingest, the latest first: what, why, when, attempts")
def failures(request: Request, limit: Limit = 50):
    return json_response(request, {"items": failure_store.recent(store_of(request), limit)})


# --- topics ---------------------------------------------------------------------------------------

class TopicIn(BaseModel):
    name: str = Field(description="1–64 lower-case letters, digits, - or _.")
    query: str = ""
    outlet: str | None = None
    language: str | None = None
    since: str | None = Field(None, description="YYYY-MM-DD")
    until: str | None = Field(None, description="YYYY-MM-DD")
    replace: bool = False


@router.get("/topics", summary="Saved topics")
def topics(request: Request):
    return json_response(request, {"items": [topic_json(t) for t in topic_store.all_topics(store_of(request))]})


@router.post("/topics", status_code=201, dependencies=[Depends(require_write)], summary="Save a topic (needs the API token)")
def add_topic(request: Request, body: TopicIn):
    topic, created = topic_store.add(store_of(request), body.name, body.query, body.outlet, body.language,
                                     parse_day(body.since, "since"), parse_day(body.until, "until"), body.replace)
    return json_response(request, {**topic_json(topic), "created": created}, status=201 if created else 200)


@router.get("/topics/{name}", summary="One topic and the first page of its stories")
def topic(request: Request, name: str, cursor: Cursor = None, limit: Limit = 20):
    found = topic_store.get(store_of(request), name)
    page = browse.story_page(store_of(request), browse.Filters(**found.filters()), cursor, limit)
    return json_response(request, {**topic_json(found), **_page(request, page, [story_json(s) for s in page.items])})


@router.delete("/topics/{name}", dependencies=[Depends(require_write)], summary="Remove a topic (needs the API token)")
def remove_topic(request: Request, name: str):
    return json_response(request, {"removed": topic_json(topic_store.remove(store_of(request), name))})


class AlertIn(BaseModel):
    webhook: str | None = Field(None, description="An http(s) URL to POST each alert to as signed JSON.")
    email: str | None = Field(None, description="An e-mail address (give a webhook or an address).")
    every: str = Field("now", description="E-mail: now, hour or day (a digest). Webhooks: now.")
    min_outlets: int = Field(alerts.DEFAULT_MIN_OUTLETS,
                             description="Also alert when a story grows to be covered by this many outlets; 0: never.")
    secret: str | None = Field(None, description="The webhook's HMAC key (16+ characters); default: a new random one.")


@router.get("/topics/{name}/alerts", summary="A topic's alerts and their latest deliveries (targets in full with the API token)")
def topic_alerts(request: Request, name: str):
    full = auth_of(request).authenticated(request)
    views = alerts.listing(store_of(request), name, recent=10)
    return json_response(request, {"items": [alerts.alert_record(view, full) for view in views]})


@router.post("/topics/{name}/alerts", status_code=201, dependencies=[Depends(require_write)],
             summary="Alert on a topic by webhook or e-mail (needs the API token); a webhook's secret is in this answer only")
def add_topic_alert(request: Request, name: str, body: AlertIn):
    alert = alerts.add(store_of(request), name, webhook=body.webhook, email=body.email, secret=body.secret,
                       every=body.every, min_outlets=body.min_outlets)
    record = alerts.alert_record(alerts.AlertView(alert, dict.fromkeys(("pending", "sent", "failed", "skipped"), 0), []))
    return json_response(request, {**record, "secret": alert.secret}, status=201)


@router.delete("/topics/{name}/alerts/{alert_id}", dependencies=[Depends(require_write)],
               summary="Remove one of a topic's alerts with its deliveries (needs the API token)")
def remove_topic_alert(request: Request, name: str, alert_id: int):
    alert = alerts.remove(store_of(request), name, alert_id)
    return json_response(request, {"removed": {"id": alert.id, "topic": alert.topic, "kind": alert.kind}})


# --- entities -------------------------------------------------------------------------------------

@router.get("/entities", summary="Entities, the most mentioned first")
def entities(request: Request, q: Annotated[str | None, Query(description="Name contains.")] = None,
             type: Annotated[str | None, Query(description="PERSON, ORG, GPE, NORP, LOC, FAC or PRODUCT (a named vessel).")] = None,  # noqa: A002
             cursor: Cursor = None, limit: Limit = 20):
    offset = (browse.decode_cursor(cursor, ("o",)) or {"o": 0})["o"]
    found = entity_store.listing(store_of(request), limit + 1, int(offset), type, q)
    page = browse.Page(found[:limit], browse.encode_cursor({"o": int(offset) + limit}) if len(found) > limit else None)
    return json_response(request, _page(request, page, page.items))


@router.get("/entities/{entity_id}", summary="One entity: aliases, titles, articles, outlets, co-mentioned entities, known roles with their sources")
def entity(request: Request, entity_id: int):
    found = entity_store.get(store_of(request), entity_id)
    if found["id"] != entity_id:
        raise ApiError(404, f"no entity {entity_id}")
    found["mentions_per_day"] = [{"day": d, "articles": n} for d, n in entity_store.mentions_per_day(store_of(request), entity_id)]
    found["known"] = profile(found.get("dictionary_id"))
    quoted = quote_store.quoted_by(store_of(request), entity_id)
    found["quoted"] = quoted["quotes"][:100]
    found["quoted_by"] = [{"outlet": o, "quotes": n} for o, n in quoted["outlets"]]
    for role in ("source", "target"):
        found[f"events_as_{role}"] = [event_json(e) for e in event_store.listing(
            store_of(request), event_store.EventFilters(entity_id=entity_id, role=role), limit=50)]
    return json_response(request, found)


@router.get("/articles/{article_id}/entities", summary="The entity mentions of one article, with character offsets")
def article_entities(request: Request, article_id: int):
    if not store_of(request).get_articles([article_id]):
        raise ApiError(404, f"no article {article_id}")
    return json_response(request, {"items": entity_store.article_mentions(store_of(request), article_id)})


# --- quotes ---------------------------------------------------------------------------------------

def _who_said_what(found: dict) -> dict:
    """A story's speakers (each with what they said and the outlets that carried it), the sides
    each outlet quoted nobody from, and source diversity."""
    return {"speakers": [{"speaker": s["speaker"], "entity_id": s["entity_id"], "country": s["country"],
                          "sector": s["sector"], "speaker_type": s["speaker_type"], "outlets": s["outlets"],
                          "quotes": [{k: q[k] for k in ("id", "article_id", "outlet", "cue", "kind", "content",
                                                        "speaker", "hedged", "denial", "question")}
                                     for q in s["quotes"]]} for s in found["speakers"]],
            "outlets": found["outlets"], "sides": found["sides"], "quoted_nobody_from": found["silent"],
            "diversity": found["diversity"], "diversity_by_outlet": found["by_outlet"]}


@router.get("/quotes/sources", summary="Source diversity per outlet: quotes, speakers, anonymous and official shares")
def quote_sources(request: Request, since: Since = None):
    return json_response(request, {"items": quote_store.by_outlet(store_of(request), parse_day(since, "since"))})


@router.get("/quotes", summary="Quotes (who said what), newest articles first, with filters and full-text search")
def quotes(request: Request, q: Annotated[str | None, Query(description='Full text over speaker, cue and content: words, "phrases", OR, -word.')] = None,
           speaker: Annotated[str | None, Query(description="Speaker as written or resolved name contains.")] = None,
           story_id: int | None = None, entity_id: int | None = None, article_id: int | None = None,
           outlet: Outlet = None, since: Since = None,
           kind: Annotated[str | None, Query(pattern="^(direct|indirect|mixed|according_to)$")] = None,
           cursor: Cursor = None, limit: Limit = 20):
    if q:
        check_search_rate(request)  # full text costs what article search does: the same limit
    store = store_of(request)
    if story_id is not None:
        resolved = story_store.resolve(store, story_id)
        if resolved is None:
            raise ApiError(404, f"no story {story_id}")
        story_id = resolved
    offset = (browse.decode_cursor(cursor, ("o",)) or {"o": 0})["o"]
    filters = quote_store.QuoteFilters(speaker=speaker, story_id=story_id, outlet=outlet, since=parse_day(since, "since"),
                                       entity_id=entity_id, article_id=article_id, query=q,
                                       kinds=(kind,) if kind else ())
    found = quote_store.listing(store, filters, limit + 1, int(offset))
    page = browse.Page(found[:limit], browse.encode_cursor({"o": int(offset) + limit}) if len(found) > limit else None)
    return json_response(request, _page(request, page, page.items))


# --- events ---------------------------------------------------------------------------------------

_DYAD_KEY = re.compile(r"^([A-Za-z]{3})-([A-Za-z]{3})$")
_SECTOR = re.compile(r"^[A-Za-z]{2,6}$")


def event_json(event: dict) -> dict:
    """An event (or a story's event with its ``reports``) as JSON: dates as ISO strings."""
    data = dict(event)
    published = data.get("published")
    if isinstance(published, datetime):
        data["published"] = published.isoformat()
    if "reports" in data:
        data["reports"] = [event_json(r) for r in data["reports"]]
    return data


def event_type(value: str | None) -> str | None:
    """A PLOVER type (any case) in upper case; ApiError 400 for any other word."""
    if value is None or not value.strip():
        return None
    if value.strip().upper() not in EVENT_TYPES:
        raise ApiError(400, f"type={value[:40]!r} is not an event type; use one of {', '.join(EVENT_TYPES)}")
    return value.strip().upper()


def sector_code(value: str | None, name: str) -> str | None:
    if value is None or not value.strip():
        return None
    if not _SECTOR.match(value.strip()):
        raise ApiError(400, f"{name}={value[:40]!r} is not a sector code (GOV, MIL, OPP, ...)")
    return value.strip().upper()


def dyad_key(key: str) -> tuple[str, str]:
    """"USA-VEN" → ("USA", "VEN"): two three-letter actor country codes (ISO alpha-3, IGO, NGO, or
    XXX for actors with no country); ApiError 400 for anything else."""
    match = _DYAD_KEY.match(key.strip())
    if not match:
        raise ApiError(400, f"{key[:40]!r} is not a dyad: use SOURCE-TARGET country codes, e.g. USA-VEN "
                            f"({event_store.NO_COUNTRY} for actors with no country)")
    return match.group(1).upper(), match.group(2).upper()


def dyad_detail(request: Request, key: str, source_sector: str | None, target_sector: str | None) -> dict:
    """One dyad (``event_store.dyad``); 404 when no event was coded between the two sides."""
    source, target = dyad_key(key)
    found = event_store.dyad(store_of(request), source, target, sector_code(source_sector, "source_sector"),
                             sector_code(target_sector, "target_sector"))
    if not found["events"] and found["source_sector"] is None and found["target_sector"] is None:
        raise ApiError(404, f"no events coded from {source} to {target}")
    return found


Role = Annotated[str | None, Query(pattern="^(source|target)$", description="With entity_id: the entity's side.")]


@router.get("/events", summary="Coded events (PLOVER type, source → target, trigger, date, intensity), newest articles first")
def events(request: Request, type: Annotated[str | None, Query(description=f"One of {', '.join(EVENT_TYPES)}.")] = None,  # noqa: A002
           source: Annotated[str | None, Query(description="Source actor as written, its name, or a country code.")] = None,
           target: Annotated[str | None, Query(description="Target actor as written, its name, or a country code.")] = None,
           since: Annotated[str | None, Query(description="The event's day (else its article's) on or after (YYYY-MM-DD).")] = None,
           story_id: int | None = None, entity_id: int | None = None, role: Role = None,
           certain: Annotated[bool, Query(description="Leave out negated and hypothetical events.")] = False,
           offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0, cursor: Cursor = None, limit: Limit = 50):
    store = store_of(request)
    if role and entity_id is None:
        raise ApiError(400, "role needs entity_id")
    if story_id is not None:
        resolved = story_store.resolve(store, story_id)
        if resolved is None:
            raise ApiError(404, f"no story {story_id}")
        story_id = resolved
    day = parse_day(since, "since")
    filters = event_store.EventFilters(type=event_type(type), source=source or None, target=target or None,
                                       since=day.date() if day else None, story_id=story_id, entity_id=entity_id,
                                       role=role, certain=certain)
    if cursor:
        offset = int((browse.decode_cursor(cursor, ("o",)) or {"o": 0})["o"])
    found = event_store.listing(store, filters, limit + 1, offset)
    page = browse.Page(found[:limit], browse.encode_cursor({"o": offset + limit}) if len(found) > limit else None)
    return json_response(request, _page(request, page, [event_json(e) for e in page.items]))


@router.get("/dyads", summary="The most active dyads (source country → target country) over asserted events")
def dyads(request: Request, since: Annotated[str | None, Query(description="Events on or after (YYYY-MM-DD).")] = None,
          limit: Limit = 20):
    day = parse_day(since, "since")
    found = event_store.dyads(store_of(request), limit, day.date() if day else None)
    return json_response(request, {"items": found})


@router.get("/dyads/{key}", summary="One dyad (e.g. USA-VEN): its events, counts by type, and escalation per day")
def dyad(request: Request, key: str, source_sector: str | None = None, target_sector: str | None = None,
         limit: Annotated[int, Query(ge=1, le=500, description="How many of its latest events to list.")] = 100):
    found = dyad_detail(request, key, source_sector, target_sector)
    events_total = len(found["events"])
    found["events"] = [event_json(e) for e in found["events"][:limit]]
    found["events_total"] = events_total
    return json_response(request, found)
