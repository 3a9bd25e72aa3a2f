"""Stories in the store: the clusterer's state (``story_features``: each article's terms, the
vector it was clustered with and its sequence number; ``story_terms``: document frequencies), story
rows with their titles and summaries, membership, merge and split history, and the reads behind
story pages. Every SQL statement about stories is here; the algorithm (``clustering.py``) has none."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection

from .. import eventsig
from ..clustering import Change, Clusterer, Recall, Recalled, StoryConfig, explain
from ..errors import NotFound
from ..eventsig import Signature
from ..normalize import parse_datetime
from ..summaries import summarize
from .events import signatures
from .store import Store
from .writer import select_in

_PENDING_ORDER = "a.published IS NULL, a.published, a.id"  # dated first, by date; then undated, in arrival order
_IN = 500


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


# --- the analysis writes terms --------------------------------------------------------------------

def write_terms(conn: Connection, results: Sequence[tuple[int, dict[str, float]]]) -> None:
    """Store articles' story terms (the terms stage). The vector an article was clustered with is
    kept: its story does not change until ``stories rebuild`` clusters with the new terms."""
    conn.execute(text("INSERT INTO story_features (article_id, terms) VALUES (:id, :terms)"
                      " ON CONFLICT (article_id) DO UPDATE SET terms = excluded.terms"),
                 [{"id": a, "terms": _json(terms)} for a, terms in results])


# --- the clusterer's queue and window -------------------------------------------------------------

_PENDING = ("FROM articles a JOIN story_features f ON f.article_id = a.id"
            " WHERE a.story_id IS NULL AND a.duplicate_of IS NULL")


def pending_count(store: Store) -> int:
    """Originals without a story whose terms the analysis has written (the others wait for it)."""
    with store.connect() as conn:
        return conn.execute(text(f"SELECT count(*) {_PENDING}")).scalar_one()


def pending(store: Store, limit: int) -> list[tuple[int, dict[str, float], datetime | None, Signature, int]]:
    """The next ``limit`` articles to cluster, in publication order: (id, terms, published, event
    signature, length of the text in characters)."""
    with store.connect() as conn:
        rows = conn.execute(text(f"SELECT a.id, a.published, f.terms {_PENDING} ORDER BY {_PENDING_ORDER}"
                                 " LIMIT :n"), {"n": limit}).all()
        ids = [r.id for r in rows]
        found = signatures(conn, ids) if rows else {}
        # an article the events stage has not read yet is unknown, not eventless
        coded = {r.article_id for r in select_in(conn, "SELECT article_id FROM analyses WHERE component = 'events'"
                                                      " AND article_id IN :values", ids)}
        # lengths of the chosen articles only (not of every pending row the ordering sorts)
        lengths = {r.id: r.length for r in select_in(conn, "SELECT id, length(text) AS length FROM articles"
                                                          " WHERE id IN :values", ids)}
    return [(r.id, json.loads(r.terms), parse_datetime(r.published),
             found.get(r.id, eventsig.EMPTY if r.id in coded else eventsig.UNKNOWN), lengths.get(r.id) or 0)
            for r in rows]


def load_clusterer(store: Store, config: StoryConfig) -> Clusterer:
    """A clusterer holding the window the store's last run ended with (the same vectors, so a
    restart decides exactly as a run that never stopped)."""
    def df_lookup(terms: Sequence[str]) -> dict[str, int]:
        with store.connect() as conn:
            return {r.term: r.df for r in select_in(conn, "SELECT term, df FROM story_terms WHERE term IN :values",
                                                      terms)}

    with store.connect() as conn:
        documents, seq = conn.execute(text(
            "SELECT count(*), coalesce(max(seq), 0) FROM story_features WHERE vector IS NOT NULL")).one()
        newest = parse_datetime(conn.execute(text(
            "SELECT max(a.published) FROM story_features f JOIN articles a ON a.id = f.article_id"
            " WHERE f.vector IS NOT NULL")).scalar())
        clusterer = Clusterer(config, int(documents), int(seq), df_lookup)
        clusterer.newest = newest
        params: dict[str, Any] = {"seq": int(seq) - config.window_articles}
        where = "f.vector IS NOT NULL AND f.seq > :seq"
        if newest is not None:
            where += " AND (a.published IS NULL OR a.published >= :since)"
            since = datetime.fromtimestamp(newest.timestamp() - config.window_days * 86400, UTC)
            params["since"] = store.db_time(since)
        rows = conn.execute(text(
            "SELECT f.article_id, f.vector, f.seq, f.signature, f.text_length, a.published, a.story_id"
            " FROM story_features f"
            f" JOIN articles a ON a.id = f.article_id WHERE {where} ORDER BY f.seq"), params)
        for row in rows:
            if row.story_id is not None:
                signature = eventsig.from_json(json.loads(row.signature)) if row.signature is not None else eventsig.UNKNOWN
                clusterer.add(row.article_id, json.loads(row.vector), parse_datetime(row.published), row.story_id,
                              row.seq, signature, clusterer.is_full(row.text_length))
    return clusterer


_RECALL_PER_ANCHOR = 200  # the most recent stories an anchor finds (a name in every story finds no more)
_RECALL_STORIES = 10  # stories scored, those sharing the most anchors first
_RECALL_MEMBERS = 20  # each one's latest members scored


def recall_from(conn: Connection, config: StoryConfig) -> Recall:
    """Stories outside the window that share an article's anchors, through the ``story_anchors``
    index: per anchor its most recent stories, the stories sharing the most anchors (those the
    clusterer already saw in the window left out first), each with its latest members and its last
    publication time — a few indexed reads per new story, however large the store or the story.
    Read on the chunk's own connection, so a story written earlier in the same chunk (a rebuild, a
    backfill) is found as a committed one would be."""
    def recall(terms: Sequence[str], exclude: set[int]) -> list[Recalled]:
        shared: dict[int, list[str]] = {}
        for term in terms:
            found_rows = conn.execute(text("SELECT story_id FROM story_anchors WHERE term = :term"
                                           " ORDER BY story_id DESC LIMIT :n"), {"term": term, "n": _RECALL_PER_ANCHOR})
            for row in found_rows:
                if row.story_id not in exclude:
                    shared.setdefault(row.story_id, []).append(term)
        chosen = sorted((s for s, found in shared.items() if len(found) >= config.followup_shared),
                        key=lambda s: (-len(shared[s]), -s))[:_RECALL_STORIES]
        if not chosen:
            return []
        live = sorted(r.id for r in select_in(
            conn, "SELECT id FROM stories WHERE id IN :values AND merged_into IS NULL", chosen))
        last = {r.story_id: parse_datetime(r.last) for r in select_in(
            conn, "SELECT story_id, max(published) AS last FROM articles WHERE story_id IN :values GROUP BY story_id",
            live)}
        members: dict[int, list] = {}
        for row in select_in(conn, "SELECT story_id, vector, signature, text_length FROM ("
                             " SELECT a.story_id, f.vector, f.signature, f.text_length, row_number() OVER"
                             " (PARTITION BY a.story_id ORDER BY f.seq DESC) AS n FROM articles a"
                             " JOIN story_features f ON f.article_id = a.id WHERE a.story_id IN :values"
                             " AND a.duplicate_of IS NULL AND f.vector IS NOT NULL) latest"
                             f" WHERE n <= {_RECALL_MEMBERS}", live):
            members.setdefault(row.story_id, []).append(row)
        return [Recalled(story, last.get(story), shared[story], [
                    (json.loads(r.vector),
                     eventsig.from_json(json.loads(r.signature)) if r.signature is not None else eventsig.UNKNOWN,
                     config.full_chars <= r.text_length if r.text_length is not None else True)
                    for r in members[story]])
                for story in chosen if members.get(story)]

    return recall


class ChunkWriter:
    """One chunk of assignments, written in one transaction: new story rows, the articles'
    stories (an original and its copies together), merges and splits with their history, the
    vectors the articles were clustered with, document-frequency increments, and the touched
    stories' titles and summaries. The only place story membership is written after ingestion
    (the write path puts a copy in its original's story)."""

    def __init__(self, store: Store, conn: Connection):
        self.store, self.conn = store, conn
        self.now = store.db_time(datetime.now(UTC))
        self.current: dict[int, int] = {}  # this chunk's articles (written at the end) → their story
        self.touched: set[int] = set()
        self.history: list[dict] = []

    def new_story(self) -> int:
        return self.conn.execute(text("INSERT INTO stories (title, created_at, updated_at) VALUES (NULL, :now, :now)"
                                      " RETURNING id"), {"now": self.now}).scalar_one()

    def assigned(self, article_id: int, story: int, vector: dict[str, float], seq: int,
                 signature: Signature = eventsig.EMPTY, why: dict | None = None,
                 anchors: Sequence[str] = (), length: int | None = None) -> None:
        """An article's story, with the vector and event signature it was clustered with (kept, so a
        restart decides as before) and the evidence of the decision (the story page explains it)."""
        self.current[article_id] = story
        self.touched.add(story)
        # written now (the story again at the end, with the chunk's merges and splits applied), so a
        # later article of this chunk finds the story through its anchors as it would a committed
        # one (``recall_from`` reads this transaction)
        self.conn.execute(text("UPDATE story_features SET vector = :vector, seq = :seq, signature = :signature,"
                               " decision = :decision, text_length = :length WHERE article_id = :id"),
                          {"id": article_id, "vector": _json({t: round(w, 6) for t, w in vector.items()}), "seq": seq,
                           "length": length,
                           # [] for no events; NULL for unknown (not analysed, or clustered before migration 15)
                           "signature": _json(eventsig.to_json(signature)) if signature.known else None,
                           "decision": _json(why) if why else None})
        self.conn.execute(text("UPDATE articles SET story_id = :story WHERE id = :id"), {"story": story, "id": article_id})
        self._anchor(story, anchors)

    def changed(self, article_id: int, change: Change) -> None:
        """A merge or split; articles written before this chunk move now, this chunk's at the end."""
        conn = self.conn
        if change.kind == "merge":
            conn.execute(text("UPDATE articles SET story_id = :other WHERE story_id = :story"),
                         {"other": change.other, "story": change.story})
            conn.execute(text("INSERT INTO story_anchors (term, story_id) SELECT term, :other FROM story_anchors"
                              " WHERE story_id = :story ON CONFLICT (term, story_id) DO NOTHING"),
                         {"other": change.other, "story": change.story})
            conn.execute(text("DELETE FROM story_anchors WHERE story_id = :story"), {"story": change.story})
            conn.execute(text("UPDATE stories SET merged_into = :other, updated_at = :now WHERE id = :story"),
                         {"other": change.other, "story": change.story, "now": self.now})
            for member, story in self.current.items():
                if story == change.story:
                    self.current[member] = change.other
        else:
            moved = list(change.members)
            for start in range(0, len(moved), _IN):
                conn.execute(text("UPDATE articles SET story_id = :other WHERE id IN :ids OR duplicate_of IN :ids"
                                  ).bindparams(bindparam("ids", expanding=True)),
                             {"other": change.other, "ids": moved[start:start + _IN]})
            for member in change.members:
                if member in self.current:
                    self.current[member] = change.other
            self._anchor(change.other, change.anchors)
        self.touched.update((change.story, change.other))
        self.history.append({"kind": change.kind, "story": change.story, "other": change.other,
                             "article": article_id, "similarity": round(change.similarity, 6), "now": self.now})

    def _anchor(self, story: int, terms: Sequence[str]) -> None:
        if terms:
            self.conn.execute(text("INSERT INTO story_anchors (term, story_id) VALUES (:term, :story)"
                                   " ON CONFLICT (term, story_id) DO NOTHING"),
                              [{"term": t, "story": story} for t in terms])

    def finish(self, df_added: dict[str, int]) -> None:
        conn = self.conn
        if self.history:
            conn.execute(text("INSERT INTO story_history (kind, story_id, other_story_id, article_id, similarity, at)"
                              " VALUES (:kind, :story, :other, :article, :similarity, :now)"), self.history)
        if self.current:
            conn.execute(text("UPDATE articles SET story_id = :story WHERE id = :id OR duplicate_of = :id"),
                         [{"story": story, "id": article} for article, story in self.current.items()])
        if df_added:
            conn.execute(text("INSERT INTO story_terms (term, df) VALUES (:term, :df)"
                              " ON CONFLICT (term) DO UPDATE SET df = story_terms.df + excluded.df"),
                         [{"term": t, "df": n} for t, n in sorted(df_added.items())])
        refresh(conn, sorted(self.touched), self.now)


def refresh(conn: Connection, story_ids: Sequence[int], now: Any, member_cap: int = 200) -> None:
    """Recompute the title, summary and first/last published of these stories."""
    for story_id in story_ids:
        rows = conn.execute(text(
            "SELECT a.id, a.title, a.text, a.outlet, a.published, f.vector FROM articles a"
            " LEFT JOIN story_features f ON f.article_id = a.id"
            " WHERE a.story_id = :story AND a.duplicate_of IS NULL ORDER BY a.id DESC LIMIT :cap"),
            {"story": story_id, "cap": member_cap}).all()
        members = [{"id": r.id, "title": r.title, "text": r.text, "outlet": r.outlet,
                    "published": parse_datetime(r.published), "vector": json.loads(r.vector) if r.vector else {}}
                   for r in rows]
        title, summary = summarize(members)
        first, last = conn.execute(text("SELECT min(published), max(published) FROM articles WHERE story_id = :story"),
                                   {"story": story_id}).one()
        conn.execute(text(
            "UPDATE stories SET title = :title, summary = :summary, first_published = :first,"
            " last_published = :last, updated_at = :now WHERE id = :story"),
            {"title": title, "summary": json.dumps(summary, ensure_ascii=False), "first": first, "last": last,
             "now": now, "story": story_id})


def reset(store: Store) -> None:
    """Forget every story, keeping the articles' terms (``stories rebuild``)."""
    with store.connect(write=True) as conn:
        conn.execute(text("UPDATE articles SET story_id = NULL WHERE story_id IS NOT NULL"))
        conn.execute(text("DELETE FROM story_history"))
        conn.execute(text("DELETE FROM story_anchors"))
        conn.execute(text("DELETE FROM stories"))
        conn.execute(text("UPDATE story_features SET vector = NULL, seq = NULL, signature = NULL, decision = NULL,"
                          " text_length = NULL"))
        conn.execute(text("DELETE FROM story_terms"))


# --- reads ----------------------------------------------------------------------------------------

def stories(store: Store, story_ids: Sequence[int] | None = None, limit: int | None = None,
            offset: int = 0) -> list[dict]:
    """Stories (merged ones left out) with their article ids — every article of the story,
    near-duplicates included — outlets, title, attributed summary and first/last published.
    Without ids: every story, the most recently published first (``limit``/``offset`` page)."""
    with store.connect() as conn:
        if story_ids is None:
            page = f" LIMIT {int(limit)} OFFSET {int(offset)}" if limit is not None else ""
            rows = conn.execute(text(
                "SELECT * FROM stories WHERE merged_into IS NULL AND EXISTS"
                " (SELECT 1 FROM articles a WHERE a.story_id = stories.id)"
                + (" ORDER BY last_published IS NULL, last_published DESC, id DESC" if store.dialect == "sqlite"
                   else " ORDER BY last_published DESC NULLS LAST, id DESC") + page)).all()
        elif not story_ids:
            return []
        else:
            ids = ", ".join(str(int(i)) for i in story_ids)
            rows = conn.execute(text(f"SELECT * FROM stories WHERE id IN ({ids}) AND merged_into IS NULL")).all()
        found = {r.id: {"id": r.id, "title": r.title, "article_ids": [],
                        "first_published": parse_datetime(r.first_published),
                        "last_published": parse_datetime(r.last_published),
                        "outlets": [], "summary": json.loads(r.summary) if r.summary else []} for r in rows}
        if found:
            ids = ", ".join(str(i) for i in found)
            outlets: dict[int, set[str]] = {}
            for r in conn.execute(text(f"SELECT id, story_id, outlet FROM articles WHERE story_id IN ({ids}) ORDER BY id")):
                found[r.story_id]["article_ids"].append(r.id)
                if r.outlet:
                    outlets.setdefault(r.story_id, set()).add(r.outlet)
            for story_id, names in outlets.items():
                found[story_id]["outlets"] = sorted(names)
    if story_ids is not None:
        order = {int(i): n for n, i in enumerate(story_ids)}
        return sorted(found.values(), key=lambda s: order.get(s["id"], 0))
    return list(found.values())


def history(store: Store, story_id: int) -> list[dict]:
    """Merges and splits this story took part in, oldest first: ``kind`` (merge: ``story_id``
    was merged into ``other_story_id``; split: articles of ``story_id`` became the new story
    ``other_story_id``), the article whose arrival caused it, and the similarity involved."""
    with store.connect() as conn:
        rows = conn.execute(text("SELECT kind, story_id, other_story_id, article_id, similarity, at FROM story_history"
                                 " WHERE story_id = :s OR other_story_id = :s ORDER BY id"), {"s": story_id})
        return [{**dict(r._mapping), "at": parse_datetime(r.at)} for r in rows]


def decisions(store: Store, story_id: int) -> list[dict]:
    """How each original article of this story was placed, in the order they were clustered: the
    evidence its decision rested on (``decision``) and that evidence in words (``explained``).
    Articles that came in by a merge or a split keep the decision they had then."""
    with store.connect() as conn:
        rows = conn.execute(text(
            "SELECT a.id, a.title, a.outlet, f.seq, f.decision FROM articles a JOIN story_features f"
            " ON f.article_id = a.id WHERE a.story_id = :story AND a.duplicate_of IS NULL AND f.decision IS NOT NULL"
            " ORDER BY f.seq"), {"story": story_id}).all()
    found = []
    for row in rows:
        why = json.loads(row.decision)
        found.append({"article_id": row.id, "title": row.title, "outlet": row.outlet, "decision": why,
                      "explained": explain(why)})
    return found


def resolve(store: Store, story_id: int) -> int | None:
    """The story an id stands for now (following merges), or None when there is none."""
    with store.connect() as conn:
        for _ in range(100):
            row = conn.execute(text("SELECT merged_into FROM stories WHERE id = :s"), {"s": story_id}).first()
            if row is None:
                return None
            if row.merged_into is None:
                return story_id
            story_id = row.merged_into
    return None


def detail(store: Store, story_id: int) -> dict:
    """One story as every surface shows it: the story (``stories``), ``requested_id`` (the id
    asked for: a merged story's id leads to the story it joined), its ``articles`` (full records,
    copies included), ``history`` (merges and splits) and ``decisions`` (why each article is in
    it). Raises ``NotFound``."""
    current = resolve(store, story_id)
    found = stories(store, [current]) if current is not None else []
    if not found:
        raise NotFound(f"no story with id {story_id}")
    story = found[0]
    return {**story, "requested_id": story_id, "articles": store.get_articles(story["article_ids"]),
            "history": history(store, story["id"]), "decisions": decisions(store, story["id"])}
