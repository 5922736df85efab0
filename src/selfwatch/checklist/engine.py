"""Score a text against a checklist: find terms and patterns, weigh context, explain each finding.

Pure: no I/O except loading the packaged rules and classifier weights once. The steps:

1. tokenize (tokens.py) and look every term and concept up in one lexicon pass (lexicon.py);
2. run regex patterns; run classifier heads for ``model`` rules;
3. for each candidate, check the rule's context in the same sentence (requires, requires_any,
   unless; sentiment through VADER, computed only for sentences that need it);
4. negation ("not", "never"), counter-speech ("calling them X is never ok") and quotation lower or
   drop a finding as the rule says; a term inside a ``homonym`` phrase ("Moby Dick") is no hit,
   nor is a word whose sentence holds a word of its ``sense_<word>`` concept ("puppies");
5. overlapping findings of one category keep the highest level; user allow-terms cancel;
6. score = 100 * (1 - prod(1 - w)) over the risk rules that fired (each once, at its highest
   level), w = 0.05 info, 0.40 warning, 0.70 error.
"""

from __future__ import annotations

import copy
import gc
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import fields
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..model import GOOD_CATEGORIES, Author, ChecklistSettings, Finding, Level, Profile, Verdict
from .compounds import Compounds
from .context import CLAUSE_BREAK, ENGINE_CONCEPTS, GROUP_PARTS, TARGET_CONCEPTS, Candidate, Context
from .lexicon import Hit, Lexicon, english_words, inflections
from .load import Checklist, Rule, apply_settings, load_builtin, load_files, profile_concepts
from .prefilter import (
    Gate,
    GateSet,
    Needle,
    Probe,
    Program,
    Sieve,
    compile_hinted,
    from_program,
    needle,
)
from .tokens import Token, sentence_bounds, tokenize

if TYPE_CHECKING:
    from .pieces import PiecePlan

_QUICK_WORD = re.compile(r"[\w'\-.]+")
_PART = re.compile(r"[^\W\d_]+|\d+")  # runs of letters or digits: what the tokenizer splits to
_CONTRACTION_ENDS = frozenset({"ll", "re", "ve", "d", "m", "s", "t"})
# Anything a disguised spelling needs: leetspeak or masks inside a word, elongation, spaced or
# dotted single letters, camelCase hashtags. Texts without any take the cheap path.
_DISGUISE = re.compile(
    r"[A-Za-z][*%#013457$|@]|[*%013457$!|][A-Za-z]|([A-Za-z])\1\1"
    r"|(?<![\w.])[A-Za-z][ .][A-Za-z][ .][A-Za-z](?![\w])|#\w*[a-z][A-Z]"
)
# Three or more letters spaced out ("k i l l e d", "g.o.n.e"), read whole by the patterns too.
_SPACED = re.compile(r"(?<![\w.])[A-Za-z](?:[ .][A-Za-z]){2,}(?![\w])")
SPACED_LIMIT = 20_000
"""Texts up to this size have their spaced-out words read whole by the patterns (a post, not a
long draft: there the tokens still read them for the word lists), and the support model may
vouch for a rule's term (a long draft is read by the rules alone)."""
LONG_TEXT = 20_000
"""Texts over this size are scored with the cyclic garbage collector paused (see lint)."""
LEVEL_WEIGHT = {Level.INFO: 0.05, Level.WARNING: 0.40, Level.ERROR: 0.70}
MODEL_BACKSTOP = frozenset({"profanity", "hate", "harassment", "violence", "sexual"})


