"""Stories: every article without a story is put into one, in publication order, by the online
clusterer (``clustering.py``: the algorithm, in memory) over the store (``store/stories.py``: its
SQL), a chunk per transaction. Articles are clustered on the story terms the analysis wrote
(``stages/terms.py``); one the analysis has not read yet waits for it (``pipeline.run`` analyses
first)."""

from __future__ import annotations

from dataclasses import dataclass

from .clustering import StoryConfig
from .progress import NO_PROGRESS, Progress
from .store import Store
from .store import stories as story_store

_CHUNK = 256


@dataclass(slots=True)
class UpdateReport:
    articles: int = 0
    new_stories: int = 0
    joined: int = 0
    merges: int = 0
    splits: int = 0


def update(store: Store, config: StoryConfig | None = None, progress: Progress = NO_PROGRESS,
           wait: bool = True, limit: int | None = None) -> UpdateReport | None:
    """Cluster every analysed article still without a story. Safe to interrupt: each chunk of
    articles is committed with its stories, vectors and term counts in one transaction. One
    process at a time assigns stories (the store's "stories" lock): a concurrent run waits, then
    starts from the window the first one left — or, with ``wait=False`` (a worker), returns None
    at once and leaves the assignment to the process holding the lock. ``limit`` stops after the
    chunk that reaches that many articles (a worker's round; the next round goes on)."""
    with store.lock("stories", wait=wait) as held:
        if not held:
            return None
        return _update(store, config or StoryConfig.from_settings(), progress, limit)


def _update(store: Store, config: StoryConfig, progress: Progress, limit: int | None = None) -> UpdateReport:
    report = UpdateReport()
    total = story_store.pending_count(store)
    if limit is not None:
        total = min(total, limit)
    progress.start("clustering stories", total, "articles")
    if not total:
        return report
    clusterer = story_store.load_clusterer(store, config)
    while (limit is None or report.articles < limit) and (chunk := story_store.pending(store, _CHUNK)):
        clusterer.prefetch(t for _, terms, _, _, _ in chunk for t in terms)
        with store.connect(write=True) as conn:
            writer = story_store.ChunkWriter(store, conn)

            clusterer.new_story = _counting(writer, report)
            clusterer.recall = story_store.recall_from(conn, config)
            try:
                for article_id, terms, published, signature, length in chunk:
                    assignment = clusterer.assign(article_id, terms, published, signature, length)
                    writer.assigned(article_id, assignment.story, assignment.vector, assignment.seq, signature,
                                    {"joined": assignment.joined, **assignment.why}, assignment.anchors, length)
                    for change in assignment.changes:
                        report.merges += change.kind == "merge"
                        report.splits += change.kind == "split"
                        writer.changed(article_id, change)
                    report.joined += assignment.joined
                    report.articles += 1
                writer.finish(clusterer.take_counts())
            finally:
                clusterer.new_story = clusterer.count_story
                clusterer.recall = None
        progress.advance(len(chunk))
    return report


def _counting(writer: story_store.ChunkWriter, report: UpdateReport):
    def new_story() -> int:
        report.new_stories += 1
        return writer.new_story()

    return new_story


def rebuild(store: Store, config: StoryConfig | None = None, progress: Progress = NO_PROGRESS) -> UpdateReport:
    """Forget every story and cluster the whole store again from scratch, in publication order
    (after a backfill of older articles, or with new settings). Article terms are kept, so nothing
    is parsed twice."""
    with store.lock("stories"):
        story_store.reset(store)
        return _update(store, config or StoryConfig.from_settings(), progress)
