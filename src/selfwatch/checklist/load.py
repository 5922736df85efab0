"""The do/don't checklist as data: load rule files (TOML), validate them, apply user settings.

A rule file has a ``version``, named ``[concepts]`` (word lists that rules refer to as context),
and ``[[rules]]``. A rule matches ``terms`` (expanded for inflections) or regex ``patterns``, and
may demand context in the same sentence:

* ``requires``: every listed concept must occur;
* ``requires_any``: at least one must occur; ``requires_near``: or one of these in the sentence
  or the one before or after it ("Took a two-hour lunch. Nobody noticed.");
  ``requires_scope = "clause"`` narrows ``requires`` and ``requires_any`` to the words' clause;
* ``unless``: none may occur (homonyms: "weed" near "garden"); ``unless_near``: none may occur
  in the sentence or the one before or after it;

Besides word-list concepts there are built-in ones: ``negative_sentiment`` and
``positive_sentiment`` (VADER on the sentence), ``mention`` (an @handle), ``employer`` (the
profile's employers plus the ``employer_generic`` list) and ``codename`` (the profile's
confidential terms). A term inside one of the ``homonym`` concept's phrases ("Moby Dick",
"Dick Van Dyke") is not matched at all, nor is a plainly written word in a sentence that holds
a word of its ``sense_<word>`` concept ("bitch" beside "puppies"). ``negation`` says what a
preceding "not"/"never" or counter-speech does: ``drop`` the finding, ``lower`` its level, or
``keep`` it. ``model`` names a classifier head whose probability must reach ``threshold``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import ChecklistError
from ..model import CATEGORIES, GOOD_CATEGORIES, ChecklistSettings, Level, Profile

BUILTIN_CONCEPTS = frozenset(
    {
        "negative_sentiment",
        "positive_sentiment",
        "mention",
        "clause_start",
        "sentence_start",
        "other_agent",
        "suggestive_emoji",
        "attributive",
        "as_name",
        "employer",
        "codename",
        "self",
    }
)
NEGATION_MODES = ("drop", "lower", "info", "keep", "require")
AUTHORS = ("self", "other")
TARGET_KINDS = (
    "group", "group_after", "group_before", "person_after", "second_person", "mention",
    "third_person", "employer", "name",
)  # fmt: skip
"""What a rule can ask its words to be aimed at (see context.py): ``group_after`` is a group
named just after the words, as their object ("kill all the ...", not "... suffer in camps")."""
# Whose risk a category is when nobody says: a leak, a rant, a drug post or swearing is the
# person's risk only when they wrote it; what others write can still insult, threaten or
# sexualise the person, expose their data or tie them to hate.
SELF_ONLY = frozenset(
    {"politics", "religion", "employer", "profanity", "substance", "confidential"}
)
OTHER_SUGGESTION = {
    "harassment": "Someone else wrote this about you: do not answer in kind. Keep a screenshot and "
    "report it to the site; a calm record helps if an employer ever asks.",
    "violence": "Someone else threatens or wishes harm here: keep a screenshot, report it to the "
    "site, and to the police if it is a threat to you.",
    "hate": "Someone else wrote this in a post that names you: ask the author or the site to "
    "remove your name from it, and say publicly that you do not share it if people link you to it.",
    "sexual": "Sexual content about you posted by someone else: report it to the site and ask for "
    "removal; most sites act fast on this.",
    "personal_data": "Someone else made your personal data public: ask the site or the author to "
    "remove it (most sites have a form for personal data), and change what you can.",
}
TERM_SOURCES = ("codename", "contact")
RULE_FIELDS = frozenset(
    {
        "id", "category", "level", "message", "suggestion", "terms", "patterns", "requires",
        "requires_any", "requires_near", "unless", "unless_near", "fuzzy", "inflect", "negation",
        "model", "threshold", "examples", "case_sensitive", "terms_from", "prefilter", "target",
        "authors", "suggestion_other", "derives", "requires_scope",
    }
)  # fmt: skip
REQUIRES_SCOPES = ("sentence", "clause")
_RULE_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")


@dataclass(frozen=True)
class Rule:
    """One checklist rule: what to match, what context it needs, and what to tell the user."""

    id: str
    category: str
    level: Level
    message: str
    suggestion: str
    terms: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    requires_any: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()
    unless_near: tuple[str, ...] = ()
    """Exceptions looked for in the sentence before and after the words too: a shop named in
    one sentence owns the phone number in the next ("Now open at ... Call 555-0104")."""
    requires_scope: str = "sentence"
    """Where ``requires`` and ``requires_any`` look: the whole sentence, or only the clause of
    the words ("cooked the figures" is dishonest work; "Smoked a brisket for twelve hours, best
    thing I've ever cooked" is not: the record noun sits in another clause)."""
    requires_near: tuple[str, ...] = ()
    """Co-evidence that also satisfies ``requires_any`` from the sentence before or after the
    words: the work that "nobody noticed" was skipped is often named a sentence earlier. Kept
    narrower than ``requires_any`` (no "work": "that's how it should work")."""
    fuzzy: bool = False
    inflect: bool = True
    negation: str = "lower"
    model: str = ""
    threshold: float = 0.5
    terms_from: str = ""
    """Take the terms from a profile field: ``codename`` or ``contact`` (emails and phones)."""
    prefilter: str = ""
    """A cheap regex the text must contain before the ``patterns`` run (speed only)."""
    case_sensitive: bool = False
    target: tuple[str, ...] = ()
    """Kinds of target the words must be aimed at in their clause (group, second_person,
    mention, third_person); empty: no target needed."""
    authors: tuple[str, ...] = AUTHORS
    """Whose texts the rule applies to: "self" (the person's own), "other" (written about them)."""
    suggestion_other: str = ""
    """What to do when someone else wrote it (defaults to ``suggestion``)."""
    derives: str = ""
    """A category whose findings (at warning or above) are this rule's candidates, judged by
    this rule's own context and target: a threat (violence) aimed at a group is hate."""
    examples_flag: tuple[str, ...] = ()
    examples_pass: tuple[str, ...] = ()
    source: str = ""

    @property
    def good(self) -> bool:
        """Return True for rules in DO categories."""
        return self.category in GOOD_CATEGORIES


@dataclass(frozen=True)
class Checklist:
    """A set of rules with the concepts they refer to, after user settings were applied."""

    version: str
    rules: tuple[Rule, ...]
    concepts: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    threshold: int = 40
    allow: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Per category, terms the user marked harmless (positive weight): they cancel findings."""

    def rule(self, rule_id: str) -> Rule:
        """Return the rule with id ``rule_id``; raise KeyError if there is none."""
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)


def builtin_rule_files() -> list[tuple[str, str]]:
    """Return (name, TOML text) for every rule file shipped in the package, sorted by name."""
    # A plain path beside this module, like the classifier's weights: importlib.resources
    # would import tempfile (and shutil, random, bz2, lzma) on every `selfwatch lint` start.
    folder = Path(__file__).parent / "rules"
    files = sorted((p for p in folder.iterdir() if p.name.endswith(".toml")), key=lambda p: p.name)
    return [(f"selfwatch/checklist/rules/{p.name}", p.read_text(encoding="utf-8")) for p in files]


def load_builtin() -> Checklist:
    """Parse and validate the checklist shipped with selfwatch."""
    return parse_files(builtin_rule_files())


@lru_cache(maxsize=1)
def builtin_rule_ids() -> frozenset[str]:
    """Return the ids of the built-in rules, read without validating or compiling them.

    For config validation: naming a rule that does not exist must fail, and ``lint`` loads
    the config on every run, so this stays a cheap read of the rule files.
    """
    import tomllib

    ids: set[str] = set()
    for _name, text in builtin_rule_files():
        for spec in tomllib.loads(text).get("rules", []):
            if isinstance(spec, Mapping) and isinstance(spec.get("id"), str):
                ids.add(spec["id"])
    return frozenset(ids)


def load_files(paths: Iterable[Path], base: Checklist | None = None) -> Checklist:
    """Parse rule files from disk, added to (and overriding rules of) ``base``."""
    texts = []
    for path in paths:
        try:
            texts.append((str(path), path.read_text(encoding="utf-8")))
        except OSError as exc:
            raise ChecklistError(f"cannot read rule file: {exc}", str(path)) from None
    return parse_files(texts, base)


def parse_files(files: Iterable[tuple[str, str]], base: Checklist | None = None) -> Checklist:
    """Parse rule files given as (name, text); later rules with the same id replace earlier ones."""
    import tomllib  # here: a cached engine never parses TOML

    rules: dict[str, Rule] = {r.id: r for r in base.rules} if base else {}
    concepts: dict[str, tuple[str, ...]] = dict(base.concepts) if base else {}
    versions = [base.version] if base else []
    problems: list[str] = []
    for name, text in files:
        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ChecklistError(f"not valid TOML: {exc}", name) from None
        versions.append(str(doc.get("version", "")))
        for cname, terms in doc.get("concepts", {}).items():
            if not isinstance(terms, list) or not all(isinstance(t, str) for t in terms):
                problems.append(f"{name}: concepts.{cname}: expected a list of strings")
                continue
            concepts[cname] = tuple(dict.fromkeys((*concepts.get(cname, ()), *terms)))
        for i, spec in enumerate(doc.get("rules", [])):
            rule = _parse_rule(spec, f"{name}: rules[{i}]", problems, name)
            if rule is not None:
                rules[rule.id] = rule
    for rule in rules.values():
        for concept in (
            *rule.requires,
            *rule.requires_any,
            *rule.requires_near,
            *rule.unless,
            *rule.unless_near,
        ):
            if concept not in concepts and concept not in BUILTIN_CONCEPTS:
                problems.append(f"{rule.source}: rule {rule.id}: unknown concept {concept!r}")
    if problems:
        raise ChecklistError(problems)
    version = "+".join(v for v in dict.fromkeys(versions) if v)
    return Checklist(version, tuple(rules.values()), concepts)


def _parse_rule(spec: Any, where: str, problems: list[str], source: str) -> Rule | None:
    if not isinstance(spec, Mapping):
        problems.append(f"{where}: expected a table")
        return None
    before = len(problems)
    for key in spec:
        if key not in RULE_FIELDS:
            problems.append(f"{where}.{key}: unknown key")
    rule_id = spec.get("id", "")
    if not isinstance(rule_id, str) or not _RULE_ID.match(rule_id):
        problems.append(f"{where}.id: must be a dotted id like 'employer.badmouthing'")
    category = spec.get("category", "")
    if category not in CATEGORIES:
        problems.append(f"{where}.category: unknown category {category!r}")
    try:
        level = Level.parse(str(spec.get("level", "warning")))
    except ValueError as exc:
        problems.append(f"{where}.level: {exc}")
        level = Level.WARNING
    negation = spec.get("negation", "lower")
    if negation not in NEGATION_MODES:
        problems.append(f"{where}.negation: must be one of {', '.join(NEGATION_MODES)}")
    lists = {}
    for key in (
        "terms", "patterns", "requires", "requires_any", "requires_near", "unless", "unless_near",
        "target", "authors",
    ):  # fmt: skip
        value = spec.get(key, [])
        if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
            problems.append(f"{where}.{key}: expected a list of strings")
            value = []
        lists[key] = tuple(value)
    for kind in lists["target"]:
        if kind not in TARGET_KINDS:
            problems.append(
                f"{where}.target: unknown kind {kind!r} (use {', '.join(TARGET_KINDS)})"
            )
    for who in lists["authors"]:
        if who not in AUTHORS:
            problems.append(f"{where}.authors: unknown author {who!r} (use self or other)")
    if negation == "require" and not lists["terms"]:
        problems.append(f"{where}.negation: 'require' needs terms (the words that are negated)")
    flags = 0 if spec.get("case_sensitive", False) else re.IGNORECASE
    prefilter = spec.get("prefilter", "")
    try:
        re.compile(str(prefilter))
    except re.error as exc:
        problems.append(f"{where}.prefilter: invalid regular expression: {exc}")
    for i, pattern in enumerate(lists["patterns"]):
        try:
            re.compile(pattern, flags)
        except re.error as exc:
            problems.append(f"{where}.patterns[{i}]: invalid regular expression: {exc}")
    terms_from = spec.get("terms_from", "")
    if terms_from not in ("", *TERM_SOURCES):
        problems.append(f"{where}.terms_from: must be one of {', '.join(TERM_SOURCES)}")
    scope = spec.get("requires_scope", "sentence")
    if scope not in REQUIRES_SCOPES:
        problems.append(f"{where}.requires_scope: must be one of {', '.join(REQUIRES_SCOPES)}")
    derives = spec.get("derives", "")
    if derives not in ("", *CATEGORIES) or derives in (category, *GOOD_CATEGORIES):
        problems.append(f"{where}.derives: must be another risk category")
    if not (lists["terms"] or lists["patterns"] or spec.get("model") or terms_from or derives):
        problems.append(f"{where}: a rule needs terms, patterns, terms_from, a model or derives")
    for key in ("message", "suggestion"):
        if not isinstance(spec.get(key), str) or not spec[key].strip():
            problems.append(
                f"{where}.{key}: required (say why an employer would care / what to do)"
            )
    examples = spec.get("examples", {})
    flag = examples.get("flag", []) if isinstance(examples, Mapping) else []
    passing = examples.get("pass", []) if isinstance(examples, Mapping) else []
    if not flag or not passing:
        problems.append(f"{where}.examples: needs at least one 'flag' and one 'pass' example")
    if len(problems) > before:
        return None
    return Rule(
        id=rule_id,
        category=category,
        level=level,
        message=spec["message"].strip(),
        suggestion=spec["suggestion"].strip(),
        terms=lists["terms"],
        patterns=lists["patterns"],
        requires=lists["requires"],
        requires_any=lists["requires_any"],
        unless=lists["unless"],
        unless_near=lists["unless_near"],
        requires_near=lists["requires_near"],
        requires_scope=str(scope),
        fuzzy=bool(spec.get("fuzzy", False)),
        inflect=bool(spec.get("inflect", True)),
        negation=negation,
        model=str(spec.get("model", "")),
        threshold=float(spec.get("threshold", 0.5)),
        terms_from=terms_from,
        prefilter=str(prefilter),
        case_sensitive=bool(spec.get("case_sensitive", False)),
        target=lists["target"],
        authors=lists["authors"] or default_authors(category),
        derives=str(derives),
        suggestion_other=str(spec.get("suggestion_other", "")).strip()
        or OTHER_SUGGESTION.get(category, spec["suggestion"].strip()),
        examples_flag=tuple(flag),
        examples_pass=tuple(passing),
        source=source,
    )


def apply_settings(checklist: Checklist, *settings: ChecklistSettings) -> Checklist:
    """Return ``checklist`` with user settings applied in order (global first, then profile)."""
    rules = {r.id: r for r in checklist.rules}
    allow: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in checklist.allow.items()}
    threshold = checklist.threshold
    for s in settings:
        threshold = s.threshold
        for custom in s.rules:
            rules[custom.id] = Rule(
                id=custom.id,
                category=custom.category,
                level=custom.level,
                message=custom.message,
                suggestion=custom.suggestion,
                terms=custom.terms,
                patterns=custom.patterns,
                authors=default_authors(custom.category),
                source="config",
            )
        for rule_id in s.disabled_rules:
            rules.pop(rule_id, None)
        for category, override in s.categories:
            if not override.enabled:
                rules = {k: r for k, r in rules.items() if r.category != category}
                continue
            if override.level is not None:
                rules = {
                    k: (replace(r, level=override.level) if _overridable(r, category) else r)
                    for k, r in rules.items()
                }
            rules.update(_term_rules(category, override.terms, allow))
    return replace(checklist, rules=tuple(rules.values()), threshold=threshold, allow=allow)


def _overridable(rule: Rule, category: str) -> bool:
    # A topic-only (info) rule stays info: raising "politics" should raise the extreme-opinion
    # rules, not make every mention of an election an error.
    return rule.category == category and rule.level > Level.INFO


def _term_rules(
    category: str, terms: tuple[tuple[str, float], ...], allow: dict[str, tuple[str, ...]]
) -> dict[str, Rule]:
    """Turn weighted user terms into rules; positive weights in risk categories allow-list."""
    good = category in GOOD_CATEGORIES
    groups: dict[Level, list[str]] = {}
    for term, weight in terms:
        if weight > 0 and not good:
            allow[category] = (*allow.get(category, ()), term)
            continue
        if weight == 0 or good:
            level = Level.INFO
        else:
            level = Level.ERROR if weight <= -2 else Level.WARNING
        groups.setdefault(level, []).append(term)
    out = {}
    for level, words in groups.items():
        rule_id = f"{category}.user_terms_{level.label}"
        out[rule_id] = Rule(
            id=rule_id,
            category=category,
            level=level,
            message=f"Matches a term you listed for '{category}' in your config.",
            suggestion="Rephrase or remove it before posting."
            if not good
            else "Good: keep it visible.",
            terms=tuple(words),
            negation="keep",
            authors=default_authors(category),
            source="config",
        )
    return out


def default_authors(category: str) -> tuple[str, ...]:
    """Return whose texts a rule of ``category`` applies to when its file does not say."""
    return ("self",) if category in SELF_ONLY else AUTHORS


def profile_concepts(profile: Profile | None) -> dict[str, tuple[str, ...]]:
    """Return the profile-derived concepts: employer names, codenames and the person's names."""
    if profile is None:
        return {}
    return {
        "employer": (*profile.employers, *profile.past_employers),
        "codename": profile.confidential_terms,
        "self": profile.all_names,
        "contact": (*profile.emails, *profile.phones),
    }
