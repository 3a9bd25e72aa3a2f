"""Append-only migrations. Each is (version, name, statements for SQLite, statements for
PostgreSQL); applied ones are recorded in ``schema_migrations``. Never edit an applied migration:
add a new one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.engine import Connection


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sqlite: tuple[str, ...]
    postgresql: tuple[str, ...]
    # a data step after the statements, in the same transaction (rows that SQL alone cannot derive)
    backfill: Callable[[Connection], None] | None = None


_ARTICLES_COMMON = """
    key TEXT NOT NULL UNIQUE,
    external_id TEXT,
    guid TEXT,
    url TEXT,
    canonical_url TEXT,
    title TEXT,
    text TEXT NOT NULL,
    author TEXT,
    outlet TEXT,
    language TEXT,
    source_kind TEXT NOT NULL,
    source TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    fingerprint {blob},
    duplicate_of INTEGER REFERENCES articles(id),
    similarity REAL,
    story_id INTEGER REFERENCES stories(id),
    tone REAL
"""

_INDEXES = (
    "CREATE INDEX near_dup_bands_band ON near_dup_bands (band)",
    "CREATE INDEX articles_published ON articles (published)",
    "CREATE INDEX articles_outlet ON articles (outlet)",
    "CREATE INDEX articles_story ON articles (story_id)",
    "CREATE INDEX articles_duplicate_of ON articles (duplicate_of)",
    "CREATE INDEX articles_content_hash ON articles (content_hash)",
)

_FEEDS = """CREATE TABLE feeds (
    id {id},
    url TEXT NOT NULL UNIQUE,
    outlet TEXT,
    title TEXT,
    interval_seconds INTEGER NOT NULL,
    full_text INTEGER NOT NULL DEFAULT 1,
    etag TEXT,
    last_modified TEXT,
    last_fetch_at {time},
    last_success_at {time},
    last_status INTEGER,
    error_count INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    next_poll_at {time},
    paused INTEGER NOT NULL DEFAULT 0,
    articles_count INTEGER NOT NULL DEFAULT 0,
    created_at {time} NOT NULL
)"""
_FEEDS_REST = (
    "CREATE INDEX feeds_next_poll ON feeds (next_poll_at)",
    "ALTER TABLE articles ADD COLUMN summary TEXT",
)
_ARTICLE_KEYS = (
    "CREATE TABLE article_keys (key TEXT PRIMARY KEY, article_id INTEGER NOT NULL REFERENCES articles(id))",
    "CREATE INDEX article_keys_article ON article_keys (article_id)",
    "INSERT INTO article_keys (key, article_id) SELECT key, id FROM articles",
)

_STORIES = (
    """CREATE TABLE story_features (
        article_id INTEGER PRIMARY KEY REFERENCES articles(id),
        terms TEXT NOT NULL,
        vector TEXT,
        seq INTEGER
    )""",
    "CREATE INDEX story_features_seq ON story_features (seq)",
    "CREATE TABLE story_terms (term TEXT PRIMARY KEY, df INTEGER NOT NULL)",
    """CREATE TABLE story_history (
        id {id},
        kind TEXT NOT NULL,
        story_id INTEGER NOT NULL,
        other_story_id INTEGER NOT NULL,
        article_id INTEGER,
        similarity REAL,
        at {time} NOT NULL
    )""",
    "CREATE INDEX story_history_story ON story_history (story_id)",
    "CREATE INDEX story_history_other ON story_history (other_story_id)",
    "ALTER TABLE stories ADD COLUMN summary TEXT",
    "ALTER TABLE stories ADD COLUMN merged_into INTEGER",
    "ALTER TABLE stories ADD COLUMN updated_at {time}",
    # stories are now made by the clusterer: drop the one-per-article stories of earlier versions
    "UPDATE articles SET story_id = NULL",
    "DELETE FROM stories",
)

_TOPICS = (
    """CREATE TABLE topics (
        id {id},
        name TEXT NOT NULL UNIQUE,
        query TEXT NOT NULL DEFAULT '',
        outlet TEXT,
        language TEXT,
        since {time},
        until {time},
        created_at {time} NOT NULL
    )""",
    # pages of articles newest first (all, by outlet, by language), covering what the story pages
    # need, so a walk down the index probes the full-text matches without reading articles
    "CREATE INDEX articles_published_id ON articles (published, id, story_id)",
    "CREATE INDEX articles_outlet_published ON articles (outlet, published, id, story_id)",
    "CREATE INDEX articles_language_published ON articles (language, published, id, story_id)",
)

_ENTITIES = (
    """CREATE TABLE entities (
        id {id},
        key TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        type TEXT NOT NULL,
        country TEXT,
        sector TEXT,
        dictionary_id TEXT,
        renamed INTEGER NOT NULL DEFAULT 0,
        created_at {time} NOT NULL
    )""",
    """CREATE TABLE mentions (
        id {id},
        article_id INTEGER NOT NULL REFERENCES articles(id),
        entity_id INTEGER NOT NULL REFERENCES entities(id),
        field TEXT NOT NULL,
        start_char INTEGER NOT NULL,
        end_char INTEGER NOT NULL,
        text TEXT NOT NULL,
        title TEXT
    )""",
    "CREATE INDEX mentions_article ON mentions (article_id)",
    "CREATE INDEX mentions_entity ON mentions (entity_id, article_id)",
    # which versioned producer analysed which article (re-analysis only where a version changed)
    """CREATE TABLE analyses (
        article_id INTEGER NOT NULL REFERENCES articles(id),
        component TEXT NOT NULL,
        version TEXT NOT NULL,
        at {time} NOT NULL,
        PRIMARY KEY (article_id, component)
    )""",
    # manual corrections, applied again whenever articles are re-analysed
    """CREATE TABLE entity_corrections (
        id {id},
        kind TEXT NOT NULL,
        entity_key TEXT NOT NULL,
        target_key TEXT,
        alias TEXT,
        name TEXT,
        at {time} NOT NULL
    )""",
)

_HOUSE = (
    # an input that failed to ingest, as data: what, why, when first and last, how often
    """CREATE TABLE input_failures (
        id {id},
        input TEXT NOT NULL,
        kind TEXT NOT NULL,
        reason TEXT NOT NULL,
        first_at {time} NOT NULL,
        last_at {time} NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 1,
        UNIQUE (input, reason)
    )""",
    "CREATE INDEX input_failures_last ON input_failures (last_at)",
    # story terms became a stage of their own: the articles whose terms are stored were analysed by it
    "INSERT INTO analyses (article_id, component, version, at) SELECT f.article_id, 'terms', 'story-features/1',"
    " n.at FROM story_features f JOIN analyses n ON n.article_id = f.article_id AND n.component = 'entities'",
)

_SESSIONS = (
    # browser sessions opened with the API token: a session is valid while its row is, so logout revokes it
    """CREATE TABLE web_sessions (
        id TEXT PRIMARY KEY,
        created_at {time} NOT NULL,
        expires_at {time} NOT NULL,
        revoked_at {time}
    )""",
)

_QUOTES = (
    # who said what: one row per attribution; the speaker's entity is the mention at (ref_field, ref_start)
    """CREATE TABLE quotes (
        id {id},
        article_id INTEGER NOT NULL REFERENCES articles(id),
        field TEXT NOT NULL,
        start_char INTEGER NOT NULL,
        end_char INTEGER NOT NULL,
        pieces TEXT NOT NULL,
        content TEXT NOT NULL,
        kind TEXT NOT NULL,
        cue TEXT,
        speaker TEXT,
        speaker_words TEXT,
        speaker_start INTEGER,
        speaker_end INTEGER,
        speaker_type TEXT,
        ref_field TEXT,
        ref_start INTEGER,
        sentence TEXT NOT NULL,
        hedged INTEGER NOT NULL,
        denial INTEGER NOT NULL,
        question INTEGER NOT NULL
    )""",
    "CREATE INDEX quotes_article ON quotes (article_id)",
    "CREATE INDEX mentions_position ON mentions (article_id, field, start_char)",
)

_EVENTS = (
    # who did what to whom: one row per coded event; its actors in event_actors, each with the entities
    # stage's mention it resolves to at (ref_field, ref_start) and the country/sector coded that day
    """CREATE TABLE events (
        id {id},
        article_id INTEGER NOT NULL REFERENCES articles(id),
        field TEXT NOT NULL,
        sentence_start INTEGER NOT NULL,
        sentence_end INTEGER NOT NULL,
        sentence TEXT NOT NULL,
        trigger_text TEXT NOT NULL,
        trigger_start INTEGER NOT NULL,
        trigger_end INTEGER NOT NULL,
        type TEXT NOT NULL,
        mode TEXT,
        pattern TEXT NOT NULL,
        negated INTEGER NOT NULL,
        hypothetical INTEGER NOT NULL,
        in_quote INTEGER NOT NULL,
        event_date TEXT,
        date_text TEXT,
        location TEXT,
        location_start INTEGER,
        location_end INTEGER,
        intensity REAL NOT NULL
    )""",
    """CREATE TABLE event_actors (
        id {id},
        event_id INTEGER NOT NULL REFERENCES events(id),
        article_id INTEGER NOT NULL REFERENCES articles(id),
        role TEXT NOT NULL,
        position INTEGER NOT NULL,
        text TEXT NOT NULL,
        start_char INTEGER,
        end_char INTEGER,
        country TEXT,
        sector TEXT,
        name TEXT,
        ref_field TEXT,
        ref_start INTEGER
    )""",
    "CREATE INDEX events_article ON events (article_id)",
    "CREATE INDEX events_type ON events (type)",
    "CREATE INDEX event_actors_event ON event_actors (event_id)",
    "CREATE INDEX event_actors_article ON event_actors (article_id)",
    "CREATE INDEX event_actors_country ON event_actors (role, country)",
)

_OUTLETS = (
    "ALTER TABLE articles ADD COLUMN section TEXT",
    "ALTER TABLE articles ADD COLUMN outlet_domain TEXT",
    "ALTER TABLE articles ADD COLUMN outlet_origin TEXT",
    # a feed entry's text: its page's ("page"), or the feed's summary ("summary"; "paywall" or
    # "consent" when the page fetched was a wall)
    "ALTER TABLE articles ADD COLUMN text_origin TEXT",
    # a publisher as people know it; lean, country and owner are the user's description (never ours)
    """CREATE TABLE outlets (
        id {id},
        name TEXT NOT NULL UNIQUE,
        lean TEXT,
        country TEXT,
        owner TEXT,
        created_at {time} NOT NULL
    )""",
    # what names an outlet: its registrable domains ('domain:nytimes.com') and the user's corrections
    # of a derived name ('name:wsj.com: world news'); origin says who decided (map, page, feed,
    # domain, given, user)
    """CREATE TABLE outlet_keys (
        key TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        origin TEXT NOT NULL
    )""",
    "CREATE INDEX outlet_keys_name ON outlet_keys (name)",
    "CREATE INDEX articles_outlet_domain ON articles (outlet_domain)",
)


def _outlets_backfill(conn: Connection) -> None:
    from .outlets import backfill  # the derivation lives with the outlets, not in the schema

    backfill(conn)


_ALERTS = (
    # a topic's alerts: a webhook (URL and HMAC secret) or an e-mail address (now, hourly or daily);
    # "new" means a story whose first article came after after_article_id (the newest when the alert
    # was made); checked_* is where the last look for triggers got to
    """CREATE TABLE topic_alerts (
        id {id},
        topic_id INTEGER NOT NULL REFERENCES topics(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        target TEXT NOT NULL,
        secret TEXT,
        every TEXT NOT NULL DEFAULT 'now',
        min_outlets INTEGER NOT NULL DEFAULT 5,
        after_article_id INTEGER NOT NULL DEFAULT 0,
        checked_article_id INTEGER NOT NULL DEFAULT 0,
        checked_at {time},
        created_at {time} NOT NULL,
        last_sent_at {time},
        UNIQUE (topic_id, kind, target)
    )""",
    # the outbox: one row per alert, trigger ('new', 'outlets:N') and story, the story known by its
    # first article (story ids change with rebuilds, merges and splits), so each goes out once
    """CREATE TABLE alert_deliveries (
        id {id},
        alert_id INTEGER NOT NULL REFERENCES topic_alerts(id) ON DELETE CASCADE,
        trigger_key TEXT NOT NULL,
        first_article_id INTEGER NOT NULL,
        story_id INTEGER,
        payload TEXT NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        created_at {time} NOT NULL,
        next_attempt_at {time},
        last_attempt_at {time},
        last_error TEXT,
        sent_at {time},
        UNIQUE (alert_id, trigger_key, first_article_id)
    )""",
    "CREATE INDEX alert_deliveries_due ON alert_deliveries (status, next_attempt_at)",
    # the articles each alert already told of, per trigger: a story holding one of them (after a merge,
    # a split or a rebuild gave it another first article) is not told of again
    """CREATE TABLE alert_articles (
        alert_id INTEGER NOT NULL REFERENCES topic_alerts(id) ON DELETE CASCADE,
        trigger_key TEXT NOT NULL,
        article_id INTEGER NOT NULL,
        PRIMARY KEY (alert_id, trigger_key, article_id)
    )""",
)

_FRAMING = (
    # an article's tone (GDELT V2Tone-shaped), or why it has none (``reason``: not English, shouting…)
    """CREATE TABLE article_tones (
        article_id INTEGER PRIMARY KEY REFERENCES articles(id),
        tone REAL,
        positive REAL,
        negative REAL,
        polarity REAL,
        activity_density REAL,
        self_group_density REAL,
        word_count INTEGER,
        reason TEXT
    )""",
    # loaded wording, with its category and whose it is (the outlet's, or a quoted speaker's)
    """CREATE TABLE loaded_terms (
        id {id},
        article_id INTEGER NOT NULL REFERENCES articles(id),
        field TEXT NOT NULL,
        start_char INTEGER NOT NULL,
        end_char INTEGER NOT NULL,
        text TEXT NOT NULL,
        category TEXT NOT NULL,
        rule TEXT,
        in_quote INTEGER NOT NULL,
        speaker TEXT,
        target_start INTEGER
    )""",
    # the article's tone toward each entity it names: the entity joined through its first mention
    # when read, as quote speakers are (entities are merged and split after analysis)
    """CREATE TABLE entity_tones (
        id {id},
        article_id INTEGER NOT NULL REFERENCES articles(id),
        ref_field TEXT NOT NULL,
        ref_start INTEGER NOT NULL,
        tone REAL NOT NULL,
        mentions INTEGER NOT NULL
    )""",
    "CREATE INDEX loaded_terms_article ON loaded_terms (article_id)",
    "CREATE INDEX loaded_terms_category ON loaded_terms (category)",
    "CREATE INDEX entity_tones_article ON entity_tones (article_id)",
)

_STORY_IDENTITY = (
    "ALTER TABLE story_features ADD COLUMN signature TEXT",
    "ALTER TABLE story_features ADD COLUMN decision TEXT",
    "ALTER TABLE story_features ADD COLUMN text_length INTEGER",
    "CREATE TABLE story_anchors (term TEXT NOT NULL, story_id INTEGER NOT NULL, PRIMARY KEY (term, story_id))",
    "CREATE INDEX story_anchors_story ON story_anchors (story_id)",
)

_WORKERS = (
    "ALTER TABLE feeds ADD COLUMN lease_holder TEXT",
    "ALTER TABLE feeds ADD COLUMN lease_until {time}",
    "CREATE TABLE analysis_leases (article_id INTEGER PRIMARY KEY, holder TEXT NOT NULL, until {time} NOT NULL)",
    """CREATE TABLE workers (name TEXT PRIMARY KEY, host TEXT NOT NULL, pid INTEGER NOT NULL, started_at {time} NOT NULL,
        seen_at {time} NOT NULL, state TEXT NOT NULL, polled INTEGER NOT NULL DEFAULT 0,
        analysed INTEGER NOT NULL DEFAULT 0, clustered INTEGER NOT NULL DEFAULT 0)""",
)

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "articles, stories, sightings, near-duplicate bands, full-text search",
        sqlite=(
            """CREATE TABLE stories (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                title TEXT,
                first_published TEXT,
                last_published TEXT,
                created_at TEXT NOT NULL
            )""",
            "CREATE TABLE articles (id INTEGER PRIMARY KEY AUTOINCREMENT, published TEXT, ingested_at TEXT NOT NULL,"
            + _ARTICLES_COMMON.format(blob="BLOB") + ")",
            """CREATE TABLE sightings (
                article_id INTEGER NOT NULL REFERENCES articles(id),
                source TEXT NOT NULL,
                source_kind TEXT NOT NULL,
                first_seen TEXT NOT NULL,
                PRIMARY KEY (article_id, source)
            )""",
            "CREATE TABLE near_dup_bands (band INTEGER NOT NULL, article_id INTEGER NOT NULL REFERENCES articles(id))",
            *_INDEXES,
            """CREATE VIRTUAL TABLE articles_fts USING fts5(
                title, text, content='articles', content_rowid='id',
                tokenize='porter unicode61 remove_diacritics 2'
            )""",
            """CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
                INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
            END""",
            """CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
                INSERT INTO articles_fts(articles_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
            END""",
            """CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, text ON articles BEGIN
                INSERT INTO articles_fts(articles_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
                INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
            END""",
        ),
        postgresql=(
            """CREATE TABLE stories (
                id SERIAL PRIMARY KEY,
                title TEXT,
                first_published TIMESTAMPTZ,
                last_published TIMESTAMPTZ,
                created_at TIMESTAMPTZ NOT NULL
            )""",
            "CREATE TABLE articles (id SERIAL PRIMARY KEY, published TIMESTAMPTZ, ingested_at TIMESTAMPTZ NOT NULL,"
            + _ARTICLES_COMMON.format(blob="BYTEA")
            + """, search_vector tsvector GENERATED ALWAYS AS (
                setweight(to_tsvector('english', coalesce(title, '')), 'A') ||
                setweight(to_tsvector('english', text), 'B')) STORED
            )""",
            """CREATE TABLE sightings (
                article_id INTEGER NOT NULL REFERENCES articles(id),
                source TEXT NOT NULL,
                source_kind TEXT NOT NULL,
                first_seen TIMESTAMPTZ NOT NULL,
                PRIMARY KEY (article_id, source)
            )""",
            "CREATE TABLE near_dup_bands (band BIGINT NOT NULL, article_id INTEGER NOT NULL REFERENCES articles(id))",
            *_INDEXES,
            "CREATE INDEX articles_search ON articles USING GIN (search_vector)",
        ),
    ),
    Migration(
        2,
        "feed subscriptions with their health; article summaries",
        sqlite=(_FEEDS.format(id="INTEGER PRIMARY KEY AUTOINCREMENT", time="TEXT"), *_FEEDS_REST),
        postgresql=(_FEEDS.format(id="SERIAL PRIMARY KEY", time="TIMESTAMPTZ"), *_FEEDS_REST),
    ),
    Migration(
        3,
        "every identity key of an article (GUID, URLs it was reached at), for matching sightings",
        sqlite=_ARTICLE_KEYS,
        postgresql=_ARTICLE_KEYS,
    ),
    Migration(
        4,
        "feeds: the earliest time the server or the backoff allows the next fetch",
        sqlite=("ALTER TABLE feeds ADD COLUMN not_before TEXT",),
        postgresql=("ALTER TABLE feeds ADD COLUMN not_before TIMESTAMPTZ",),
    ),
    Migration(
        5,
        "online story clustering: per-article terms and vectors, term document frequencies, merge and split history",
        sqlite=tuple(q.format(id="INTEGER PRIMARY KEY AUTOINCREMENT", time="TEXT") for q in _STORIES),
        postgresql=tuple(q.format(id="SERIAL PRIMARY KEY", time="TIMESTAMPTZ") for q in _STORIES),
    ),
    Migration(
        6,
        "topics (saved searches served as pages and feeds); keyset indexes for pages of articles and stories",
        sqlite=tuple(q.format(id="INTEGER PRIMARY KEY AUTOINCREMENT", time="TEXT") for q in _TOPICS),
        postgresql=tuple(q.format(id="SERIAL PRIMARY KEY", time="TIMESTAMPTZ") for q in _TOPICS),
    ),
    Migration(
        7,
        "entities, their mentions (article, character offsets), analysis versions, manual corrections",
        sqlite=tuple(q.format(id="INTEGER PRIMARY KEY AUTOINCREMENT", time="TEXT") for q in _ENTITIES),
        postgresql=tuple(q.format(id="SERIAL PRIMARY KEY", time="TIMESTAMPTZ") for q in _ENTITIES),
    ),
    Migration(
        8,
        "analysis stages: story terms recorded as a stage in analyses; failed inputs stored as data",
        sqlite=tuple(q.format(id="INTEGER PRIMARY KEY AUTOINCREMENT", time="TEXT") for q in _HOUSE),
        postgresql=tuple(q.format(id="SERIAL PRIMARY KEY", time="TIMESTAMPTZ") for q in _HOUSE),
    ),
    Migration(
        9,
        "web sessions kept server-side (revoked at logout)",
        sqlite=tuple(q.format(time="TEXT") for q in _SESSIONS),
        postgresql=tuple(q.format(time="TIMESTAMPTZ") for q in _SESSIONS),
    ),
    Migration(
        10,
        "quotes: who said what, with the speaker's mention, searchable by content and speaker",
        sqlite=(*(q.format(id="INTEGER PRIMARY KEY AUTOINCREMENT") for q in _QUOTES),
                """CREATE VIRTUAL TABLE quotes_fts USING fts5(
                    speaker_words, cue, content, content='quotes', content_rowid='id',
                    tokenize='porter unicode61 remove_diacritics 2'
                )""",
                """CREATE TRIGGER quotes_fts_insert AFTER INSERT ON quotes BEGIN
                    INSERT INTO quotes_fts(rowid, speaker_words, cue, content) VALUES (new.id, new.speaker_words, new.cue, new.content);
                END""",
                """CREATE TRIGGER quotes_fts_delete AFTER DELETE ON quotes BEGIN
                    INSERT INTO quotes_fts(quotes_fts, rowid, speaker_words, cue, content)
                    VALUES ('delete', old.id, old.speaker_words, old.cue, old.content);
                END"""),
        postgresql=(*(q.format(id="SERIAL PRIMARY KEY") for q in _QUOTES),
                    """ALTER TABLE quotes ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
                        setweight(to_tsvector('english', coalesce(speaker_words, '')), 'A') ||
                        setweight(to_tsvector('english', coalesce(cue, '')), 'B') ||
                        setweight(to_tsvector('english', content), 'C')) STORED""",
                    "CREATE INDEX quotes_search ON quotes USING GIN (search_vector)"),
    ),
    Migration(
        11,
        "events: who did what to whom (PLOVER type, mode, actors with their mentions and codes, date, place)",
        sqlite=tuple(q.format(id="INTEGER PRIMARY KEY AUTOINCREMENT") for q in _EVENTS),
        postgresql=tuple(q.format(id="SERIAL PRIMARY KEY") for q in _EVENTS),
    ),
    Migration(
        12,
        "outlets as publishers: registrable domain and section per article, outlets, their domains and the user's corrections",
        sqlite=tuple(q.format(id="INTEGER PRIMARY KEY AUTOINCREMENT", time="TEXT") for q in _OUTLETS),
        postgresql=tuple(q.format(id="SERIAL PRIMARY KEY", time="TIMESTAMPTZ") for q in _OUTLETS),
        backfill=_outlets_backfill,
    ),
    Migration(
        13,
        "alerts on topics: webhooks and e-mail, an outbox of deliveries keyed by topic alert, trigger and first article",
        sqlite=tuple(q.format(id="INTEGER PRIMARY KEY AUTOINCREMENT", time="TEXT") for q in _ALERTS),
        postgresql=tuple(q.format(id="SERIAL PRIMARY KEY", time="TIMESTAMPTZ") for q in _ALERTS),
    ),
    Migration(
        14,
        "framing: article tone, loaded terms (category, in a quote or the outlet's own), tone toward each entity",
        sqlite=tuple(q.format(id="INTEGER PRIMARY KEY AUTOINCREMENT") for q in _FRAMING),
        postgresql=tuple(q.format(id="SERIAL PRIMARY KEY") for q in _FRAMING),
    ),
    Migration(
        15,
        "story identity: each clustered article's event signature and the evidence its story decision rested on;"
        " stories' anchors (their articles' heaviest names), the index that finds a story after it left the window",
        sqlite=_STORY_IDENTITY,
        postgresql=_STORY_IDENTITY,
    ),
    Migration(
        16,
        "many workers on one store: feed leases, analysis leases (claimed chunks of articles) and a worker registry",
        sqlite=tuple(q.format(time="TEXT") for q in _WORKERS),
        postgresql=tuple(q.format(time="TIMESTAMPTZ") for q in _WORKERS),
    ),
    Migration(
        17,
        "workers' machine (boot id and process-id namespace): a dead holder's leases are freed only by a process"
        " that can see it",
        sqlite=("ALTER TABLE workers ADD COLUMN machine TEXT",),
        postgresql=("ALTER TABLE workers ADD COLUMN machine TEXT",),
    ),
)
