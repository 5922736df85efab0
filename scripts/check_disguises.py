"""List the generated forms of checklist terms that are other, ordinary English words.

The lexicon matches each term's inflections ("freak" -> "freaking") and, for ``fuzzy`` rules, its
disguises (a vowel dropped or two letters swapped: "coons" -> "cons"). Some of those forms are
ordinary words, and a post using one would be flagged for a word it never used ("Sorry for the
tardy reply" as a slur). This script prints the risky forms that are not yet in the
``not_disguise`` list, most frequent first, with their Zipf frequency (wordfreq: 3 is about once
per million words; real disguises such as "fck" sit near 2), so a reviewer can add the ordinary
ones to ``rules/profanity.toml``. Risky forms: every disguise, and the inflections that make a
new word rather than a form of the same one (-y, -er, -ers, -in: "tardy", "potter", "coker");
plurals and tenses ("awards", "voted") are left out.

Usage::

    python scripts/check_disguises.py              # forms with Zipf frequency >= 2.5
    python scripts/check_disguises.py --min 2.0

Needs wordfreq (dev only: ``pip install -e '.[train]'``).
"""

from __future__ import annotations

import argparse
import sys

from wordfreq import zipf_frequency  # type: ignore[import-not-found]

from selfwatch.checklist.lexicon import disguises, inflections
from selfwatch.checklist.load import Rule, load_builtin

_NEW_WORD_ENDINGS = ("y", "er", "ers", "in")
"""Inflections that often make another word ("tard" -> "tardy"); plurals and tenses do not."""


def generated_forms(rule: Rule) -> set[tuple[str, str]]:
    """Return (form, term) for the risky forms the lexicon derives from the rule's single words.

    Phrases are left out: a form of their last word only matches after the rest of the phrase.
    """
    forms: set[tuple[str, str]] = set()
    for term in rule.terms:
        word = term.lower()
        if " " in word or word.endswith("*"):
            continue
        derived = {f for f in inflections(word) if _new_word(word, f)} if rule.inflect else set()
        if rule.fuzzy:
            derived |= disguises(word)
        forms.update((form, term) for form in derived - {word})
    return forms


def _new_word(word: str, form: str) -> bool:
    """Return True for an inflection that adds -y, -er, -ers or -in (after a doubled letter)."""
    stem = word[:-1] if word.endswith("e") and not form.startswith(word) else word
    rest = form[len(stem) :] if form.startswith(stem) else ""
    if rest[:1] == stem[-1:] and rest[1:] in _NEW_WORD_ENDINGS:  # doubled: "pot" -> "potty"
        return True
    return rest in _NEW_WORD_ENDINGS


def main(argv: list[str] | None = None) -> int:
    """Print the forms that are common words and not yet excluded."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--min", type=float, default=2.5, help="lowest Zipf frequency to list")
    args = parser.parse_args(argv)
    checklist = load_builtin()
    excluded = set(checklist.concepts.get("not_disguise", ()))
    terms = {t.lower() for r in checklist.rules for t in r.terms}
    found = []
    for rule in checklist.rules:
        for form, term in generated_forms(rule):
            if form in excluded or form in terms:
                continue
            zipf = zipf_frequency(form, "en")
            if zipf >= args.min:
                found.append((zipf, form, term, rule.id))
    for zipf, form, term, rule_id in sorted(found, reverse=True):
        print(f"{zipf:5.2f}  {form:20s} from {term!r} ({rule_id})")
    print(f"{len(found)} form(s) at Zipf >= {args.min} not in not_disguise", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
