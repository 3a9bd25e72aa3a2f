"""Outlets as people know them: the publisher of an article, derived from its address.

An outlet is a publisher ("The Wall Street Journal"), not a feed ("WSJ.com: World News", which is
kept as the article's *section*). The publisher is named, in this order, by:

1. the outlet the user gave (a JSONL ``outlet``, ``--outlet``, a feed subscribed with ``--outlet``);
2. our map of common publishers' display names (``data/publishers.yaml``), by the article's
   registrable domain or a host above it (``news.sky.com``);
3. the name the page or the feed gives for the publisher: a page's ``og:site_name``, a feed
   entry's ``<source>`` (aggregators);
4. a feed title, or a part of it, that spells the domain ("Capitol Morning" for
   capitolmorning.example; "WSJ.com: World News" gives "WSJ.com");
5. the registrable domain itself;
6. without any address: the section (the feed's title).

Links through an intermediary (a redirector, feed proxy, aggregator or archive) are unwrapped when
the original address is written inside them; otherwise the feed's or page's own naming of the
original publisher stands. Pure functions, no I/O: the store applies the user's corrections and
keeps one name per domain (``store.outlets``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from urllib.parse import parse_qsl, unquote, urlsplit

import yaml
from tld import get_fld

from .model import Article

# origins of a name, from the strongest claim to the weakest (UNNAMED: nothing names the outlet)
GIVEN, MAP, SITE, TITLE, DOMAIN, SECTION, UNNAMED = "given", "map", "site", "title", "domain", "section", "none"


@dataclass(frozen=True, slots=True)
class Publisher:
    name: str | None
    domain: str | None  # the registrable domain (or the mapped host above it), the outlet's key
    origin: str | None  # which rule named it


@dataclass(frozen=True, slots=True)
class _Data:
    names: dict[str, str]
    intermediaries: frozenset[str]


@cache
def _data() -> _Data:
    raw = yaml.safe_load(resources.files("newsradar").joinpath("data/publishers.yaml").read_text("utf-8"))
    return _Data({k.lower(): v for k, v in raw["publishers"].items()},
                 frozenset(h.lower() for h in raw["intermediaries"]))


def host_of(url: str | None) -> str | None:
    if not url:
        return None
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return None
    if not host or "." not in host:
        return None
    host = host.lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


_IP = re.compile(r"^[\d.]+$|:")


def registrable_domain(host: str | None) -> str | None:
    """``www.bbc.co.uk`` → ``bbc.co.uk`` by the public suffix list (bundled with ``tld``, read
    offline); for a suffix the list does not know (``.example``, an intranet name) the last two
    labels; None for an IP address."""
    if not host or _IP.search(host):
        return None
    found = get_fld(host, fix_protocol=True, fail_silently=True)
    if found:
        return str(found).lower()
    labels = host.split(".")
    return ".".join(labels[-2:]) if len(labels) >= 2 else None


def _within(host: str, domain: str) -> list[str]:
    """``host`` and each parent of it down to ``domain``: a.b.example.com → [a.b.example.com,
    b.example.com, example.com]."""
    labels = host.split(".")
    depth = len(domain.split("."))
    return [".".join(labels[i:]) for i in range(0, len(labels) - depth + 1)]


def is_intermediary(host: str | None) -> bool:
    if not host:
        return False
    domain = registrable_domain(host) or host
    return any(candidate in _data().intermediaries for candidate in _within(host, domain))


_EMBEDDED = re.compile(r"https?(?::|%3A)(?:/|%2F){1,2}(?=[\w.-]+\.)", re.I)


def unwrap(url: str | None) -> str | None:
    """The original address inside an intermediary's link (``web.archive.org/web/2025…/https://…``,
    ``google.com/url?q=…``, ``l.facebook.com/l.php?u=…``), else None."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    for _name, value in parse_qsl(parts.query, keep_blank_values=False):
        if _EMBEDDED.match(value):
            return value
    path = unquote(parts.path)
    found = _EMBEDDED.search(path)
    if found:
        inner = path[found.start():]
        return re.sub(r"^(https?:/)(?!/)", r"\1/", inner)  # archives collapse '//' to '/'
    return None


def _squash(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


_SPLIT = re.compile(r"\s*(?::|>|»|\||–|—|\s-\s)\s*")


def _title_name(section: str | None, domain: str) -> str | None:
    """A feed title, or its first or last part, that spells the domain's name: "Capitol Morning"
    for capitolmorning.example, "WSJ.com" of "WSJ.com: World News", "The Economist" for
    economist.com."""
    if not section:
        return None
    label = _squash(domain.split(".")[0])
    whole = _squash(domain)
    parts = [section, *(p for p in _SPLIT.split(section) if p)]
    for part in parts:
        squashed = _squash(part)
        bare = _squash(re.sub(r"^the\s+", "", part, flags=re.I))
        if squashed and (squashed in (label, whole) or bare == label):
            return part.strip()
    return None


def _given_site(site: str | None, host: str | None, domain: str | None) -> str | None:
    """A site name that is not just the address again (trafilatura falls back to the host)."""
    if not site:
        return None
    squashed = _squash(site)
    if squashed in {_squash(h) for h in (host, domain, f"www.{host}" if host else None) if h}:
        return None
    return site


def derive(article: Article) -> Publisher:
    """The publisher of an article, by the rules above. The article's ``outlet`` is the name the
    user gave (None when they gave none); ``site_name`` and ``publisher_url`` are what the page or
    feed says of the original publisher; ``section`` is the feed's title."""
    url = article.canonical_url or article.url
    host = host_of(url)
    if is_intermediary(host):
        inner = unwrap(article.url) or unwrap(url)
        inner_host = host_of(inner)
        if inner_host and not is_intermediary(inner_host):
            host = inner_host
        else:
            named = host_of(article.publisher_url)
            host = named if named and not is_intermediary(named) else None
            if host is None and article.site_name:
                return Publisher(article.outlet or article.site_name, None, GIVEN if article.outlet else SITE)
            host = host or host_of(url)  # nothing names the original: the intermediary it is
    domain = registrable_domain(host) if host else None
    key = domain
    mapped = None
    if host and domain:
        names = _data().names
        for candidate in _within(host, domain):
            if candidate in names:
                key, mapped = candidate, names[candidate]
                break
    if article.outlet:
        return Publisher(article.outlet, key, GIVEN)
    if mapped:
        return Publisher(mapped, key, MAP)
    if key is None:
        if article.site_name:
            return Publisher(article.site_name, None, SITE)
        return Publisher(article.section, None, SECTION if article.section else None)
    site = _given_site(article.site_name, host, key)
    if site:
        return Publisher(site, key, SITE)
    titled = _title_name(article.section, key)
    if titled:
        return Publisher(titled, key, TITLE)
    return Publisher(key, key, DOMAIN)
