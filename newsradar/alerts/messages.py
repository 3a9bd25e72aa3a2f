"""What an alert says: the payload stored with a delivery when its trigger fires (the story as it
was then), the signed JSON body of a webhook, and the e-mail (plain text and a small HTML part)
of one or more deliveries. No I/O here."""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from ..store.alerts import Alert, Delivery, Member, StoryFacts

SIGNATURE_HEADER = "X-Newsradar-Signature"
TIMESTAMP_HEADER = "X-Newsradar-Timestamp"
_ARTICLES = 10  # articles listed in a payload
_DIGEST_STORIES = 50  # stories listed in one e-mail; the rest are counted
_LATEST = datetime.max.replace(tzinfo=UTC)
_HOST = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~%-]+)(:[0-9]{1,5})?")  # a host name or address, a port


def trigger_label(trigger_key: str) -> str:
    """'new' → 'new story'; 'outlets:5' → 'covered by 5 outlets'."""
    if trigger_key.startswith("outlets:"):
        return f"covered by {trigger_key.split(':', 1)[1]} outlets"
    return "new story"


def payload(topic: str, query: str, trigger_key: str, story: StoryFacts) -> dict[str, Any]:
    """The story as the trigger found it: title, its first article, counts, outlets, and up to ten
    articles — the earliest of each outlet first (who covers it), then the others, by publication."""
    by_time = sorted(story.members, key=lambda m: (m.published or _LATEST, m.id))
    outlets = sorted({m.outlet for m in by_time if m.outlet})
    firsts: dict[str, Member] = {}
    for member in by_time:
        if member.outlet and member.outlet not in firsts:
            firsts[member.outlet] = member
    listed = list(firsts.values()) + [m for m in by_time if m not in firsts.values()]
    listed = sorted(listed[:_ARTICLES], key=lambda m: (m.published or _LATEST, m.id))
    dates = [m.published for m in by_time if m.published]
    is_outlets = trigger_key.startswith("outlets:")
    return {
        "topic": topic,
        "query": query,
        "trigger": "outlets" if is_outlets else "new",
        "min_outlets": int(trigger_key.split(":", 1)[1]) if is_outlets else None,
        "headline": f"Now covered by {len(outlets)} outlets" if is_outlets else "New story",
        "story": {"id": story.id, "title": story.title or (by_time[0].title if by_time else None),
                  "first_article_id": min(m.id for m in story.members), "article_count": len(story.members),
                  "outlet_count": len(outlets), "outlets": outlets,
                  "first_published": min(dates) if dates else None, "last_published": max(dates) if dates else None},
        "articles": [{"id": m.id, "title": m.title, "outlet": m.outlet, "url": m.url, "published": m.published,
                      "copy_of": m.duplicate_of} for m in listed],
    }


def with_links(delivery: Delivery, story_id: int | None, base_url: str) -> dict[str, Any]:
    """The stored payload with the story's current id (a rebuild or a merge may have moved its
    first article) and links: a path, and a full URL when the web app's address is known."""
    data = json.loads(json.dumps(delivery.payload))
    story = data["story"]
    if story_id is not None:
        story["id"] = story_id
    story["path"] = f"/stories/{story['id']}"
    story["url"] = f"{base_url}{story['path']}" if base_url else None
    data["topic_path"] = f"/topics/{data['topic']}"
    data["topic_url"] = f"{base_url}{data['topic_path']}" if base_url else None
    return data


def redact(kind: str, target: str) -> str:
    """A target as shown to whoever may not change the alert, and in warnings and logs: a webhook's
    scheme and host (and port) — not its path, query or user and password, which may hold a token —,
    an e-mail address's first letter and domain."""
    if kind == "webhook":
        match = re.match(r"^([a-z][a-z0-9+.-]*)://([^/?#\\]*)", target, re.IGNORECASE)
        if not match:
            return "webhook/…"
        host = match.group(2).rpartition("@")[2]  # user:password@ goes, as URL parsers split it off
        if not _HOST.fullmatch(host):  # not plainly a host (a password holding "/"?): the scheme only
            return f"{match.group(1)}://…"
        return f"{match.group(1)}://{host}/…"
    local, _, domain = target.partition("@")
    return f"{local[:1]}…@{domain}"


# --- webhooks --------------------------------------------------------------------------------------

