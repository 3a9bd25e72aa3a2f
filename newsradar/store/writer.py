"""The one write path: a batch of normalized articles into the store, in the caller's transaction.

Set-based where it can be: one query finds the batch's keys already stored, one its near-duplicate
candidates (by LSH band), one its exact-content matches, one loads the candidates; then each new
article is decided in memory, in order (so a copy later in the same batch still finds its
original), and costs one INSERT. Sightings and band keys are written with one executemany each.

Stories are not decided here: a new original is stored without a story (the clusterer in
``newsradar.stories`` assigns it, in publication order, after the ingest); a copy joins its
original's story, or waits with it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any

import numpy as np
from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection

from .. import dedup
from ..model import Article, WriteResult
from ..normalize import parse_datetime

_CHUNK = 500  # values per IN (...) list

_INSERT_ARTICLE = text(
    "INSERT INTO articles (key, external_id, guid, url, canonical_url, title, text, author, outlet, published, language,"
    " source_kind, source, content_hash, fingerprint, duplicate_of, similarity, story_id, ingested_at, summary,"
    " section, outlet_domain, outlet_origin, text_origin)"
    " VALUES (:key, :external_id, :guid, :url, :canonical_url, :title, :text, :author, :outlet, :published, :language,"
    " :source_kind, :source, :content_hash, :fingerprint, :duplicate_of, :similarity, :story_id, :ingested_at,"
    " :summary, :section, :outlet_domain, :outlet_origin, :text_origin)"
    " ON CONFLICT (key) DO NOTHING RETURNING id")
_WIDEN_STORY = text(
    "UPDATE stories SET first_published = CASE WHEN first_published IS NULL OR first_published > :p THEN :p"
    " ELSE first_published END, last_published = CASE WHEN last_published IS NULL OR last_published < :p"
    " THEN :p ELSE last_published END WHERE id = :id")
_REPOINT_GROUP = text("UPDATE articles SET duplicate_of = :new WHERE duplicate_of = :old")
_REPOINT_ROOT = text("UPDATE articles SET duplicate_of = :new, similarity = :similarity WHERE id = :old")
_INSERT_SIGHTINGS = text("INSERT INTO sightings (article_id, source, source_kind, first_seen)"
                         " VALUES (:article_id, :source, :source_kind, :now) ON CONFLICT (article_id, source) DO NOTHING")
_BY_KEY = text("SELECT id, key, duplicate_of, story_id FROM articles WHERE key IN :values"
               ).bindparams(bindparam("values", expanding=True))
_BY_ALIAS = text("SELECT k.key, a.id, a.duplicate_of, a.story_id FROM article_keys k JOIN articles a ON a.id = k.article_id"
                 " WHERE k.key IN :values").bindparams(bindparam("values", expanding=True))
_INSERT_KEYS = text("INSERT INTO article_keys (key, article_id) VALUES (:key, :article_id) ON CONFLICT (key) DO NOTHING")
_BY_BAND = text("SELECT band, article_id FROM near_dup_bands WHERE band IN :values"
                ).bindparams(bindparam("values", expanding=True))
_BY_HASH = text("SELECT id, content_hash FROM articles WHERE content_hash IN :values"
                ).bindparams(bindparam("values", expanding=True))
_BY_ID = text("SELECT id, fingerprint, duplicate_of, published, story_id FROM articles WHERE id IN :values"
              ).bindparams(bindparam("values", expanding=True))

_LATEST = datetime.max.replace(tzinfo=UTC)


def select_in(conn: Connection, statement, values: Iterable, **params: Any) -> list:
    """Rows of ``statement`` (SQL text or a prepared statement, with ``IN :values``) for every
    value, asked ``_CHUNK`` values at a time; ``params`` fill its other parameters."""
    if isinstance(statement, str):
        statement = text(statement).bindparams(bindparam("values", expanding=True))
    values = list(values)
    rows: list = []
    for start in range(0, len(values), _CHUNK):
        rows.extend(conn.execute(statement, {**params, "values": values[start:start + _CHUNK]}))
    return rows


@dataclass(slots=True)
class _Known:
    """What the decision needs to know of a stored article."""

    signature: np.ndarray | None
    duplicate_of: int | None
    published: datetime | None
    story_id: int | None


def earlier(a: datetime | None, b: datetime | None) -> bool:
    """Whether a was published before b. A time of exactly midnight usually means the source gave
    only a day, so such comparisons are made by day: a copy dated "16 Nov" is not earlier than an
    original stamped 09:10 that day."""
    if a is None or b is None:
        return False
    if a.time() == time(0) or b.time() == time(0):
        return a.date() < b.date()
    return a < b


class BatchWriter:
    def __init__(self, conn: Connection, to_db_time: Callable[[datetime | None], Any], threshold: float):
        self.conn = conn
        self.db_time = to_db_time
        self.threshold = threshold
        self.now = to_db_time(datetime.now(UTC).replace(microsecond=0))
        self.known: dict[int, _Known] = {}

    def _select_in(self, statement, values: Iterable) -> list:
        return select_in(self.conn, statement, values)

    def _load(self, ids: Iterable[int]) -> None:
        missing = [i for i in set(ids) if i not in self.known]
        for row in self._select_in(_BY_ID, missing):
            self.known[row.id] = _Known(dedup.from_bytes(bytes(row.fingerprint)) if row.fingerprint is not None else None,
                                        row.duplicate_of, parse_datetime(row.published), row.story_id)

    def write(self, articles: Sequence[Article]) -> list[WriteResult]:
        results: list[WriteResult | None] = [None] * len(articles)
        keys_of = [a.keys or [a.key] for a in articles]
        stored = {row.key: row for row in self._select_in(_BY_ALIAS, {k for keys in keys_of for k in keys})}
        first_of_key: dict[str, int] = {}  # a key already claimed by an earlier article of this batch
        same_as: dict[int, int] = {}  # index -> index of the earlier article of this batch it is
        new: list[int] = []
        key_rows: list[dict] = []  # keys newly learnt for articles already stored
        for index, keys in enumerate(keys_of):
            match = next((stored[k] for k in keys if k in stored), None)
            if match is not None:  # GUID first, then URLs, then content: the first stored key wins
                results[index] = WriteResult(match.id, False, match.duplicate_of, match.story_id)
                key_rows.extend({"key": k, "article_id": match.id} for k in keys if k not in stored)
                continue
            earlier_index = next((first_of_key[k] for k in keys if k in first_of_key), None)
            if earlier_index is not None:
                same_as[index] = earlier_index
            else:
                new.append(index)
            for k in keys:
                first_of_key.setdefault(k, earlier_index if earlier_index is not None else index)

        signatures = {i: _signature(articles[i]) for i in new}
        bands = {i: dedup.band_keys(sig) if sig is not None else [] for i, sig in signatures.items()}
        by_band: dict[int, set[int]] = {}
        for row in self._select_in(_BY_BAND, {b for keys in bands.values() for b in keys}):
            by_band.setdefault(row.band, set()).add(row.article_id)
        by_hash: dict[str, set[int]] = {}
        for row in self._select_in(_BY_HASH, {articles[i].content_hash for i in new}):
            by_hash.setdefault(row.content_hash, set()).add(row.id)
        self._load({c for ids in by_band.values() for c in ids} | {c for ids in by_hash.values() for c in ids})

        band_rows: list[dict] = []
        for index in new:
            article, signature = articles[index], signatures[index]
            result = self._write_new(article, signature, bands[index], by_band, by_hash)
            results[index] = result
            if result.inserted:
                band_rows.extend({"band": band, "article_id": result.article_id} for band in bands[index])
                for band in bands[index]:
                    by_band.setdefault(band, set()).add(result.article_id)
                by_hash.setdefault(article.content_hash, set()).add(result.article_id)
        for index, earlier_index in same_as.items():  # the same article earlier in this batch
            first = results[earlier_index]
            assert first is not None
            results[index] = WriteResult(first.article_id, False, first.duplicate_of, first.story_id)
            key_rows.extend({"key": k, "article_id": first.article_id} for k in keys_of[index])
        for index in new:
            stored_as = results[index]
            assert stored_as is not None
            key_rows.extend({"key": k, "article_id": stored_as.article_id} for k in keys_of[index])
        if key_rows:
            self.conn.execute(_INSERT_KEYS, key_rows)
        final = [r for r in results if r is not None]
        self.conn.execute(_INSERT_SIGHTINGS, [
            {"article_id": r.article_id, "source": a.source, "source_kind": a.source_kind, "now": self.now}
            for a, r in zip(articles, final, strict=True)])
        if band_rows:
            # 32 rows per article: straight to the driver, skipping SQLAlchemy's per-row parameter
            # processing, which cost more than the insert itself
            marker = "?" if self.conn.dialect.paramstyle == "qmark" else "%s"
            self.conn.exec_driver_sql(f"INSERT INTO near_dup_bands (band, article_id) VALUES ({marker}, {marker})",
                                      [(row["band"], row["article_id"]) for row in band_rows])
        return final

    def _write_new(self, article: Article, signature: np.ndarray | None, bands: list[int],
                   by_band: dict[int, set[int]], by_hash: dict[str, set[int]]) -> WriteResult:
        matches = {candidate: 1.0 for candidate in by_hash.get(article.content_hash, ())}
        if signature is not None:
            for candidate in {c for band in bands for c in by_band.get(band, ())}:
                other = self.known[candidate].signature
                if other is not None:
                    score = dedup.similarity(signature, other)
                    if score >= self.threshold:
                        matches[candidate] = max(score, matches.get(candidate, 0.0))
        root_id = None
        similarity = max(matches.values()) if matches else None
        if matches:
            roots = {self.known[c].duplicate_of or c for c in matches}
            self._load(roots)
            root_id = min(roots, key=lambda r: (self.known[r].published or _LATEST, r))
        root = self.known[root_id] if root_id is not None else None
        published = self.db_time(article.published)
        repoint = root is not None and earlier(article.published, root.published)
        story_id = root.story_id if root is not None else None
        duplicate_of = None if root is None or repoint else root_id
        new_id = self.conn.execute(_INSERT_ARTICLE, {
            "key": article.key, "external_id": article.external_id, "guid": article.guid, "url": article.url,
            "canonical_url": article.canonical_url, "title": article.title, "text": article.text,
            "author": article.author, "outlet": article.outlet, "published": published, "language": article.language,
            "source_kind": article.source_kind, "source": article.source, "content_hash": article.content_hash,
            "fingerprint": dedup.to_bytes(signature) if signature is not None else None,
            "duplicate_of": duplicate_of, "similarity": similarity if duplicate_of else None,
            "story_id": story_id, "ingested_at": self.now, "summary": article.summary,
            "section": article.section, "outlet_domain": article.outlet_domain, "outlet_origin": article.outlet_origin,
            "text_origin": article.text_origin,
        }).scalar()
        if new_id is None:  # another writer stored this key since we looked
            row = self.conn.execute(_BY_KEY, {"values": [article.key]}).one()
            return WriteResult(row.id, False, row.duplicate_of, row.story_id)
        if root is not None:
            if article.published is not None and story_id is not None:
                self.conn.execute(_WIDEN_STORY, {"p": published, "id": story_id})
            if repoint:  # the new copy predates the stored original: it becomes the group's original
                self.conn.execute(_REPOINT_GROUP, {"new": new_id, "old": root_id})
                self.conn.execute(_REPOINT_ROOT, {"new": new_id, "old": root_id, "similarity": similarity})
                for member in self.known.values():
                    if member.duplicate_of == root_id:
                        member.duplicate_of = new_id
                root.duplicate_of = new_id
        self.known[new_id] = _Known(signature, duplicate_of, article.published, story_id)
        return WriteResult(new_id, True, duplicate_of, story_id)


def _signature(article: Article) -> np.ndarray | None:
    if article.fingerprint is not None:
        return dedup.from_bytes(article.fingerprint)
    return dedup.fingerprint(article.text)
