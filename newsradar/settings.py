"""Every setting in one declarative table: name, default, environment variable, help.

Read a setting with ``get("name")``; the environment variable, when set, wins over the default.
The table is the documentation: ``newsradar settings`` prints it and docs/cli.md lists it."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import SettingsError


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    default: Any
    env: str
    help: str
    parse: Callable[[str], Any] = str


def _default_data_dir() -> str:
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(Path.home(), ".local", "share")
    return os.path.join(base, "newsradar")


SETTINGS: tuple[Setting, ...] = (
    Setting("db", None, "NEWSRADAR_DB",
            "Database URL (sqlite:///path.db or postgresql://user@host:port/dbname). "
            "Default: newsradar.db in the data directory."),
    Setting("data_dir", None, "NEWSRADAR_DATA_DIR",
            "Directory of the embedded SQLite store. Default: $XDG_DATA_HOME/newsradar "
            "(~/.local/share/newsradar)."),
    Setting("max_file_mb", 50.0, "NEWSRADAR_MAX_FILE_MB",
            "Largest file, fetched body, JSONL line or WARC record read whole, in MiB; larger ones "
            "are refused with a warning. JSONL and WARC files are streamed, so only their records "
            "are capped.", float),
    Setting("batch_size", 200, "NEWSRADAR_BATCH_SIZE",
            "Articles written per transaction. A crash loses at most the batch in flight, and a "
            "re-run writes it again.", int),
    Setting("workers", 0, "NEWSRADAR_WORKERS",
            "Processes that extract, normalize and fingerprint articles during ingestion; 0 means "
            "one per CPU (at most 4), 1 means no worker processes. Small inputs never start any.", int),
    Setting("poll_concurrency", 32, "NEWSRADAR_POLL_CONCURRENCY", "Feeds fetched at once, at most.", int),
    Setting("per_host_concurrency", 2, "NEWSRADAR_PER_HOST_CONCURRENCY",
            "Feeds of one host fetched at once, at most.", int),
    Setting("host_delay", 1.0, "NEWSRADAR_HOST_DELAY",
            "Seconds between two article-page requests to one host (robots.txt Crawl-delay, when longer, wins).",
            float),
    Setting("lease_seconds", 600.0, "NEWSRADAR_LEASE_SECONDS",
            "Seconds a worker holds a feed or a chunk of articles before another worker may take it"
            " (a worker that died stops renewing).", float),
    Setting("feed_max_errors", 10, "NEWSRADAR_FEED_MAX_ERRORS",
            "Consecutive failures after which a feed is paused (`feeds resume` starts it again).", int),
    Setting("near_duplicate_threshold", 0.5, "NEWSRADAR_NEAR_DUP_THRESHOLD",
            "Estimated Jaccard similarity of word 4-shingles above which an article is a "
            "near-duplicate (syndicated copy) of an earlier one. See docs/benchmarks.md.", float),
    Setting("story_threshold", 0.14, "NEWSRADAR_STORY_THRESHOLD",
            "Similarity (cosine of TF-IDF story terms, time-decayed) to a story's closest article at or "
            "above which a new article joins that story; below it, the article starts a story. "
            "See docs/benchmarks.md.", float),
    Setting("login_rate", 10, "NEWSRADAR_LOGIN_RATE",
            "Login attempts a minute per client address (a token bucket; 429 past it).", int),
    Setting("reanalyze_batch", 500, "NEWSRADAR_REANALYZE_BATCH",
            "Articles analysed by an older version of a stage that each run (ingest, analyze, poll, watch) "
            "re-analyses, newest first, after the new ones; 0 leaves it all to `newsradar reanalyze`.", int),
    Setting("story_window_days", 30.0, "NEWSRADAR_STORY_WINDOW_DAYS",
            "Days back from the newest clustered article within which stories take new articles.", float),
    Setting("actors_file", "", "NEWSRADAR_ACTORS_FILE",
            "A YAML file that extends the actor dictionary (sections countries, places, organizations, "
            "people, sectors, shaped as newsradar/actors/data/*.yaml); its entries add to ours."),
    Setting("actors_index", "", "NEWSRADAR_ACTORS_INDEX",
            "Where the compiled actor knowledge index lives (a SQLite file built on first use from the "
            "knowledge shipped in the package, or by `newsradar actors import`); off switches the "
            "knowledge off. Default: $XDG_CACHE_HOME/newsradar/actor-knowledge.vN.sqlite (N: the index format)."),
    Setting("fetch_allow", "", "NEWSRADAR_FETCH_ALLOW",
            "Comma-separated host names, addresses or CIDR networks that may be fetched although they "
            "are loopback, private or otherwise non-public (e.g. 127.0.0.1 for a local test server). "
            "Empty by default: such addresses are refused before any packet is sent."),
    Setting("fetch_timeout", 20.0, "NEWSRADAR_FETCH_TIMEOUT",
            "Seconds to wait for a server's next bytes (read and write timeout).", float),
    Setting("connect_timeout", 10.0, "NEWSRADAR_CONNECT_TIMEOUT", "Seconds to wait for a connection.", float),
    Setting("fetch_total_timeout", 60.0, "NEWSRADAR_FETCH_TOTAL_TIMEOUT",
            "Seconds allowed for one fetch in all, redirects and body included.", float),
    Setting("max_redirects", 5, "NEWSRADAR_MAX_REDIRECTS", "Redirects followed at most per fetch.", int),
    Setting("api_token", "", "NEWSRADAR_API_TOKEN",
            "Bearer token that the web app and API require for writes (adding and removing feeds and "
            "topics), and for reads when NEWSRADAR_READ_ACCESS is token. Empty: writes are disabled."),
    Setting("read_access", "public", "NEWSRADAR_READ_ACCESS",
            "Who may read the web app and API: public (anyone who reaches the server) or token (the "
            "API token as a bearer token, or a browser session opened with it at /login)."),
    Setting("search_rate", 60, "NEWSRADAR_SEARCH_RATE",
            "Searches per minute allowed to one client address (page and API together); more get HTTP 429.",
            int),
    Setting("contact", "", "NEWSRADAR_CONTACT",
            "A URL or e-mail address for publishers to reach this installation's operator; sent in the "
            "User-Agent (newsradar/VERSION (+CONTACT))."),
    Setting("public_url", "", "NEWSRADAR_PUBLIC_URL",
            "The web app's address as readers reach it (e.g. https://news.example.org), for the story links in "
            "alert e-mails and webhooks. Empty: alerts give story links as paths (/stories/ID)."),
    Setting("smtp_host", "", "NEWSRADAR_SMTP_HOST",
            "The SMTP server that sends e-mail alerts. Empty: e-mail alerts wait, each attempt failing with that reason."),
    Setting("smtp_port", 0, "NEWSRADAR_SMTP_PORT",
            "The SMTP server's port; 0 means 465 with ssl, 587 with starttls, 25 with none.", int),
    Setting("smtp_security", "starttls", "NEWSRADAR_SMTP_SECURITY",
            "How e-mail reaches the SMTP server: starttls (upgrade the connection; refused if the server cannot), "
            "ssl (TLS from the start) or none (in the clear, for a relay on this machine)."),
    Setting("smtp_user", "", "NEWSRADAR_SMTP_USER", "The SMTP login, if the server needs one."),
    Setting("smtp_password", "", "NEWSRADAR_SMTP_PASSWORD", "The SMTP password of NEWSRADAR_SMTP_USER."),
    Setting("smtp_from", "newsradar@localhost", "NEWSRADAR_SMTP_FROM", "The From address of alert e-mails."),
    Setting("alert_retry_seconds", 60.0, "NEWSRADAR_ALERT_RETRY_SECONDS",
            "Wait before retrying a failed alert delivery; it doubles with every failure.", float),
    Setting("alert_max_attempts", 10, "NEWSRADAR_ALERT_MAX_ATTEMPTS",
            "Attempts at one alert delivery before it is marked failed (shown on the topic page; "
            "`topics alerts --retry` queues it again).", int),
    Setting("alert_max_age_days", 3.0, "NEWSRADAR_ALERT_MAX_AGE_DAYS",
            "Stories whose newest article was published longer ago than this raise no alert (a backfill of old "
            "coverage is not news); 0 for no limit.", float),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def default(name: str) -> Any:
    """The default of setting ``name`` (what ``get`` answers when its variable is not set)."""
    return _BY_NAME[name].default


def get(name: str) -> Any:
    """The value of setting ``name``: its environment variable when set, else its default."""
    setting = _BY_NAME[name]
    raw = os.environ.get(setting.env)
    if raw is None or raw == "":
        return setting.default
    try:
        return setting.parse(raw)
    except ValueError as exc:
        raise SettingsError(f"{setting.env}={raw!r} is not a valid {setting.parse.__name__}: {exc}") from exc


def data_dir() -> Path:
    return Path(get("data_dir") or _default_data_dir())


def default_db_url() -> str:
    return get("db") or f"sqlite:///{data_dir() / 'newsradar.db'}"
