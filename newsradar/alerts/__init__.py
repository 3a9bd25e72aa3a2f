"""Alerts on saved topics: a webhook (a signed JSON POST) or an e-mail (right away, hourly or daily)
when a story matching the topic is new, or grows to be covered by N outlets (5 unless set).

Whichever process assigns stories looks for triggers right after (``pipeline.run`` calls
``after_stories``; ``watch`` also delivers between its rounds):

- **new**: a story whose first article (its earliest stored) came after the alert was made — an
  alert never tells of the backlog it was made over;
- **outlets:N**: a story now covered by N or more outlets (copies included) that was covered by
  fewer when the alert was made;
- a story whose newest article is older than ``NEWSRADAR_ALERT_MAX_AGE_DAYS`` raises neither (a
  backfill of old coverage is not news).

Each trigger is a row in the outbox keyed by alert, trigger and the story's first article (not its
id, which rebuilds, merges and splits change), UNIQUE in the store; the articles a delivery told of
are kept too, and a story holding one of them is not told of again under that trigger — so each
alert is recorded once across re-ingests, ``stories rebuild``, merges and splits. A story that is
new and already past N outlets gets one delivery (the outlets one is kept as ``skipped``).
Delivering is ``send.deliver``: a failure is recorded and retried with backoff, never raised; a
crash between sending and recording sends again (at least once: receivers deduplicate on the
delivery id, ``X-Newsradar-Delivery`` and the body's ``delivery_id``)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from .. import settings
from ..errors import InputError, NewsradarError, NotFound, QueryError
from ..sources.fetch import Guard
from ..store import Store
from ..store import alerts as alert_store
from ..store import topics as topic_store
from ..store.alerts import Alert, Delivery, StoryFacts
from ..store.browse import Filters
from . import messages
from .send import DeliveryReport, deliver

__all__ = ["Alert", "AlertReport", "AlertView", "Delivery", "DeliveryReport", "add", "after_stories", "alert_record",
           "deliver", "delivery_record", "detect", "listing", "messages", "redact", "remove", "retry_failed", "run"]

KINDS = ("webhook", "email")
DEFAULT_MIN_OUTLETS = 5
_EVERY = {"now": "now", "immediately": "now", "hour": "hour", "hourly": "hour", "1h": "hour",
          "day": "day", "daily": "day", "24h": "day"}
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$")
_LATE_ARTICLES = 1000  # articles before the last look seen again (PostgreSQL commits ids out of order)
_CLOCK_SKEW = timedelta(minutes=10)  # stories changed this long before the last look seen again


@dataclass(slots=True)
class AlertReport:
    queued: int = 0  # new deliveries in the outbox
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    problems: list[str] = field(default_factory=list)


@dataclass(slots=True)
class AlertView:
    """An alert as the CLI, the API and the topic page show it: with its deliveries per status
    and its latest ones."""

    alert: Alert
    counts: dict[str, int]
    recent: list[Delivery]


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).replace(microsecond=0)


# --- checking what a person asks for ------------------------------------------------------------------

def check_webhook(url: str) -> str:
    url = url.strip()
    if not url or len(url) > 2000:
        raise QueryError(f"webhook URL {url[:80]!r} is not usable: give an http(s) URL of at most 2,000 characters")
    try:
        Guard.from_settings().check_url(url)  # a literal private address is refused now; names when sending
    except InputError as exc:
        raise QueryError(f"webhook URL {url!r} is not usable: {exc.reason}") from None
    return url


def check_email(address: str) -> str:
    address = address.strip()
    if len(address) > 254 or not _EMAIL.match(address):
        raise QueryError(f"e-mail address {address[:80]!r} is not usable: give one plain address such as "
                         "reader@example.org (ASCII, no name or brackets)")
    return address


def check_every(value: str) -> str:
    every = _EVERY.get(value.strip().lower())
    if every is None:
        raise QueryError(f"every {value!r} is not one of now, hour, day")
    return every


def check_min_outlets(value: int) -> int:
    if value != 0 and not 2 <= value <= 1000:
        raise QueryError(f"min outlets {value} is not usable: give 2 to 1,000 outlets, or 0 for no outlets alert")
    return value


def check_secret(secret: str) -> str:
    if not 16 <= len(secret) <= 256 or any(c.isspace() or not c.isprintable() for c in secret):
        raise QueryError("a webhook secret must be 16 to 256 printable characters without spaces")
    return secret


# --- the alerts of a topic ----------------------------------------------------------------------------

def add(store: Store, topic_name: str, *, webhook: str | None = None, email: str | None = None,
        secret: str | None = None, every: str = "now", min_outlets: int = DEFAULT_MIN_OUTLETS,
        now: datetime | None = None) -> Alert:
    """Set an alert on a topic: a webhook (``secret`` signs its bodies; one is made when none is
    given) or an e-mail address (``every``: now, hour or day). It tells of what happens from now on."""
    topic = topic_store.get(store, topic_name)
    if (webhook is None) == (email is None):
        raise QueryError("an alert needs either a webhook URL or an e-mail address (one of the two)")
    every = check_every(every)
    min_outlets = check_min_outlets(min_outlets)
    if webhook is not None:
        if every != "now":
            raise QueryError(f"every {every!r} is for e-mail: a webhook is sent as each story arrives")
        target, kind = check_webhook(webhook), "webhook"
        secret = check_secret(secret) if secret is not None else secrets.token_urlsafe(32)
    else:
        if secret is not None:
            raise QueryError("a secret signs webhook bodies; an e-mail alert has none")
        target, kind = check_email(email or ""), "email"
    return alert_store.create(store, topic.id, topic.name, kind, target, secret, every, min_outlets, _now(now),
                              checked_at=_now(None))


def remove(store: Store, topic_name: str, alert_id: int) -> Alert:
    """Delete one of a topic's alerts, with its deliveries."""
    topic = topic_store.get(store, topic_name)
    found = [a for a in alert_store.alerts(store, topic.id) if a.id == alert_id]
    if not found:
        raise NotFound(f"topic {topic.name!r} has no alert {alert_id}")
    alert_store.remove(store, alert_id)
    return found[0]


