"""A real threaded HTTP server on a loopback address for tests, with routes a test sets and a log
of every request it received."""

from __future__ import annotations

import gzip
import http.server
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    gzip: bool = False


Route = Callable[[http.server.BaseHTTPRequestHandler], Reply]


class LocalServer:
    def __init__(self, host: str = "127.0.0.1"):
        self.routes: dict[str, Route | Reply] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802
                server.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                route = server.routes.get(self.path)
                reply = route(self) if callable(route) else route or Reply(404, b"not found")
                if reply.delay:
                    time.sleep(reply.delay)
                body = gzip.compress(reply.body) if reply.gzip else reply.body
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    if reply.gzip:
                        self.send_header("Content-Encoding", "gzip")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.host = host
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def paths(self) -> list[str]:
        return [path for path, _ in self.requests]

    def __enter__(self) -> LocalServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def rss(title: str, items: list[tuple[str, str, str]], full: bool = True, encoding: str = "utf-8",
        link_base: str = "http://example.invalid") -> bytes:
    """An RSS 2.0 feed of (guid, title, text) items; ``full`` puts the text in content:encoded,
    otherwise only a one-line description (and the item links to /articles/GUID)."""
    entries = []
    for guid, item_title, text in items:
        body = f"<content:encoded><![CDATA[<p>{text}</p>]]></content:encoded>" if full else ""
        entries.append(f"<item><title>{item_title}</title><link>{link_base}/articles/{guid}</link>"
                       f"<guid isPermaLink='false'>{guid}</guid><pubDate>Mon, 16 Nov 2026 09:00:00 GMT</pubDate>"
                       f"<description>{text.split('.')[0]}.</description>{body}</item>")
    return (f"<?xml version='1.0' encoding='{encoding}'?><rss version='2.0' "
            f"xmlns:content='http://purl.org/rss/1.0/modules/content/'><channel><title>{title}</title>"
            + "".join(entries) + "</channel></rss>").encode(encoding)
