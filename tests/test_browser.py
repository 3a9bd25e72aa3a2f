"""The web app in a real headless Chromium (Debian's chromium, driven by Playwright): a reader's
click path, and hostile feed markup that must not run or even reach a page.

Needs /usr/bin/chromium (or NEWSRADAR_CHROMIUM); skipped without it unless
NEWSRADAR_REQUIRE_BROWSER is set (CI sets it, and .ci/run installs the package). Screenshots of the
main pages go to NEWSRADAR_ARTIFACTS (default: a temporary folder named in the test output)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
import uvicorn

from newsradar import pipeline
from newsradar.pipeline import ingest
from newsradar.store import open_store
from newsradar.store import stories as story_store
from newsradar.web.app import create_app
from newsradar.web.security import Auth

from .conftest import EXAMPLES, require_datasets

pytestmark = pytest.mark.browser

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage"]


def _chromium() -> str:
    path = os.environ.get("NEWSRADAR_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        message = f"Chromium not found at {path} (apt-get install chromium)"
        if os.environ.get("NEWSRADAR_REQUIRE_BROWSER"):
            pytest.fail(message + " (NEWSRADAR_REQUIRE_BROWSER is set)")
        pytest.skip(message)
    return path


class Served:
    """The app on a free loopback port, in a thread, for the life of a test module."""

    def __init__(self, db_url: str):
        self.store = open_store(db_url)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        app = create_app(store=self.store, auth=Auth("browser-token", "public"))
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Served:
        self.thread.start()
        for _ in range(200):
            if self.server.started:
                return self
            time.sleep(0.05)
        raise RuntimeError("the test server did not start")

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.store.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    executable = _chromium()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory) -> Path:
    folder = Path(os.environ.get("NEWSRADAR_ARTIFACTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Watch:
    """Everything a page does that hostile markup could cause: dialogs, console output (CSP
    violation reports included), and requests leaving the test server or using javascript:."""

    def __init__(self, page, base: str):
        self.events: list[str] = []
        page.on("dialog", lambda dialog: (self.events.append(f"dialog {dialog.type}: {dialog.message}"), dialog.dismiss()))
        page.on("console", lambda message: self.events.append(f"console {message.type}: {message.text}"))
        page.on("pageerror", lambda error: self.events.append(f"page error: {error}"))

        def request(req) -> None:
            if req.url.lower().startswith("javascript:") or not req.url.startswith(base):
                self.events.append(f"request {req.url}")

        page.on("request", request)


DOM_CHECK = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('script, iframe, object, embed, frame, frameset, applet, base, meta[http-equiv], link[rel=import]'))
    bad.push(el.outerHTML.slice(0, 120));
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase(), value = attr.value.trim().toLowerCase();
      if (name.startsWith('on') || name === 'style' || name === 'srcdoc' || name === 'formaction')
        bad.push(el.tagName + ' ' + name);
      if (['href', 'src', 'action', 'data', 'xlink:href'].includes(name) && /^(javascript|vbscript|data):/.test(value))
        bad.push(el.tagName + ' ' + name + '=' + value.slice(0, 60));
    }
  }
  return bad;
}"""


@pytest.fixture(scope="module")
def sample_site(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'sample.db'}"
    with open_store(url) as store:
        ingest([str(EXAMPLES)], store, workers=1)
        pipeline.run([], store)
    with Served(url) as served:
        yield served


def test_home_story_article_search_click_path(browser, sample_site, artifacts):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    watch = Watch(page, sample_site.base)
    page.goto(sample_site.base + "/")
    headlines = page.locator("ol.stories h2 a")
    assert headlines.count() == min(20, len(story_store.stories(sample_site.store)))
    page.screenshot(path=str(artifacts / "home.png"), full_page=True)
    first = headlines.first.inner_text()
    headlines.first.click()
    page.wait_for_load_state()
    assert "/stories/" in page.url and page.locator("h1").inner_text() == first
    assert page.locator("svg.chart rect").count() >= 1 and page.locator("h3.outlet").count() >= 1
    page.screenshot(path=str(artifacts / "story.png"), full_page=True)
    page.locator("ul.articles a[href^='/articles/']").first.click()
    page.wait_for_load_state()
    assert "/articles/" in page.url and page.locator(".text p").count() >= 1
    page.screenshot(path=str(artifacts / "article.png"), full_page=True)
    article_url = page.url
    entity_links = page.locator(".text a.entity")
    assert entity_links.count() >= 1
    name = entity_links.first.get_attribute("title").split(" (")[0]
    entity_links.first.click()
    page.wait_for_load_state()
    assert "/entities/" in page.url and page.locator("h1").inner_text() == name
    page.screenshot(path=str(artifacts / "entity.png"), full_page=True)
    page.goto(article_url)
    page.locator("nav a[href='/search']").click()
    page.fill("input[name=q]", "tanker")
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("ol.hits li").count() >= 1 and page.locator("ol.hits mark").count() >= 1
    page.screenshot(path=str(artifacts / "search.png"), full_page=True)
    page.goto(sample_site.base + "/?cursor=" + "x")  # a bad cursor: a readable error page, not a trace
    assert "start from the first page" in page.locator("p.error").inner_text()
    page.goto(sample_site.base + "/topics/none")
    assert page.locator("h1").inner_text() == "404"
    assert watch.events == [  # the two error pages' statuses, and nothing else
        "console error: Failed to load resource: the server responded with a status of 400 (Bad Request)",
        "console error: Failed to load resource: the server responded with a status of 404 (Not Found)"]
    print(f"\nscreenshots in {artifacts}")


