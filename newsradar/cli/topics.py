"""Topics: saved searches served as pages and feeds."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from .. import alerts, export, settings
from ..errors import NewsradarError
from ..store import topics as topic_store
from .common import DbOption, date_option, day, err, group, open_db, out, print_json, say, table

topics_app = group("topics", "Topics: saved searches served as web pages, Atom feeds and JSON Feeds.")


@topics_app.command("add")
def topics_add(name: Annotated[str, typer.Argument(help="Lower-case letters, digits, - or _ (it becomes part of URLs).")],
               query: Annotated[str, typer.Argument(help='Words, "exact phrases", OR, and -excluded words ("" for none).')],
               db: DbOption = None,
               outlet: Annotated[str | None, typer.Option(help="Only articles of this outlet.")] = None,
               language: Annotated[str | None, typer.Option(help="Only articles in this language (e.g. en).")] = None,
               since: Annotated[str | None, typer.Option(help="Only articles published on or after (YYYY-MM-DD).")] = None,
               until: Annotated[str | None, typer.Option(help="Only articles published before (YYYY-MM-DD).")] = None,
               replace: Annotated[bool, typer.Option("--replace", help="Change the topic if the name exists.")] = False) -> None:
    """Save a topic. `newsradar serve` shows it at /topics/NAME with Atom and JSON feeds."""
    with open_db(db) as store:
        topic, created = topic_store.add(store, name, query, outlet, language, date_option(since, "--since"),
                                         date_option(until, "--until"), replace=replace)
    verb = "added" if created else ("changed" if replace else "exists already (use --replace to change it)")
    out.print(f"topic {topic.name} {verb}: /topics/{topic.name} · /topics/{topic.name}/atom.xml"
              f" · /topics/{topic.name}/feed.json", markup=False, highlight=False)


@topics_app.command("list")
def topics_list(db: DbOption = None,
                as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False) -> None:
    """Saved topics with their queries and filters."""
    with open_db(db) as store:
        found = topic_store.all_topics(store)
    if as_json:
        for topic in found:
            record = {k: export.iso(getattr(topic, k)) for k in ("name", "query", "outlet", "language", "since",
                                                                   "until", "created_at")}
            out.print(json.dumps(record, ensure_ascii=False), markup=False, highlight=False)
        return
    if not found:
        err.print("no topics yet: add one with `newsradar topics add NAME QUERY`", markup=False)
        return
    table = Table("topic", "query", "outlet", "language", "since", "until")
    for topic in found:
        table.add_row(topic.name, topic.query, topic.outlet or "", topic.language or "", day(topic.since)[:10],
                      day(topic.until)[:10])
    out.print(table)


@topics_app.command("remove")
def topics_remove(name: Annotated[str, typer.Argument(help="The topic's name.")], db: DbOption = None) -> None:
    """Delete a saved topic (its articles and stories stay)."""
    with open_db(db) as store:
        topic = topic_store.remove(store, name)
    out.print(f"removed topic {topic.name}", markup=False, highlight=False)


# --- alerts ----------------------------------------------------------------------------------------

@topics_app.command("alert")
def topics_alert(name: Annotated[str, typer.Argument(help="The topic's name.")],
                 webhook: Annotated[str | None, typer.Option(
                     "--webhook", metavar="URL", help="POST each new story as signed JSON to this http(s) URL.")] = None,
                 email: Annotated[str | None, typer.Option(
                     "--email", metavar="ADDRESS", help="E-mail new stories to this address (NEWSRADAR_SMTP_*).")] = None,
                 every: Annotated[str, typer.Option(
                     "--every", metavar="now|hour|day",
                     help="E-mail right away, or an hourly or daily digest (webhooks: always now).")] = "now",
                 min_outlets: Annotated[int, typer.Option(
                     "--min-outlets", metavar="N",
                     help="Also tell when a story grows to be covered by N outlets (0: never).")] = alerts.DEFAULT_MIN_OUTLETS,
                 secret: Annotated[str | None, typer.Option(
                     "--secret", help="The webhook's HMAC key (16+ characters); default: a new random one, shown once.")] = None,
                 remove: Annotated[int | None, typer.Option(
                     "--remove", metavar="ID", help="Remove the topic's alert with this id (see `topics alerts`).")] = None,
                 db: DbOption = None) -> None:
    """Alert on a topic: new matching stories, and stories that grow to be covered by N outlets,
    by webhook or e-mail — each once. Alerts go out from the process that assigns stories
    (ingest, poll, watch, stories update)."""
    if remove is not None:
        if webhook or email or secret:
            raise NewsradarError("--remove takes only the alert's id; give no --webhook, --email or --secret with it")
        with open_db(db) as store:
            gone = alerts.remove(store, name, remove)
        say(f"removed alert {gone.id} ({gone.kind} {gone.target}) from topic {gone.topic}")
        return
    with open_db(db) as store:
        alert = alerts.add(store, name, webhook=webhook, email=email, secret=secret, every=every, min_outlets=min_outlets)
    outlets = f", and stories covered by {alert.min_outlets} outlets" if alert.min_outlets else ""
    say(f"alert {alert.id} added to topic {alert.topic}: {alert.kind} {alert.target}, "
        f"{alerts.every_label(alert.every)} (new stories{outlets}, from now on)")
    if alert.kind == "webhook":
        if secret is None:
            say(f"secret (shown once; X-Newsradar-Signature is sha256=HMAC-SHA256 of the body under it): {alert.secret}")
        else:
            say("each body is signed with the secret you gave (X-Newsradar-Signature: sha256=HMAC-SHA256 of the body)")
    elif not settings.get("smtp_host"):
        say("note: NEWSRADAR_SMTP_HOST is not set; e-mails wait, each attempt failing, until it is", err)


@topics_app.command("alerts")
def topics_alerts(name: Annotated[str | None, typer.Argument(help="Only this topic's alerts.")] = None,
                  db: DbOption = None,
                  send: Annotated[bool, typer.Option(
                      "--send", help="Look for triggers and send what is due now, before listing.")] = False,
                  retry: Annotated[bool, typer.Option(
                      "--retry", help="Queue failed deliveries again (sent with --send or by the next run).")] = False,
                  as_json: Annotated[bool, typer.Option("--json", help="One JSON object per alert and line.")] = False) -> None:
    """Alerts with their deliveries: how many are pending, sent, failed or skipped, and the latest
    ones with their attempts and last error."""
    with open_db(db) as store:
        if retry:
            say(f"{alerts.retry_failed(store, name)} failed deliveries queued again", err)
        if send:
            report = alerts.run(store)
            for problem in report.problems:
                say(f"warning: {problem}", err)
            say(f"{report.queued} deliveries queued, {report.sent} sent, {report.retrying} to retry, "
                f"{report.failed} failed", err)
        views = alerts.listing(store, name, recent=5)
    if as_json:
        for view in views:
            print_json(alerts.alert_record(view))
        return
    if not views:
        say("no alerts yet: add one with `newsradar topics alert NAME --webhook URL` or `--email ADDRESS`", err)
        return
    listing = table("alert", "topic", "to", "when", "deliveries", "last sent", right=("alert",))
    listing.columns[2].overflow = "fold"  # an address or URL is shown whole, folded if need be
    for view in views:
        a, n = view.alert, view.counts
        when = alerts.every_label(a.every) + (f", at {a.min_outlets} outlets" if a.min_outlets else "")
        listing.add_row(str(a.id), a.topic, f"{a.kind} {a.target}", when,
                        f"{n['sent']} sent, {n['pending']} pending, {n['failed']} failed"
                        + (f", {n['skipped']} skipped" if n["skipped"] else ""), day(a.last_sent_at) or "never")
    out.print(listing)
    recent = [(view.alert, d) for view in views for d in view.recent]
    if recent:
        deliveries = table("alert", "queued", "trigger", "story", "status", "attempts", "last error / next attempt",
                           right=("alert", "attempts"))
        deliveries.columns[6].overflow = "fold"
        for alert, d in sorted(recent, key=lambda pair: pair[1].id, reverse=True)[:20]:
            note = d.last_error or ""
            if d.status == "pending" and d.next_attempt_at and d.attempts:
                note += f" (next attempt {day(d.next_attempt_at)})"
            deliveries.add_row(str(alert.id), day(d.created_at), d.trigger_key,
                               d.payload.get("story", {}).get("title") or "(untitled)", d.status, str(d.attempts), note)
        out.print(deliveries)
