"""The only module that opens network connections: a guarded, bounded HTTP fetcher.

- http and https only, at every redirect hop;
- the address guard: loopback, private, link-local, multicast, unspecified and reserved addresses
  (IPv4 and IPv6, IPv4-mapped and -compatible forms included) are refused unless allowed by
  ``NEWSRADAR_FETCH_ALLOW``. A literal address is refused before any packet is sent; a host name is
  resolved, every address checked, and the connection made to a checked address — the check lives
  in the connection backend, so there is no window between check and connect (no DNS rebinding),
  and every redirect hop is checked again;
- at most ``max_redirects`` redirects, a body-size cap, connect/read/total timeouts;
- an identifiable User-Agent with a contact (``NEWSRADAR_CONTACT``); gzip, deflate and brotli.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import socket
import ssl
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import anyio
import httpcore
import httpx

from .. import __version__, settings
from ..errors import InputError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


class FetchError(InputError):
    """A URL could not be fetched; ``status`` and ``retry_after`` (seconds) when the server said."""

    def __init__(self, url: str, reason: str, status: int | None = None, retry_after: float | None = None):
        super().__init__(url, reason)
        self.status = status
        self.retry_after = retry_after


class AddressRefused(FetchError):
    """The URL's address is one the guard refuses; nothing was sent to it."""


def _embedded_ipv4(ip: IPAddress) -> IPAddress:
    """The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d) or -compatible (::a.b.c.d) IPv6 one."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip in _IPV4_COMPATIBLE and int(ip) > 1:  # not :: or ::1
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip


@dataclass(frozen=True)
class Guard:
    """Which addresses may be fetched. ``allow`` holds the networks and host names of
    NEWSRADAR_FETCH_ALLOW; everything else must be a public (global) address."""

    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    hosts: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def from_settings(cls) -> Guard:
        return cls.parse(settings.get("fetch_allow") or "")

    @classmethod
    def parse(cls, allow: str) -> Guard:
        networks, hosts = [], set()
        for entry in (part.strip() for part in allow.split(",")):
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                hosts.add(entry.lower().rstrip("."))
        return cls(tuple(networks), frozenset(hosts))

    def permits(self, ip: IPAddress, host: str | None = None) -> bool:
        if host is not None and host.lower().rstrip(".") in self.hosts:
            return True
        for candidate in {ip, _embedded_ipv4(ip)}:
            if any(candidate.version == net.version and candidate in net for net in self.networks):
                return True
        ip = _embedded_ipv4(ip)
        return not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
                    or ip.is_unspecified or ip.is_reserved or not ip.is_global)

    def check_url(self, url: str) -> None:
        """Refuse, before any packet, a URL that does not parse, of another scheme, or with a literal
        refused address."""
        try:
            parts = urlsplit(url)
            host, _ = parts.hostname, parts.port
            httpx.URL(url)
        except (ValueError, httpx.InvalidURL) as exc:
            raise FetchError(url, f"not a valid URL ({exc})") from None
        if parts.scheme.lower() not in ("http", "https"):
            raise AddressRefused(url, f"only http and https URLs are fetched, not {parts.scheme or 'a relative URL'}")
        if not host:
            raise AddressRefused(url, "the URL has no host")
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            return  # a name: checked once resolved, in the connection backend
        if not self.permits(ip, host):
            raise AddressRefused(url, _refusal(ip, host))

    def checked_addresses(self, host: str, infos: Iterable[tuple]) -> list[str]:
        addresses = []
        refused = None
        for info in infos:
            ip = ipaddress.ip_address(info[4][0].split("%")[0])
            if self.permits(ip, host):
                addresses.append(str(ip))
            else:
                refused = ip
        if not addresses:
            if refused is not None:
                raise _Refused(f"{host} resolves to {refused}, {_kind(refused)} address; {_ADVICE}")
            raise httpcore.ConnectError(f"{host} did not resolve")
        return addresses


def _kind(ip: IPAddress) -> str:
    inner = _embedded_ipv4(ip)
    return ("a loopback" if inner.is_loopback else "a link-local" if inner.is_link_local
            else "a multicast" if inner.is_multicast else "an unspecified" if inner.is_unspecified
            else "a private" if inner.is_private else "a reserved" if inner.is_reserved else "a non-public")


_ADVICE = "newsradar does not fetch from such addresses unless NEWSRADAR_FETCH_ALLOW names them"


def _refusal(ip: IPAddress, shown: str | None = None) -> str:
    return f"{shown or ip} is {_kind(ip)} address; {_ADVICE}"


class _Refused(Exception):
    """Raised inside the connection backend; becomes AddressRefused at the fetch level."""


class _GuardedBackend(httpcore.AnyIOBackend):
    """Connects only to addresses the guard permits: resolve, check, connect to the checked one."""

    def __init__(self, guard: Guard):
        self.guard = guard

    async def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        try:
            literal = ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            literal = None
        if literal is not None:
            if not self.guard.permits(literal, None):
                raise _Refused(_refusal(literal))
            addresses = [str(literal)]
        else:
            try:
                with anyio.fail_after(timeout) if timeout else _nullcontext():
                    infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            except (OSError, TimeoutError) as exc:  # no such name, no DNS: a connection error like any other
                raise httpcore.ConnectError(f"cannot resolve {host}: {getattr(exc, 'strerror', None) or exc}") from exc
            addresses = self.guard.checked_addresses(host, infos)
        last: Exception | None = None
        for address in addresses:
            try:
                return await super().connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                last = exc
        assert last is not None
        raise last


class _nullcontext:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    return httpx.create_ssl_context()  # loading the CA bundle takes tens of milliseconds: once is enough


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with a connection pool whose backend is the guard."""

    def __init__(self, guard: Guard, max_connections: int = 100):
        super().__init__(verify=_ssl_context(), limits=httpx.Limits(max_connections=max_connections))
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=_ssl_context(), max_connections=max_connections, max_keepalive_connections=20,
            keepalive_expiry=30.0, network_backend=_GuardedBackend(guard))


