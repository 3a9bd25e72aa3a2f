"""The only module that opens network connections: fetch one URL's bytes with a timeout, a
redirect limit and a body-size cap. (Polling, politeness and the address guard arrive with the
live-sources work; see docs/architecture.md.)"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from .. import settings
from ..errors import InputError


@dataclass(slots=True)
class Fetched:
    url: str  # after redirects
    content: bytes
    content_type: str


def fetch(url: str, max_bytes: int) -> Fetched:
    timeout = httpx.Timeout(settings.get("fetch_timeout"), connect=10.0)
    headers = {"User-Agent": settings.get("user_agent"), "Accept": "*/*"}
    try:
        with httpx.Client(timeout=timeout, follow_redirects=True, max_redirects=5, headers=headers) as client, \
                client.stream("GET", url) as response:
            if response.status_code >= 400:
                raise InputError(url, f"HTTP {response.status_code} {response.reason_phrase}")
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise InputError(url, f"response is over the {max_bytes // 2**20} MiB cap (NEWSRADAR_MAX_FILE_MB)")
                chunks.append(chunk)
            return Fetched(str(response.url), b"".join(chunks), response.headers.get("content-type", ""))
    except httpx.TooManyRedirects as exc:
        raise InputError(url, "too many redirects") from exc
    except httpx.TimeoutException as exc:
        raise InputError(url, f"timed out ({type(exc).__name__})") from exc
    except httpx.HTTPError as exc:
        raise InputError(url, f"could not fetch: {exc}") from exc
