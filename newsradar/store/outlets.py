"""Outlets in the store: one name per publisher, the user's corrections, and the outlet list.

``outlet_keys`` maps what names an outlet to its name: ``domain:nytimes.com`` (the first name a
domain got, so one publisher keeps one name whatever section or page it arrives through) and
``name:<folded name>`` (a correction: ``outlets rename``/``merge``). Every write applies them
(``resolve``); ``rename`` also rewrites what is stored; ``rederive`` names every stored article
again from its address (after the shipped map changes; migration 12 uses it on existing stores)
and the corrections still apply."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from .. import outlets as derivation
from ..errors import NotFound, QueryError
from ..model import Article
from ..normalize import canonical_url, clean_title, fold, parse_datetime
from .writer import select_in

USER = "user"
# How well founded a name is: the lower the stronger. A domain's stored name gives way to a better
# founded one arriving later (a page's own og:site_name over the bare domain, over a name a user gave
# one article) — never the user's correction, the map's name or a name the site gives itself.
_RANK = {USER: 0, derivation.MAP: 1, derivation.SITE: 2, derivation.TITLE: 2, derivation.GIVEN: 3,
         derivation.DOMAIN: 4, derivation.SECTION: 4, derivation.UNNAMED: 5}
_REPLACEABLE = {derivation.GIVEN, derivation.DOMAIN, derivation.SECTION}


def _rank(origin: str | None) -> int:
    return _RANK.get(origin or derivation.UNNAMED, 5)


def name_key(name: str) -> str:
    return "name:" + fold(name).casefold()


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def resolve(conn: Connection, articles: Sequence[Article]) -> None:
    """Name a batch's outlets as the store knows them, in place, before it is written: one name per
    domain (the best founded seen so far), then the user's corrections; record new domains and
    outlets. An outlet the user gave an article stays that article's."""
    best: dict[str, tuple[str, str]] = {}  # the batch's best-founded name per domain
    for article in articles:
        if article.outlet_domain and article.outlet:
            offered = (article.outlet, article.outlet_origin or derivation.DOMAIN)
            current = best.get(article.outlet_domain)
            if current is None or _rank(offered[1]) < _rank(current[1]):
                best[article.outlet_domain] = offered
    known = {row.key: (row.name, row.origin) for row in select_in(
        conn, "SELECT key, name, origin FROM outlet_keys WHERE key IN :values", ["domain:" + d for d in best])}
    named: dict[str, str] = {}
    for domain, (name, origin) in best.items():
        stored = known.get("domain:" + domain)
        if stored is None:
            conn.execute(text("INSERT INTO outlet_keys (key, name, origin) VALUES (:key, :name, :origin)"
                              " ON CONFLICT (key) DO NOTHING"), {"key": "domain:" + domain, "name": name, "origin": origin})
            named[domain] = name
        elif stored[1] in _REPLACEABLE and _rank(origin) < _rank(stored[1]) and stored[0] != name:
            _rename_domain(conn, domain, stored[0], name, origin)
            named[domain] = name
        else:
            named[domain] = stored[0]
    for article in articles:
        if article.outlet_domain in named and article.outlet_origin != derivation.GIVEN:
            article.outlet = named[article.outlet_domain]
    names = {a.outlet for a in articles if a.outlet}
    corrections = {row.key: row.name for row in select_in(
        conn, "SELECT key, name FROM outlet_keys WHERE key IN :values", {name_key(n) for n in names})}
    for article in articles:
        if article.outlet:
            article.outlet = corrections.get(name_key(article.outlet), article.outlet)
    final = {a.outlet for a in articles if a.outlet}
    if final:
        conn.execute(text("INSERT INTO outlets (name, created_at) VALUES (:name, :now) ON CONFLICT (name) DO NOTHING"),
                     [{"name": n, "now": _now()} for n in sorted(final)])


