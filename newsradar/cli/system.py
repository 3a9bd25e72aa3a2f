"""The store as a whole and the server: stats, settings, stages, serve."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from .. import __version__, settings, stages
from ..errors import NewsradarError
from ..store import analyses as analysis_store
from ..store import failures as failure_store
from .common import DbOption, JsonLinesOption, JsonOption, app, day, err, open_db, out, print_json, say, table


@app.callback(invoke_without_command=True)
def _main(version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False) -> None:
    if version:
        say(f"newsradar {__version__}")
        raise typer.Exit()


@app.command()
def stats(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Counts of articles, duplicates, stories, outlets, languages and source kinds; analysis
    versions; inputs that failed to ingest."""
    with open_db(db) as store:
        data = store.stats()
        data["analyses"] = analysis_store.versions(store)
        data["recent_failures"] = failure_store.recent(store, 10)
    if as_json:
        print_json(data, indent=2)
        return
    for key in ("articles", "duplicates", "stories", "outlets", "sightings", "failed_inputs", "first_published",
                "last_published"):
        say(f"{key:>16}: {data[key] if data[key] is not None else '-'}")
    for key in ("by_source_kind", "by_outlet", "by_language"):
        say(f"{key:>16}: " + ", ".join(f"{k} {v:,}" for k, v in data[key].items()))
    say(f"{'analyses':>16}: " + ", ".join(f"{a['stage']} {a['version']} {a['articles']:,}" for a in data["analyses"]))
    for failure in data["recent_failures"]:
        say(f"{'failed':>16}: {day(failure['last_at'])}  {failure['input']}: {failure['reason']}"
            + (f" (×{failure['attempts']})" if failure["attempts"] > 1 else ""))


_SECRETS = ("api_token", "smtp_password")  # never printed: a terminal is often shared or recorded


@app.command("settings")
def settings_command() -> None:
    """List every setting with its environment variable, current value and meaning."""
    found = table("setting", "environment variable", "value", "meaning")
    for setting in settings.SETTINGS:
        value = settings.get(setting.name)
        shown = ("(set, hidden)" if value else "") if setting.name in _SECRETS else str(value)
        found.add_row(setting.name, setting.env, shown, setting.help)
    out.print(found)


@app.command("stages")
def stages_command(as_json: JsonLinesOption = False) -> None:
    """The analysis stages, in the order they run: name, version, spaCy components, what they find."""
    if as_json:
        for stage in stages.registered():
            print_json({"name": stage.name, "version": stage.version, "pipes": list(stage.pipes),
                        "section": stage.section, "help": stage.help})
        return
    found = table("stage", "version", "components", "section", "finds")
    for stage in stages.registered():
        found.add_row(stage.name, stage.version, ", ".join(stage.pipes) or "—", stage.section or "—", stage.help)
    out.print(found)


@app.command()
def serve(db: DbOption = None,
          host: Annotated[str, typer.Option(help="Address to listen on (0.0.0.0 for every interface).")] = "127.0.0.1",
          port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8000,
          workers: Annotated[int, typer.Option(min=1, max=64, help="Server processes (each opens the store).")] = 1) -> None:
    """Serve the web app and the JSON API (/api/v1) over the store until interrupted."""
    import os

    import uvicorn

    from ..web.app import create_app

    store = open_db(db)  # opened (and migrated) here, so a bad URL fails before the server starts
    web_app = create_app(store=store)
    options = dict(host=host, port=port, log_level="warning", access_log=False, server_header=False,
                   proxy_headers=False)
    shown = f"[{host}]" if ":" in host else host
    writes = "writes enabled (NEWSRADAR_API_TOKEN)" if web_app.state.auth.writes_enabled else "read-only (no NEWSRADAR_API_TOKEN)"
    say(f"newsradar serving {store.safe_url()} with {workers} process{'es' if workers > 1 else ''}, {writes}", err)
    say(f"open http://{shown}:{port}/  (Ctrl+C to stop)")
    sys.stdout.flush()
    if workers > 1:  # each worker process builds its own app from the environment
        store.close()
        os.environ["NEWSRADAR_DB"] = store.url
        uvicorn.run("newsradar.web.app:app_from_environment", factory=True, workers=workers, **options)  # type: ignore[arg-type]
        return
    server = uvicorn.Server(uvicorn.Config(web_app, **options))  # type: ignore[arg-type]
    try:
        server.run()
    finally:
        store.close()
    if not server.started:
        raise NewsradarError(f"could not serve on {shown}:{port} (is the port in use?)")
