"""Text, date, URL and language normalization, and the identity key computed once at ingestion."""

from __future__ import annotations

import email.utils
import hashlib
import posixpath
import re
import unicodedata
from datetime import UTC, datetime
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from dateutil import parser as date_parser

from . import outlets
from .model import Article
from .outlets import derive as derive_outlet

# --- text -----------------------------------------------------------------------------------------

# Spaces that are not U+0020: no-break, en/em and the other typographic spaces, ideographic space.
_ODD_SPACES = re.compile("[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\u0009\u000b\u000c]")
# Characters that should not be in text at all: zero-width space/joiners, word joiner, BOM,
# soft hyphen, and C0/C1 controls other than newline.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\u0000-\u0008\u000e-\u001f\u007f-\u009f]")
_LINE_SPACES = re.compile(" {2,}")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def clean_text(text: str | None) -> str:
    """NFC, odd spaces to plain spaces, invisible characters removed, whitespace collapsed.

    Paragraphs (separated by one or more blank lines, or by single newlines) come out separated by
    exactly one blank line; typographic quotes, dashes and ellipses are kept as written."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n\n")
    text = _INVISIBLE.sub("", _ODD_SPACES.sub(" ", text))
    paragraphs = []
    for line in text.split("\n"):
        line = _LINE_SPACES.sub(" ", line).strip()
        if line:
            paragraphs.append(line)
    return "\n\n".join(paragraphs)


def clean_title(title: str | None) -> str | None:
    """A headline on one line; None when nothing is left."""
    if not title:
        return None
    title = clean_text(title).replace("\n\n", " ")
    return title or None


_FOLD = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'", "`": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
    "\u2026": "...",
})


# Combining marks (accents) left over after NFKD decomposition.
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def fold(text: str) -> str:
    """The matching form of a text: quotes, dashes and ellipses folded to ASCII, accents dropped,
    case folded, whitespace collapsed. Never shown to a reader; used for keys and fingerprints."""
    text = text.translate(_FOLD)
    if not text.isascii():
        text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    return " ".join(text.casefold().split())


_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    """Word tokens of the folded text (used by fingerprints)."""
    return _WORD.findall(fold(text))


# --- dates ----------------------------------------------------------------------------------------

_TZINFOS = {"UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "EST": -5 * 3600, "EDT": -4 * 3600, "CST": -6 * 3600,
            "CDT": -5 * 3600, "MST": -7 * 3600, "MDT": -6 * 3600, "PST": -8 * 3600, "PDT": -7 * 3600,
            "BST": 3600, "CET": 3600, "CEST": 7200}


_RFC822 = re.compile(r"^\s*([A-Za-z]{3},?\s+)?\d{1,2}\s+[A-Za-z]{3}\s+\d{2,4}\s+\d{1,2}:\d{2}")


def parse_datetime(value: object) -> datetime | None:
    """A timezone-aware UTC datetime from ISO 8601, RFC 822/1123, a struct_time, an epoch number or
    a common written form ("March 3, 2025 14:05 EST"). Naive values are taken as UTC. None when
    the value is empty or unreadable (a bad date never rejects an article)."""
    if value is None or value == "" or isinstance(value, bool):  # JSON's true is no date
        return None
    result: datetime | None = None
    if isinstance(value, datetime):
        result = value
    elif isinstance(value, int | float):
        try:
            result = datetime.fromtimestamp(float(value), tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    elif hasattr(value, "tm_year"):  # time.struct_time, as feedparser gives (already UTC)
        try:
            result = datetime(*value[:6], tzinfo=UTC)  # type: ignore[index,misc]
        except (TypeError, ValueError):
            return None
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            result = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
        except ValueError:
            result = None
            if _RFC822.match(text):
                try:
                    result = email.utils.parsedate_to_datetime(text)
                except (TypeError, ValueError, IndexError):
                    result = None
            if result is None:
                try:
                    result = date_parser.parse(text, tzinfos=_TZINFOS)
                except (ValueError, OverflowError, date_parser.ParserError):
                    return None
    else:
        return None
    if result.tzinfo is None:
        result = result.replace(tzinfo=UTC)
    try:
        return result.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


# --- URLs -----------------------------------------------------------------------------------------

_TRACKING_EXACT = {"fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "mc_cid", "mc_eid",
                   "igshid", "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok", "oly_anon_id", "oly_enc_id",
                   "vero_id", "rb_clickid", "s_cid", "cmpid", "ncid", "ocid", "twclid", "ttclid"}
_TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_")
_DEFAULT_PORTS = {"http": 80, "https": 443}
# Characters that never need percent-encoding in a path or query (RFC 3986 unreserved + sub-delims
# that are safe to leave as they are).
_PATH_SAFE = "/:@!$&'()*+,;=-._~"


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in _TRACKING_EXACT or lowered.startswith(_TRACKING_PREFIXES)


def canonical_url(url: str | None) -> str | None:
    """The canonical form of an http(s) URL, or None for anything else.

    Lower-case scheme and host, IDNA host, default port dropped, dot segments resolved, fragment
    dropped, tracking parameters (utm_*, fbclid, gclid, mc_cid, mc_eid, …) removed, the remaining
    query parameters sorted, percent-encoding made uniform."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https") or not parts.hostname:
            return None
        host = parts.hostname.rstrip(".")
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            host = host.lower()
        host = host.lower()
        if ":" in host:  # IPv6 literal
            host = f"[{host}]"
        port = parts.port
    except ValueError:
        return None
    # user:password@ is dropped on purpose: credentials never belong in a stored URL
    netloc = host if port is None or port == _DEFAULT_PORTS[scheme] else f"{host}:{port}"
    path = parts.path or "/"
    trailing = path.endswith("/")
    path = posixpath.normpath(unquote(path))
    if path in (".", "//"):
        path = "/"
    if path.startswith("//"):
        path = "/" + path.lstrip("/")
    if trailing and not path.endswith("/"):
        path += "/"
    path = quote(path, safe=_PATH_SAFE)
    query_pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)]
    query = urlencode(sorted(query_pairs), quote_via=quote, safe="-._~:@!$'()*,;/") if query_pairs else ""
    return urlunsplit((scheme, netloc, path, query, ""))