def _rename_domain(conn: Connection, domain: str, old: str, new: str, origin: str) -> None:
    """A domain stored under a weaker name has now a better founded one: its stored articles take
    it, except those the user named themselves."""
    conn.execute(text("UPDATE outlet_keys SET name = :new, origin = :origin WHERE key = :key"),
                 {"new": new, "origin": origin, "key": "domain:" + domain})
    conn.execute(text("UPDATE articles SET outlet = :new WHERE outlet_domain = :domain AND outlet = :old"
                      " AND (outlet_origin IS NULL OR outlet_origin <> :given)"),
                 {"new": new, "domain": domain, "old": old, "given": derivation.GIVEN})


# --- the user's corrections ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Renamed:
    old: str
    new: str
    articles: int


def _exists(conn: Connection, name: str) -> bool:
    return conn.execute(text("SELECT 1 FROM outlets WHERE name = :n UNION ALL SELECT 1 FROM articles WHERE outlet = :n"
                             " LIMIT 1"), {"n": name}).first() is not None


def rename(conn: Connection, old: str, new: str) -> Renamed:
    """Call the outlet ``old`` ``new`` from now on: stored articles, its domains, topics that filter
    by it, and every article that arrives named ``old``. Renaming onto an
    existing outlet merges the two (the description the target lacks is taken from ``old``)."""
    old, new = (clean_title(old) or "").strip(), (clean_title(new) or "").strip()
    if not old or not new:
        raise QueryError("an outlet name cannot be empty")
    chained = conn.execute(text("SELECT name FROM outlet_keys WHERE key = :key AND name <> :new"),
                           {"key": name_key(new), "new": new}).scalar()
    new = chained or new  # renamed before: the articles of that name are under its correction now
    if old == new:
        raise QueryError(f"outlet {old!r} is already called that")
    if not _exists(conn, old):
        raise NotFound(f"no outlet named {old!r} (newsradar outlets list shows them)")
    count = conn.execute(text("UPDATE articles SET outlet = :new WHERE outlet = :old"), {"new": new, "old": old}).rowcount
    conn.execute(text("UPDATE outlet_keys SET name = :new, origin = :user WHERE name = :old"),
                 {"new": new, "old": old, "user": USER})
    conn.execute(text("INSERT INTO outlet_keys (key, name, origin) VALUES (:key, :new, :user)"
                      " ON CONFLICT (key) DO UPDATE SET name = :new, origin = :user"),
                 {"key": name_key(old), "new": new, "user": USER})
    if name_key(new) != name_key(old):  # a correction of "new" to itself is no correction
        conn.execute(text("DELETE FROM outlet_keys WHERE key = :key AND name = :new"), {"key": name_key(new), "new": new})
    target = conn.execute(text("SELECT lean, country, owner FROM outlets WHERE name = :new"), {"new": new}).first()
    if target is None:
        conn.execute(text("UPDATE outlets SET name = :new WHERE name = :old"), {"new": new, "old": old})
        conn.execute(text("INSERT INTO outlets (name, created_at) VALUES (:name, :now) ON CONFLICT (name) DO NOTHING"),
                     {"name": new, "now": _now()})
    else:
        conn.execute(text(
            "UPDATE outlets SET lean = coalesce(lean, (SELECT lean FROM outlets WHERE name = :old)),"
            " country = coalesce(country, (SELECT country FROM outlets WHERE name = :old)),"
            " owner = coalesce(owner, (SELECT owner FROM outlets WHERE name = :old)) WHERE name = :new"),
            {"new": new, "old": old})
        conn.execute(text("DELETE FROM outlets WHERE name = :old"), {"old": old})
    # topics filter by the new name; a feed keeps the name the user gave it (it scopes the feed's
    # GUIDs: changing it would change identity keys) and the correction renames its articles
    conn.execute(text("UPDATE topics SET outlet = :new WHERE outlet = :old"), {"new": new, "old": old})
    return Renamed(old, new, count)


LEANS = ("left", "center-left", "center", "center-right", "right")
SIDES = {"left": "left", "center-left": "left", "center": "center", "center-right": "right", "right": "right"}


