"""Actor coding benchmark on the PLOVER gold standard (../shared/datasets/plover-gsr-dev): every
`source`/`target` actor string, coded with the record's date, against the gold country and sector.

    .venv/bin/python bench/actors.py [--errors]

Scoring: country accuracy over every actor string. Gold codes that are CAMEO's rather than ISO's
(JAP, ITL, ...) are read as their ISO codes. Sector accuracy over the actor strings whose gold
sector is a clean code: the first three letters of the gold sector (CVLalb → CVL, GOVMOS → GOV),
no sector (gold null) expected as null, records marked *** (unknown) left out. An IGO with no gold
sector counts our sector IGO as right (CAMEO leaves the sector of an IGO empty; we name it)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from newsradar.actors import code_actor, load_dictionary  # noqa: E402

DATASETS = HERE.parent.parent / "shared" / "datasets"
CAMEO_TO_ISO = {"JAP": "JPN", "ITL": "ITA", "ROM": "ROU", "GER": "DEU", "UK": "GBR", "SUD": "SDN"}
# gold sector codes of CAMEO that mean one of ours
SECTOR_SYNONYMS = {"CIV": "CVL", "UAF": "MIL", "MOS": "REL", "CHR": "REL", "JRN": "MED", "PTY": "PTY"}


def records() -> list[dict]:
    return [json.loads(line) for line in (DATASETS / "plover-gsr-dev" / "plover-gsr-dev.jsonl").open(encoding="utf-8")]


def gold_sector(value: str | None) -> str | None | bool:
    """Our sector code for a gold sector; False when the gold sector is unknown (***)."""
    if value is None:
        return None
    if value.startswith("*"):
        return False
    head = value[:3].upper()
    return SECTOR_SYNONYMS.get(head, head)


def evaluate(show_errors: bool = False, use_context: bool = True) -> dict:
    dictionary = load_dictionary()
    country_right = country_total = sector_right = sector_total = 0
    errors: Counter = Counter()
    started = time.perf_counter()
    for record in records():
        day = date.fromisoformat(record["date"]) if record.get("date") else None
        for actor in record["source"] + record["target"]:
            code = code_actor(actor["text"], day, dictionary, context=record["text"] if use_context else None)
            gold_country = CAMEO_TO_ISO.get(actor["code"], actor["code"])
            country_total += 1
            country_ok = code.country == gold_country
            country_right += country_ok
            wanted = gold_sector(actor["sector"])
            sector_ok = None
            if wanted is not False:
                sector_total += 1
                sector_ok = code.sector == wanted or (gold_country == "IGO" and wanted is None and code.sector == "IGO")
                sector_right += sector_ok
            if show_errors and (not country_ok or sector_ok is False):
                errors[(actor["text"], f"{gold_country}/{wanted}", f"{code.country}/{code.sector}")] += 1
    elapsed = time.perf_counter() - started
    if show_errors:
        for (text, gold, got), count in sorted(errors.items()):
            print(f"{text!r:60} gold {gold:12} got {got}" + (f" ×{count}" if count > 1 else ""), file=sys.stderr)
    return {"actors": country_total, "country_accuracy": round(country_right / country_total, 4),
            "sector_scored": sector_total, "sector_accuracy": round(sector_right / sector_total, 4),
            "ms_per_actor": round(1000 * elapsed / country_total, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--errors", action="store_true", help="print every miss to stderr")
    parser.add_argument("--no-context", action="store_true", help="code the actor strings without their sentences")
    args = parser.parse_args()
    print(json.dumps(evaluate(args.errors, not args.no_context), indent=2))


if __name__ == "__main__":
    main()
