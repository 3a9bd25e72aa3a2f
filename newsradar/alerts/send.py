"""Delivering alerts: the outbox's due deliveries go out — webhooks as JSON POSTs through the safe
fetcher (the address guard, timeouts; no redirects), e-mail through SMTP (one message per alert
and round: right away for ``every=now``, as a digest once the alert's hour or day has passed).

A failure is recorded on the delivery (attempts, last error) and retried later with exponential
backoff (``NEWSRADAR_ALERT_RETRY_SECONDS``, doubling; a server's Retry-After when longer); after
``NEWSRADAR_ALERT_MAX_ATTEMPTS`` attempts, or at once when the guard refuses the address, the
delivery is ``failed``. One process delivers at a time (the store's "alerts" lock), so a pending
delivery is sent by one of them. Nothing here raises for a delivery that fails."""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from .. import settings
from ..errors import SettingsError
from ..sources.fetch import AddressRefused, FetchError, new_client, post_async
from ..store import Store
from ..store import alerts as alert_store
from ..store.alerts import Alert, Delivery
from . import messages

PERIODS = {"now": timedelta(0), "hour": timedelta(hours=1), "day": timedelta(days=1)}
_MAX_DELAY = timedelta(days=1)


@dataclass(slots=True)
class DeliveryReport:
    sent: int = 0  # deliveries sent
    retrying: int = 0  # failed this time, to be tried again
    failed: int = 0  # failed for good
    problems: list[str] = field(default_factory=list)  # one line per failed attempt


class MailError(Exception):
    def __init__(self, reason: str, permanent: bool = False):
        super().__init__(reason)
        self.reason, self.permanent = reason, permanent


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failure: the base, doubled with each failure."""
    seconds = float(settings.get("alert_retry_seconds")) * 2 ** max(0, attempts - 1)
    return min(_MAX_DELAY, timedelta(seconds=seconds))


def digest_due(alert: Alert, now: datetime) -> bool:
    """Whether an hourly or daily alert may send now: its period has passed since the last send
    (or since it was made)."""
    return (alert.last_sent_at or alert.created_at) + PERIODS[alert.every] <= now


def deliver(store: Store, now: datetime | None = None, *, send_mail: Callable[[Any], None] | None = None,
            wait: bool = True) -> DeliveryReport:
    """Send what is due at ``now`` (default: the present); with ``wait=False``, nothing if another
    process is sending (it sends what is due)."""
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    report = DeliveryReport()
    with store.lock("alerts", wait=wait) as held:
        if not held:
            return report
        due = alert_store.due(store, now, PERIODS)
        if not due:
            return report
        alerts = {a.id: a for a in alert_store.alerts(store)}
        current = alert_store.current_stories(store, sorted({d.first_article_id for d in due}))
        base = str(settings.get("public_url") or "").rstrip("/")
        by_alert: dict[int, list[Delivery]] = {}
        for delivery in due:
            by_alert.setdefault(delivery.alert_id, []).append(delivery)
        webhooks: list[tuple[Alert, list[tuple[Delivery, dict]]]] = []
        for alert_id, deliveries in by_alert.items():
            alert = alerts.get(alert_id)
            if alert is None:  # removed since
                continue
            items = [(d, messages.with_links(d, current.get(d.first_article_id), base)) for d in deliveries]
            if alert.kind == "webhook":
                webhooks.append((alert, items))
            elif alert.every == "now" or digest_due(alert, now):
                _mail(store, alert, items, now, report, send_mail or smtp_send)
        if webhooks:
            _run(lambda: _webhooks(store, webhooks, now, report))
    return report


def _run(make_coroutine: Callable[[], Any]) -> None:
    """Run a coroutine to its end from synchronous code, also when called inside an event loop
    (``watch`` runs the flow from its loop): then on a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(make_coroutine())
        return
    with ThreadPoolExecutor(1) as pool:
        pool.submit(lambda: asyncio.run(make_coroutine())).result()


async def _webhooks(store: Store, batches: Sequence[tuple[Alert, list[tuple[Delivery, dict]]]], now: datetime,
                    report: DeliveryReport) -> None:
    async with new_client(max_connections=8) as client:
        for alert, items in batches:
            for delivery, data in items:
                body, headers = messages.webhook_request(alert, delivery, data, now)
                try:
                    await post_async(client, alert.target, body, headers=headers)
                except FetchError as exc:
                    _failed(store, alert, [delivery], exc.reason, now, report,
                            permanent=isinstance(exc, AddressRefused), retry_after=exc.retry_after)
                    break  # the endpoint is failing: the alert's other deliveries wait for the next round
                _sent(store, alert, [delivery], now, report)


