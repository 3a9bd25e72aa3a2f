"""The HTML pages: server-rendered, readable without JavaScript, no inline script or style.

Article text is rendered as escaped paragraphs and then passed through an nh3 allow-list, so
nothing a feed carried can become markup; links are emitted only for http(s) URLs."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Annotated
from urllib.parse import urlencode

import nh3
from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from .. import __version__, alerts
from ..actors.knowledge import NOTICE
from ..actors.profile import profile
from ..store import articles as article_store
from ..store import browse, leases
from ..store import entities as entity_store
from ..store import events as event_store
from ..store import failures as failure_store
from ..store import feeds as feed_store
from ..store import framing as framing_store
from ..store import quotes as quote_store
from ..store import stories as story_store
from ..store import topics as topic_store
from . import charts, syndication
from .api import dyad_detail, subscribe
from .common import (
    HERE,
    auth_of,
    check_login_rate,
    check_search_rate,
    filters_from,
    json_response,
    parse_day,
    require_read,
    store_of,
)
from .errors import ApiError
from .security import CSRF_COOKIE, SESSION_COOKIE, SESSION_SECONDS

_ALLOWED_TAGS = {"p", "br", "mark", "a", "em", "strong", "ul", "ol", "li", "blockquote", "span"}

env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html", "xml"]),
                  trim_blocks=True, lstrip_blocks=True)


def safe_href(url: str | None) -> str | None:
    """The URL when it is http(s) (the only links we emit), else None."""
    if not url:
        return None
    url = url.strip()
    return url if re.match(r"^https?://[^\s]+$", url, re.IGNORECASE) else None


def paragraphs(value: str | None) -> Markup:
    """Plain text as sanitized paragraphs."""
    return linked_text(value, [])


def linked_text(value: str | None, mentions: list[dict], quotes: list[dict] | None = None,
                loaded: list[dict] | None = None) -> Markup:
    """Plain text as sanitized paragraphs, each entity mention a link to its entity page, each
    quotation highlighted with its speaker (``quotes``: the article's quotes in this field), each
    loaded term marked with its category (``loaded``: the article's loaded terms in this field)."""
    value = value or ""
    # quotation pieces, cut at paragraph breaks so no highlight crosses a paragraph
    spans: list[tuple[int, int, str]] = []
    for quote in sorted(quotes or [], key=lambda q: q["start"]):
        who = quote.get("speaker_name") or quote.get("speaker") or "unattributed"
        hint = f"{who} ({quote.get('cue') or 'quoted'}, {quote['kind'].replace('_', ' ')})"
        for start, end in quote.get("pieces") or [[quote["start"], quote["end"]]]:
            for match in re.finditer(r"[^\n]+", value[start:end]):
                piece = (start + match.start(), start + match.end(), hint)
                if piece[1] <= len(value) and (not spans or piece[0] >= spans[-1][1]):
                    spans.append(piece)
    edges = {p for s_, e, _ in spans for p in (s_, e)}
    events: list[tuple[int, int, str]] = []  # position, order at that position, html
    for start, end, hint in spans:
        events.append((start, 2, f'<span class="quote" title="{escape(hint)}">'))
        events.append((end, 1, "</span>"))
    linked_to = 0
    for mention in sorted(mentions, key=lambda m: m["start"]):
        start, end = mention["start"], mention["end"]
        if (start < linked_to or end > len(value) or value[start:end] != mention["text"]
                or any(start < p < end for p in edges)):
            continue  # overlapping, changed since the analysis, or across a quotation's edge
        coded = "/".join(x for x in (mention["country"], mention["sector"]) if x)
        hint = f"{mention['name']} ({mention['type']}{', ' + coded if coded else ''})"
        events.append((start, 3, f'<a class="entity entity-{mention["type"].lower()}" '
                                 f'href="/entities/{int(mention["entity_id"])}" title="{escape(hint)}">'))
        events.append((end, 0, "</a>"))
        linked_to = end
    links = _mention_spans(events)
    taken = 0
    for term in sorted(loaded or [], key=lambda t: t["start"]):
        start, end = term["start"], term["end"]
        if (start < taken or end > len(value) or any(start < p < end for p in edges)
                or any(a_start < end and start < a_end for a_start, a_end in links)):
            continue  # overlapping another mark, a link, or a quotation's edge
        whose = f" (in a quotation: {term.get('speaker') or 'the speaker'}'s words)" if term.get("in_quote") else ""
        events.append((start, 3, f'<mark class="loaded loaded-{escape(term["category"])}" '
                                 f'title="{escape(term["category"].replace("_", " ") + whose)}">'))
        events.append((end, 0, "</mark>"))
        taken = end
    pieces: list[str] = []
    position = 0
    for at, _, html in sorted(events, key=lambda e: (e[0], e[1])):
        pieces.append(str(escape(value[position:at])))
        pieces.append(html)
        position = at
    pieces.append(str(escape(value[position:])))
    html = "".join(pieces)
    blocks = [b.strip() for b in re.split(r"\n\s*\n", html) if b.strip()]
    html = "".join(f"<p>{b}</p>".replace("\n", "<br>") for b in blocks)
    return Markup(nh3.clean(html, tags=_ALLOWED_TAGS, attributes={"a": {"href", "class", "title"},
                                                                             "span": {"class", "title"},
                                                                             "mark": {"class", "title"}},
                            url_schemes={"http", "https"}, link_rel=None))


def _mention_spans(events: list[tuple[int, int, str]]) -> list[tuple[int, int]]:
    """The (start, end) of the entity links among ``linked_text``'s events."""
    opened = [at for at, _, html in events if html.startswith("<a ")]
    closed = [at for at, _, html in events if html == "</a>"]
    return list(zip(opened, closed, strict=True))


def marked(snippet: str | None) -> Markup:
    """A search snippet with its match markers as <mark>, everything else escaped."""
    html = str(escape(" ".join((snippet or "").split())))
    html = html.replace(browse.MARK_START, "<mark>").replace(browse.MARK_END, "</mark>")
    return Markup(nh3.clean(html, tags={"mark"}, attributes={}))


def day(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


def when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "undated"


def evidence(event: dict) -> Markup:
    """An event's sentence, escaped, with its trigger in a <mark> (its title: the type, mode and
    the pattern that coded it) and its sources and targets in spans (inside the mark when the
    trigger spans them: "raids against the gang had swept"). Offsets are in the article's field,
    the sentence's included; any outside the sentence, or crossing a piece already marked, are
    left unmarked."""
    sentence = (event.get("sentence") or "").replace("\n", " ")
    base = event.get("sentence_start")
    if not isinstance(base, int):
        return Markup(escape(sentence.strip()))
    kind = event.get("type", "") + (f"/{event['mode']}" if event.get("mode") else "")
    wanted = [(event.get("trigger_start"), event.get("trigger_end"), 0,
               f'<mark class="trigger" title="{escape(kind)}, coded by the pattern {escape(event.get("pattern"))}">',
               "</mark>")]
    for role in ("source", "target"):
        for actor in event.get(role + "s") or ():
            hint = escape(f"{role}: {actor_label(actor)}")
            wanted.append((actor.get("start"), actor.get("end"), 1,
                           f'<span class="actor actor-{role}" title="{hint}">', "</span>"))
    tags: list[tuple[int, int, int, int, str]] = []
    taken: list[tuple[int, int]] = []
    for start, end, rank, opening, closing in wanted:
        if not isinstance(start, int) or not isinstance(end, int):
            continue
        start, end = start - base, end - base
        if not 0 <= start < end <= len(sentence):
            continue
        # disjoint from every piece marked, or nested in it (an actor inside the trigger), never crossing
        if any(s_ < start < e_ < end or start < s_ < end < e_ or (rank and (s_, e_) == (start, end))
               for s_, e_ in taken):
            continue
        taken.append((start, end))
        tags.append((start, 1, -end, rank, opening))  # at one place: closings first, the outer opening first
        tags.append((end, 0, -start, -rank, closing))
    pieces: list[str] = []
    position = 0
    for at, _, _, _, html in sorted(tags):
        pieces.append(str(escape(sentence[position:at])))
        pieces.append(html)
        position = at
    pieces.append(str(escape(sentence[position:])))
    html = "".join(pieces).strip()
    return Markup(nh3.clean(html, tags={"mark", "span"}, attributes={"mark": {"class", "title"},
                                                                    "span": {"class", "title"}}))


def actor_label(actor: dict | None) -> str:
    """"Pete Hegseth (USA/GOV)": an event actor's name (else its text) and its codes."""
    if not actor:
        return "—"
    name = actor.get("name") or actor.get("text") or "?"
    coded = "/".join(x for x in (actor.get("country"), actor.get("sector")) if x)
    return f"{name} ({coded})" if coded else name


env.filters.update(href=safe_href, paragraphs=paragraphs, marked=marked, day=day, when=when, evidence=evidence)
env.globals.update(version=__version__)


def render(request: Request, template: str, status: int = 200, headers: dict | None = None, **context) -> Response:
    auth = auth_of(request)
    nonce, csrf = auth.csrf_pair(request)
    context.update(request=request, signed_in=auth.session_valid(request), writes_enabled=auth.writes_enabled,
                   csrf=csrf)
    response = HTMLResponse(env.get_template(template).render(**context), status_code=status, headers=headers)
    if request.cookies.get(CSRF_COOKIE) != nonce:
        response.set_cookie(CSRF_COOKIE, nonce, httponly=True, samesite="strict", secure=request.url.scheme == "https")
    return response


def render_error(request: Request, status: int, message: str, headers: dict | None = None) -> Response:
    return render(request, "error.html", status=status, headers=headers, status_code=status, message=message)


router = APIRouter(dependencies=[Depends(require_read)], include_in_schema=False)
open_router = APIRouter(include_in_schema=False)

Text = Annotated[str | None, Query()]


def _query_string(**values) -> str:
    return urlencode({k: v for k, v in values.items() if v not in (None, "")})


def _feed_page(request: Request, filters: browse.Filters, cursor: str | None, topic=None, **extra) -> Response:
    store = store_of(request)
    page = browse.story_page(store, filters, cursor, 20)
    form = {"q": filters.query, "outlet": filters.outlet or "", "language": filters.language or "",
            "since": day(filters.since), "until": day(filters.until)}
    chart_query = _query_string(**form)
    next_url = None
    if page.next_cursor:
        next_url = (f"/topics/{topic.name}?" if topic else "/?") + _query_string(
            **({} if topic else form), cursor=page.next_cursor)
    dyads = event_store.dyads(store, 8) if topic is None and cursor is None else []
    return render(request, "feed.html", stories=page.items, form=form, topic=topic, next_url=next_url,
                  first_page=cursor is None, topics=topic_store.all_topics(store), chart_query=chart_query,
                  dyads=dyads, **extra)


@router.get("/")
def home(request: Request, q: Text = None, outlet: Text = None, language: Text = None, since: Text = None,
         until: Text = None, cursor: Text = None):
    return _feed_page(request, filters_from(q, outlet, language, since, until), cursor)


@router.get("/topics/{name}")
def topic_page(request: Request, name: str, cursor: Text = None, alert_removed: Text = None):
    topic = topic_store.get(store_of(request), name)
    notice = f"Alert {alert_removed} removed." if alert_removed and alert_removed.isdigit() else None
    return _topic_page(request, topic, cursor, alert_notice=notice)


def _topic_page(request: Request, topic: topic_store.Topic, cursor: str | None = None, **notices) -> Response:
    """A topic's stories, and its alerts with their latest deliveries (targets in full for a
    signed-in browser only: a webhook's path or an address is not for every reader)."""
    full = auth_of(request).session_valid(request)
    shown = [alerts.alert_record(view, full) for view in alerts.listing(store_of(request), topic.name, recent=5)]
    return _feed_page(request, browse.Filters(**topic.filters()), cursor, topic, alerts=shown, **notices)


@router.post("/topics/{name}/alerts")
def topic_alert_add(request: Request, name: str, kind: Annotated[str, Form()] = "", target: Annotated[str, Form()] = "",
                    every: Annotated[str, Form()] = "now", min_outlets: Annotated[str, Form()] = "5",
                    csrf: Annotated[str, Form()] = ""):
    _check_form(request, csrf)
    _require_session(request)
    if kind not in ("webhook", "email"):
        raise ApiError(400, f"alert kind {kind!r} is not webhook or email")
    if not min_outlets.strip().isdigit():
        raise ApiError(400, f"min outlets {min_outlets!r} is not a whole number")
    store = store_of(request)
    alert = alerts.add(store, name, webhook=target if kind == "webhook" else None,
                       email=target if kind == "email" else None, every=every if kind == "email" else "now",
                       min_outlets=int(min_outlets))
    return _topic_page(request, topic_store.get(store, name), alert_notice=f"Alert {alert.id} added: {alert.kind} "
                       f"{alert.target}.", alert_secret=alert.secret if alert.kind == "webhook" else None)


@router.post("/topics/{name}/alerts/{alert_id}/remove")
def topic_alert_remove(request: Request, name: str, alert_id: int, csrf: Annotated[str, Form()] = ""):
    _check_form(request, csrf)
    _require_session(request)
    alert = alerts.remove(store_of(request), name, alert_id)
    return RedirectResponse(f"/topics/{alert.topic}?" + urlencode({"alert_removed": alert.id}) + "#alerts",
                            status_code=303)


def _topic_feed(request: Request, name: str, cursor: str | None):
    topic = topic_store.get(store_of(request), name)
    page = browse.story_page(store_of(request), browse.Filters(**topic.filters()), cursor, 50)
    base = str(request.base_url).rstrip("/")
    return topic, page, base, (lambda story_id: f"{base}/stories/{story_id}")


@router.get("/topics/{name}/atom.xml")
def topic_atom(request: Request, name: str, cursor: Text = None):
    topic, page, base, story_url = _topic_feed(request, name, cursor)
    body = syndication.atom(f"newsradar: {topic.name}", str(request.url), f"{base}/topics/{topic.name}",
                            page.items, story_url)
    return json_response(request, None, media_type="application/atom+xml", body=body)


@router.get("/topics/{name}/feed.json")
def topic_json_feed(request: Request, name: str, cursor: Text = None):
    topic, page, base, story_url = _topic_feed(request, name, cursor)
    next_url = str(request.url.include_query_params(cursor=page.next_cursor)) if page.next_cursor else None
    body = syndication.json_feed(f"newsradar: {topic.name}", str(request.url), f"{base}/topics/{topic.name}",
                                 page.items, story_url, next_url)
    return json_response(request, None, media_type="application/feed+json", body=body)


@router.get("/coverage.svg")
def coverage_chart(request: Request, q: Text = None, outlet: Text = None, language: Text = None, since: Text = None,
                   until: Text = None):
    """Articles per day matching the filters, over the last 120 days of them."""
    filters = filters_from(q, outlet, language, since, until)
    store = store_of(request)
    if filters.since is None:
        newest = browse.newest_published(store, filters)
        if newest is not None:
            filters.since = (newest - timedelta(days=119)).replace(hour=0, minute=0, second=0, microsecond=0)
    counts = browse.coverage(store, filters)
    label = f"Articles per day{' matching ' + repr(filters.query) if filters.query else ''}"
    svg = charts.volume_svg(counts, label) or '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>'
    return json_response(request, None, media_type="image/svg+xml", body=svg.encode())


@router.get("/stories/{story_id}")
def story_page(request: Request, story_id: int):
    store = store_of(request)
    current = story_store.resolve(store, story_id)
    if current is not None and current != story_id:
        return RedirectResponse(f"/stories/{current}", status_code=301)
    story = story_store.detail(store, story_id)
    articles = story["articles"]
    by_outlet: dict[str, list[dict]] = {}
    for article in sorted(articles, key=lambda a: (a["published"] is None, a["published"] or datetime.min, a["id"])):
        by_outlet.setdefault(article["outlet"] or "(unknown outlet)", []).append(article)
    groups = sorted(by_outlet.items(), key=lambda item: (-len(item[1]), item[0].lower()))
    span = (story["last_published"] - story["first_published"]) if story["first_published"] and story["last_published"] else None
    hourly = span is not None and span <= timedelta(days=3)
    chart = charts.volume_svg(browse.coverage(store, story_id=story["id"], hourly=hourly),
                              f"Articles of this story per {'hour' if hourly else 'day'}")
    titles = {a["id"]: a for a in articles}
    return render(request, "story.html", story=story, groups=groups, chart=Markup(chart), articles_by_id=titles,
                  history=story["history"], decisions=story["decisions"], said=quote_store.who_said_what(store, story["id"]),
                  happened=event_store.story_events(store, story["id"]),
                  told=framing_store.story_framing(store, story["id"]))


@router.get("/articles/{article_id}")
def article_page(request: Request, article_id: int):
    found = article_store.detail(store_of(request), article_id)
    text_mentions = [m for m in found["mentions"] if m["field"] == "text"]
    quotes = quote_store.listing(store_of(request), quote_store.QuoteFilters(article_id=article_id), limit=500)
    framing = framing_store.for_articles(store_of(request), [article_id]).get(article_id, {})
    loaded = [t for t in framing.get("loaded_terms", []) if t["field"] == "text"]
    return render(request, "article.html", article=found["article"], duplicates=found["duplicates"],
                  original=found["original"], sightings=found["sightings"], story=found["story"], framing=framing,
                  body=linked_text(found["article"]["text"], text_mentions, [q for q in quotes if q["field"] == "text"],
                                   loaded),
                  entities=found["entities"], quotes=sorted(quotes, key=lambda q: (q["field"] != "title", q["start"])),
                  events=event_store.for_articles(store_of(request), [found["article"]["id"]]))


@router.get("/entities")
def entities_page(request: Request, q: Text = None, type: Text = None, cursor: Text = None):  # noqa: A002
    offset = (browse.decode_cursor(cursor, ("o",)) or {"o": 0})["o"]
    found = entity_store.listing(store_of(request), 51, int(offset), type or None, q or None)
    next_url = ("/entities?" + _query_string(q=q, type=type, cursor=browse.encode_cursor({"o": int(offset) + 50}))
                if len(found) > 50 else None)
    return render(request, "entities.html", entities=found[:50], form={"q": q or "", "type": type or ""},
                  next_url=next_url)


@router.get("/about/actor-knowledge")
def actor_knowledge_notice() -> Response:
    """Where the shipped actor knowledge comes from, its licences and the attributions they ask for."""
    return Response(NOTICE.read_text(encoding="utf-8"), media_type="text/plain; charset=utf-8")


@router.get("/entities/{entity_id}")
def entity_page(request: Request, entity_id: int):
    store = store_of(request)
    entity = entity_store.get(store, entity_id)
    if entity["id"] != entity_id:
        raise ApiError(404, f"no entity {entity_id}")
    others = entity["co_mentions"][:12]
    pairs = entity_store.co_mention_pairs(store, [entity["id"], *[o["id"] for o in others]])
    network = charts.network_svg(entity, others, pairs)
    timeline = charts.volume_svg(entity_store.mentions_per_day(store, entity_id), "Articles mentioning it per day")
    acts = {role: event_store.listing(store, event_store.EventFilters(entity_id=entity_id, role=role), limit=50)
            for role in ("source", "target")}
    return render(request, "entity.html", entity=entity, network=Markup(network), timeline=Markup(timeline),
                  known=profile(entity.get("dictionary_id")), quoted=quote_store.quoted_by(store, entity_id),
                  acts=acts)


@router.get("/quotes")
def quotes_page(request: Request, q: Text = None, speaker: Text = None, outlet: Text = None, cursor: Text = None):
    """Quotes, newest first: full-text over speaker, cue and content; by speaker or outlet."""
    if q:
        check_search_rate(request)  # full text costs what article search does: the same limit
    offset = (browse.decode_cursor(cursor, ("o",)) or {"o": 0})["o"]
    filters = quote_store.QuoteFilters(speaker=speaker or None, outlet=outlet or None, query=q or None)
    found = quote_store.listing(store_of(request), filters, 51, int(offset))
    next_url = ("/quotes?" + _query_string(q=q, speaker=speaker, outlet=outlet,
                                           cursor=browse.encode_cursor({"o": int(offset) + 50}))
                if len(found) > 50 else None)
    return render(request, "quotes.html", quotes=found[:50], form={"q": q or "", "speaker": speaker or "",
                                                                   "outlet": outlet or ""}, next_url=next_url)


@router.get("/dyads")
def dyads_page(request: Request, since: Text = None):
    """The most active dyads (source country → target country) over asserted events."""
    day_from = parse_day(since, "since")
    found = event_store.dyads(store_of(request), 50, day_from.date() if day_from else None)
    return render(request, "dyads.html", dyads=found, form={"since": day(day_from)}, no_country=event_store.NO_COUNTRY)


@router.get("/dyads/{key}")
def dyad_page(request: Request, key: str, source_sector: Text = None, target_sector: Text = None):
    """One dyad: escalation per day, counts by type and sector, and its latest events with evidence."""
    found = dyad_detail(request, key, source_sector, target_sector)
    label = f"Mean intensity per day, {found['source']} → {found['target']}"
    chart = charts.escalation_svg(found["series"], label)
    return render(request, "dyad.html", dyad=found, chart=Markup(chart), events=found["events"][:50],
                  no_country=event_store.NO_COUNTRY,
                  form={"source_sector": found["source_sector"] or "", "target_sector": found["target_sector"] or ""})


@router.get("/search")
def search_page(request: Request, q: Text = None, sort: Text = "relevance", outlet: Text = None,
                language: Text = None, since: Text = None, until: Text = None, cursor: Text = None):
    filters = filters_from(q, outlet, language, since, until)
    form = {"q": filters.query, "sort": sort or "relevance", "outlet": filters.outlet or "",
            "language": filters.language or "", "since": day(filters.since), "until": day(filters.until)}
    hits, next_url = [], None
    if filters.query:
        check_search_rate(request)
        page = browse.search_page(store_of(request), filters, sort or "relevance", cursor, 20)
        hits = page.items
        if page.next_cursor:
            next_url = "/search?" + _query_string(**form, cursor=page.next_cursor)
    return render(request, "search.html", hits=hits, form=form, next_url=next_url, searched=bool(filters.query))


# --- feeds, and the session that may change them --------------------------------------------------

def _check_form(request: Request, csrf: str | None) -> None:
    if not auth_of(request).csrf_valid(request, csrf):
        raise ApiError(403, "the form's security token is missing or stale; reload the page and try again")


def _require_session(request: Request) -> None:
    auth = auth_of(request)
    if not auth.writes_enabled:
        raise ApiError(403, "changes are disabled on this server: set NEWSRADAR_API_TOKEN to enable them")
    if not auth.session_valid(request):
        raise ApiError(401, "log in with the API token to change feeds, topics or alerts")


@router.get("/feeds")
def feeds_page(request: Request, added: Text = None, removed: Text = None):
    store = store_of(request)
    return render(request, "feeds.html", feeds=feed_store.all_feeds(store), added=added, removed=removed,
                  failures=failure_store.recent(store, 20), workers=leases.workers(store)[:50])


@router.post("/feeds")
async def feeds_add(request: Request, url: Annotated[str, Form()], csrf: Annotated[str, Form()] = "",
                    outlet: Annotated[str, Form()] = ""):
    _check_form(request, csrf)
    _require_session(request)
    feed, _created = await subscribe(request, url, outlet or None, 900, True)
    return RedirectResponse("/feeds?" + urlencode({"added": feed.url}), status_code=303)


@router.post("/feeds/{feed_id}/remove")
def feeds_remove(request: Request, feed_id: int, csrf: Annotated[str, Form()] = ""):
    _check_form(request, csrf)
    _require_session(request)
    feed = feed_store.remove(store_of(request), feed_id)
    return RedirectResponse("/feeds?" + urlencode({"removed": feed.url}), status_code=303)


@open_router.get("/login")
def login_page(request: Request):
    return render(request, "login.html", failed=False)


@open_router.post("/login")
def login(request: Request, token: Annotated[str, Form()] = "", csrf: Annotated[str, Form()] = ""):
    _check_form(request, csrf)
    auth = auth_of(request)
    if not auth.writes_enabled:
        raise ApiError(403, "this server has no API token (NEWSRADAR_API_TOKEN), so there is nothing to log in to")
    check_login_rate(request)
    if not auth.token_matches(token):
        return render(request, "login.html", status=401, failed=True)
    auth.end_session(request)  # a new login replaces the browser's previous session
    response = RedirectResponse("/feeds", status_code=303)
    response.set_cookie(SESSION_COOKIE, auth.new_session(), max_age=SESSION_SECONDS, httponly=True,
                        samesite="strict", secure=request.url.scheme == "https")
    return response


@open_router.post("/logout")
def logout(request: Request, csrf: Annotated[str, Form()] = ""):
    auth = auth_of(request)
    if auth.session_valid(request):  # a live session: a forged form must not end it
        _check_form(request, csrf)
        auth.end_session(request)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response