class Engine:
    """A compiled checklist, ready to lint many texts quickly."""

    def __init__(
        self,
        checklist: Checklist,
        profile: Profile | None = None,
        classifier: Any = None,
    ) -> None:
        concepts = {**checklist.concepts, **profile_concepts(profile)}
        if "employer" in concepts or "employer_generic" in concepts:
            concepts["employer"] = (
                *concepts.get("employer", ()),
                *concepts.get("employer_generic", ()),
            )
        lexicon = _rule_lexicon(checklist, concepts)
        # Rule terms and concept words in one index: one pass over the tokens finds both
        scanner = Lexicon.merged(lexicon, _concept_lexicon(checklist, concepts))
        self._setup(checklist, concepts, scanner, lexicon, classifier)

    def _setup(
        self,
        checklist: Checklist,
        concepts: dict[str, tuple[str, ...]],
        scanner: Lexicon,
        lexicon: Lexicon,
        classifier: Any,
        known: tuple[Any, ...] | None = None,
    ) -> None:
        """Set the engine up from its index (``scanner``) and the rule terms alone (``lexicon``).

        Of ``lexicon`` only the keys and ``plain`` are used: the quick check (``may_match``)
        asks whether a word is a rule term; ``scanner`` says what it is. ``known``: the rule
        terms' words and pairs and the pattern gates, read back from :meth:`state` (the keys
        of ``lexicon`` are then not used).
        """
        self.checklist = checklist
        self.rules = {r.id: r for r in checklist.rules}
        self.concepts = concepts
        self.lexicon = lexicon
        self.scanner = scanner
        self.single_words = frozenset(lexicon.single) if known is None else known[0]
        self.pair_words = frozenset(lexicon.pairs) if known is None else known[1]
        stems = sorted(lexicon.prefix, key=len, reverse=True)
        self.prefix_re = (
            re.compile("(?<![a-z])(?:" + "|".join(map(re.escape, stems)) + ")") if stems else None
        )
        # Patterns compile on first use: most texts fail the cheap prefilter (no digit, no @).
        patterns: list[tuple[Rule, _Lazy, str | None]] = [
            (r, _Lazy(p, 0 if r.case_sensitive else re.IGNORECASE), r.prefilter or None)
            for r in checklist.rules
            for p in r.patterns
        ]
        for rule in checklist.rules:
            if rule.terms_from == "contact":
                patterns.extend(
                    (rule, _Lazy.of(_contact_regex(c)), "@" if "@" in c else r"\d{3}")
                    for c in concepts.get("contact", ())
                )
        self.patterns = patterns
        self.pattern_groups = _group_by_prefilter(
            patterns, None if known is None else [g and Gate(*g) for g in known[2]]
        )
        self.gates = GateSet([gate for gate, _ in self.pattern_groups])
        self.model_rules = [r for r in checklist.rules if r.model]
        self.derived = [r for r in checklist.rules if r.derives]
        self.classifier = classifier
        self.support: Any = PACKAGED
        """The learned support model (see :meth:`_learned`): the packaged one, loaded on first
        use, or a :class:`~selfwatch.checklist.classifier.Classifier`, or None for none."""
        self.support_source: Callable[[], Any] = load_support
        """What loads the packaged support model (the disk cache sets its own)."""
        self.semantic: Any = PACKAGED
        """The semantic word table (see :meth:`_learned`): the packaged one, loaded on first
        use, or a :class:`~selfwatch.checklist.semantic.Table`, or None for none."""
        self.deep: Any = None
        """The deep checklist (:class:`~selfwatch.checklist.deep.DeepModel`), when asked for
        (see :meth:`use_deep`)."""
        self.negations = frozenset(concepts.get("negation", ()))
        self.senses = {
            f"concept:{name}": name.removeprefix(SENSE_PREFIX)
            for name in concepts
            if name.startswith(SENSE_PREFIX)
        }
        """The ``sense_<word>`` concepts by hit owner: the word each one gives another sense."""
        self.glued = Compounds.of(checklist, concepts)
        self.allow = {
            cat: [_word_regex(t) for t in terms] for cat, terms in checklist.allow.items()
        }
        self.plan: tuple[PiecePlan, list[tuple[Rule, _Lazy]]] | None = None
        """What each piece of text calls for (see _piece_plan), built on first use."""
        self.pieces_matched = 0
        """Pieces matched so far: the plan is built once they reach ``PLANNED_PIECES``."""

    def __getstate__(self) -> dict[str, Any]:
        # Without the plan: each process builds its own when its texts call for one
        state = dict(self.__dict__)
        state["plan"] = None
        return state

    def use_deep(self, model: Any) -> Engine:
        """Return a copy of this engine that also asks ``model``, the deep checklist: its
        ``<category>.deep`` rules speak where no rule found anything of their category."""
        engine = copy.copy(self)
        engine.deep = model
        rules = model.rules()
        engine.model_rules = [*self.model_rules, *rules]
        engine.rules = {**self.rules, **{r.id: r for r in rules}}
        return engine

    def state(self) -> tuple[Any, ...]:
        """Return the compiled engine (without the classifier) as data ``marshal`` can store."""
        c = self.checklist
        rules = [
            tuple(int(v) if isinstance(v, Level) else v for v in _rule_values(r)) for r in c.rules
        ]
        return (
            c.version,
            rules,
            dict(c.concepts),
            c.threshold,
            dict(c.allow),
            self.concepts,
            self.scanner.state(),
            # The rule terms' keys only: their entries are in the scanner. As sets, ready for
            # may_match (read back as dicts, then made into sets, they took ~5 ms of a cold lint)
            (
                self.single_words,
                self.pair_words,
                self.lexicon.prefix,
                self.lexicon.prefix_lengths,
                self.lexicon.plain,
            ),
            [tuple(gate) if gate is not None else None for gate, _ in self.pattern_groups],
        )

    @classmethod
    def from_state(cls, state: tuple[Any, ...], classifier: Any = None) -> Engine:
        """Rebuild an engine from :meth:`state` without parsing rules or expanding terms."""
        version, rules, concepts, threshold, allow, all_concepts, scanner, lex, gates = state
        single_words, pair_words, prefix, prefix_lengths, plain = lex
        names = [f.name for f in fields(Rule)]
        built = []
        for values in rules:
            spec = dict(zip(names, values, strict=True))
            spec["level"] = Level(spec["level"])
            built.append(Rule(**spec))
        checklist = Checklist(version, tuple(built), concepts, threshold, allow)
        engine = cls.__new__(cls)
        engine._setup(
            checklist,
            all_concepts,
            Lexicon.from_state(scanner),
            Lexicon.from_state(({}, {}, prefix, prefix_lengths, plain)),
            classifier,
            (single_words, pair_words, gates),
        )
        return engine

    def lint(self, text: str, author: Author = "self") -> Verdict:
        """Return the Verdict for ``text``: findings in text order, score and flagged.

        ``author``: "self" when the person wrote the text (a draft, their archive, their own
        feed), "other" when someone else wrote about them. A leak, a rant or a drug post is the
        person's risk only when they wrote it; in others' posts the checklist looks for what is
        done to the person (insults, threats, their data made public) and says how to respond.
        """
        if len(text) <= LONG_TEXT or not gc.isenabled():
            return self._lint(text, author)
        # A long text keeps hundreds of thousands of tokens, hits and findings alive until it
        # is scored: each allocation burst set off a collection that scanned them (and the
        # engine's index) and found nothing to free, a fifth of the time of a 1 MB draft. The
        # engine makes no reference cycles, so pausing the collector frees nothing later.
        gc.disable()
        try:
            return self._lint(text, author)
        finally:
            gc.enable()

    def _lint(self, text: str, author: Author) -> Verdict:
        ctx: Context | None = None
        candidates: list[Candidate] = []
        glued: list[tuple[Token, list[str]]] = []
        # For the pieces, the tokens and the context alike (a short text is one piece)
        bounds = sentence_bounds(text) if len(text) > PIECE else None
        # The pattern stage needs only the text: over a long draft a child process takes most
        # of it while this one reads the words
        patterns = self._pattern_stage(text, _pieces(text, bounds))
        if self.may_match(text):
            bounds = bounds or sentence_bounds(text)
            tokens, glued = self.glued.split_parts(tokenize(text, bounds))
            hits = _within_clauses(text, tokens, self.scan(tokens))
            ctx = Context(text, tokens, self.scan, hits, bounds)
            rules = self.rules
            # Concept words come back too: only hits owned by a rule are candidates
            candidates = [
                self._from_hit(rule, h)
                for h in hits
                if (rule := rules.get(h.owner)) and not (h.disguised and _acronym(text, h))
            ]
        # Judged while the child (if any) is still matching patterns: each candidate is judged
        # on its own, and the findings keep the candidates' order (words, patterns, spaced)
        findings = self._judged(candidates, ctx, text, author)
        # A long text is gated a few sentences at a time: each piece opens only the patterns
        # its own words call for, so no pattern scans the whole of a long draft
        candidates = []
        if ctx is not None and len(text) >= PARALLEL_TEXT:
            # Built while the child still matches: the index that places its matches' tokens
            ctx.token_range(0, 0)
        for rule, start, end in patterns():
            ctx = ctx or Context(text, tokenize(text), self.scan)
            candidates.append(self._from_span(rule, start, end, ctx))
        if len(text) <= SPACED_LIMIT and _SPACED.search(text):
            ctx = ctx or Context(text, tokenize(text), self.scan)
            candidates += self._spaced_out(text, ctx)
        findings += self._judged(candidates, ctx, text, author)
        if glued:
            assert ctx is not None
            findings += self._judged(self._compound_patterns(glued, ctx), ctx, text, author)
        if ctx is not None:
            decoded = self._decoded_patterns(ctx)
            if decoded:
                findings += self._judged(decoded, ctx, text, author)
        if self.derived and findings:
            # A finding of one reason may be another's too, by that one's own context and
            # target: a threat (violence) aimed at a protected group is hate
            assert ctx is not None
            findings += self._judged(self._derived(findings, ctx), ctx, text, author)
        # The model is asked only when a model rule could still add something: on texts where
        # the word lists already found every category it backs up, its scores are not used;
        # nor on a text without the words a rule needs (its requires, a group to aim at).
        live = [
            r
            for r in self.model_rules
            if not _covered(r, findings) and author in r.authors and _may_hold(r, ctx)
        ]
        if live:
            scores = self._model_scores(text, live)
            if any(scores.get(r.model, 0.0) >= r.threshold for r in live):
                if ctx is None:
                    ctx = Context(text, tokenize(text), self.scan)
                for cand in self._from_models(text, ctx, findings, scores, live):
                    finding = self._judge(cand, ctx, text, author)
                    if finding is not None:
                        findings.append(finding)
        if not findings:
            return Verdict(0, self.checklist.threshold <= 0, (), self.checklist.version)
        findings = _one_per_sentence(self._allowed(text, _strongest(findings)), ctx)
        findings = _one_learned(findings, ctx)
        findings.sort(key=lambda f: (f.start, -f.level, f.rule))
        score = risk_score(findings)
        return Verdict(
            score=score,
            flagged=score >= self.checklist.threshold,
            findings=tuple(findings),
            checklist_version=self.checklist.version,
        )

    def _judged(
        self, candidates: list[Candidate], ctx: Context | None, text: str, author: Author
    ) -> list[Finding]:
        """Return the findings the candidates make, in their order."""
        if not candidates:
            return []
        assert ctx is not None
        judge = self._judge
        return [f for c in candidates if (f := judge(c, ctx, text, author)) is not None]

    def scan(self, tokens: list[Token]) -> list[Hit]:
        """Return the rule terms and concept words in ``tokens``, minus those inside homonyms
        and those a sentence gives their other sense."""
        hits = self.scanner.scan(tokens)
        for h in hits:
            if h.owner == _HOMONYM:
                hits = _outside_homonyms(hits)
                break
        senses = self.senses
        if senses:
            marked = {(senses[h.owner], h.sentence) for h in hits if h.owner in senses}
            if marked:
                return _other_senses(hits, tokens, marked)
        return hits

    def may_match(self, text: str) -> bool:
        """Return False only when no term of any rule can occur in ``text`` (a cheap pre-check)."""
        lower = text.lower().replace("’", "'")
        if len(text) > LONG_TEXT and any(
            m.group() in self.single_words for m in _PART.finditer(lower)
        ):
            # A long draft nearly always has a term early on: stop there, not after listing
            # its every word (~50 ms of a 1 MB draft). The look-up below, otherwise the same
            return True
        # The tokenizer splits "control...practice", "#freedom_justice" and "#maga2018"
        parts = _PART.findall(lower)
        if not self.single_words.isdisjoint(parts):
            return True  # most texts with a term have it as a run of letters: asked first
        found = [w.strip("'-.") for w in _QUICK_WORD.findall(lower)]
        words = {*found, *parts}
        if not self.single_words.isdisjoint(words):
            return True
        pairs = self.pair_words
        if not pairs.isdisjoint(pairwise(found)) or not pairs.isdisjoint(pairwise(parts)):
            return True
        # After the word look-ups, which settle most texts: this regex costs more than they do
        if _DISGUISE.search(text):
            return True
        # A hyphen or underscore can mask a letter ("G-d", "sh_t") or spell a word out
        # ("f-u-c-k"); most hyphenated words ("well-known") do neither, so look, don't assume.
        for word in words:
            if ("-" in word or "_" in word) and (
                self.lexicon.unmasks(word) or word.replace("-", "") in self.single_words
            ):
                return True
        for word in words:
            if "'" in word or "-" in word or "." in word:
                forms = set(re.split(r"[.]", word)) | {word[:-2] if word.endswith("'s") else word}
                if word.rpartition("'")[2] not in _CONTRACTION_ENDS:
                    forms.add(word.replace("'", ""))
                if not self.single_words.isdisjoint(forms):
                    return True
        if self.prefix_re is not None and self.prefix_re.search(lower) is not None:
            return True
        return any(self.glued.splits(word) for word in words if len(word) >= Compounds.MIN)

    def _from_hit(self, rule: Rule, hit: Hit) -> Candidate:
        how = "disguised spelling of" if hit.disguised else "term"
        # tuple.__new__ builds the same Candidate as Candidate(...) without a call (see tokenize)
        return _new_tuple(
            Candidate,
            (rule, hit.start, hit.end, hit.sentence, hit.first, hit.last, f"{how} '{hit.term}'"),
        )

    def _pattern_stage(
        self, text: str, pieces: list[tuple[int, int]]
    ) -> Callable[[], Iterable[tuple[Rule, int, int]]]:
        """Return what gives the pattern matches of ``pieces`` of ``text`` in order, as (rule,
        start, end): worked out when called, or for a draft over ``PARALLEL_TEXT`` in a child
        process started now."""

        def spans(some: list[tuple[int, int]]) -> Iterator[tuple[Rule, int, int]]:
            return ((r, m.start(), m.end()) for r, m in self._piece_matches(text, some))

        if len(text) < PARALLEL_TEXT:
            return lambda: spans(pieces)
        from .pieces import shared

        self._piece_plan()  # built here, once: the child inherits it
        number = {id(rule): n for n, rule in enumerate(self.checklist.rules)}
        chunks = [pieces[i : i + SHARED_PIECES] for i in range(0, len(pieces), SHARED_PIECES)]
        # The child matches chunks of pieces from the start while this process reads the
        # words; then this one takes the chunks still left: the pattern stage, the longer of
        # the two, no longer ends after the words by the whole of its excess
        finish = shared(
            len(chunks), lambda k: [(number[id(r)], a, b) for r, a, b in spans(chunks[k])]
        )

        def gather() -> Iterable[tuple[Rule, int, int]]:
            rules = self.checklist.rules
            return [(rules[n], a, b) for found in finish() for n, a, b in found]

        return gather

    def _piece_matches(
        self, text: str, pieces: list[tuple[int, int]]
    ) -> Iterator[tuple[Rule, re.Match[str]]]:
        """Yield the non-empty pattern matches in each of ``pieces`` of ``text`` in turn.

        Once the engine has matched ``PLANNED_PIECES`` pieces (a long text, or the posts of a
        feed or an archive), what each piece calls for is listed by one scan for the gates' and
        needles' literals (see pieces.py): the answers, and so the matches, are the same, at
        about four fifths of the cost a post. A one-off lint of a short draft never builds it.
        """
        self.pieces_matched += len(pieces)
        if self.plan is None and self.pieces_matched < PLANNED_PIECES:
            for a, b in pieces:
                yield from self._matches(text, a, b)
            return
        plan, flat = self._piece_plan()
        for a, b in pieces:
            probe = Probe(text[a:b])
            todo = plan.runs(probe.text, probe)
            if todo is None:
                yield from self._matches(text, a, b, probe)
                continue
            for j in todo:
                rule, regex = flat[j]
                for m in regex.get().finditer(text, a, b):
                    if m.end() > m.start():
                        yield rule, m

    def _piece_plan(self) -> tuple[PiecePlan, list[tuple[Rule, _Lazy]]]:
        """Return the plan of the pattern gates and needles (built on first use) and the
        patterns in its order."""
        if self.plan is None:
            from .pieces import PiecePlan

            flat = [
                (i, rule, regex)
                for i, (_g, group) in enumerate(self.pattern_groups)
                for rule, regex in group
            ]
            self.plan = (
                PiecePlan(
                    self.gates,
                    [regex.settled_sieve() for _i, _rule, regex in flat],
                    [i for i, _rule, _regex in flat],
                ),
                [(rule, regex) for _i, rule, regex in flat],
            )
        return self.plan

    def _matches(
        self, haystack: str, a: int, b: int, probe: Probe | None = None
    ) -> Iterator[tuple[Rule, re.Match[str]]]:
        """Yield the non-empty pattern matches in ``haystack[a:b]``, running only the patterns
        the piece's words call for (its gates, then each pattern's needles)."""
        probe = probe or Probe(haystack[a:b])
        groups = self.pattern_groups
        for i in self.gates.opened(probe):
            for rule, regex in groups[i][1]:
                if regex.may_match(probe):
                    for m in regex.get().finditer(haystack, a, b):
                        if m.end() > m.start():
                            yield rule, m

    def _spaced_out(self, text: str, ctx: Context) -> list[Candidate]:
        """Return the pattern matches that need a spaced-out word read whole ("should be
        k i l l e d"): the tokens join such letters for the word lists, the patterns read the
        text with them joined, and each match is mapped back to where it stands."""
        joined, where = _join_spaced(text)
        found = []
        for rule, m in self._matches(joined, 0, len(joined)):
            start, end = where[m.start()], where[m.end() - 1] + 1
            # Only what the join made: matches of the text as written are found in ``lint``
            if joined[m.start() : m.end()] != text[start:end]:
                found.append(self._from_span(rule, start, end, ctx))
        return found

    def _from_span(self, rule: Rule, start: int, end: int, ctx: Context) -> Candidate:
        first, last = ctx.token_range(start, end)
        return Candidate(rule, start, end, ctx.sentence_of(start), first, last, "pattern")

    def _decoded_patterns(self, ctx: Context) -> list[Candidate]:
        """Return the pattern candidates that a disguised spelling hides ("should be dr0wned").

        The word rules read a disguised word by its decoded form; the patterns read text, so
        each sentence with such a word is read again with the word decoded in place. Only a
        word of letters with a digit or symbol among them whose decoded form is as long as it
        is, so every offset stays where it was; only matches that take in such a word are new.
        """
        swaps = [
            t
            for t in ctx.tokens
            if t.alt != t.norm
            and not t.masked
            and t.alt.isalpha()
            and len(t.alt) == t.end - t.start
            and not t.norm.isalpha()
            and sum(ch.isalpha() for ch in t.norm) >= 2
        ]
        if not swaps:
            return []
        text = ctx.text
        chars = list(text)
        for t in swaps:
            chars[t.start : t.end] = t.alt
        variant = "".join(chars)
        pieces = sorted({ctx.sentence_chars(t.sentence) for t in swaps})
        found: list[Candidate] = []
        for rule, m in self._piece_matches(variant, pieces):
            a, b = m.span()
            if any(a < t.end and t.start < b for t in swaps):
                found.append(self._from_span(rule, a, b, ctx))
        return found

    def _compound_patterns(
        self, glued: list[tuple[Token, list[str]]], ctx: Context
    ) -> list[Candidate]:
        """Return the pattern candidates that words run together hide ("#gaysshouldburn").

        The word rules read a glued word's parts as tokens; the patterns read text, so each
        glued word's sentence is read again with the word spaced out into its parts, and a
        match that takes in any of the parts becomes a candidate over the glued word itself.
        """
        found: list[Candidate] = []
        starts = [t.start for t in ctx.tokens]
        for token, parts in glued:
            sentence = ctx.sentence_of(token.start)
            start, end = ctx.sentence_chars(sentence)
            at = token.start + (1 if token.hashtag else 0) - start
            spaced = " ".join(parts)
            sentence_text = ctx.text[start:end]
            variant = sentence_text[:at] + spaced + sentence_text[token.end - start :]
            # Where each part begins in the spaced words, and its token (added after the word)
            begins = [at]
            for part in parts[:-1]:
                begins.append(begins[-1] + len(part) + 1)
            first = bisect_left(starts, token.start)
            while first < len(starts) and ctx.tokens[first] != token:
                first += 1
            if first == len(starts):
                continue
            for rule, a, b in self._pattern_stage(variant, [(0, len(variant))])():
                if a >= at + len(spaced) or b <= at:
                    continue  # outside the glued word: read in the text as it is
                k0 = max(0, bisect_right(begins, a) - 1)
                k1 = max(k0, bisect_left(begins, b) - 1)
                lo, hi = ctx.tokens[first + 1 + k0], ctx.tokens[first + 1 + k1]
                found.append(
                    Candidate(
                        rule, lo.start, hi.end, sentence, first + 1 + k0, first + 2 + k1, "pattern"
                    )
                )
        return found

    def _derived(self, found: list[Finding], ctx: Context) -> list[Candidate]:
        """Return a candidate of each ``derives`` rule for each finding of its category."""
        return [
            Candidate(rule, f.start, f.end, ctx.sentence_of(f.start), first, last, f"{f.rule}")
            for rule in self.derived
            for f in found
            if f.category == rule.derives and f.level >= Level.WARNING
            for first, last in (ctx.token_range(f.start, f.end),)
        ]

    def _judge(self, c: Candidate, ctx: Context, text: str, author: Author) -> Finding | None:
        rule = c.rule
        if author not in rule.authors:
            return None
        why = [c.evidence]
        missing = _missing(rule, c, ctx, why)
        if missing:
            # The rule's term is here but its own co-evidence is not: the learned support
            # model, trained on labelled posts, may stand in for it (never for an exception,
            # a quotation or counter-speech, which are still checked below)
            learned = self._learned(rule, c, ctx, missing)
            if not learned:
                return None
            why.append(learned)
        # Checked after the requirements, not before: an exception is often sentiment, the
        # slowest check (VADER), and most candidates already miss a requirement.
        for concept in rule.unless:
            if ctx.has(concept, c, apart=False):
                return None
        for concept in rule.unless_near:
            if ctx.near(concept, c):
                return None
        target = ""
        if rule.target:
            # A target is never vouched for: who the words are aimed at is the reason itself
            # ("kill the project" is no threat, whatever the words around it)
            bound = ctx.target(rule.target, c)
            if bound is None:
                return None
            target = bound.words
            why.append(bound.describe())
        # A slur is a slur after "not" too ("I'm not a ..."); only quotes and counter-speech
        # make it someone else's word
        stance, softened = self._stance(
            c, ctx, clause=bool(rule.target), negatable=rule.negation not in ("info", "keep")
        )
        level = rule.level
        if missing:
            # Learned support stands in for evidence, not for the writer's own words: what is
            # quoted, negated or answered stays theirs; and it never raises a post to error
            if softened or stance == "quoted":
                return None
            level = min(level, Level.WARNING)
        if rule.negation == "require":
            # A negated good word is the claim itself: "they are not human", "never equal"
            if stance != "negated":
                return None
            why.append(softened)
            stance = "asserted"
        elif rule.negation == "keep":
            # "not fucking around" is still swearing; a swear word someone else said, quoted,
            # is only worth knowing about
            if stance == "quoted" and level > Level.INFO:
                level = Level.INFO
                why.append(softened)
        elif softened:
            if rule.negation == "drop" or (level == Level.INFO and rule.negation == "lower"):
                return None
            # "info": a slur inside quotes or counter-speech is still worth knowing about
            level = Level.INFO if rule.negation == "info" else Level(level - 1)
            why.append(softened)
        line, col = ctx.lines(c.start)
        matched = text[c.start : c.end]
        return Finding(
            rule=rule.id,
            category=rule.category,
            level=level,
            start=c.start,
            end=c.end,
            line=line,
            col=col,
            matched=matched,
            message=rule.message,
            suggestion=(rule.suggestion_other or rule.suggestion)
            if author == "other"
            else rule.suggestion,
            why="; ".join(why),
            target=target,
            stance=stance,
            spans=((c.start, c.end),),
            words=(matched,),
        )

    def _learned(self, rule: Rule, c: Candidate, ctx: Context, missing: str) -> str:
        """Return why the support model vouches for ``c`` in place of ``missing``, or "".

        Only a warning rule of its own (not a model rule, not a rule that needs a negation)
        can be supported, and only where its category's head is sure enough: the words
        around the term read like the labelled posts of that category.
        """
        if rule.model or rule.level < Level.WARNING or rule.negation == "require":
            return ""
        if _NEVER_VOUCHED.issuperset((*rule.requires, *rule.requires_any, *rule.requires_near)):
            # A topic word ("government", "church") is made extreme by hostile words, and an
            # insult is badmouthing when it is said of the employer: a head that reads the post
            # as political or about work knows the topic, not the hostility or whom it is aimed at
            return ""
        if len(ctx.text) > SPACED_LIMIT:
            return ""  # a long draft is read by the rules alone (and in linear time)
        support = self._support_model()
        if support is None or rule.category not in support.thresholds:
            return ""
        # A post is read whole, as the model was trained; a long text only around the term.
        # The term itself is left out: it is there already, the model must vouch for the rest
        text, start = ctx.text, 0
        if len(text) > SUPPORT_WINDOW:
            bounds = ctx.bounds()
            start = bounds[c.sentence - 2] if c.sentence > 1 else 0
            text = text[start : bounds[min(c.sentence + 1, len(bounds) - 1)]]
        text = text[: c.start - start] + " " + text[c.end - start :]
        head, threshold = rule.category, support.thresholds[rule.category]
        p = support.scores(text, (head,))[head]
        if p < threshold:
            # Not sure enough alone: the word table, which reads words by their meaning (so
            # words rare in the labelled posts count too), may vouch instead, if this head
            # leans the same way at least a little
            return self._semantic_vouch(rule, text, missing) if p >= SEMANTIC_FLOOR else ""
        top = [n.split(":", 1)[-1] for n, _ in support.predict(text)[head].features]
        words = ", ".join(f"'{w}'" for w in top[:3])
        return f"no {missing}, but {LEARNED} {rule.category} (p={p:.2f}; {words})"

    def _semantic_vouch(self, rule: Rule, text: str, missing: str) -> str:
        """Return why the semantic word table vouches for ``rule`` in ``text``, or "".

        ``text`` is what the support model read (the term blanked out). The table scores it
        against the category's ``supported_thresholds``: set above every ordinary post of the
        held-out sets that had some rule evidence of the category.
        """
        table = self._semantic_table()
        if table is None or rule.category not in table.categories:
            return ""
        from .semantic import evidence
        from .semantic import words as semantic_words

        k = table.categories.index(rule.category)
        said = semantic_words(text)
        score = table.score(said)[rule.category]
        if score < table.supported_thresholds[k]:
            return ""
        found = evidence(said, rule.category, table=table)
        # As for the support model: no single word ("manager", "church") vouches alone
        rest = [w for w in said if w != found[0]] if found else said
        if table.score(rest)[rule.category] < table.supported_thresholds[k]:
            return ""
        top = ", ".join(f"'{w}'" for w in found)
        return f"no {missing}, but {LEARNED} {rule.category} (word vectors; {top})"

    def _stance(
        self, c: Candidate, ctx: Context, *, clause: bool = False, negatable: bool = True
    ) -> tuple[str, str]:
        """Return how the words are used (asserted, negated, ...) and why, for softening."""
        negator = ctx.negation(c, self.negations, clause=clause) if negatable else ""
        if negator:
            return "negated", f"negated by '{negator}'"
        if ctx.has("counter_speech", c, apart=False):
            return "counter", f"counter-speech ({ctx.describe('counter_speech', c, apart=False)})"
        if ctx.has("reporting_verbs", c) and (judged := ctx.condemned(c)):
            said = ctx.describe("reporting_verbs", c)
            return "counter", f"counter-speech ({said}, then {judged})"
        if ctx.quoted(c.start, c.sentence):
            return "quoted", "inside quotation marks"
        if ctx.asked(c.sentence):
            return "asked", ""
        if ctx.has("reporting_verbs", c):
            return "reported", ""
        return "asserted", ""

    def _model_scores(self, text: str, live: list[Rule]) -> dict[str, float]:
        """Return the heads' scores the ``live`` model rules read: the classifier's by head
        name, the support model's as ``support.<category>`` (only for a text that speaks of
        its writer: those rules are about the writer's own conduct)."""
        scores: dict[str, float] = {}
        if self.classifier is not None and any(
            not r.model.startswith((SUPPORT_PREFIX, DEEP_PREFIX)) for r in live
        ):
            scores = self.classifier.scores(text)
        wanted = [r.model.partition(".")[2] for r in live if r.model.startswith(SUPPORT_PREFIX)]
        if wanted and len(text) <= LEARNED_LIMIT and _FIRST_PERSON.search(text):
            support = self._support_model()
            if support is not None:
                heads = support.scores(text, wanted)
                scores.update((SUPPORT_PREFIX + h, p) for h, p in heads.items())
        if self.deep is not None and any(r.model.startswith(DEEP_PREFIX) for r in live):
            scores.update(self.deep.scores(text))
        return scores

    def _semantic_table(self) -> Any:
        """Return the semantic word table, loading the packaged one on first use (or None)."""
        if self.semantic is PACKAGED:
            from . import semantic

            self.semantic = semantic.load()
        return self.semantic

    def _support_model(self) -> Any:
        """Return the support model, loading the packaged one on first use (or None)."""
        if self.support is PACKAGED:
            self.support = self.support_source()
        return self.support

    def _from_models(
        self,
        text: str,
        ctx: Context,
        found: list[Finding],
        scores: Mapping[str, float],
        live: list[Rule],
    ) -> Iterable[Candidate]:
        predictions: dict[str, Any] = {}  # the slow, explained scores: once a text
        # (``found`` grows as the caller judges each candidate: a later rule may be covered)
        for rule in live:
            p = scores.get(rule.model, 0.0)
            if p < rule.threshold:
                continue
            if _covered(rule, found):
                continue
            support = rule.model.startswith(SUPPORT_PREFIX)
            deep = rule.model.startswith(DEEP_PREFIX)
            # Each model explains itself only when one of its rules fires
            if rule.model not in predictions:
                if deep:
                    predictions.update(self.deep.predict(text))
                elif support:
                    predictions.update(
                        (SUPPORT_PREFIX + head, pred)
                        for head, pred in self.support.predict(text).items()
                    )
                else:
                    predictions.update(self.classifier.predict(text))
            pred = predictions[rule.model]
            top = [name for name, weight in pred.features if weight > 0][:3]
            if support and not self._beyond_one_word(text, rule, top):
                continue
            first = _locate(ctx.tokens, top)
            tokens = ctx.tokens
            if first is None:
                start, end, sentence = 0, len(text.split("\n", 1)[0]), 0
                first = 0
            else:
                start, end, sentence = (
                    tokens[first].start,
                    tokens[first].end,
                    tokens[first].sentence,
                )
            words = ", ".join(f"'{t.split(':', 1)[-1]}'" for t in top) or "overall wording"
            if deep:
                why = (
                    f"{LEARNED} {rule.category} (deep checklist, MiniLM: p={p:.2f}, flags from "
                    f"{rule.threshold:.2f}; the words that weigh most: {words})"
                )
            elif support:
                why = f"{LEARNED} {rule.category} (p={p:.2f}; {words})"
            else:
                why = f"classifier '{rule.model}' p={p:.2f}; top features {words}"
            # The model read the whole text: the located word is where to point, not a term
            # of its own, so it owns no words and every context word counts (first == last).
            yield Candidate(rule, start, end, sentence, first, first, why)

    def _beyond_one_word(self, text: str, rule: Rule, top: list[str]) -> bool:
        """Return True when the head stays sure of ``text`` without its strongest word: no
        single word ("skipped", "church", "pints") decides a learned finding alone."""
        word = next((f.split(":", 1)[1] for f in top if f.startswith("word:")), "")
        if not word:
            return True
        blanked = re.sub(
            r"(?<![\w'])" + re.escape(word) + r"(?![\w'])", " ", text, flags=re.IGNORECASE
        )
        head = rule.model.partition(".")[2]
        p: float = self.support.scores(blanked, (head,))[head]
        return p >= rule.threshold

    def _allowed(self, text: str, findings: list[Finding]) -> list[Finding]:
        if not self.allow:
            return findings
        spans = {
            cat: [m.span() for r in regexes for m in r.finditer(text)]
            for cat, regexes in self.allow.items()
        }
        return [
            f
            for f in findings
            if not any(s < f.end and f.start < e for s, e in spans.get(f.category, ()))
        ]