def _mail(store: Store, alert: Alert, items: list[tuple[Delivery, dict]], now: datetime, report: DeliveryReport,
          send_mail: Callable[[Any], None]) -> None:
    deliveries = [d for d, _ in items]
    try:
        sender = str(settings.get("smtp_from"))
        send_mail(messages.email(alert, [data for _, data in items], sender, now))
    except MailError as exc:
        _failed(store, alert, deliveries, exc.reason, now, report, permanent=exc.permanent)
    except (SettingsError, ValueError) as exc:  # a setting, or an address the message cannot carry
        _failed(store, alert, deliveries, str(exc), now, report)
    else:
        _sent(store, alert, deliveries, now, report)


def _sent(store: Store, alert: Alert, deliveries: Sequence[Delivery], now: datetime, report: DeliveryReport) -> None:
    alert_store.record(store, [{"id": d.id, "status": "sent", "attempts": d.attempts + 1, "next_attempt_at": None,
                                "last_attempt_at": now, "last_error": None, "sent_at": now} for d in deliveries],
                       sent_alert=alert.id, now=now)
    report.sent += len(deliveries)


def _failed(store: Store, alert: Alert, deliveries: Sequence[Delivery], reason: str, now: datetime,
            report: DeliveryReport, *, permanent: bool = False, retry_after: float | None = None) -> None:
    most = int(settings.get("alert_max_attempts"))
    updates = []
    for delivery in deliveries:
        attempts = delivery.attempts + 1
        final = permanent or attempts >= most
        wait = max(retry_delay(attempts), timedelta(seconds=min(retry_after or 0, _MAX_DELAY.total_seconds())))
        updates.append({"id": delivery.id, "status": "failed" if final else "pending", "attempts": attempts,
                        "next_attempt_at": None if final else now + wait, "last_attempt_at": now,
                        "last_error": reason[:500], "sent_at": None})
        if final:
            report.failed += 1
        else:
            report.retrying += 1
    alert_store.record(store, updates)
    what = "failed for good" if any(u["status"] == "failed" for u in updates) else \
        f"retrying after {updates[0]['next_attempt_at']:%Y-%m-%d %H:%M:%S} UTC"
    shown = messages.redact(alert.kind, alert.target)  # warnings go to stderr and logs: no token in them
    report.problems.append(f"alert {alert.id} on {alert.topic} ({alert.kind} {shown}): "
                           f"{reason.replace(alert.target, shown)} ({what})")


def smtp_send(message: Any) -> None:
    """Send an e-mail through the SMTP server of the settings. Raises MailError saying why not
    (permanent when the server refused the message or its addresses for good: a 5xx answer)."""
    host = str(settings.get("smtp_host") or "").strip()
    if not host:
        raise MailError("no SMTP server is set (NEWSRADAR_SMTP_HOST)")
    security = str(settings.get("smtp_security")).strip().lower()
    if security not in ("starttls", "ssl", "none"):
        raise MailError(f"NEWSRADAR_SMTP_SECURITY={security!r} is not starttls, ssl or none")
    port = int(settings.get("smtp_port")) or {"ssl": 465, "starttls": 587, "none": 25}[security]
    timeout = float(settings.get("connect_timeout")) + float(settings.get("fetch_timeout"))
    where = f"SMTP {host}:{port}"
    try:
        if security == "ssl":
            server: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
        else:
            server = smtplib.SMTP(host, port, timeout=timeout)
        with server:
            if security == "starttls":
                server.starttls(context=ssl.create_default_context())
            user = str(settings.get("smtp_user") or "")
            if user:
                server.login(user, str(settings.get("smtp_password") or ""))
            server.send_message(message)
    except smtplib.SMTPNotSupportedError as exc:
        raise MailError(f"{where}: {exc}; NEWSRADAR_SMTP_SECURITY=none sends without TLS") from exc
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        raise MailError(f"{where} refused {', '.join(exc.recipients)}: "
                        + "; ".join(f"{code} {_text(answer)}" for code, answer in exc.recipients.values()),
                        permanent=all(code >= 500 for code in codes)) from exc
    except smtplib.SMTPDataError as exc:  # the server refused this message
        raise MailError(f"{where}: {exc.smtp_code} {_text(exc.smtp_error)}", permanent=exc.smtp_code >= 500) from exc
    except smtplib.SMTPResponseException as exc:  # login, sender: settings that may be put right
        raise MailError(f"{where}: {exc.smtp_code} {_text(exc.smtp_error)}") from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise MailError(f"{where}: {getattr(exc, 'strerror', None) or exc or type(exc).__name__}") from exc


def _text(answer: Any) -> str:
    value = answer.decode("utf-8", "replace") if isinstance(answer, bytes) else str(answer)
    return " ".join(value.split())
