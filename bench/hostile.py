"""Memory of hostile compressed inputs (issue 19, item 4): a ~1 MB ``.jsonl.gz`` holding one 1 GiB
line, and a ~1 MB WARC whose one record has a gzip-encoded HTTP body of 1 GiB. Each is ingested by
the real CLI into a fresh SQLite store; the figure is the peak resident memory of that process
(its children included). Goal: under 300 MB each, and a one-line reason for what was skipped.

    .venv/bin/python bench/hostile.py
"""

from __future__ import annotations

import gzip
import io
import json
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

NEWSRADAR = str(Path(sys.executable).parent / "newsradar")
GIB = 2**30
CHUNK = 2**24


def gzip_bomb_jsonl(path: Path) -> None:
    with gzip.open(path, "wb", compresslevel=9) as handle:
        handle.write(b'{"text": "')
        for _ in range(GIB // CHUNK):
            handle.write(b"a" * CHUNK)
        handle.write(b'"}\n')
        handle.write(json.dumps({"title": "After", "text": "A normal article after the bomb. " * 5,
                                 "url": "https://e.org/after"}).encode() + b"\n")


def gzip_bomb_warc(path: Path) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # a gzip stream
    body = io.BytesIO()
    body.write(compressor.compress(b"<html><body>"))
    for _ in range(GIB // CHUNK):
        body.write(compressor.compress(b"a" * CHUNK))
    body.write(compressor.compress(b"</body></html>") + compressor.flush())
    body.seek(0)
    with path.open("wb") as output:
        writer = WARCWriter(output, gzip=True)
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html"), ("Content-Encoding", "gzip")],
                                   protocol="HTTP/1.0")
        writer.write_record(writer.create_warc_record("https://e.org/bomb", "response", payload=body,
                                                      http_headers=headers))


def measure(make, name: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        make(path)
        # a fresh parent per input, so the children's peak is this ingest's alone
        result = subprocess.run([sys.executable, "-c", _WATCH, NEWSRADAR, "ingest", str(path), "--no-stories",
                                 "--workers", "1", "--db", f"sqlite:///{tmp}/s.db"], capture_output=True, text=True)
        report = json.loads(result.stdout)
        return {"input": name, "file_kib": round(path.stat().st_size / 1024), "exit": report["exit"],
                "peak_rss_mib": round(report["peak_kib"] / 1024), "stderr": result.stderr.strip().splitlines()[:3]}


_WATCH = ("import json, resource, subprocess, sys; code = subprocess.run(sys.argv[1:]).returncode; "
          "print(json.dumps({'exit': code, 'peak_kib': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))")


def main() -> None:
    for make, name in ((gzip_bomb_jsonl, "bomb.jsonl.gz"), (gzip_bomb_warc, "bomb.warc.gz")):
        print(json.dumps(measure(make, name)), flush=True)


if __name__ == "__main__":
    main()