@dataclass(slots=True)
class Fetched:
    url: str  # after redirects
    status: int
    headers: httpx.Headers
    content: bytes
    permanent_url: str | None = None  # where every redirect was permanent (301/308): the new address

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


def user_agent() -> str:
    contact = settings.get("contact")
    return f"newsradar/{__version__} (+{contact})" if contact else f"newsradar/{__version__}"


def new_client(guard: Guard | None = None, max_connections: int = 100) -> httpx.AsyncClient:
    timeout = httpx.Timeout(settings.get("fetch_timeout"), connect=settings.get("connect_timeout"))
    # trust_env=False: a proxy from the environment would connect on our behalf, past the guard
    return httpx.AsyncClient(transport=GuardedTransport(guard or Guard.from_settings(), max_connections),
                             timeout=timeout, follow_redirects=False, trust_env=False,
                             headers={"User-Agent": user_agent()})


_REDIRECTS = (301, 302, 303, 307, 308)


async def fetch_async(client: httpx.AsyncClient, url: str, *, headers: dict[str, str] | None = None,
                      max_bytes: int | None = None, guard: Guard | None = None) -> Fetched:
    """GET a URL through the guard, following at most NEWSRADAR_MAX_REDIRECTS redirects.

    Returns any final status below 400 (304 included); raises FetchError otherwise."""
    guard = guard or Guard.from_settings()
    max_bytes = max_bytes or int(settings.get("max_file_mb") * 2**20)
    total = settings.get("fetch_total_timeout")
    current, permanent = url, True
    try:
        async with asyncio.timeout(total):
            for _hop in range(settings.get("max_redirects") + 1):
                guard.check_url(current)
                response = await client.send(client.build_request("GET", current, headers=headers), stream=True)
                try:
                    if response.status_code in _REDIRECTS and "location" in response.headers:
                        permanent = permanent and response.status_code in (301, 308)
                        current = urljoin(current, response.headers["location"])
                        continue
                    if response.status_code >= 400:
                        raise FetchError(url, f"HTTP {response.status_code} {response.reason_phrase}".strip(),
                                         status=response.status_code, retry_after=_retry_after(response.headers))
                    content = await _read_capped(response, url, max_bytes)
                finally:
                    await response.aclose()
                return Fetched(current, response.status_code, response.headers, content,
                               permanent_url=current if permanent and current != url else None)
            raise FetchError(url, f"more than {settings.get('max_redirects')} redirects")
    except (TimeoutError, _Refused, httpx.HTTPError, OSError) as exc:
        raise _network_error(url, exc, total, "fetch") from exc
    except (ValueError, httpx.InvalidURL) as exc:  # a redirect to an address that does not parse
        raise FetchError(url, f"not a valid URL ({exc})") from exc