def test_who_said_what_in_the_browser(browser, sample_site, artifacts):
    """A story's "Who said what", a quote highlighted in its article with the speaker, the speaker's
    "Quoted by", and the quotes search — in a real browser, with no script errors."""
    from newsradar.store import quotes as quote_store

    hegseth = quote_store.listing(sample_site.store, quote_store.QuoteFilters(speaker="Hegseth", kinds=("direct",)))
    assert hegseth, "the sample corpus quotes Hegseth"
    quote = next(q for q in hegseth if q["speaker_entity_id"] and q["field"] == "text")
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    watch = Watch(page, sample_site.base)
    page.goto(f"{sample_site.base}/stories/{quote['story_id']}")
    section = page.locator("section.who-said-what")
    assert "Who said what" in section.locator("h2").inner_text()
    assert section.locator("table.speakers-outlets tbody tr").count() >= 2
    page.screenshot(path=str(artifacts / "who-said-what.png"), full_page=True)
    page.goto(f"{sample_site.base}/articles/{quote['article_id']}")
    highlighted = page.locator(".text span.quote")
    assert highlighted.count() >= 1
    titles = [highlighted.nth(i).get_attribute("title") for i in range(highlighted.count())]
    assert any(t.startswith("Pete Hegseth") for t in titles), titles
    page.locator("section[aria-labelledby=quotes-title] a[href^='/entities/']").first.click()
    page.wait_for_load_state()
    assert "/entities/" in page.url and page.locator("#quoted-by-title").count() == 1
    page.goto(sample_site.base + "/quotes?q=drugs")
    assert page.locator("ul.quotes li").count() >= 1
    assert watch.events == []


def test_login_and_feed_management_in_the_browser(browser, sample_site, artifacts):
    page = browser.new_page()
    watch = Watch(page, sample_site.base)
    page.goto(sample_site.base + "/feeds")
    assert page.locator("form.add-feed").count() == 0
    page.locator("a[href='/login']").first.click()
    page.fill("input[name=token]", "browser-token")
    page.locator("form.login button").click()
    page.wait_for_load_state()
    assert page.url.endswith("/feeds") and page.locator("form.add-feed").count() == 1
    page.fill("input[name=url]", "http://127.0.0.1:9/feed.xml")  # loopback: refused by the safe fetcher
    page.locator("form.add-feed button").click()
    page.wait_for_load_state()
    assert "loopback" in page.locator("p.error").inner_text()
    page.screenshot(path=str(artifacts / "feeds-refused.png"), full_page=True)
    assert len(watch.events) == 1
    assert watch.events[0].startswith("console error: Failed to load resource: the server responded with a status of 422")


def raw_entries(folder: Path, out: Path) -> int:
    """The sanitize feeds' entries with feedparser's own sanitizer turned off, as JSON Lines: their
    hostile markup reaches our store verbatim (as text), so the pages' escaping is what is tested."""
    import feedparser

    count = 0
    with out.open("w", encoding="utf-8") as handle:
        for path in sorted(folder.glob("*.xml")):
            parsed = feedparser.parse(path.read_bytes(), sanitize_html=False)
            for n, entry in enumerate(parsed.entries):
                content = " ".join(c.get("value", "") for c in entry.get("content", [])) or entry.get("summary", "")
                record = {"id": f"{path.name}#{n}", "title": entry.get("title") or content[:200] or path.name,
                          "text": f"{content} (raw entry {n} of {path.name})", "url": entry.get("link"),
                          "outlet": parsed.feed.get("title") or content[:80] or "hostile"}
                handle.write(json.dumps(record) + "\n")
                count += 1
    return count


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    folder = require_datasets("feedparser-feeds/wellformed/sanitize") / "feedparser-feeds" / "wellformed" / "sanitize"
    work = tmp_path_factory.mktemp("hostile")
    url = f"sqlite:///{work / 'hostile.db'}"
    raw = work / "raw-entries.jsonl"
    assert raw_entries(folder, raw) > 500
    with open_store(url) as store:
        report = ingest([str(folder), str(raw)], store, workers=1)
        pipeline.run([], store)
        ids = [a["id"] for a in store.iter_articles()]
    assert len(report.inputs) == len(list(folder.glob("*.xml"))) + 1
    with Served(url) as served:
        yield served, ids


def test_no_hostile_markup_from_the_sanitize_feeds_survives(browser, hostile_site, artifacts):
    served, ids = hostile_site
    assert len(ids) > 500
    page = browser.new_page()
    watch = Watch(page, served.base)
    problems: dict[str, list[str]] = {}
    paths = [f"/articles/{i}" for i in ids]
    story_ids: set[int] = set()
    with open_store(served.store.url) as store:
        story_ids = {a["story_id"] for a in store.iter_articles() if a["story_id"]}
    paths += [f"/stories/{s}" for s in sorted(story_ids)]
    with open_store(served.store.url) as store:
        from newsradar.store import entities as entity_store

        paths += [f"/entities/{e['id']}" for e in entity_store.listing(store, limit=10000)]
    paths.append("/entities")
    paths += ["/", "/search?q=script", "/search?q=alert", "/search?q=javascript", "/search?q=onerror"]
    from playwright.sync_api import Error as PlaywrightError

    for path in paths:
        try:
            page.goto(served.base + path)
            found = page.evaluate(DOM_CHECK)
        except PlaywrightError as exc:  # e.g. a meta refresh navigated away during the load or the check
            found = [f"page could not be checked: {str(exc).splitlines()[0]}"]
        if page.url != served.base + path:
            found.append(f"navigated to {page.url}")
        if found or watch.events:
            problems[path] = found + watch.events
            watch.events = []
    page.goto(served.base + f"/articles/{ids[0]}")
    page.screenshot(path=str(artifacts / "hostile-article.png"), full_page=True)
    assert problems == {}