class _Lazy:
    """A regular expression compiled the first time it is needed."""

    __slots__ = ("compiled", "flags", "needle", "program", "sieve", "source", "uses")

    def __init__(self, source: str, flags: int = 0) -> None:
        self.source, self.flags = source, flags
        self.compiled: re.Pattern[str] | None = None
        self.program: Program | None = None
        """The compiled pattern as stored data (the engine cache keeps it): see ``get``."""
        self.needle: Needle | None = None
        self.sieve: Sieve | None = None
        self.uses = 0

    @classmethod
    def of(cls, pattern: re.Pattern[str]) -> _Lazy:
        lazy = cls(pattern.pattern, pattern.flags)
        lazy.compiled = pattern
        return lazy

    def get(self) -> re.Pattern[str]:
        if self.compiled is None:
            if self.program is not None:
                self.compiled = from_program(self.program)
                self.program = None
            else:
                self.compiled = compile_hinted(self.source, self.flags)
        return self.compiled

    def __getstate__(self) -> tuple[str, int, Needle | None, int]:
        # Without the compiled pattern: a hinted one is compiled from its parsed form and has
        # no source text, which pickle needs (an engine goes to lint_posts' workers this way)
        return self.source, self.flags, self.needle, self.uses

    def __setstate__(self, state: tuple[str, int, Needle | None, int]) -> None:
        self.source, self.flags, self.needle, self.uses = state
        self.compiled, self.sieve, self.program = None, None, None

    def know(self, found: Needle | None) -> None:
        """Take ``found`` as the pattern's needle, read earlier (the engine cache keeps them)."""
        self.needle, self.uses, self.sieve = found, 2, None

    def settled_sieve(self) -> Sieve | None:
        """Return the pattern's sieve (None: no needle), reading the pattern now if it has not
        been read: a long text asks every pattern many times."""
        if self.uses < 2:
            self.know(needle(self.source, self.flags))
        if self.sieve is None and self.needle is not None:
            self.sieve = Sieve.of(self.needle)
        return self.sieve

    def may_match(self, probe: Probe) -> bool:
        """Return False when the probed text lacks every literal a match needs (see needle).

        The pattern is read for its literals the second time it is asked, not the first:
        reading costs about half a compile, so a one-off ``selfwatch lint`` skips it.
        """
        if self.uses < 2:
            self.uses += 1
            if self.uses < 2:
                return True
            self.know(needle(self.source, self.flags))
        if self.sieve is None:
            if self.needle is None:
                return True
            # Split on first use, not when the cache is read: a cold lint asks a few patterns
            self.sieve = Sieve.of(self.needle)
        return probe.sifts(self.sieve)