def describe(conn: Connection, name: str, lean: str | None = None, country: str | None = None,
             owner: str | None = None, clear: bool = False) -> dict[str, Any]:
    """What the user says of an outlet: its political lean, country (ISO 3166 alpha-3) and owner.
    newsradar ships no ratings; these are the user's, stored, editable and exported. ``clear``
    removes what is not given."""
    import pycountry

    if lean is not None and lean not in LEANS:
        raise QueryError(f"lean {lean!r} is not one of {', '.join(LEANS)}")
    if country is not None:
        found = pycountry.countries.get(alpha_3=country.upper())
        if found is None:
            raise QueryError(f"country {country!r} is not an ISO 3166 alpha-3 code (e.g. USA, GBR, VEN)")
        country = found.alpha_3
    row = conn.execute(text("SELECT id, lean, country, owner FROM outlets WHERE name = :n"), {"n": name}).first()
    if row is None:
        raise NotFound(f"no outlet named {name!r} (newsradar outlets list shows them)")
    values = {"lean": lean, "country": country, "owner": (owner or "").strip() or None}
    if not clear:
        values = {k: v if v is not None else getattr(row, k) for k, v in values.items()}
    conn.execute(text("UPDATE outlets SET lean = :lean, country = :country, owner = :owner WHERE id = :id"),
                 {**values, "id": row.id})
    return {"name": name, **values}


def corrections(conn: Connection) -> list[dict]:
    """The user's corrections, for export and the list: the name they replaced and the name."""
    rows = conn.execute(text("SELECT key, name FROM outlet_keys WHERE origin = :user ORDER BY name, key"),
                        {"user": USER})
    return [{"key": r.key, "name": r.name} for r in rows]


# --- reading ---------------------------------------------------------------------------------------------


def listing(conn: Connection, limit: int = 500, name: str | None = None,
            outlet_id: int | None = None) -> list[dict[str, Any]]:
    """Outlets by the number of their articles (or the one called ``name``, or with ``outlet_id``):
    their stable id (pages and the API are keyed by it: a rename keeps it), domains, sections, the
    span of their coverage, and what the user said of them."""
    where = " WHERE o.name = :name" if name is not None else " WHERE o.id = :oid" if outlet_id is not None else ""
    rows = conn.execute(text(
        "SELECT o.id, o.name, o.lean, o.country, o.owner, count(a.id) AS articles,"
        " sum(CASE WHEN a.duplicate_of IS NULL THEN 0 ELSE 1 END) AS copies,"
        " count(DISTINCT a.story_id) AS stories, min(a.published) AS first_published,"
        " max(a.published) AS last_published FROM outlets o LEFT JOIN articles a ON a.outlet = o.name" + where +
        " GROUP BY o.id, o.name, o.lean, o.country, o.owner ORDER BY count(a.id) DESC, o.name LIMIT :limit"),
        {"limit": limit, "name": name, "oid": outlet_id}).all()
    names = [r.name for r in rows]
    domains: dict[str, list[str]] = {}
    for r in select_in(conn, "SELECT key, name FROM outlet_keys WHERE name IN :values AND key LIKE 'domain:%'"
                       " ORDER BY key", names):
        domains.setdefault(r.name, []).append(r.key.removeprefix("domain:"))
    sections: dict[str, list[str]] = {}
    for r in select_in(conn, "SELECT outlet, section, count(*) AS n FROM articles WHERE outlet IN :values"
                       " AND section IS NOT NULL GROUP BY outlet, section ORDER BY outlet, count(*) DESC, section",
                       names):
        sections.setdefault(r.outlet, []).append(r.section)
    return [{"id": r.id, "name": r.name, "domains": domains.get(r.name, []), "sections": sections.get(r.name, []),
             "articles": int(r.articles or 0), "copies": int(r.copies or 0), "stories": int(r.stories or 0),
             "first_published": parse_datetime(r.first_published), "last_published": parse_datetime(r.last_published),
             "lean": r.lean, "country": r.country, "owner": r.owner} for r in rows if r.articles]


# --- naming stored articles again ---------------------------------------------------------------------------