def listing(store: Store, topic_name: str | None = None, recent: int = 5) -> list[AlertView]:
    """Every alert (or a topic's) with its deliveries per status and its ``recent`` latest ones."""
    topic_id = topic_store.get(store, topic_name).id if topic_name is not None else None
    found = alert_store.alerts(store, topic_id)
    counts = alert_store.counts(store, [a.id for a in found])
    return [AlertView(a, counts[a.id], alert_store.recent(store, a.id, recent) if recent else []) for a in found]


def retry_failed(store: Store, topic_name: str | None = None, now: datetime | None = None) -> int:
    """Queue the failed deliveries (of a topic's alerts, or all) again, with fresh attempts."""
    return alert_store.requeue_failed(store, [v.alert.id for v in listing(store, topic_name, 0)], _now(now))


# --- triggers -----------------------------------------------------------------------------------------

def triggers(alert: Alert, story: StoryFacts, now: datetime, max_age: timedelta) -> list[str]:
    """The trigger keys this story fires for this alert now (before looking at what was told)."""
    dates = [m.published for m in story.members if m.published]
    if not story.members or (max_age > timedelta(0) and dates and max(dates) < now - max_age):
        return []
    found = []
    if min(m.id for m in story.members) > alert.after_article_id:
        found.append("new")
    if alert.min_outlets:
        now_covered = {m.outlet for m in story.members if m.outlet}
        before = {m.outlet for m in story.members if m.outlet and m.id <= alert.after_article_id}
        if len(now_covered) >= alert.min_outlets > len(before):
            found.append(f"outlets:{alert.min_outlets}")
    return found