_HOMONYM = "concept:homonym"
SENSE_PREFIX = "sense_"
"""A concept named ``sense_<word>`` lists what gives ``<word>`` its harmless sense."""
_SENSE_OWNER = "concept:" + SENSE_PREFIX
_new_tuple = tuple.__new__


PARALLEL_TEXT = 256_000
"""Texts of this many characters or more have their patterns matched in a child process,
while this one reads and judges the words."""
SHARED_PIECES = 64
"""Pieces of a long draft matched at a time by whichever process is free (see pieces.shared)."""
PLANNED_PIECES = 32
"""Pieces matched (by one text or many) after which each piece's needs come from one scan."""
PIECE = 600
"""Characters of text (whole sentences) the pattern gates are asked about at a time."""


def _join_spaced(text: str) -> tuple[str, list[int]]:
    """Return ``text`` with spaced-out words joined ("k i l l e d" -> "killed") and, for each
    character of the result, its offset in ``text``."""
    parts: list[str] = []
    where: list[int] = []
    done = 0
    for m in _SPACED.finditer(text):
        parts.append(text[done : m.start()])
        where.extend(range(done, m.start()))
        for i in range(m.start(), m.end()):
            if text[i].isalpha():
                parts.append(text[i])
                where.append(i)
        done = m.end()
    parts.append(text[done:])
    where.extend(range(done, len(text)))
    return "".join(parts), where