_CHUNK = 2000


def rederive(conn: Connection, legacy: bool = False) -> int:
    """Name every stored article's outlet again from its address and section (after the map of
    publishers changes), keeping the outlets the user gave; the store's names per domain and the
    user's corrections apply as on a write. Returns the number of articles whose outlet changed.

    ``legacy``: the store predates publishers (migration 12): ``outlet`` holds what the source
    gave — a feed's title (now its section) or the name the user gave the feed, a page's site
    name or host, a JSONL ``outlet``."""
    given_feeds = {r.url: r.outlet for r in conn.execute(text("SELECT url, outlet FROM feeds WHERE outlet IS NOT NULL"))}
    conn.execute(text("DELETE FROM outlet_keys WHERE origin <> :user"), {"user": USER})
    changed, last = 0, 0
    while True:
        rows = conn.execute(text(
            "SELECT id, url, canonical_url, outlet, section, outlet_domain, outlet_origin, source_kind, source"
            " FROM articles"
            " WHERE id > :last ORDER BY id LIMIT :n"), {"last": last, "n": _CHUNK}).all()
        if not rows:
            return changed
        batch = [_stored(row, given_feeds, legacy) for row in rows]
        for row, article in zip(rows, batch, strict=True):
            if not legacy and derivation.is_intermediary(derivation.host_of(article.canonical_url or article.url)):
                # named by what the feed said of the original (its <source>, an origLink), not kept
                article.outlet, article.outlet_domain, article.outlet_origin = row.outlet, row.outlet_domain, row.outlet_origin
                continue
            publisher = derivation.derive(article)
            article.outlet, article.outlet_domain = publisher.name, publisher.domain
            article.outlet_origin = publisher.origin or derivation.UNNAMED
        resolve(conn, batch)
        updates = [{"id": row.id, "outlet": a.outlet, "section": a.section, "domain": a.outlet_domain,
                    "origin": a.outlet_origin} for row, a in zip(rows, batch, strict=True)]
        changed += sum(1 for row, a in zip(rows, batch, strict=True) if row.outlet != a.outlet)
        conn.execute(text("UPDATE articles SET outlet = :outlet, section = :section, outlet_domain = :domain,"
                          " outlet_origin = :origin WHERE id = :id"), updates)
        last = rows[-1].id


def _stored(row: Any, given_feeds: dict[str, str], legacy: bool) -> Article:
    article = Article(text="", url=row.url, source_kind=row.source_kind, source=row.source)
    article.canonical_url = row.canonical_url or canonical_url(row.url)
    if not legacy:
        article.section = row.section
        if row.outlet_origin in (derivation.GIVEN, USER):
            article.outlet = row.outlet
        elif row.outlet_origin == derivation.SITE:
            article.site_name = row.outlet
        return article
    kind, outlet = row.source_kind, row.outlet
    if kind == "feed":
        feed_url = row.source.split("#", 1)[0]
        if outlet and given_feeds.get(feed_url) == outlet:
            article.outlet = outlet
        else:
            article.section = outlet
    elif kind in ("html", "warc", "url"):
        article.site_name = outlet  # a page's site name, or its host (which derive sees through)
    else:
        article.outlet = outlet  # a JSONL outlet or the --outlet of the run
    return article


def backfill(conn: Connection) -> None:
    """Migration 12: existing stores' articles get their publisher, domain and section. It runs the
    live ``rederive``: should that ever read a column added after migration 12, freeze a copy of
    today's logic here instead, or old stores could not be upgraded."""
    rederive(conn, legacy=True)


def get(conn: Connection, name: str) -> dict[str, Any]:
    found = listing(conn, limit=1, name=name)
    if not found:
        raise NotFound(f"no outlet named {name!r}")
    return found[0]


def by_id(conn: Connection, outlet_id: int) -> dict[str, Any]:
    found = listing(conn, limit=1, outlet_id=outlet_id)
    if not found:
        raise NotFound(f"no outlet {outlet_id} (it may have been merged into another: /outlets lists them)")
    return found[0]
