"""World actor knowledge: about a hundred thousand people, parties, armed groups and organizations
with dated roles (country, sector, from–to, source), converted from the open actor-knowledge data
set (data/ACTOR-KNOWLEDGE.md gives its sources and licences). The package ships it compressed
(data/actor-knowledge.jsonl.xz); the first lookup compiles it into a SQLite index, so that a later
process opens it in milliseconds and looks names up with one indexed query, holding only the
actors it has met in memory. ``newsradar actors import PATH`` compiles another copy (the full data
set, or a file of the same shape) in its place. The hand-written YAML dictionary stays on top: what
it knows wins."""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import lzma
import os
import re
import sqlite3
import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .. import settings
from ..errors import InputError, SettingsError
from ..progress import Progress

DATA = Path(__file__).resolve().parent / "data"
SHIPPED = DATA / "actor-knowledge.jsonl.xz"
NOUNS = DATA / "actor-nouns.json.xz"  # place names, towns and agent nouns (actors/packing.py)
NOTICE = DATA / "ACTOR-KNOWLEDGE.md"  # sources, licences and attributions: they travel with the data
FORMAT = 4  # of the compact lines and of the index (and of how names become keys); a change rebuilds it
NAME, CAPITALS, SHORT = 0, 1, 2  # how an index key was made from a name
# most trusted first: the newest curated sources, then the older dictionaries
SOURCE_ORDER = ("newsradar", "wikidata", "cia_world_leaders", "everypolitician", "partyfacts", "ucdp", "phoenix")
_SOURCE_RANK = {s: n for n, s in enumerate(SOURCE_ORDER)}
# when a source's open-ended roles were last seen, where a role does not say (its as_of)
SNAPSHOTS = {"phoenix": "2015-02", "everypolitician": "2015-11-30", "cia_world_leaders": "2019-06-04"}
TYPES = {"p": "person", "o": "org", "y": "party", "g": "group"}
_PUNCT = re.compile(r"[.,'\"()\u2019\u2018\u201c\u201d]")
_SPACES = re.compile(r"[\s_\-/\u2010-\u2015]+")
# a head of state or of government (ELI once the term is over, unless a later role says otherwise):
# the bare office, or the office "of the Republic", "of the Government"…; not "Chancellor of the
# Exchequer", "President of the Constitutional Court", "Premier of Ontario"
_HEAD_OFFICE = (r"(?:acting |interim |federal )?(?:president|prime minister|premier|chancellor|king|queen|emir|sultan|"
                r"head of state|head of government|supreme leader|taoiseach|monarch|grand duke)")
_HEAD = re.compile(rf"^{_HEAD_OFFICE}(?: of (?:the )?(?:republic|government|state council|council of ministers|"
                   r"federation|confederation|people's republic)\b.*)?$", re.IGNORECASE)
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


# letters that do not decompose into a base letter and an accent
_LETTERS = str.maketrans({"Đ": "D", "đ": "d", "Ł": "L", "ł": "l", "Ø": "O", "ø": "o", "ß": "ss", "Æ": "AE",
                          "æ": "ae", "Œ": "OE", "œ": "oe", "Þ": "Th", "þ": "th", "ı": "i", "Ħ": "H", "ħ": "h"})


_DJ = str.maketrans({"Đ": "Dj", "đ": "dj"})