def _network_error(url: str, exc: BaseException, total: float, verb: str) -> FetchError:
    """The one-line FetchError for what the network did to a request (``verb``: fetch, post)."""
    if isinstance(exc, TimeoutError):
        return FetchError(url, f"timed out after {total:g} s in all")
    if isinstance(exc, _Refused):
        return AddressRefused(url, str(exc))
    if isinstance(exc, httpx.TimeoutException):
        return FetchError(url, f"timed out ({type(exc).__name__})")
    if isinstance(exc, httpx.HTTPError):
        return FetchError(url, f"could not {verb}: {str(exc) or type(exc).__name__}")
    assert isinstance(exc, OSError)  # anything the network stack raises that httpx does not wrap
    return FetchError(url, f"could not {verb}: {exc.strerror or exc}")


async def _read_capped(response: httpx.Response, url: str, max_bytes: int) -> bytes:
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(url, f"response of {int(declared):,} bytes is over the {max_bytes:,}-byte cap (NEWSRADAR_MAX_FILE_MB)")
    chunks, size = [], 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(url, f"response is over the {max_bytes:,}-byte cap (NEWSRADAR_MAX_FILE_MB)")
        chunks.append(chunk)
    return b"".join(chunks)


def _retry_after(headers: httpx.Headers) -> float | None:
    from ..normalize import parse_datetime

    value = headers.get("retry-after")
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    when = parse_datetime(value)
    if when is None:
        return None
    from datetime import UTC, datetime

    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def fetch(url: str, max_bytes: int | None = None) -> Fetched:
    """Fetch one URL from synchronous code (the CLI's ``ingest URL``)."""

    async def run() -> Fetched:
        async with new_client(max_connections=4) as client:
            return await fetch_async(client, url, max_bytes=max_bytes)

    return asyncio.run(run())


async def post_async(client: httpx.AsyncClient, url: str, body: bytes, *, headers: dict[str, str] | None = None,
                     guard: Guard | None = None) -> Fetched:
    """POST ``body`` to a URL through the guard (a webhook). Redirects are not followed: a 3xx is a
    FetchError naming where it pointed, as is any status of 400 or more (with Retry-After when
    the server sent one). A 2xx is the receiver's yes, whatever follows it: the answer's body is not
    read (``content`` is empty), so a large, slow or broken body can neither fail the POST nor have
    it sent again."""
    guard = guard or Guard.from_settings()
    total = settings.get("fetch_total_timeout")
    try:
        async with asyncio.timeout(total):
            guard.check_url(url)
            response = await client.send(client.build_request("POST", url, content=body, headers=headers), stream=True)
            try:
                status = response.status_code
                if 300 <= status < 400:
                    where = response.headers.get("location")
                    raise FetchError(url, f"HTTP {status}: redirected{f' to {where}' if where else ''}; a POST is not "
                                          "redirected", status=status)
                if status >= 400:
                    raise FetchError(url, f"HTTP {status} {response.reason_phrase}".strip(), status=status,
                                     retry_after=_retry_after(response.headers))
            finally:
                await response.aclose()  # the body unread: the connection is closed, not reused
            return Fetched(url, status, response.headers, b"")
    except (TimeoutError, _Refused, httpx.HTTPError, OSError) as exc:
        raise _network_error(url, exc, total, "post") from exc