# --- language -------------------------------------------------------------------------------------

_MIN_LETTERS_FOR_DETECTION = 40


def language_code(value: str | None) -> str | None:
    """The primary subtag of a language tag ("en-US" → "en"), or None for anything else."""
    if not value:
        return None
    code = value.strip().lower().replace("_", "-").split("-")[0]
    return code if code.isalpha() and 2 <= len(code) <= 3 else None


def detect_language(text: str, declared: str | None = None) -> str | None:
    """ISO 639-1 code of the text's language, identified offline (py3langid).

    Texts too short to judge keep the declared language (its primary subtag, lower-cased)."""
    declared_code = language_code(declared)
    sample = text[:1200]
    if sum(ch.isalpha() for ch in sample) < _MIN_LETTERS_FOR_DETECTION:
        return declared_code or None
    import py3langid  # loaded on first use: the model takes a moment

    code, _score = py3langid.classify(sample)
    return str(code)


# --- identity -------------------------------------------------------------------------------------


def content_hash(title: str | None, text: str) -> str:
    """SHA-256 of the folded title and text: equal for copies that differ only in typography."""
    digest = hashlib.sha256()
    digest.update(fold(title or "").encode("utf-8"))
    digest.update(b"\x00")
    digest.update(fold(text).encode("utf-8"))
    return digest.hexdigest()


_GLOBAL_GUID = re.compile(r"^([a-z][a-z0-9+.-]*:|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$)", re.I)


def guid_key(article: Article) -> str | None:
    """The GUID as a key: as written when it is globally unique by form (a URI such as
    ``tag:…``/``urn:…``/``https://…``, or a UUID), else scoped by the feed (the outlet the user gave
    it, else its title), since many feeds number their entries 1, 2, 3… The scope is what it was
    before outlets became publishers, so that re-polls match what is stored; computed before
    ``outlets.derive`` replaces the given outlet."""
    if not article.guid or not article.guid.strip():
        return None
    guid = article.guid.strip()
    scope = article.guid_scope if article.guid_scope is not None else article.outlet or ""
    return f"guid:{guid}" if _GLOBAL_GUID.match(guid) else f"guid:{fold(scope)}:{guid}"


def identity_key(article: Article) -> str:
    """The stable primary key: canonical URL, else GUID, else content hash."""
    if article.canonical_url:
        return "url:" + article.canonical_url
    return guid_key(article) or "sha256:" + article.content_hash


def identity_keys(article: Article) -> list[str]:
    """Every key that identifies this article, in the order they are matched against stored
    articles: GUID, then canonical URL, then other URLs it was reached at (a redirect's target),
    then — only when there is neither GUID nor URL — the content hash."""
    keys = [key for key in (guid_key(article), "url:" + article.canonical_url if article.canonical_url else None) if key]
    for other in article.also_urls:
        canonical = canonical_url(other)
        if canonical and "url:" + canonical not in keys:
            keys.append("url:" + canonical)
    if not keys:
        keys.append("sha256:" + article.content_hash)
    if article.key not in keys:
        keys.append(article.key)
    return keys


def normalize_article(article: Article) -> Article:
    """Fill the derived fields of an article in place and return it."""
    article.text = clean_text(article.text)
    article.title = clean_title(article.title)
    article.summary = clean_text(article.summary) or None
    first_pass = article.outlet_origin is None  # normalize runs again after a page's full text is fetched
    if first_pass:  # ``outlet`` is still the name the user gave (None when none): it scopes GUIDs as before
        article.outlet = clean_title(article.outlet)
        article.guid_scope = clean_title(article.guid_scope) or article.outlet or ""
    article.section = clean_title(article.section)
    article.site_name = clean_title(article.site_name)
    article.author = clean_title(article.author)
    article.published = article.published or parse_datetime(article.published_raw)
    article.canonical_url = canonical_url(article.url)
    if article.url and not article.canonical_url:
        article.url = article.url.strip() or None
    # A language declared for this very article (JSONL's "language") is kept; otherwise it is
    # identified from the text, with a site- or feed-wide declaration as the fallback for short texts.
    article.language = language_code(article.language) or detect_language(
        f"{article.title or ''}\n{article.text}", article.language_hint)
    article.content_hash = content_hash(article.title, article.text)
    article.key = identity_key(article)
    article.keys = identity_keys(article)
    if first_pass:  # the publisher, once: on a second pass ``outlet`` is no longer the user's
        publisher = derive_outlet(article)
        article.outlet, article.outlet_domain = publisher.name, publisher.domain
        article.outlet_origin = publisher.origin or outlets.UNNAMED
    return article