def normalize(text: str) -> str:
    """The lookup key of a name: accents stripped, lower case, ``_ - /`` as spaces, ``. , ' " ( )``
    removed, spaces collapsed ("Nikol Pashinyan", "NIKOL_PASHINYAN" and "Níkol Pashinyan" agree)."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LETTERS))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " ".join(_SPACES.sub(" ", _PUNCT.sub("", plain)).split())


def latin(text: str) -> bool:
    """Written in the Latin script (what an English news text writes a name in)."""
    letters = [c for c in unicodedata.normalize("NFKD", text) if c.isalpha()]
    return bool(letters) and all(ord(c) < 0x250 for c in letters)


def valid_date(value: object) -> bool:
    """An ISO date, possibly partial ("2019", "2003-06", "2003-06-11"), that exists; or None."""
    if value is None:
        return True
    match = _DATE.match(value) if isinstance(value, str) else None
    if match is None:
        return False
    year, month, day = (int(g) if g else None for g in match.groups())
    try:
        date(year, 1 if month is None else month, 1 if day is None else day)  # type: ignore[arg-type]
    except ValueError:
        return False
    return True


def _bound(value: str | None, end: bool) -> date | None:
    """A partial ISO date as the first (or, for an end, the last) day it covers; None when there
    is none (or it cannot be read: the import refuses such dates, so only a hand-edited index has
    them)."""
    if not value or not valid_date(value):
        return None
    parts = [int(p) for p in value.split("-")[:3]]
    if len(parts) == 1:
        return date(parts[0], 12, 31) if end else date(parts[0], 1, 1)
    if len(parts) == 2:
        if not end:
            return date(parts[0], parts[1], 1)
        following = date(parts[0] + parts[1] // 12, parts[1] % 12 + 1, 1)
        return date.fromordinal(following.toordinal() - 1)
    return date(*parts)


@dataclass(frozen=True, slots=True)
class KnownRole:
    country: str | None
    sector: str | None
    start: str | None  # ISO, possibly partial
    end: str | None
    source: str
    title: str | None = None
    as_of: str | None = None

    @property
    def dated(self) -> bool:
        return bool(self.start or self.end)

    def holds(self, day: date) -> bool:
        start, end = _bound(self.start, False), _bound(self.end, True)
        return (start is None or start <= day) and (end is None or day <= end)

    @property
    def head(self) -> bool:
        """Head of state or of government."""
        return bool(self.title and _HEAD.match(re.sub(r"\s*\(.*?\)", "", self.title).strip()))

    def as_dict(self) -> dict:
        return {"country": self.country, "sector": self.sector, "start": self.start, "end": self.end,
                "source": self.source, "title": self.title, "as_of": self.as_of}


def _rank(role: KnownRole) -> tuple:
    """Which of several roles held at once to report: the most trusted source, a specific sector
    over ELI, the latest start."""
    start = _bound(role.start, False)
    return (_SOURCE_RANK.get(role.source, len(SOURCE_ORDER)), role.sector in (None, "ELI"),
            -start.toordinal() if start else 0)


@dataclass(frozen=True, slots=True)
class KnownActor:
    ref: str  # stable id: "kb:Q…" (Wikidata), else "kb:<name>-<country>-<digest of the record>"
    name: str
    type: str  # person, org, party, group
    aliases: tuple[str, ...]
    roles: tuple[KnownRole, ...]
    wikidata: str | None

    @property
    def sources(self) -> list[str]:
        return sorted({r.source for r in self.roles}, key=lambda s: _SOURCE_RANK.get(s, 99))

    @property
    def countries(self) -> set[str]:
        return {r.country for r in self.roles if r.country}

    def role_on(self, day: date | None) -> tuple[str | None, str | None, KnownRole | None]:
        """(country, sector, role) on ``day`` (today when None). A role held that day, the most
        trusted first; past the end of a head of state's or government's term with no later role,
        ELI in that country; else an undated role not older than the last dated one; else the
        nearest dated role; before every role, the country alone."""
        day = day or date.today()
        if not self.roles:
            return None, None, None
        held = [r for r in self.roles if r.dated and r.holds(day) and not self._superseded(r, day)]
        if held:
            role = min(held, key=_rank)
            return role.country, role.sector, role
        ended = [r for r in self.roles if r.end and _bound(r.end, True) < day]  # type: ignore[operator]
        last = max(ended, key=lambda r: _bound(r.end, True)) if ended else None  # type: ignore[arg-type, return-value]
        if last is not None and last.head:
            return last.country, "ELI", last
        undated = [r for r in self.roles if not r.dated]
        if last is not None:
            newer = [r for r in undated if r.as_of and _bound(r.as_of, True) > _bound(last.end, True)]  # type: ignore[operator]
            undated = newer if newer else [r for r in undated if not r.as_of]
        if undated:
            role = min(undated, key=_rank)
            return role.country, role.sector, role
        if last is not None:
            return last.country, last.sector, last
        first = min((r for r in self.roles if r.dated), key=lambda r: _bound(r.start, False) or date.max)
        return first.country, None, None  # not yet in any role we know of

    def _superseded(self, role: KnownRole, day: date) -> bool:
        """An open-ended role seen last at its snapshot date, past which another source saw a
        role of that sector in that country end ("Prime Minister since 2009" in a 2015 dictionary, a term that
        ended in 2021 in a 2022 one)."""
        if role.end is not None:
            return False
        seen = _bound(role.as_of or SNAPSHOTS.get(role.source), True)
        if seen is None or day <= seen:
            return False
        start = _bound(role.start, False) or date.min
        return any(other.end and other.country == role.country and other.sector == role.sector
                   and max(seen, start) < _bound(other.end, True) < day  # type: ignore[operator]
                   for other in self.roles)

def edits(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein distance (an adjacent swap counts one), stopping early past ``limit``."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


# -- the compact form shipped in the package --------------------------------------------------------

def compact(record: dict) -> list | None:
    """One actors.jsonl record as a compact line: [name, aliases, type letter, roles, qid]; names in
    other scripts are left out (an English text writes names in Latin letters), and so is an actor
    with none. ValueError names what is malformed."""
    names = record.get("name"), *(record.get("aliases") or [])
    if not all(isinstance(n, str) or n is None for n in names):
        raise ValueError("a name or alias is not a string")
    latin_names = [n for n in dict.fromkeys(n for n in names if n) if latin(n)]
    roles = record.get("roles") or []
    if not isinstance(roles, list) or not all(isinstance(r, dict) for r in roles):
        raise ValueError('"roles" is not a list of objects')
    if not latin_names or not roles:
        return None
    letter = {v: k for k, v in TYPES.items()}.get(record.get("type") or "", "o")
    rows = [[r.get("country"), r.get("sector"), r.get("start"), r.get("end"), r.get("source") or "unknown",
             r.get("title"), r.get("as_of")] for r in roles]
    qids = record.get("wikidata") or []
    return _checked([latin_names[0], latin_names[1:], letter, rows, qids[0] if qids else None])


def _checked(row: object) -> list:
    """A compact line as it must be, or ValueError naming what is not."""
    if not (isinstance(row, list) and len(row) == 5 and isinstance(row[0], str) and isinstance(row[1], list)
            and isinstance(row[3], list)):
        raise ValueError("not an actor record (name, aliases, type, roles, wikidata)")
    for role in row[3]:
        if not (isinstance(role, list) and len(role) == 7):
            raise ValueError("a role is not [country, sector, start, end, source, title, as_of]")
        for value in (role[0], role[1], role[4], role[5]):
            if value is not None and not isinstance(value, str):
                raise ValueError(f"a role's country, sector, source or title is not a string: {value!r}")
        for value in (role[2], role[3], role[6]):
            if not valid_date(value):
                raise ValueError(f"a role's date {value!r} is not an ISO date (YYYY, YYYY-MM or YYYY-MM-DD)")
    return row


def read_source(path: Path) -> Iterator[list]:
    """Compact lines from ``path``: the actor-knowledge folder, its actors.jsonl, or a compact
    .jsonl.xz file like the one shipped; a malformed line is an InputError naming it."""
    if path.is_dir():
        path = path / "actors.jsonl"
    if not path.is_file():
        raise InputError(str(path), "no such file (give the actor-knowledge folder, its actors.jsonl or a .jsonl.xz)")
    opener = lzma.open if path.suffix == ".xz" else open
    try:
        with opener(path, "rt", encoding="utf-8") as lines:
            for number, line in enumerate(lines, 1):
                if not line.strip():
                    continue
                try:
                    value = json.loads(line)
                    row = compact(value) if isinstance(value, dict) else _checked(value)
                except json.JSONDecodeError as exc:
                    raise InputError(f"{path}:{number}", f"not a JSON line ({exc.msg})") from exc
                except ValueError as exc:
                    raise InputError(f"{path}:{number}", str(exc)) from exc
                if row is not None:
                    yield row
    except (OSError, UnicodeDecodeError, lzma.LZMAError, EOFError) as exc:
        raise InputError(str(path), f"cannot read it ({exc})") from exc


@functools.lru_cache(maxsize=1)
def nouns() -> dict:
    """The shipped place names, towns and agent nouns (see ``packing.pack_nouns``)."""
    with lzma.open(NOUNS, "rt", encoding="utf-8") as handle:
        return json.load(handle)


# -- the index ---------------------------------------------------------------------------------------

def _slug(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", normalize(value)).strip("-")[:60] or "actor"


def _content_ref(row: list) -> str:
    """A stable id for an actor without a Wikidata item: its name, first country and a digest of
    what the record says, so that a re-import or a newer shipped file keeps it (or, for a changed
    record, gives a new one rather than another actor's)."""
    name, aliases, letter, roles, _ = row
    countries = sorted({r[0] for r in roles if r[0]})
    body = json.dumps([name, sorted(aliases), letter, sorted(map(str, (r[:5] for r in roles)))], ensure_ascii=False)
    digest = hashlib.sha1(body.encode("utf-8")).hexdigest()[:8]
    return f"kb:{_slug(name)}" + (f"-{countries[0].lower()}" if countries else "") + f"-{digest}"


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def default_index_path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
    return Path(base) / "newsradar" / f"actor-knowledge.v{FORMAT}.sqlite"


def index_path() -> Path | None:
    """Where the compiled index lives (NEWSRADAR_ACTORS_INDEX), or None when it is switched off."""
    value = settings.get("actors_index")
    if value.strip().lower() in ("off", "none", "0", "false", "no"):
        return None
    return Path(value).expanduser() if value else default_index_path()


def build(rows: Iterable[list], target: Path, origin: str, progress: Progress | None = None) -> int:
    """Compile ``rows`` into a fresh index at ``target`` (written beside it, then moved in place);
    the number of actors."""
    target.parent.mkdir(parents=True, exist_ok=True)
    for left in target.parent.glob(f".{target.name}.*.partial"):  # of a compile that was killed
        pid = left.name.rsplit(".", 2)[-2]
        if not pid.isdigit() or not Path(f"/proc/{pid}").exists() or int(pid) == os.getpid():
            left.unlink(missing_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    conn = sqlite3.connect(partial)
    try:
        conn.executescript("""
            PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;
            CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
            CREATE TABLE actors (id INTEGER PRIMARY KEY, ref TEXT UNIQUE NOT NULL, data TEXT NOT NULL);
            CREATE TABLE names (key TEXT NOT NULL, actor INTEGER NOT NULL, form INTEGER NOT NULL,
                                PRIMARY KEY (key, actor)) WITHOUT ROWID;
            CREATE TABLE surnames (word TEXT PRIMARY KEY, people INTEGER NOT NULL) WITHOUT ROWID;
        """)
        refs: set[str] = set()
        surnames: dict[str, int] = {}
        count = 0
        for row in rows:
            name, aliases, letter, roles, qid = row
            ref = f"kb:{qid}" if qid else _content_ref(row)
            base, n = ref, 1
            while ref in refs:
                n += 1
                ref = f"{base}~{n}"
            refs.add(ref)
            count += 1
            conn.execute("INSERT INTO actors (id, ref, data) VALUES (?, ?, ?)",
                         (count, ref, json.dumps(row, ensure_ascii=False, separators=(",", ":"))))
            keys: dict[str, int] = {}
            written_as = list(enumerate((name, *aliases)))
            written_as += [(i, w.translate(_DJ)) for i, w in written_as if "Đ" in w or "đ" in w]  # Đinđić, Djindjic
            for number, written in written_as:
                key = normalize(written)
                words = key.split()
                if len(key) < 2:
                    continue
                if letter == "p" and len(words) < 2 and (number or len(key) < 4):
                    continue  # one name alone is a person's only if it is what they are known by (Suharto)
                form = CAPITALS if len(words) == 1 and written.replace(".", "").isupper() and len(key) <= 6 else NAME
                keys[key] = min(keys.get(key, form), form)
                if letter == "p" and len(words) >= 3 and not number:  # "Carlos Saul Menem" is "Carlos Menem"
                    keys.setdefault(f"{words[0]} {words[-1]}", SHORT)
            conn.executemany("INSERT OR IGNORE INTO names VALUES (?, ?, ?)", [(k, count, c) for k, c in keys.items()])
            last = normalize(name).split()[-1:] if letter == "p" else []
            for word in last:
                surnames[word] = surnames.get(word, 0) + 1
            if progress is not None and count % 5000 == 0:
                progress.advance(5000)
        conn.executemany("INSERT INTO surnames VALUES (?, ?)", surnames.items())
        if not count:
            raise InputError(origin.split(":", 1)[-1], "holds no actor with a name and a role; the index in use is kept")
        conn.executemany("INSERT INTO meta VALUES (?, ?)", [("format", str(FORMAT)), ("origin", origin),
                                                            ("actors", str(count))])
        conn.commit()
    except BaseException:
        conn.close()
        partial.unlink(missing_ok=True)
        raise
    conn.close()
    with open(partial, "rb") as handle:  # on disk before it takes the index's name
        os.fsync(handle.fileno())
    os.replace(partial, target)
    return count


@contextlib.contextmanager
def _build_lock(target: Path) -> Iterator[None]:
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.with_name(f".{target.name}.lock"), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _meta(path: Path) -> dict[str, str]:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return dict(conn.execute("SELECT key, value FROM meta").fetchall())
        finally:
            conn.close()
    except sqlite3.Error:
        return {}


def shipped_origin() -> str:
    return f"shipped:{_digest(SHIPPED)}"


def ensure(path: Path, warn: Callable[[str], object] | None = None) -> Path:
    """The index at ``path``, compiled from the shipped file first when it is missing, of another
    format, or compiled from an older shipped file (an import is kept until the format changes)."""
    if not SHIPPED.is_file():
        raise SettingsError(f"the actor knowledge file {SHIPPED} is missing from the package")
    origin = shipped_origin()
    if not _stale(path, origin):  # the common case needs no lock, so a read-only index works
        return path
    try:
        with _build_lock(path):
            if _stale(path, origin):
                if warn is not None:
                    warn(f"compiling the actor knowledge index at {path} (once)")
                build(read_source(SHIPPED), path, origin)
    except OSError as exc:
        raise SettingsError(f"cannot compile the actor knowledge index at {path} ({exc.strerror or exc}); set "
                            "NEWSRADAR_ACTORS_INDEX to a writable path, or to off") from exc
    return path


def _stale(path: Path, origin: str) -> bool:
    meta = _meta(path) if path.is_file() else {}
    return meta.get("format") != str(FORMAT) or (meta.get("origin", "").startswith("shipped:")
                                                 and meta.get("origin") != origin)


class Knowledge:
    """Name lookups in a compiled index: ``find`` answers many keys with one query."""

    def __init__(self, path: Path):
        self.path = path
        try:
            self._conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
            self.meta = dict(self._conn.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.Error as exc:
            raise SettingsError(f"cannot open the actor knowledge index {path}: {exc}") from exc
        self._lock = threading.Lock()
        self._found: dict[str, tuple[tuple[int, int], ...]] = {}
        self._actors: dict[int, KnownActor] = {}
        self._surnames: dict[str, int] = {}

    def find(self, keys: Iterable[str]) -> dict[str, tuple[tuple[int, int], ...]]:
        """Normalised key → ((actor id, form), …) for the keys it knows; the form says how the key
        was made: NAME as written, CAPITALS (an acronym, to be written in capitals), SHORT (a
        person's first and last names only)."""
        wanted = [k for k in dict.fromkeys(keys) if k]
        missing = [k for k in wanted if k not in self._found]
        rows: dict[str, list[tuple[int, int]]] = {k: [] for k in missing}
        if missing:
            with self._lock:
                for chunk in range(0, len(missing), 500):
                    part = missing[chunk:chunk + 500]
                    marks = ",".join("?" * len(part))
                    for key, actor, form in self._conn.execute(
                            f"SELECT key, actor, form FROM names WHERE key IN ({marks})", part):
                        rows[key].append((actor, form))
                if len(self._found) > 200000:
                    self._found.clear()
                for key, hits in rows.items():
                    self._found[key] = tuple(hits)
        answer: dict[str, tuple[tuple[int, int], ...]] = {}
        for key in wanted:  # another thread may have emptied the cache meanwhile: ours first
            known = tuple(rows[key]) if key in rows else self._found.get(key, ())
            if known:
                answer[key] = known
        return answer

    def near(self, key: str) -> list[tuple[str, int]]:
        """Names of people one typo away from a two- or three-word ``key`` with the same first
        word and the same initial of the last ("francois mitterand" → "francois mitterrand")."""
        words = key.split()
        if not 2 <= len(words) <= 3 or len(words[-1]) < 5:
            return []
        prefix = f"{' '.join(words[:-1])} {words[-1][0]}"
        upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        with self._lock:
            rows = self._conn.execute("SELECT key, actor FROM names WHERE key >= ? AND key < ? LIMIT 5000",
                                      (prefix, upper)).fetchall()
        return [(k, a) for k, a in rows if k != key and abs(len(k) - len(key)) <= 1 and edits(k, key, 1) <= 1]

    def actor(self, actor_id: int) -> KnownActor:
        known = self._actors.get(actor_id)
        if known is not None:
            return known
        with self._lock:
            row = self._conn.execute("SELECT ref, data FROM actors WHERE id = ?", (actor_id,)).fetchone()
        ref, data = row
        name, aliases, letter, roles, qid = json.loads(data)
        known = KnownActor(ref, name, TYPES.get(letter, "org"), tuple(aliases),
                           tuple(KnownRole(*r) for r in roles), qid)
        if len(self._actors) > 20000:
            self._actors = {}
        self._actors[actor_id] = known
        return known

    def namesakes(self, surname: str) -> int:
        """How many people of the knowledge base bear ``surname`` (normalised) as their last name."""
        count = self._surnames.get(surname)
        if count is None:
            with self._lock:
                row = self._conn.execute("SELECT people FROM surnames WHERE word = ?", (surname,)).fetchone()
            count = row[0] if row else 0
            if len(self._surnames) > 100000:
                self._surnames = {}
            self._surnames[surname] = count
        return count

    def by_ref(self, ref: str) -> KnownActor | None:
        with self._lock:
            row = self._conn.execute("SELECT id FROM actors WHERE ref = ?", (ref,)).fetchone()
        return self.actor(row[0]) if row else None

    def size(self) -> int:
        return int(self.meta.get("actors", 0))


@functools.lru_cache(maxsize=4)
def _open(path: str) -> Knowledge:
    return Knowledge(ensure(Path(path)))


def knowledge() -> Knowledge | None:
    """This process's knowledge index (compiled on first use), or None when switched off."""
    path = index_path()
    return None if path is None else _open(str(path))


def ensure_default(warn: Callable[[str], object] | None = None) -> Path | None:
    """Compile the index in use now if it needs it (``newsradar init`` does, so that the first
    analysis does not wait); its path, or None when the knowledge base is off."""
    path = index_path()
    return None if path is None else ensure(path, warn)


def import_source(source: Path, progress: Progress | None = None) -> tuple[Path, int]:
    """Compile ``source`` into the index in use (NEWSRADAR_ACTORS_INDEX); (its path, actors)."""
    path = index_path()
    if path is None:
        raise SettingsError("NEWSRADAR_ACTORS_INDEX is off: there is no index to import into")
    origin = f"import:{source.resolve()}"
    try:
        with _build_lock(path):
            count = build(read_source(source), path, origin, progress)
    except OSError as exc:
        raise SettingsError(f"cannot write the actor knowledge index at {path} ({exc.strerror or exc})") from exc
    _open.cache_clear()  # this process reads the new index; others (a running server) on their restart
    return path, count