def detect(store: Store, now: datetime | None = None, wait: bool = True) -> int:
    """Look at the stories that changed since the last look, against every alert's topic, and put
    each trigger not told yet in the outbox; returns how many deliveries were queued. Holds the
    store's "stories" lock, so that no assignment is half done while it looks (``wait=False``: if
    another process holds it, look nothing now; that process looks when its assignment is done)."""
    now = _now(now)
    with store.lock("stories", wait=wait) as held:
        if not held:
            return 0
        found = alert_store.alerts(store)
        if not found:
            return 0
        looked_at = _now(None)  # the cursor follows the store's clock, whatever ``now`` a caller gives
        topics = {t.id: t for t in topic_store.all_topics(store)}
        max_age = timedelta(days=float(settings.get("alert_max_age_days")))
        planned: list[tuple[Alert, str, list[str], StoryFacts]] = []
        with store.connect() as conn:
            newest = alert_store.newest_article_id(conn)
            touched = alert_store.touched_stories(
                store, conn, min(a.checked_article_id for a in found) - _LATE_ARTICLES,
                min(a.checked_at or a.created_at for a in found) - _CLOCK_SKEW)
            facts: dict[int, StoryFacts] = {}
            for topic_id in sorted({a.topic_id for a in found}):
                topic = topics.get(topic_id)
                if topic is None:  # removed since: its alerts went with it
                    continue
                stories = alert_store.matching(store, conn, Filters(**topic.filters()), touched) if touched else []
                facts.update(alert_store.story_facts(conn, [s for s in stories if s not in facts]))
                for alert in (a for a in found if a.topic_id == topic_id):
                    for story_id in stories:
                        story = facts.get(story_id)
                        if story is None:
                            continue
                        members = [m.id for m in story.members]
                        keys = [k for k in triggers(alert, story, now, max_age)
                                if not alert_store.told(conn, alert.id, k, members)]
                        if keys:
                            planned.append((alert, topic.query, keys, story))
        queued = 0
        with store.connect(write=True) as conn:
            for alert, query, keys, story in planned:
                told_as_new = False
                for key in keys:  # "new" first: a story new and past N outlets is told once, as new
                    status = "skipped" if told_as_new else "pending"
                    data = messages.payload(alert.topic, query, key, story)
                    added = alert_store.enqueue(store, conn, alert.id, key, min(m.id for m in story.members),
                                                story.id, data, status, [m.id for m in story.members], now)
                    told_as_new = told_as_new or (added and key == "new")
                    queued += added and status == "pending"
            alert_store.advance(store, conn, [a.id for a in found], newest, looked_at)
    return queued


def run(store: Store, now: datetime | None = None, wait: bool = True) -> AlertReport:
    """Look for triggers, then deliver what is due (``wait=False``: each step only if no other
    process is at it)."""
    report = AlertReport(queued=detect(store, now, wait))
    delivered = deliver(store, now, wait=wait)
    report.sent, report.retrying, report.failed = delivered.sent, delivered.retrying, delivered.failed
    report.problems = delivered.problems
    return report


def after_stories(store: Store, warn: Callable[[str], None] = lambda message: None,
                  wait: bool = True) -> AlertReport:
    """``run`` for the processes that assign stories: nothing at all when no alert is set, and
    never an error — a delivery that fails is recorded and retried; a store that fails here is a
    warning, the stories already written stay. A worker passes ``wait=False``."""
    try:
        if not alert_store.exists(store):
            return AlertReport()
        report = run(store, wait=wait)
    except NewsradarError as exc:
        warn(f"alerts: {exc}")
        return AlertReport(problems=[str(exc)])
    for problem in report.problems:
        warn(problem)
    return report


def every_label(every: str) -> str:
    return {"now": "right away", "hour": "hourly digest", "day": "daily digest"}.get(every, every)



# --- as the CLI, the API and the topic page show them -------------------------------------------------

def redact(alert: Alert) -> str:
    """The target as shown to readers who may not change alerts: a webhook's scheme and host (its
    path, query and ``user:password@`` may hold a token), an e-mail address's first letter and domain."""
    return messages.redact(alert.kind, alert.target)


def delivery_record(delivery: Delivery) -> dict:
    story = delivery.payload.get("story", {})
    return {"id": delivery.id, "trigger": delivery.trigger_key, "what": messages.trigger_label(delivery.trigger_key),
            "story_id": delivery.story_id, "first_article_id": delivery.first_article_id, "title": story.get("title"),
            "outlets": story.get("outlet_count"), "status": delivery.status, "attempts": delivery.attempts,
            "created_at": delivery.created_at, "next_attempt_at": delivery.next_attempt_at,
            "last_attempt_at": delivery.last_attempt_at, "last_error": delivery.last_error, "sent_at": delivery.sent_at}


def alert_record(view: AlertView, full: bool = True) -> dict:
    """An alert with its deliveries, as data; ``full=False`` hides the target (see ``redact``)."""
    alert = view.alert
    shown = alert.target if full else redact(alert)
    recent = [delivery_record(d) for d in view.recent]
    if not full:
        for item in recent:
            if item["last_error"]:
                item["last_error"] = item["last_error"].replace(alert.target, shown)
    return {"id": alert.id, "topic": alert.topic, "kind": alert.kind, "target": shown, "every": alert.every,
            "min_outlets": alert.min_outlets, "created_at": alert.created_at, "last_sent_at": alert.last_sent_at,
            "deliveries": view.counts, "recent": recent}