def _pieces(text: str, bounds: list[int] | None) -> list[tuple[int, int]]:
    """Return spans of whole sentences of about ``PIECE`` characters covering ``text``, whose
    sentences end at ``bounds`` (None for a text of one piece)."""
    if len(text) <= PIECE or bounds is None:
        return [(0, len(text))]
    pieces, start = [], 0
    for end in bounds:
        if end - start >= PIECE:
            pieces.append((start, end))
            start = end
    if start < len(text):
        pieces.append((start, len(text)))
    return pieces


def _within_clauses(text: str, tokens: list[Token], hits: list[Hit]) -> list[Hit]:
    """Return ``hits`` without the phrases whose words a comma, colon, bracket or dash parts:
    a phrase never runs across a clause's end ("the bomb, the sound" is no "bomb the")."""
    search = CLAUSE_BREAK.search
    return [
        h
        for h in hits
        if h.last - h.first < 2
        or not any(
            search(text, tokens[k].end, tokens[k + 1].start) for k in range(h.first, h.last - 1)
        )
    ]


def _outside_homonyms(hits: list[Hit]) -> list[Hit]:
    """Drop the hits that lie inside a known harmless phrase ("Moby Dick", "from the left").

    Unlike ``unless``, which silences a rule for the whole sentence, a homonym only covers its
    own words: "Moby Dick is a fucking long book" still has its swear word.
    """
    shields = sorted((h.first, h.last) for h in hits if h.owner == _HOMONYM)
    starts = [a for a, _ in shields]
    reach: list[int] = []  # the furthest end of any shield starting at or before each one
    for _, b in shields:
        reach.append(max(b, reach[-1]) if reach else b)

    def shielded(h: Hit) -> bool:
        i = bisect_right(starts, h.first)
        return i > 0 and reach[i - 1] >= h.last

    # A shielded hit's first word lies inside its shield: the hits of a long draft whose first
    # word lies inside none (nearly all) are kept without the search
    inside = {t for a, b in shields for t in range(a, b)}
    return [h for h in hits if h[2] not in inside or h[0] == _HOMONYM or not shielded(h)]


