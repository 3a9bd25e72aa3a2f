"""The command line as users and the contract call it."""

import csv
import http.server
import json
import subprocess
import sys
import threading

import pytest
from typer.testing import CliRunner

from newsradar.cli import app

from .conftest import EXAMPLES

runner = CliRunner()
CONTRACT_KEYS = {
    "articles": {"id", "external_id", "title", "url", "outlet", "published", "language", "text", "story_id",
                 "duplicate_of", "tone"},
    "stories": {"id", "title", "article_ids", "first_published", "last_published"},
}


def run(*args, input=None):
    result = runner.invoke(app, [str(a) for a in args], input=input)
    return result


def analyze(db_url, *inputs):
    result = run("analyze", *inputs, "--json", "-", "--db", db_url)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_analyze_sample_corpus_writes_every_key(db_url):
    document = analyze(db_url, EXAMPLES)
    assert document["schema"] == "newsradar.analysis/1"
    assert set(document) == {"schema", "articles", "stories", "entities", "quotes", "events"}
    assert len(document["articles"]) == 65
    for kind, keys in CONTRACT_KEYS.items():
        for record in document[kind]:
            assert keys <= set(record)
    # every non-duplicate article is in exactly one story, and story ids agree both ways
    in_stories = {i: s["id"] for s in document["stories"] for i in s["article_ids"]}
    for article in document["articles"]:
        assert in_stories[article["id"]] == article["story_id"]
    copies = [a for a in document["articles"] if a["duplicate_of"] is not None]
    assert len(copies) == 3  # the three syndicated copies in the sample corpus
    assert {a["source_kind"] for a in document["articles"]} == {"jsonl", "txt", "html", "feed", "warc"}


def test_analyze_twice_adds_nothing(db_url):
    first = analyze(db_url, EXAMPLES)
    second = analyze(db_url, EXAMPLES)
    assert first == second
    stats = json.loads(run("stats", "--json", "--db", db_url).stdout)
    assert stats["articles"] == 65 and stats["unclustered"] == 0
    assert stats["stories"] == len(first["stories"]) < 65 - 3  # syndicated copies share their original's story


def test_analyze_writes_a_file_and_a_report(tmp_path):
    out = tmp_path / "out" / "analysis.json"
    result = run("analyze", EXAMPLES / "pasted", "--json", out, "--report")
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["articles"][0]["source_kind"] == "txt"
    assert "stories from 4 articles" in result.stdout and "source kind" in result.stdout
    quotes = json.loads(out.read_text())["quotes"]
    assert quotes and f"{len(quotes)} attributions; the most quoted voices" in result.stdout
    # with no --db the default embedded store under NEWSRADAR_DATA_DIR was used
    assert json.loads(run("stats", "--json").stdout)["articles"] == 4


def test_analyze_reads_stdin(tmp_path):
    data = (EXAMPLES / "jsonl" / "harbor-wire.jsonl").read_text()
    result = run("analyze", "-", "--json", "-", "--db", f"sqlite:///{tmp_path / 's.db'}", input=data)
    assert result.exit_code == 0
    assert len(json.loads(result.stdout)["articles"]) == 6


def test_bad_inputs_fail_with_one_line_per_input(tmp_path):
    (tmp_path / "empty.jsonl").write_text("")
    (tmp_path / "junk.rss").write_text("no feed here")
    result = run("analyze", tmp_path / "empty.jsonl", tmp_path / "junk.rss", tmp_path / "missing.html",
                 "--json", "-", "--db", f"sqlite:///{tmp_path / 's.db'}")
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 3
    assert "empty.jsonl: empty input" in errors[0]
    assert "junk.rss" in errors[1] and "missing.html: no such file" in errors[2]
    assert result.stdout == ""


def test_one_bad_input_does_not_stop_the_rest(tmp_path):
    (tmp_path / "broken.xml").write_text("<rss><chan")
    result = run("analyze", tmp_path / "broken.xml", EXAMPLES / "feeds" / "liberty-ledger.rss", "--json", "-",
                 "--db", f"sqlite:///{tmp_path / 's.db'}")
    assert result.exit_code == 0
    assert len(json.loads(result.stdout)["articles"]) == 7
    assert "broken.xml" in result.stderr


def test_bad_database_url_is_one_line(tmp_path):
    result = run("stats", "--db", "mysql://nobody@nowhere/x")
    assert result.exit_code == 1
    assert result.stderr.strip().startswith("error: unsupported database 'mysql'")


class _Handler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, directory=str(EXAMPLES), **kwargs)

    def log_message(self, *args):
        pass