def sign(secret: str, body: bytes) -> str:
    """The signature header's value: ``sha256=`` and the hex HMAC-SHA256 of the body under the secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_request(alert: Alert, delivery: Delivery, data: dict[str, Any], now: datetime) -> tuple[bytes, dict[str, str]]:
    """The body (JSON: the payload, which delivery and attempt this is, and when it was sent — so the
    signature covers the time) and headers of one webhook POST."""
    document = {"event": f"newsradar.alert.{data['trigger']}", "delivery_id": delivery.id, "alert_id": alert.id,
                "attempt": delivery.attempts + 1, "sent_at": now.isoformat(), **data}
    body = json.dumps(document, ensure_ascii=False, default=_iso).encode()
    headers = {"Content-Type": "application/json", "X-Newsradar-Event": document["event"],
               "X-Newsradar-Delivery": str(delivery.id), TIMESTAMP_HEADER: str(int(now.timestamp())),
               SIGNATURE_HEADER: sign(alert.secret or "", body)}
    return body, headers


def _iso(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot send {type(value).__name__}")


# --- e-mail ----------------------------------------------------------------------------------------

_EVERY = {"now": "as it happens", "hour": "hourly", "day": "daily"}


def _one_line(value: str | None, limit: int = 200) -> str:
    value = " ".join((value or "").split())
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def _when(value: Any) -> str:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return ""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if isinstance(value, datetime) else ""


def _href(url: str | None) -> str | None:
    return url if url and re.match(r"^https?://[^\s\"'<>]+$", url, re.IGNORECASE) else None


def subject(alert: Alert, items: Sequence[dict[str, Any]]) -> str:
    if len(items) == 1:
        item = items[0]
        what = "new story" if item["trigger"] == "new" else f"now covered by {item['story']['outlet_count']} outlets"
        return _one_line(f"[newsradar] {alert.topic}: {what} — {item['story']['title'] or '(untitled)'}", 180)
    return f"[newsradar] {alert.topic}: {len(items)} updates"


def _counts(story: dict[str, Any]) -> str:
    articles, outlets = story["article_count"], story["outlet_count"]
    line = f"{articles} article{'s' if articles != 1 else ''}, {outlets} outlet{'s' if outlets != 1 else ''}"
    return line + (f": {', '.join(story['outlets'])}" if story["outlets"] else "")


def email_text(alert: Alert, items: Sequence[dict[str, Any]]) -> str:
    lines = [f"{len(items)} update{'s' if len(items) != 1 else ''} on the topic {alert.topic}", ""]
    for item in items[:_DIGEST_STORIES]:
        story = item["story"]
        lines.append(f"{item['headline']}: {_one_line(story['title']) or '(untitled)'}")
        lines.append(f"  {_counts(story)}")
        lines.append(f"  {story['url'] or story['path']}")
        for article in item["articles"]:
            when = _when(article["published"])
            lines.append(f"  - {_one_line(article['title']) or '(untitled)'} — {article['outlet'] or 'unknown outlet'}"
                         + (f", {when}" if when else ""))
            if _href(article["url"]):
                lines.append(f"    {article['url']}")
        lines.append("")
    if len(items) > _DIGEST_STORIES:
        lines += [f"…and {len(items) - _DIGEST_STORIES} more on the topic's page.", ""]
    where = items[0]["topic_url"] or items[0]["topic_path"]
    lines += ["-- ", f"Alert {alert.id} on the topic {alert.topic} ({_EVERY.get(alert.every, alert.every)}); "
              f"the topic's page lists its alerts: {where}"]
    return "\n".join(lines) + "\n"


def email_html(alert: Alert, items: Sequence[dict[str, Any]]) -> str:
    e = html.escape
    parts = ['<!doctype html><html><head><meta charset="utf-8"><title>', e(subject(alert, items)), "</title></head>",
             '<body style="font-family:sans-serif;max-width:40em">',
             f"<h1 style=\"font-size:1.2em\">{len(items)} update{'s' if len(items) != 1 else ''} on the topic "
             f"{e(alert.topic)}</h1>"]
    for item in items[:_DIGEST_STORIES]:
        story = item["story"]
        title = e(_one_line(story["title"]) or "(untitled)")
        link = _href(story["url"])
        parts.append(f"<h2 style=\"font-size:1em\">{e(item['headline'])}: "
                     + (f'<a href="{e(link)}">{title}</a>' if link else title) + "</h2>")
        parts.append(f"<p>{e(_counts(story))}</p><ul>")
        for article in item["articles"]:
            headline = e(_one_line(article["title"]) or "(untitled)")
            url = _href(article["url"])
            when = _when(article["published"])
            parts.append("<li>" + (f'<a href="{e(url)}">{headline}</a>' if url else headline)
                         + f" — {e(article['outlet'] or 'unknown outlet')}" + (f", {e(when)}" if when else "") + "</li>")
        parts.append("</ul>")
    if len(items) > _DIGEST_STORIES:
        parts.append(f"<p>…and {len(items) - _DIGEST_STORIES} more on the topic's page.</p>")
    topic_link = _href(items[0]["topic_url"])
    where = f'<a href="{e(topic_link)}">the topic\'s page</a>' if topic_link else f"the topic's page ({e(items[0]['topic_path'])})"
    parts.append(f'<p style="color:#555;font-size:.9em">Alert {alert.id} on the topic {e(alert.topic)} '
                 f"({e(_EVERY.get(alert.every, alert.every))}); {where} lists its alerts.</p></body></html>")
    return "".join(parts)


def email(alert: Alert, items: Sequence[dict[str, Any]], sender: str, now: datetime) -> EmailMessage:
    """One e-mail telling of these deliveries' stories: plain text, and the same as small HTML."""
    message = EmailMessage()
    message["Subject"] = subject(alert, items)
    message["From"] = sender
    message["To"] = alert.target
    message["Date"] = format_datetime(now.astimezone(UTC))
    message["Message-ID"] = make_msgid("newsradar", domain=sender.rsplit("@", 1)[-1] or "localhost")
    message["Auto-Submitted"] = "auto-generated"
    message["X-Newsradar-Topic"] = alert.topic
    message.set_content(email_text(alert, items))
    message.add_alternative(email_html(alert, items), subtype="html")
    return message