def _other_senses(hits: list[Hit], tokens: list[Token], marked: set[tuple[str, int]]) -> list[Hit]:
    """Drop the hits on a word that its sentence uses in its other sense: "our bitch had a
    litter of puppies", "blue tits on the feeder", "time to hoe the beds before the weeds".

    ``marked`` holds (word, sentence) for each sentence with a word of a ``sense_<word>``
    concept. Only a plainly written word is read in its other sense: "b1tch" is hidden on
    purpose, and nobody disguises a dog.
    """
    words = {w for w, _ in marked}

    def other(h: Hit) -> bool:
        if h.disguised or h.last - h.first != 1 or h.owner.startswith(_SENSE_OWNER):
            return False
        word = tokens[h.first].norm
        if word not in words:
            word = word[:-2] if word.endswith("es") and word[:-2] in words else word[:-1]
        return (word, h.sentence) in marked

    # Only a sentence with such a word can drop a hit: the hits of the others (nearly all of
    # a long draft's) are kept without a look at their word
    sentences = {s for _, s in marked}
    return [h for h in hits if h[6] not in sentences or not other(h)]


def _may_hold(rule: Rule, ctx: Context | None) -> bool:
    """Return False when the text lacks words the model rule needs wherever its model points:
    a concept it requires, one of those it requires any of, or a group when it must be aimed
    at one. Model rules have no learned stand-in for co-evidence (see ``_learned``), so these
    are needed as they are. ``ctx`` None: the text's words were not read (no rule's term is
    in it), so nothing is known of its concepts."""
    if ctx is None:
        return True
    may_have = ctx.may_have
    if not all(may_have(k) for k in rule.requires):
        return False
    either = (*rule.requires_any, *rule.requires_near)
    if either and not any(may_have(k) for k in either):
        return False
    return not (
        rule.target and all(k.startswith("group") for k in rule.target) and not ctx.may_name_group()
    )