@pytest.fixture
def http_root():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_analyze_fetches_feeds_and_pages_over_http(http_root, tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSRADAR_FETCH_ALLOW", "127.0.0.1")
    page = next((EXAMPLES / "pages").glob("*.html")).name
    document = analyze(f"sqlite:///{tmp_path / 's.db'}", f"{http_root}/feeds/meridian-post.atom",
                       f"{http_root}/pages/{page}")
    assert len(document["articles"]) == 8
    result = run("analyze", f"{http_root}/nothing-here.rss", "--db", f"sqlite:///{tmp_path / 's.db'}")
    assert result.exit_code == 1 and "HTTP 404" in result.stderr


def test_exports(tmp_path):
    db = f"sqlite:///{tmp_path / 's.db'}"
    assert run("ingest", EXAMPLES, "--db", db).exit_code == 0
    for fmt in ("json", "jsonl", "csv", "parquet"):
        out = tmp_path / f"export.{fmt}"
        result = run("export", "--format", fmt, "--output", out, "--db", db)
        assert result.exit_code == 0, result.output
    assert len(json.loads((tmp_path / "export.json").read_text())["articles"]) == 65
    assert len((tmp_path / "export.jsonl").read_text().splitlines()) == 65
    with (tmp_path / "export.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 65 and rows[0]["text"]
    import pyarrow.parquet as pq

    table = pq.read_table(tmp_path / "export.parquet")
    assert table.num_rows == 65 and "published" in table.column_names
    assert run("export", "--format", "xml", "--db", db).exit_code == 1


def test_articles_search_and_stats(tmp_path):
    db = f"sqlite:///{tmp_path / 's.db'}"
    run("ingest", EXAMPLES / "feeds", "--db", db)
    listed = [json.loads(line) for line in run("articles", "list", "--json", "--limit", "5", "--db", db).stdout.splitlines()]
    assert len(listed) == 5
    assert listed[0]["published"] >= listed[-1]["published"]
    shown = json.loads(run("articles", "show", listed[0]["id"], "--json", "--db", db).stdout)
    assert shown["id"] == listed[0]["id"] and shown["sightings"]
    assert run("articles", "show", 99999, "--db", db).exit_code == 1
    hits = [json.loads(line) for line in run("search", "Hormuz tanker", "--json", "--db", db).stdout.splitlines()]
    assert hits and all("Hormuz" in (h["snippet"] + (h["title"] or "")) for h in hits)
    assert "articles: 21" in run("stats", "--db", db).stdout


def test_console_script_runs(tmp_path):
    completed = subprocess.run([sys.executable, "-m", "newsradar", "--version"], capture_output=True, text=True)
    assert completed.returncode == 0 and completed.stdout.startswith("newsradar ")


def test_every_command_has_help(monkeypatch):
    monkeypatch.syspath_prepend(str(EXAMPLES.parent / "docs"))
    from make_cli_reference import commands

    assert len(commands()) >= 17  # walked from the app: the feeds commands, poll and watch included
    for command in commands():
        result = run(*command, "--help")
        assert result.exit_code == 0 and "Usage" in result.stdout
        assert len(result.stdout.split("\n\n")[1].strip()) > 20  # a real description


def test_init_creates_then_reports_up_to_date(db_url):
    from newsradar.store.migrations import MIGRATIONS

    versions = [m.version for m in MIGRATIONS]
    assert versions == list(range(1, len(versions) + 1)) and len(versions) >= 12  # 12: outlets as publishers
    first = run("init", "--db", db_url)
    expected = f"schema version {versions[-1]}, applied migrations {', '.join(map(str, versions))}"
    assert first.exit_code == 0 and expected in first.stdout
    second = run("init", "--db", db_url)
    assert second.exit_code == 0 and "up to date" in second.stdout


def test_analyze_defaults_to_standard_output_and_reports_unwritable_paths(tmp_path):
    db = f"sqlite:///{tmp_path / 's.db'}"
    result = run("analyze", EXAMPLES / "jsonl", "--db", db)
    assert result.exit_code == 0 and json.loads(result.stdout)["schema"] == "newsradar.analysis/1"
    (tmp_path / "file").write_text("x")
    result = run("analyze", EXAMPLES / "jsonl", "--db", db, "--json", tmp_path / "file" / "out.json")
    assert result.exit_code == 1 and result.stderr.strip().splitlines()[-1].startswith("error: cannot write")


def test_outlet_option_names_articles_that_have_none(tmp_path):
    db = f"sqlite:///{tmp_path / 's.db'}"
    document = analyze(db, EXAMPLES / "pasted", "--outlet", "Caribbean Courier")
    assert {a["outlet"] for a in document["articles"]} == {"Caribbean Courier"}
    document = analyze(db, EXAMPLES / "feeds" / "liberty-ledger.rss")
    assert {a["outlet"] for a in document["articles"]} == {"Liberty Ledger"}  # the feed's title spells its domain
    document = analyze(f"sqlite:///{tmp_path / 'other.db'}", EXAMPLES / "feeds" / "liberty-ledger.rss",
                       "--outlet", "Someone Else")
    assert {a["outlet"] for a in document["articles"]} == {"Someone Else"}  # the user's name wins
    assert {a["section"] for a in document["articles"]} == {"Liberty Ledger"}


def test_settings_hide_secrets(monkeypatch):
    monkeypatch.setenv("NEWSRADAR_API_TOKEN", "tok-very-secret-1")
    monkeypatch.setenv("NEWSRADAR_SMTP_PASSWORD", "pw-very-secret-2")
    monkeypatch.setenv("COLUMNS", "400")
    result = run("settings")
    assert result.exit_code == 0 and "NEWSRADAR_SMTP_PASSWORD" in result.stdout
    assert "very-secret" not in result.stdout and "(set, hidden)" in result.stdout