def _covered(rule: Rule, found: list[Finding]) -> bool:
    """Return True when ``found`` already speaks for the model rule's category.

    A word-list finding, even one softened by negation or quotes, already judged these words:
    the model only speaks where the rules found nothing.
    """
    if rule.model.startswith(DEEP_PREFIX):
        # The deep checklist reads each category apart (a swear word says nothing of a
        # threat), and a topic noted at info ("election") is where reading it whole helps
        return any(f.category == rule.category and f.level >= Level.WARNING for f in found)
    covered = MODEL_BACKSTOP if rule.category in MODEL_BACKSTOP else {rule.category}
    return any(f.category in covered for f in found)


def _group_by_prefilter(
    patterns: list[tuple[Rule, _Lazy, str | None]],
    gates: list[Gate | None] | None = None,
) -> list[tuple[Gate | None, list[tuple[Rule, _Lazy]]]]:
    """Group neighbouring patterns with the same prefilter, so each text is tested once per group.

    Only neighbours are grouped, so candidates keep the order of the patterns (ties between
    overlapping findings go to the first). ``gates``: each group's gate, worked out before.
    """
    groups: list[tuple[str | None, list[tuple[Rule, _Lazy]]]] = []
    for rule, regex, prefilter in patterns:
        if groups and groups[-1][0] == prefilter:
            groups[-1][1].append((rule, regex))
        else:
            groups.append((prefilter, [(rule, regex)]))
    if gates is not None and len(gates) == len(groups):
        return [(gate, group) for gate, (_p, group) in zip(gates, groups, strict=True)]
    return [(Gate.of(p) if p is not None else None, group) for p, group in groups]


def _rule_values(rule: Rule) -> tuple[Any, ...]:
    return tuple(getattr(rule, f.name) for f in fields(Rule))


def risk_score(findings: Iterable[Finding]) -> int:
    """Combine risk findings into 0-100: each rule counts once, at its highest level.

    score = 100 * (1 - prod(1 - w)), w = 0.05 info, 0.40 warning, 0.70 error; so one warning
    scores 40, one error 70, an error and a warning 82. Good (DO) findings do not count.
    """
    worst: dict[str, Level] = {}
    for f in findings:
        if f.category not in GOOD_CATEGORIES:
            worst[f.rule] = max(worst.get(f.rule, f.level), f.level)
    keep = 1.0
    for level in worst.values():
        keep *= 1.0 - LEVEL_WEIGHT[level]
    return round(100 * (1.0 - keep))


def _strongest(findings: list[Finding]) -> list[Finding]:
    """Among overlapping findings of one category keep the highest level (on ties, a rule's
    own evidence before a learned model's vouching, then the first).

    Findings are taken strongest first; each category keeps a sorted list of the spans it
    holds, so checking a finding for overlap is a bisect, not a pass over all kept findings.
    """
    ordered = sorted(findings, key=lambda f: (-f.level, LEARNED in f.why, f.start))
    kept: list[Finding] = []
    spans: dict[str, list[tuple[int, int]]] = {}
    for f in ordered:
        held = spans.setdefault(f.category, [])
        i = bisect_left(held, (f.start, f.start))
        # Kept spans of one category never overlap, so only the neighbours can touch this one
        if (i > 0 and held[i - 1][1] > f.start) or (i < len(held) and held[i][0] < f.end):
            continue
        held.insert(i, (f.start, f.end))
        kept.append(f)
    return kept


def _acronym(text: str, hit: Hit) -> bool:
    """Return True when a disguised hit is a short word in capitals ("TTS", "FCK" is not)."""
    word = text[hit.start : hit.end]
    return word.isalpha() and word.isupper() and len(word) <= 5 and hit.term.upper() != word


def _one_per_sentence(findings: list[Finding], ctx: Context | None) -> list[Finding]:
    """Merge the findings of one rule in one sentence into one, listing every matched span.

    A reason is given once per sentence ("Damn ... damn" is one profanity finding with two
    spans), at the highest level any of its matches reached.
    """
    if ctx is None or len(findings) < 2:
        return findings
    merged: dict[tuple[str, int], Finding] = {}
    for f in sorted(findings, key=lambda f: f.start):
        key = (f.rule, ctx.sentence_of(f.start))
        held = merged.get(key)
        if held is None:
            merged[key] = f
            continue
        merged[key] = _changed(
            held,
            level=max(held.level, f.level),
            spans=held.spans + f.spans,
            words=held.words + f.words,
            target=held.target or f.target,
        )
    return list(merged.values())


def _changed(finding: Finding, **changes: Any) -> Finding:
    """Return ``finding`` with ``changes``, as ``dataclasses.replace`` does, without calling
    the generated ``__init__`` field by field (Finding has no ``__post_init__`` to skip): a
    1 MB draft merges thousands."""
    copy: Finding = object.__new__(Finding)
    copy.__dict__.update(finding.__dict__, **changes)
    return copy


def _one_learned(findings: list[Finding], ctx: Context | None) -> list[Finding]:
    """Drop a learned finding where its sentence already has one of its category.

    The support model reads the words around a term, so two terms of a category in one
    sentence would get the same vouching twice; and a rule that found its own evidence says
    more than one the model vouched for.
    """
    learned = [f for f in findings if LEARNED in f.why]
    if ctx is None or not learned:
        return findings
    # What a rule found at warning or above: a topic noted at info ("religious") says less
    said = {
        (f.category, ctx.sentence_of(f.start))
        for f in findings
        if LEARNED not in f.why and f.level >= Level.WARNING
    }
    kept = []
    for f in findings:
        if LEARNED in f.why:
            key = (f.category, ctx.sentence_of(f.start))
            if key in said:
                continue
            said.add(key)
        kept.append(f)
    return kept


def _locate(tokens: list[Token], features: list[str]) -> int | None:
    """Return the index of the token behind the strongest word feature, if any."""
    for feature in features:
        parts = feature.split(":", 1)[-1].split()
        word = parts[0] if parts else ""
        for i, t in enumerate(tokens):
            if word and word in (t.norm, t.alt):
                return i
    return None


def _contact_regex(value: str) -> re.Pattern[str]:
    """Match an email exactly, or a phone number's digits with any separators between them."""
    if "@" in value:
        return re.compile(r"(?<![\w.])" + re.escape(value) + r"(?![\w])", re.IGNORECASE)
    digits = re.sub(r"\D", "", value)
    local = digits[-10:] if len(digits) > 10 else digits
    body = r"[\s().-]{0,3}".join(local)
    return re.compile(r"(?<!\d)(?:\+?\d{1,3}[\s().-]{0,3})?" + body + r"(?!\d)")


def _word_regex(term: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in term.split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.IGNORECASE)


def _rule_lexicon(checklist: Checklist, concepts: Mapping[str, tuple[str, ...]]) -> Lexicon:
    lexicon = Lexicon(concepts.get("not_disguise", ()), english_words())
    for rule in checklist.rules:
        for term in rule.terms:
            lexicon.add(term, rule.id, inflect=rule.inflect, fuzzy=rule.fuzzy)
        if rule.terms_from == "codename":
            for term in concepts.get("codename", ()):
                lexicon.add(term, rule.id, inflect=False)
    return lexicon


def _concept_lexicon(checklist: Checklist, concepts: Mapping[str, tuple[str, ...]]) -> Lexicon:
    lexicon = Lexicon(concepts.get("not_disguise", ()), english_words())
    used = {
        c
        for r in checklist.rules
        for c in (*r.requires, *r.requires_any, *r.requires_near, *r.unless, *r.unless_near)
    }
    used |= ENGINE_CONCEPTS | {name for name in concepts if name.startswith(SENSE_PREFIX)}
    if any(r.target for r in checklist.rules):
        used |= TARGET_CONCEPTS
    required = {
        c for r in checklist.rules for c in (*r.requires, *r.requires_any, *r.requires_near)
    }
    exceptions = {c for r in checklist.rules for c in (*r.unless, *r.unless_near)}
    plural_only = exceptions - required - ENGINE_CONCEPTS - TARGET_CONCEPTS
    for name in sorted(used & set(concepts)):
        if name in plural_only:
            for term in concepts[name]:
                lexicon.add(term, f"concept:{name}", inflect=False)
                if " " not in term:
                    plurals = {term + "s", term + "es", term[:-1] + "ies"}
                    for form in inflections(term) & plurals - {term}:
                        lexicon.add(form, f"concept:{name}", inflect=False)
            continue
        # Pronouns are closed words: "them" has no inflections ("themed" is another word)
        closed = name == "self" or name in TARGET_CONCEPTS
        # Group names are what hateful posts misspell on purpose ("Mulsims", "blck", "wmoen")
        fuzzy = name in GROUP_PARTS or name == "protected_group"
        for term in concepts[name]:
            lexicon.add(
                term,
                f"concept:{name}",
                inflect=" " not in term and not closed,
                fuzzy=fuzzy,
                name=fuzzy,
            )
    return lexicon


@lru_cache(maxsize=1)
def builtin_checklist() -> Checklist:
    """Return the packaged checklist, parsed once per process."""
    return load_builtin()


PACKAGED: Any = object()
"""Stands for "the packaged support model, loaded on first use" (:attr:`Engine.support`)."""
SUPPORT_PREFIX = "support."
"""A model rule's ``model`` that names a support model head: ``support.employer``."""
DEEP_PREFIX = "deep."
"""A model rule's ``model`` that names a deep checklist head: ``deep.violence``."""
_FIRST_PERSON = re.compile(r"(?i)\b(?:i|i'm|i've|i'd|i'll|me|my|mine|myself|we|we're|our|us)\b")
LEARNED = "the learned model reads it as"
"""Marks a finding the support model vouched for (in its ``why``)."""
SEMANTIC_FLOOR = 0.2
"""The support head's least score for the semantic table to vouch in its place. Leave-one-set-
out (``benchmarks/semantic.py --part vouch``, five sets): without it the table added 18 hits
but 1 ordinary and 2 real-post false alarms ("send assets to a client" as confidential); at
0.2, 11 hits and none (six sets, heldout7 added: 11 hits, none)."""
LEARNED_LIMIT = 2_000
"""The support model's heads read a whole text (``support.*`` model rules) only up to this
size: they learned from posts, and over a long draft a bag of words means little."""
SUPPORT_WINDOW = 1_000
"""A text longer than this is read by the support model only around the term (three
sentences): it learned from posts, and a long draft's words are mostly about other things."""


_NEVER_VOUCHED = frozenset({"aggression", "employer"})
"""Evidence no learned head stands in for: the hostility that makes a political or religious
topic word extreme (politics.extreme, religion.extreme), and the employer an insult is said of
(employer.badmouthing: "The manager at the restaurant was rude" is a customer's complaint)."""


def _missing(rule: Rule, c: Candidate, ctx: Context, why: list[str]) -> str:
    """Return the first co-evidence ``rule`` needs around ``c`` that is not there ("" if none),
    adding what is there to ``why``."""
    # A derived rule's words are another rule's finding: what it needs may lie inside them
    # ("see that senator in a body bag"), where a rule's own words never vouch for themselves
    apart = not rule.derives
    in_clause = rule.requires_scope == "clause"

    def has(concept: str) -> bool:
        # (what is found is described over the sentence either way)
        return ctx.in_clause(concept, c) if in_clause else ctx.has(concept, c, apart=apart)

    for concept in rule.requires:
        if not has(concept):
            return f"'{concept}'"
        why.append(ctx.describe(concept, c, apart=apart))
    if rule.requires_any or rule.requires_near:
        # Either one of requires_any in the sentence, or one of requires_near next to it
        found = [k for k in rule.requires_any if has(k)]
        if found:
            why.append(ctx.describe(found[0], c, apart=apart))
            return ""
        near = [k for k in rule.requires_near if ctx.near(k, c)]
        if not near:
            wanted = [f"'{k}'" for k in rule.requires_any]
            wanted += [f"'{k}' nearby" for k in rule.requires_near]
            return " or ".join(wanted)
        why.append(f"'{near[0]}' nearby")
    return ""


def load_support() -> Any:
    """Return the packaged support model, or None when it is not available."""
    try:
        from .classifier import SUPPORT_PATH
        from .classifier import load_classifier as load
    except ImportError:
        return None
    try:
        return load(SUPPORT_PATH)
    except (OSError, ValueError):
        return None


def load_classifier() -> Any:
    """Return the packaged classifier, or None when it is not available."""
    try:
        from .classifier import load_classifier as load
    except ImportError:
        return None
    try:
        return load()
    except (OSError, ValueError):
        return None


@lru_cache(maxsize=32)
def default_engine(
    profile: Profile | None = None, settings: ChecklistSettings | None = None
) -> Engine:
    """Return an engine for the built-in checklist plus global ``settings`` and the profile's."""
    extra = [s for s in (settings, profile.checklist if profile else None) if s is not None]
    base = builtin_checklist()
    files = user_rule_files(*extra)
    if files:
        # Whole rule files from the user's folders, as Vale reads styles: a rule with a
        # built-in id replaces it, new concepts and rules are added
        base = load_files(files, base)
    checklist = apply_settings(base, *extra) if extra else base
    return with_deep(Engine(checklist, profile, load_classifier()), *extra)


def with_deep(engine: Engine, *settings: ChecklistSettings | None) -> Engine:
    """Return ``engine`` with the deep checklist when any of ``settings`` asks for it."""
    if not any(s is not None and s.deep for s in settings):
        return engine
    from . import deep

    return engine.use_deep(deep.load())


def user_rule_files(*settings: ChecklistSettings) -> list[Path]:
    """Return the rule files of every ``rule_dirs`` folder in ``settings``, in name order."""
    return [
        path
        for s in settings
        for folder in s.rule_dirs
        for path in sorted(Path(folder).glob("*.toml"))
    ]
