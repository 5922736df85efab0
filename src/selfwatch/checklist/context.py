"""What the engine knows about one text around a candidate finding: context, target, stance.

A rule's term is only a candidate. Whether it becomes a finding depends on what surrounds it:

- **context**: concept words in the same sentence (``requires``, ``requires_any``, ``unless``),
  the sentence's sentiment, an @mention;
- **target**: who the words are aimed at, found in the candidate's *clause* (a sentence cut at
  commas, semicolons, brackets and words like "but" or "because"). People are bound to the
  nearest reference before the words ("you", "he", an @mention; "I" means the author is
  talking about themself, so there is no target); a protected group anywhere in the clause, or
  a pronoun ("they", "these people") whose group was named in the last sentences;
- **stance**: whether the words are asserted, negated ("not", "no one should"), quoted, part
  of counter-speech, asked or reported.

Everything is computed on first use and once per text; every look-up is bounded by a sentence,
so the work stays linear in the length of the text.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Mapping
from functools import lru_cache
from itertools import accumulate, islice
from typing import TYPE_CHECKING, NamedTuple

from .lexicon import Hit
from .tokens import LineIndex, Token, sentence_bounds

if TYPE_CHECKING:
    from .load import Rule

NEGATIVE_SENTIMENT = -0.3
POSITIVE_SENTIMENT = 0.4
NEGATION_WINDOW = 3
PRONOUN_REACH = 2
"""A pronoun ("they") refers to a group named at most this many sentences before it."""
SHORT_CLAUSE = 2
"""A clause with at most this many words besides the finding's own may speak of the group the
sentence before named ("Gay men. Worst people on earth.")."""
REACH = 4
"""An @mention is what an insult is aimed at only within this many tokens before it."""
OBJECT_REACH = 4
"""The object of a threat ("kill all the ...") starts at most this many tokens after the verb."""
FORWARD_REACH = 4
"""A person named after the words ("what an idiot you are") counts up to this many tokens on."""
PERSON_KINDS = ("second_person", "mention", "third_person")
VOCATIVE_EXTRA = 4
"""Words besides a group that may open a sentence it hails ("Muslims in this city: ...")."""


CLAUSE_BREAK = re.compile(r"[,;:()\[\]—–]|\s-\s")
"""What ends a clause between two words: a comma, colon, bracket or dash."""
_CLAUSE_WORDS = frozenset(
    {"but", "because", "although", "though", "whereas", "while", "unless", "however", "since"}
)
_GRATITUDE = frozenset({"thank", "thanks", "thx"})
_POINTERS = frozenset({"those", "these", "that", "this", "they", "them", "he", "she", "it"})
_QUOTES = frozenset('"“')
# What may come before a post's opening quotation without making it a quote inside the post:
# space, emoji, punctuation, HTML entities and a retweet's "RT @name:".
_LEAD = re.compile(r"(?:[^\w\"“@#]|&#?\w+;|\bRT\s+@\w+:?|\s)*")
# A quotation that opens with "@name:" is the old-style retweet: the author republishing it.
_REPOST = re.compile(r"\s*@\w+\s*:")
_RHETORICAL = frozenset(
    {"aren't", "arent", "isn't", "isnt", "don't", "dont", "doesn't", "doesnt", "wasn't", "weren't"}
)
# Eggplant, droplets, peach, hot face, smirk, horned smile, tongue, no-one-under-18
_SUGGESTIVE = re.compile(
    "[\U0001f346\U0001f4a6\U0001f351\U0001f975\U0001f60f\U0001f608\U0001f445\U0001f51e]"
)
_SINGLE = re.compile("['‘’]")
_CLAIM_WORDS = frozenset(
    {"is", "are", "was", "were", "be", "should", "must", "need", "needs", "deserve", "deserves",
     "belong", "belongs", "go", "get", "can't", "cannot", "don't", "never", "all", "hate"}
)  # fmt: skip
MAX_QUOTE = 300
"""How far past a word a single-quoted quotation may close."""
_CLOSING = re.compile(r'["”]')
# A verb that gives something a name: what it is called in quotes is someone's label; or one
# by which someone else said it ("my colleague said the staff were 'useless idiots'"), though
# not the writer ("I said he was a 'total clown'": their own words, quoted or not)
_NAMING = re.compile(
    r"(?i)\b(?:call(?:s|ed|ing)?|label(?:l?ed|s|ling|ing)?|brand(?:s|ed|ing)?|dub(?:s|bed)?)\b"
    r"|(?<!\bi )(?<!\bwe )\b(?:said|says|told|tells|wrote|writes|texted|tweeted|posted|claimed)\b"
)
_WORD = re.compile(r"[^\W\d_]{2,}")
_COMMENT_WORDS = 4  # words after an opening quotation that make it a quote being answered
_COPULAS = frozenset({"is", "are", "was", "were", "as", "be", "being", "been", "'s", "'re"})
_OTHER_AGENTS = frozenset(
    {"someone", "somebody", "he", "she", "they", "everyone", "everybody", "nobody"}
)
"""Subjects that make what follows someone else's doing ("someone merged without ..."). Not
"who": it stands for whoever it follows ("I'm the one who merged without testing")."""
_AGENT_ADVERBS = frozenset({"just", "basically", "literally", "usually", "always", "apparently"})
_THING_SUBJECT = frozenset({"that", "this", "the", "these", "those", "it"})
"""How a clause opens when its subject is a thing ("That headshot was ...")."""
_EXCLAMATIONS = frozenset({"what a", "what an", "such a", "such an", "you absolute", "you total"})
# Who a word can point at. Word lists in the rule files (00-concepts.toml) name them.
_PERSON_CONCEPTS = (
    ("self", "ref_self"),
    ("second_person", "ref_second"),
    ("third_person", "ref_third"),
)
_GROUP_CONCEPT = "protected_group"
_GROUP_PRONOUN = "group_pronoun"
GROUP_PARTS = frozenset({"group_adjective", "person_noun", "group_noun", "quantifier"})
"""Concepts that name a group together ("Muslim" + "men", "every" + "Jew"); spelled loosely."""
TARGET_CONCEPTS = frozenset(
    {
        "ref_self",
        "ref_second",
        "ref_third",
        "ref_anyone",
        "victim_noun",
        _GROUP_CONCEPT,
        _GROUP_PRONOUN,
        *GROUP_PARTS,
    }
)
# What may follow a person who is hurt: a preposition, a conjunction, a relative pronoun or a time
# ("kicking a guy on the ground", "smacking a kid who ...", "stabbed my coworker yesterday").
_AFTER_VICTIM = frozenset(
    {
        "in", "on", "at", "with", "for", "from", "into", "outside", "behind", "near", "by",
        "until", "till", "while", "when", "after", "before", "because", "so", "and", "but",
        "who", "that", "which", "whose", "again", "yesterday", "today", "tonight", "last",
        "this", "once", "twice", "senseless", "unconscious", "half", "to", "if", "of",
    }
)  # fmt: skip
# Words that end a verb's object before a person comes: in "shoot in RAW so you have more
# latitude" and "hit the gym and then you" the person is no object of the verb.
_OBJECT_BREAK = frozenset(
    {"so", "when", "if", "until", "till", "unless", "then", "while", "because", "as", "than"}
)
# Words after an adjective that show it is no noun's attribute ("dangerous and", "lazy to").
_NOT_NOUN = frozenset(
    {
        "and", "or", "but", "to", "as", "in", "on", "at", "of", "for", "with", "than", "because",
        "so", "if", "when", "af", "asf", "tho", "though", "too", "enough", "lol", "lmao", "ngl",
    }
)  # fmt: skip
# Verbs that, like a copula, say what the subject is: "they seem dangerous", "I find them dirty".
_PREDICATING = frozenset(
    {"seem", "seems", "look", "looks", "find", "consider", "considers", "call", "calls", "feel",
     "become", "becomes", "became", "get", "gets", "got", "stay", "remain", "remains", "all"}
)  # fmt: skip
# Capitalised words that name no person: sentence openers, days, months, interjections.
_NOT_NAMES = frozenset(
    {
        "the", "this", "that", "these", "those", "what", "when", "why", "how", "who", "where",
        "honestly", "lol", "lmao", "omg", "ngl", "tbh", "imo", "yes", "no", "not", "and", "but",
        "my", "our", "your", "his", "her", "their", "its", "you", "she", "they", "there",
        "here", "just", "today", "tonight", "yesterday", "tomorrow", "everyone", "nobody",
        "someone", "people", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
        "sunday", "january", "february", "march", "april", "june", "july", "august",
        "september", "october", "november", "december", "god", "jesus", "christ", "mom", "mum",
        "dad", "shoutout", "reminder", "proud", "thanks", "thank", "congrats", "happy", "great",
        "new", "big", "huge", "hey", "dear", "okay", "well", "wow", "ugh", "sorry", "please",
        "also", "still", "even", "only", "can't", "cannot", "don't", "never", "always", "every",
        # words that open sentences ("Out in the allotment ...", "Back at work ..."): no names
        "out", "up", "down", "back", "off", "over", "in", "on", "at", "into", "after", "before",
        "once", "then", "now", "again", "finally", "maybe", "so", "if", "while", "for", "with",
        "from", "about", "around", "all", "some", "any", "one", "first", "last", "next", "another",
        "went", "got", "had", "was", "is", "spent", "home", "early", "late", "later",
    }
)  # fmt: skip
# Words that make a capitalised name an organisation's or a place's.
_ORGANISATION = frozenset(
    {
        "corp", "corporation", "inc", "ltd", "llc", "plc", "co", "company", "group", "labs",
        "bank", "university", "college", "school", "high", "hospital", "clinic", "city",
        "county", "street", "st", "road", "avenue", "airlines", "airways", "motors", "systems",
        "technologies", "solutions", "studios", "media", "news", "times", "post", "fc", "united",
    }
)  # fmt: skip
# Words after a sentence's first word that make it a person's name ("Emily from the gym is").
_AFTER_NAME = frozenset(
    {
        "from", "in", "at", "is", "was", "really", "thinks", "thought", "said", "says", "just",
        "still", "literally", "actually", "got", "has", "had", "keeps", "tried", "posted",
    }
)  # fmt: skip
# What cannot stand between a verb and the person it is done to: "that" can ("beat that guy").
_NOT_BETWEEN = _AFTER_VICTIM - {"this", "that", "last", "half"}
# "can't stop thinking about ...", "can't wait to ...", "couldn't help ...": the negation is of
# the stopping or waiting, and what follows is asserted all the more.
_RELATIVES = frozenset({"who", "that", "which", "whose"})
# Verbs of believing and saying: "not" before one denies the claim after it
_DENIED_BELIEF = frozenset({"think", "believe", "say", "said", "claim"})
_UNNEGATED_BY = frozenset({"stop", "help", "wait", "resist", "quit"})
# "Name a single ... who isn't ...", "never met one who wasn't ...": a claim about every one
_ONE = frozenset({"single", "one"})
_FIND_ONE = frozenset({"name", "met", "find", "show", "seen", "know", "meet"})
_NEVER = frozenset({"never", "not", "haven't", "havent", "hasn't", "can't", "cannot", "cant"})
ENGINE_CONCEPTS = frozenset(
    {
        "negation",
        "counter_speech",
        "condemnation",
        "homonym",
        "reporting_verbs",
        "adjective",
        "given_name",
    }
)
"""Word lists the engine reads itself, whether or not a rule names them."""
_DENIED_CLAUSE = frozenset({"because", "since", "that"})
_WHOLE_CLAUSE_NEGATION = frozenset({"nobody", "no one", "noone", "never"})
_CONJUNCTIONS = frozenset({"and", "but", "so", "yet", "or", "&"})
"""Words that join a second clause to the first: "my neighbours are gay and they ..." ends
the group adjective's clause as a full stop would."""
_FINITE = frozenset({"is", "are", "was", "were", "'s", "'re"})
"""The copulas that say a thing of someone named before them ("are gay", not "being gay")."""


_COMPUTED = frozenset(
    {
        "negative_sentiment",
        "positive_sentiment",
        "mention",
        "as_name",
        "attributive",
        "suggestive_emoji",
        "clause_start",
        "sentence_start",
        "other_agent",
    }
)
"""Concepts ``Context.has`` works out from the text rather than from a word list."""
_CONCEPT_NAMES: dict[str, str | None] = {}
"""The concept each hit owner names ("concept:negation" -> "negation"; a rule id -> None)."""


class Candidate(NamedTuple):
    """A term or pattern match that may become a finding once its context is judged."""

    rule: Rule
    start: int
    end: int
    sentence: int
    first: int
    last: int
    evidence: str


class Seen(NamedTuple):
    """A concept word found in a text: its token range [first, last) and the words."""

    first: int
    last: int
    words: str


class Target(NamedTuple):
    """Who a finding's words are aimed at: the kind and the words that name them."""

    kind: str
    words: str
    via: str = ""
    """The pronoun that pointed back at ``words`` ("they"), if any."""

    def describe(self) -> str:
        """Return the target for ``--explain`` ("group 'Muslims' (via 'they')")."""
        via = f" (via '{self.via}')" if self.via else ""
        return f"aimed at {self.kind.replace('_', ' ')} '{self.words}'{via}"


class Context:
    """Per-text look-ups: concepts by sentence, clauses, targets, stance, sentiment, lines."""

    def __init__(
        self,
        text: str,
        tokens: list[Token],
        scan: Callable[[list[Token]], list[Hit]],
        hits: list[Hit] | None = None,
        bounds: list[int] | None = None,
    ) -> None:
        self.text = text
        self.tokens = tokens
        self._scan = scan
        self._concepts: dict[tuple[str, int], list[Seen]] | None = None
        self._concept_names: frozenset[str] | None = None
        self._hits = hits  # indexed on first use: a text with no candidate never asks
        self._bounds = bounds
        self._sentiment: dict[int, float] = {}
        self._lines: LineIndex | None = None
        self._mentions: dict[int, list[int]] | None = None
        self._starts: list[int] | None = None
        self._ends: list[int] | None = None
        self._clauses: list[int] | None = None
        self._groups: dict[int, list[Seen]] = {}
        self._repost: bool | None = None
        self._doubles: bool | None = None
        self._marks: list[int] | None = None
        self._emoji: str | None = None
        self._headlines: dict[int, bool] = {}
        self._sentence_of_token: list[int] | None = None

    def _index_concepts(self, hits: list[Hit]) -> None:
        """Note the concept words of each sentence, from a scan of the whole text."""
        concepts: dict[tuple[str, int], list[Seen]] = {}
        tokens, text = self.tokens, self.text
        names = _CONCEPT_NAMES
        new = tuple.__new__  # builds the same Seen as Seen(...) without a call (see tokenize)
        for owner, _term, first, last, start, end, sentence, _disguised in hits:
            name = names.get(owner)
            if name is None and owner not in names:
                name = names[owner] = owner[8:] if owner.startswith("concept:") else None
            # A phrase that runs on into the next sentence is no context for either
            if name is not None and (last == first + 1 or tokens[last - 1].sentence == sentence):
                seen = new(Seen, (first, last, text[start:end]))
                found = concepts.get((name, sentence))
                if found is None:
                    concepts[name, sentence] = [seen]
                else:
                    found.append(seen)
        self._concepts = concepts

    def may_have(self, concept: str) -> bool:
        """Return False only when no word of ``concept`` stands anywhere in the text (a concept
        worked out from the text, such as ``negative_sentiment``, may always hold)."""
        if concept in _COMPUTED:
            return True
        if self._concept_names is None:
            self._concept_names = frozenset(name for name, _sentence in self.concepts())
        return concept in self._concept_names

    def may_name_group(self) -> bool:
        """Return False only when the text names no group of people anywhere: then no words
        of it can be aimed at one (every way ``target`` finds a group starts from these)."""
        return any(self.may_have(k) for k in (_GROUP_CONCEPT, "group_adjective", "group_noun"))

    def concepts(self) -> dict[tuple[str, int], list[Seen]]:
        """Return the concept words by (concept, sentence), scanning the text on first use."""
        if self._concepts is None:
            self._index_concepts(self._scan(self.tokens) if self._hits is None else self._hits)
            self._hits = None
            assert self._concepts is not None
        return self._concepts

    def mention_tokens(self) -> dict[int, list[int]]:
        """Return the @mention tokens of each sentence (one pass over the tokens)."""
        if self._mentions is None:
            self._mentions = {}
            for i, t in enumerate(self.tokens):
                if t.mention:
                    self._mentions.setdefault(t.sentence, []).append(i)
        return self._mentions

    def lines(self, offset: int) -> tuple[int, int]:
        """Return the 1-based line and column of ``offset``."""
        if self._lines is None:
            self._lines = LineIndex(self.text)
        return self._lines(offset)

    def has(self, concept: str, c: Candidate, *, apart: bool = True) -> bool:
        """Return True when ``concept`` occurs in the candidate's sentence.

        ``apart``: only outside the candidate's own words (see ``context_words``).
        """
        if concept not in _COMPUTED:  # a word list: most concepts are
            seen = self.concepts().get((concept, c.sentence), ())
            if not apart:
                return bool(seen)
            first, last = c.first, c.last
            return any(s.last <= first or s.first >= last for s in seen)
        if concept == "negative_sentiment":
            return self.sentiment(c.sentence) <= NEGATIVE_SENTIMENT
        if concept == "positive_sentiment":
            return self.sentiment(c.sentence) >= POSITIVE_SENTIMENT
        if concept == "mention":
            return c.sentence in self.mention_tokens()
        if concept == "as_name":
            return self._as_name(c)
        if concept == "attributive":
            return self._attributive(c)
        if concept == "suggestive_emoji":
            # Emoji are no tokens: looked for in the whole post, where they usually close it
            return self.emoji() is not None
        if concept == "other_agent":
            return self._other_agent(c)
        if concept == "sentence_start":
            # a diary's dropped "I": the words open their sentence ("Stomped a guy till ...")
            toks = self.tokens
            return c.first == 0 or toks[c.first - 1].sentence != toks[c.first].sentence
        if concept == "clause_start":
            # an order: the words open their clause ("Kill all ...", "#deathto...")
            first = c.first
            toks = self.tokens
            # a hashtag's parts come after the hashtag itself: "#killall..." opens its clause
            while first > 0 and toks[first - 1].end >= toks[c.first].end:
                first -= 1
                if toks[first].hashtag:
                    return True  # a hashtag is a slogan of its own
            if not (first == 0 or self.clause(first - 1) != self.clause(first)):
                return False
            # An order uses the plain verb: "Kill them all", not "Train hits, kills 2 migrants"
            verb = toks[c.first].norm
            return not (verb.endswith(("ed", "ing")) or (verb.endswith("s") and verb[-2:] != "ss"))
        return bool(self.context_words(concept, c, apart=apart))

    def near(self, concept: str, c: Candidate) -> bool:
        """Return True when ``concept`` occurs in the candidate's sentence or the one before
        or after it (a word list only). A one-word fragment ("Questions?", "RSVP!") is no
        sentence of its own here: the one beyond it counts as next to the candidate."""
        index = self.concepts()
        s = c.sentence
        before = s - 1 - (s >= 2 and self._fragment(s - 1))
        after = s + 1 + self._fragment(s + 1)
        return any((concept, n) in index for n in range(before, after + 1))

    def condemned(self, c: Candidate) -> str:
        """Return the words that judge what the candidate reports ("disgusting", "that language
        is unacceptable"): in the sentence before or after it, or in another clause of its own
        (so "he said they are vermin and disgusting" is no judgement of itself); "" when none."""
        index = self.concepts()
        s = c.sentence
        own = self.clause(c.first)
        for n in (s - 1, s + 1, s):
            for seen in index.get(("condemnation", n), ()):
                if n != s or self.clause(seen.first) != own:
                    return f"condemnation '{seen.words}'"
        return ""

    def _fragment(self, sentence: int) -> bool:
        """Return True when ``sentence`` is a single word."""
        lo, hi = self._sentence_span(sentence)
        return hi - lo == 1

    def _sentence_span(self, sentence: int) -> tuple[int, int]:
        """Return the tokens [lo, hi) of sentence number ``sentence``."""
        if self._sentence_of_token is None:
            self._sentence_of_token = [t.sentence for t in self.tokens]
        lo = bisect_left(self._sentence_of_token, sentence)
        return lo, bisect_right(self._sentence_of_token, sentence, lo)

    def _clause_span(self, first: int, last: int) -> tuple[int, int]:
        """Return the tokens [lo, hi) of the clause of token ``first``, ``[first, last)`` in it."""
        clause = self.clause(first)
        lo, hi = first, last
        while lo > 0 and self.clause(lo - 1) == clause:
            lo -= 1
        while hi < len(self.tokens) and self.clause(hi) == clause:
            hi += 1
        return lo, hi

    def context_words(self, concept: str, c: Candidate, *, apart: bool = True) -> list[str]:
        """Return the words of ``concept`` in the candidate's sentence.

        A term is never evidence for itself (``apart``): "dealer" is a drug term and also drug
        context, so without this "the car dealer" would read as a drug deal. Exceptions are
        looked for with ``apart=False``, because they often contain the term: "pot roast",
        "son of a bitch", an in-group "my n****".
        """
        seen = self.concepts().get((concept, c.sentence), ())
        if not apart:
            return [s.words for s in seen]
        return [s.words for s in seen if s.last <= c.first or s.first >= c.last]

    def describe(self, concept: str, c: Candidate, *, apart: bool = True) -> str:
        """Return the evidence for ``concept`` as ``--explain`` prints it."""
        if concept.endswith("_sentiment"):
            return f"sentence sentiment {self.sentiment(c.sentence):+.2f}"
        if concept == "mention":
            return "aimed at an @mention"
        if concept == "suggestive_emoji":
            return f"suggestive emoji '{self.emoji()}'"
        found = self.context_words(concept, c, apart=apart)
        words = ", ".join(f"'{w}'" for w in dict.fromkeys(found))
        return f"{concept.replace('_', ' ')} {words}"

    def _as_name(self, c: Candidate) -> bool:
        """Return True when the words are a given name written as one: "Lunch with Dick and
        Fanny", "new cleats at Dick's" (capitalised inside a sentence, in ``given_name``)."""
        toks = self.tokens
        t = toks[c.first]
        word = self.text[t.start : t.end]
        if c.first == 0 or toks[c.first - 1].sentence != t.sentence:
            return False  # a sentence's first word is capitalised anyway
        if not (word[:1].isupper() and word[1:2].islower()):
            return False
        # After a title, maybe with a first name between: "Dr Candy Hooker", "Mr Cox"
        before = [toks[i] for i in (c.first - 1, c.first - 2) if i >= 0]
        if before[0].norm in TITLES or (
            len(before) == 2
            and before[1].norm in TITLES
            and self.text[before[0].start : before[0].start + 1].isupper()
        ):
            return True
        base = t.norm[:-2] if t.norm.endswith("'s") else t.norm
        return any(
            s.first == c.first and s.words.lower().removesuffix("'s") == base
            for s in self.concepts().get(("given_name", c.sentence), ())
        )

    def _attributive(self, c: Candidate) -> bool:
        """Return True when the words are an adjective describing the noun after them, not the
        group: "migrants make dangerous crossings", but not "migrants are dangerous people".

        Only words of the ``adjective`` concept qualify (a verb or a noun can be followed by its
        object: "migrants steal jobs"); a copula before them in the clause makes them what the
        subject is ("women are stupid creatures").
        """
        toks = self.tokens
        if c.last >= len(toks) or not any(
            s.first == c.first for s in self.concepts().get(("adjective", c.sentence), ())
        ):
            return False
        after = toks[c.last]
        if after.sentence != c.sentence or self.clause(c.last) != self.clause(c.first):
            return False
        if not after.norm.isalpha() or after.norm in _NOT_NOUN:
            return False
        if any(
            s.first == c.last
            for k in (_GROUP_CONCEPT, "person_noun", "group_noun", "victim_noun")
            for s in self.concepts().get((k, c.sentence), ())
        ):
            return False  # "dangerous people", "lazy immigrants": the group itself
        # Between the group and the words: a copula there makes them what the group is
        group = [g.last for g in self.groups(c.sentence) if g.last <= c.first]
        j = c.first - 1
        while j >= max(group, default=0) and self.clause(j) == self.clause(c.first):
            if toks[j].norm in _COPULAS or toks[j].norm in _PREDICATING:
                return False
            j -= 1
        return True

    def emoji(self) -> str | None:
        """Return the first sexually suggestive emoji in the post (🍆, 💦, 🍑, 🥵 ...), if any."""
        if self._emoji is None:
            m = _SUGGESTIVE.search(self.text)
            self._emoji = m.group() if m else ""
        return self._emoji or None

    # -- clauses and targets ---------------------------------------------------------------

    def clause(self, i: int) -> int:
        """Return the clause number of token ``i`` (clauses never cross sentences)."""
        clauses = self._clause_numbers()
        return clauses[min(i, len(clauses) - 1)] if clauses else 0

    def _clause_numbers(self) -> list[int]:
        """Return the clause number of each token, worked out on first use."""
        if self._clauses is None:
            self._clauses = _clauses(self.text, self.tokens)
        return self._clauses

    def in_clause(self, concept: str, c: Candidate) -> bool:
        """Return True when ``concept`` occurs in the candidate's clause, outside its words (a
        built-in concept such as sentiment is read over the sentence, as ``has`` does)."""
        if concept in _COMPUTED:
            return self.has(concept, c)
        return bool(self._in_clause(concept, c))

    def _in_clause(self, concept: str, c: Candidate) -> list[Seen]:
        """Return the ``concept`` words in the candidate's clause, outside its own words."""
        clause = self.clause(c.first)
        return [
            s
            for s in self.concepts().get((concept, c.sentence), ())
            if (s.last <= c.first or s.first >= c.last) and self.clause(s.first) == clause
        ]

    def target(self, kinds: tuple[str, ...], c: Candidate) -> Target | None:
        """Return what the candidate's words are aimed at, if it is one of ``kinds``."""
        side = next((k for k in kinds if k.startswith("group")), "")
        if side:
            group = self._group(c, side)
            if group is not None:
                return group
        if "employer" in kinds:
            boss = self._in_clause("employer", c)
            if boss:
                return Target("employer", boss[0].words)
        if "person_after" in kinds:
            victim = self._object(c)
            if victim is not None:
                return victim
        if "name" in kinds:
            name = self._name(c)
            if name is not None:
                return Target("name", name)
        if any(k in PERSON_KINDS for k in kinds):
            person = self._person(c)
            if person is not None and person.kind in kinds:
                return person
        return None

    def _object(self, c: Candidate) -> Target | None:
        """Return the person a violent verb is done to: named just after it ("stab him")."""
        found: list[tuple[int, str]] = []
        for concept in ("ref_second", "ref_third", "ref_anyone", _GROUP_PRONOUN):
            found += [(s.first, s.words) for s in self._in_clause(concept, c)]
        found += [
            (s.first, s.words)
            for s in self._in_clause("victim_noun", c)
            if self._head(s) and self._direct(c.last, s.first)
        ]
        clause = self.clause(c.first)
        for i in self.mention_tokens().get(c.sentence, ()):
            if self.clause(i) == clause:
                found.append((i, self.text[self.tokens[i].start : self.tokens[i].end]))
        found += [(g.first, g.words) for g in self.groups(c.sentence)]
        toks = self.tokens
        after = [
            (i, w)
            for i, w in found
            if c.last <= i <= c.last + OBJECT_REACH
            and not any(t.norm in _OBJECT_BREAK for t in toks[c.last : i])
        ]
        return Target("person", min(after)[1]) if after else None

    def _name(self, c: Candidate) -> str | None:
        """Return the person's name an insult is said of, in its clause: the nearest before
        ("Emily from the gym is a total psycho") or just after ("what a freak Jessica is").

        A name is a capitalised word that is no English word: "Jira" is one too, so the rules
        that ask for a name use insults only people are called.
        """
        toks = self.tokens
        clause = self.clause(c.first)
        lo = c.first
        while lo > 0 and self.clause(lo - 1) == clause:
            lo -= 1
        hi = c.last
        while hi < len(toks) and hi < c.last + FORWARD_REACH and self.clause(hi) == clause:
            hi += 1
        before = [i for i in range(lo, c.first) if self._is_name(i)]
        if before:
            i = before[-1]
        else:
            after = [i for i in range(c.last, hi) if self._is_name(i)]
            if not after:
                return None
            i = after[0]
        return self.text[toks[i].start : toks[i].end]

    def _is_name(self, i: int) -> bool:
        toks = self.tokens
        t = toks[i]
        word = self.text[t.start : t.end]
        if t.mention or t.hashtag or len(word) < 3 or not word[0].isupper():
            return False
        base = t.norm[:-2] if t.norm.endswith("'s") else t.norm
        # Title case only: "CEO", "HR" and "LOL" are no names
        if not (base.isalpha() and word[1 : len(base)].islower()) or base in _NOT_NAMES:
            return False
        after = toks[i + 1].norm if i + 1 < len(toks) else ""
        if base in _ORGANISATION or after in _ORGANISATION:
            return False  # "Acme Corp", "Initech Labs", "Lakeside High"
        if self._headline(t.sentence):
            return False  # "How Creepy Is This Image of ...": every word is capitalised
        if i > 0 and toks[i - 1].sentence == t.sentence:
            return True
        # A sentence's first word is capitalised anyway: a name when a person's words follow
        return i + 1 < len(toks) and toks[i + 1].norm in _AFTER_NAME

    def _headline(self, sentence: int) -> bool:
        """Return True when most words of the sentence are capitalised, as in a headline."""
        found = self._headlines.get(sentence)
        if found is None:
            lo, hi = self._sentence_span(sentence)
            words = [
                self.text[t.start]
                for t in self.tokens[lo:hi]
                if t.norm.isalpha() and len(t.norm) > 3
            ]
            capitals = sum(w.isupper() for w in words)
            found = self._headlines[sentence] = len(words) >= 3 and capitals * 2 > len(words)
        return found

    def _direct(self, verb_end: int, noun: int) -> bool:
        """Return True when only a determiner, a possessive or an adjective stand between a verb
        and ``noun`` ("kicking a guy", "stabbed my ex's new boyfriend"), not a preposition
        ("breaking the fast with neighbors")."""
        between = self.tokens[verb_end:noun]
        return len(between) <= 3 and not any(t.norm in _NOT_BETWEEN for t in between)

    def _head(self, noun: Seen) -> bool:
        """Return True when ``noun`` ends its noun phrase: the person is what is done to.

        "kicking a guy on the ground", "stabbed my coworker yesterday" name a person; "kill the
        customer churn problem" and "kicked the kids out of the pool" do not hurt anyone.
        """
        if noun.last >= len(self.tokens):
            return True
        after = self.tokens[noun.last]
        if after.sentence != self.tokens[noun.first].sentence:
            return True
        if self.clause(noun.last) != self.clause(noun.last - 1):
            return True
        return after.norm in _AFTER_VICTIM

    def groups(self, sentence: int) -> list[Seen]:
        """Return the groups of people named in a sentence, in text order.

        A group is a plural name from ``protected_group`` ("immigrants", "gay people"), a group
        adjective before a person noun ("Muslim men", "a Black family", "trans ppl") or a
        quantifier before a group noun ("every Muslim", "no Jew", "any woman").
        """
        if sentence in self._groups:
            return self._groups[sentence]
        concepts = self.concepts()
        # "the women's team" names a team, not women
        found = [
            g
            for g in concepts.get((_GROUP_CONCEPT, sentence), ())
            if not self.tokens[g.last - 1].norm.endswith("'s")
        ]
        nouns = {s.first: s for s in concepts.get(("person_noun", sentence), ())}
        for adjective in concepts.get(("group_adjective", sentence), ()):
            noun = nouns.get(adjective.last) or nouns.get(adjective.last + 1)
            if noun is not None:
                found.append(self._seen(adjective.first, noun.last))
        # "my neighbours are Black", "he came out as gay": the adjective ends its clause
        for adjective in concepts.get(("group_adjective", sentence), ()):
            before = self.tokens[adjective.first - 1].norm if adjective.first > 0 else ""
            ends = (
                adjective.last >= len(self.tokens)
                or self.clause(adjective.last) != self.clause(adjective.first)
                # "... are gay and they ...", but not "Being trans and having an Xbox ...":
                # only a finite copula says it of someone named before
                or (self.tokens[adjective.last].norm in _CONJUNCTIONS and before in _FINITE)
            )
            if ends and before in _COPULAS:
                found.append(adjective)
        quantifiers = {s.last: s for s in concepts.get(("quantifier", sentence), ())}
        for noun in concepts.get(("group_noun", sentence), ()):
            quantifier = quantifiers.get(noun.first)
            if quantifier is not None:
                found.append(self._seen(quantifier.first, noun.last))
        found.sort()
        self._groups[sentence] = found
        return found

    def _seen(self, first: int, last: int) -> Seen:
        toks = self.tokens
        return Seen(first, last, self.text[toks[first].start : toks[last - 1].end])

    def _group(self, c: Candidate, side: str = "group") -> Target | None:
        """Return the group the words are aimed at; ``side`` says where it must stand.

        "group": anywhere in the clause; "group_after": as the object, just after the words
        (a quantifier may be part of them: "beat any | woman"); "group_before": as the subject
        the words are said of ("women's team ... shit" is not "women are shit").
        """
        clause = self.clause(c.first)
        after, before = side == "group_after", side == "group_before"

        def placed(g: Seen) -> bool:
            if after:
                return c.first <= g.first <= c.last + OBJECT_REACH and g.last > c.last
            if before:
                return g.last <= c.first
            return g.last <= c.first or g.first >= c.last

        # a group inside quotation marks is not what words outside them speak of, nor the reverse
        inside = self.quoted(c.start, c.sentence)
        named = [
            g
            for g in self.groups(c.sentence)
            if self.clause(g.first) == clause
            and placed(g)
            and self.quoted(self.tokens[g.first].start, c.sentence) == inside
        ]
        if named:
            return Target("group", named[0].words)
        # "Muslim scum", "trans freaks": a group adjective right before the words
        if not after and c.first > 0 and self.clause(c.first - 1) == clause:
            for adjective in self.concepts().get(("group_adjective", c.sentence), ()):
                if adjective.last == c.first:
                    return Target("group", adjective.words)
        vocative = self._vocative(c)
        if vocative is not None:
            return vocative
        for pronoun in self._in_clause(_GROUP_PRONOUN, c):
            if (after and pronoun.first < c.last) or (before and pronoun.first > c.first):
                continue
            antecedent = self._antecedent(pronoun.first, c.sentence)
            if antecedent is not None:
                return Target("group", antecedent, via=pronoun.words)
        # A clause of a few words ("Disgusting.", "Worst people on earth.") speaks of the group
        # the sentence before it named, when it names no one itself; a group named inside a
        # quotation is what was said, and "Disgusting." judges the saying
        if not after and self._short_clause(c) and self._person(c) is None:
            antecedent = self._antecedent(c.first, c.sentence, unquoted=True)
            if antecedent is not None:
                return Target("group", antecedent, via="the sentence before")
        return None

    def _vocative(self, c: Candidate) -> Target | None:
        """Return the group a "you" speaks to when the next or last clause only names it.

        "Muslims, I'm coming for you", "We will hunt you down, gays": the group is addressed.
        """
        clause = self.clause(c.first)
        # "you" may be part of the words themselves ("make you suffer")
        you = [
            s
            for s in self.concepts().get(("ref_second", c.sentence), ())
            if self.clause(s.first) == clause
        ]
        if not you:
            return None
        for g in self.groups(c.sentence):
            gap = clause - self.clause(g.first)
            lo, hi = self._clause_span(g.first, g.last)
            if abs(gap) == 1 and hi - lo <= (g.last - g.first) + 1:
                return Target("group", g.words, via=you[0].words)
            # "Muslims in this city: we are coming for you", "Immigrants, hear this: ...": a
            # group opening the sentence, with a few words of place, is hailed by what follows
            opens = lo == 0 or self.tokens[lo - 1].sentence != c.sentence
            if (
                gap >= 1
                and opens
                and g.first == lo
                and hi - lo <= (g.last - g.first) + VOCATIVE_EXTRA
            ):
                return Target("group", g.words, via=you[0].words)
        return None

    def _short_clause(self, c: Candidate) -> bool:
        """Return True when the clause is little more than the words ("Disgusting.")."""
        lo, hi = self._clause_span(c.first, c.last)
        return (hi - lo) - (c.last - c.first) <= SHORT_CLAUSE

    def _antecedent(self, before: int, sentence: int, unquoted: bool = False) -> str | None:
        """Return the last group named before token ``before``, a few sentences back at most
        (``unquoted``: outside quotation marks)."""
        for s in range(sentence, max(-1, sentence - PRONOUN_REACH - 1), -1):
            earlier = [
                g
                for g in self.groups(s)
                if g.last <= before
                and not (unquoted and self.quoted(self.tokens[g.first].start, s))
            ]
            if earlier:
                return earlier[-1].words
        return None

    def _person(self, c: Candidate) -> Target | None:
        """Return the person reference nearest before the words in their clause (or just after)."""
        refs: list[tuple[int, str, str]] = []  # (first token, kind, words)
        for kind, concept in _PERSON_CONCEPTS:
            for s in self._in_clause(concept, c):
                if s.first > 0 and self.tokens[s.first - 1].norm in _GRATITUDE:
                    continue  # "thank you" thanks someone; it does not address an insult
                refs.append((s.first, kind, s.words))
        clause = self.clause(c.first)
        for i in self.mention_tokens().get(c.sentence, ()):
            if self.clause(i) == clause:
                t = self.tokens[i]
                refs.append((i, "mention", self.text[t.start : t.end]))
        # A reply's leading @mention addresses the words right after it, not a whole thread
        before = [
            r for r in refs if r[0] < c.first and (r[1] != "mention" or c.first - r[0] <= REACH)
        ]
        if before:
            _, kind, words = max(before)
            return None if kind == "self" else Target(kind, words)
        after = [r for r in refs if c.last <= r[0] < c.last + FORWARD_REACH and r[1] != "self"]
        if after and not self._said_of_subject(c):
            _, kind, words = min(after)
            return Target(kind, words)
        return self._exclaimed(c) or self._addressee(c) or self._called(c)

    def _other_agent(self, c: Candidate) -> bool:
        """Return True when someone else does what the words say: a third person is their
        subject, right before them ("someone merged without running the linter", "my
        colleague pushed ...", "he just signed off ..."), an adverb or two between."""
        toks = self.tokens
        j = c.first - 1
        while j >= 0 and toks[j].norm in _AGENT_ADVERBS and toks[j].sentence == c.sentence:
            j -= 1
        if j < 0 or toks[j].sentence != c.sentence:
            return False
        if toks[j].norm in _OTHER_AGENTS:
            return True
        people = self.concepts().get(("person_noun", c.sentence), ())
        return any(s.last == j + 1 for s in people)

    def _said_of_subject(self, c: Candidate) -> bool:
        """Return True when the words follow a copula that has a subject of its own in their
        clause: they say what that subject is ("That headshot was disgusting 😂 well played
        @pixelfox"), not what a person named after them is ("what an idiot you are")."""
        lo, _ = self._clause_span(c.first, c.last)
        toks, text = self.tokens, self.text
        if toks[lo].norm not in _THING_SUBJECT:
            return False  # "Jordan from accounting is a lying snake": a person's name
        people = {
            i
            for k in ("person_noun", "victim_noun")
            for s in self.concepts().get((k, c.sentence), ())
            for i in range(s.first, s.last)
        }
        for j in range(lo + 1, c.first):
            if toks[j].norm in _FINITE:
                return True
            if j in people or text[toks[j].start].isupper():
                return False  # "the guy in the red car was ...", "the Smiths are ...": people
        return False

    def _called(self, c: Candidate) -> Target | None:
        """Return whom an insult used as a form of address at the end of a sentence is aimed
        at: the "you" of its sentence ("stop embarrassing yourself, loser")."""
        toks = self.tokens
        lo, hi = self._clause_span(c.first, c.last)
        ends = hi >= len(toks) or toks[hi].sentence != c.sentence
        after_comma = lo > 0 and toks[lo - 1].sentence == c.sentence
        if not (ends and after_comma) or (c.first - lo) + (hi - c.last) > 1:
            return None
        you = self.concepts().get(("ref_second", c.sentence), ())
        return Target("second_person", you[0].words) if you else None

    def _addressee(self, c: Candidate) -> Target | None:
        """Return whom a verdict like "Pathetic." is about: whom the sentence before addressed."""
        if c.sentence == 0 or self._in_clause("ref_self", c):
            return None
        # the whole sentence is the verdict, pointing at no one else ("Those clowns?" is not it)
        toks = self.tokens
        lo, hi = c.first, c.last
        while lo > 0 and toks[lo - 1].sentence == c.sentence:
            lo -= 1
        while hi < len(toks) and toks[hi].sentence == c.sentence:
            hi += 1
        words = toks[lo:hi]
        others = [t.norm for t in words if not (c.start <= t.start < c.end)]
        if not words or len(others) > SHORT_CLAUSE or set(others) & _POINTERS:
            return None
        concepts = self.concepts()
        last = c.sentence - 1
        addressed = [(s.first, s.words) for s in concepts.get(("ref_second", last), ())]
        addressed += [
            (i, self.text[self.tokens[i].start : self.tokens[i].end])
            for i in self.mention_tokens().get(last, ())
        ]
        if not addressed:
            return None
        return Target("second_person", max(addressed)[1], via="the sentence before")

    def _exclaimed(self, c: Candidate) -> Target | None:
        """Return the person a "What a loser!" clause is about: an insult said of someone."""
        toks, clause = self.tokens, self.clause(c.first)
        lo = c.first
        while lo > 0 and self.clause(lo - 1) == clause:
            lo -= 1
        last = c.last >= len(toks) or self.clause(c.last) != clause
        opener = " ".join(t.norm for t in toks[lo : lo + 2])
        if last and opener in _EXCLAMATIONS and c.first > lo + 1:
            return Target("third_person", self.text[toks[lo].start : toks[c.last - 1].end])
        return None

    # -- stance ----------------------------------------------------------------------------

    def negation(self, c: Candidate, negations: frozenset[str], *, clause: bool = False) -> str:
        """Return the word that negates the candidate ("not", "no one"), or ''.

        ``clause``: look through the whole clause before the words, not only the last few
        tokens ("I don't find disabled people gross").
        """
        toks = self.tokens
        here = self.clause(c.first)
        clauses = self._clause_numbers()  # every j below is a token: before c.first
        lo = max(0, c.first - NEGATION_WINDOW)
        if clause:
            while lo > 0 and clauses[lo - 1] == here:
                lo -= 1
        if any(toks[j].norm in negations and self._none_who_is_not(j) for j in range(lo, c.first)):
            return ""  # "never met one who wasn't ...": two negations, a claim about all
        for j in range(lo, c.first):
            # a "not" in the clause before ("not vermin, they're people") negates that one
            if (
                toks[j].norm in negations
                and clauses[j] == here
                and not self._rhetorical(j)
                and not (j + 1 < c.first and toks[j + 1].norm in _UNNEGATED_BY)
                and not (toks[j].norm in _UNNEGATED_BY and j > 0 and toks[j - 1].norm in negations)
                and not self._relative(j, c.first)
            ):
                return toks[j].norm
        # The clause's first token before the words (its subject, if any)
        j = c.first - 1
        while j > 0 and toks[j - 1].sentence == c.sentence and clauses[j - 1] == here:
            j -= 1
        # "I don't think women are inferior", "I would never say ...": a denied belief or
        # saying denies the whole claim that follows it in the clause
        for k in range(j, c.first - 1):
            if (
                toks[k].norm in negations
                and not self._rhetorical(k)
                and any(t.norm in _DENIED_BELIEF for t in toks[k + 1 : min(k + 3, c.first)])
            ):
                return toks[k].norm
        # "No one should ever threaten Jews": a subject that opens the clause negates all of it
        # (not "... nobody at work notices", where it is the subject of another verb)
        if 0 <= j < c.first:
            pair = f"{toks[j].norm} {toks[j + 1].norm}" if j + 1 < len(toks) else ""
            for opener in (pair, toks[j].norm):
                if opener in _WHOLE_CLAUSE_NEGATION:
                    return opener
            # "not because I think you're a ...": the "not" before the clause denies all of it
            if j > 0 and toks[j - 1].norm in ("not", "never") and toks[j].norm in _DENIED_CLAUSE:
                return f"{toks[j - 1].norm} {toks[j].norm}"
        return ""

    def _none_who_is_not(self, j: int) -> bool:
        """Return True when negation ``j`` is the second of two that make a claim about all:
        "name a single refugee who isn't a leech", "never met one who wasn't a criminal"."""
        toks = self.tokens
        if j < 2 or toks[j - 1].norm not in _RELATIVES:
            return False
        before = {t.norm for t in toks[max(0, j - 8) : j - 1] if t.sentence == toks[j].sentence}
        if before.isdisjoint(_FIND_ONE):
            return False
        # "a single" or "one" is every one asked for; a plain "a" only after "never met"
        return not before.isdisjoint(_ONE) or not before.isdisjoint(_NEVER)

    def _relative(self, j: int, first: int) -> bool:
        """Return True when negation ``j`` belongs to a relative clause that ends before the
        words: "people who don't own property | shouldn't get to vote" ("Muslims who aren't
        terrorists" is still negated: nothing stands between)."""
        toks = self.tokens
        return j > 0 and toks[j - 1].norm in _RELATIVES and first - j > 2

    def _rhetorical(self, j: int) -> bool:
        """Return True for a negative auxiliary opening a question: "Aren't they just ...?", or
        after "why" ("why don't we just shoot ...?" proposes it)."""
        toks = self.tokens
        opens = j == 0 or toks[j - 1].sentence != toks[j].sentence
        why = j > 0 and toks[j - 1].norm == "why"
        if why:
            opens = j == 1 or toks[j - 2].sentence != toks[j].sentence
        auxiliary = toks[j].norm in _RHETORICAL or (why and toks[j].norm == "not")
        return opens and auxiliary and self.asked(toks[j].sentence)

    def asked(self, sentence: int) -> bool:
        """Return True when the sentence is a question."""
        return self.sentence_text(sentence).rstrip().endswith("?")

    # -- sentences, sentiment, quotes, offsets ---------------------------------------------

    def bounds(self) -> list[int]:
        """Return the sentence end offsets."""
        if self._bounds is None:
            self._bounds = sentence_bounds(self.text)
        return self._bounds

    def sentence_of(self, offset: int) -> int:
        """Return the sentence number of the character at ``offset``."""
        return min(bisect_right(self.bounds(), offset), len(self.bounds()) - 1)

    def sentence_chars(self, sentence: int) -> tuple[int, int]:
        """Return the characters [start, end) of sentence number ``sentence``."""
        bounds = self.bounds()
        start = bounds[sentence - 1] if sentence > 0 else 0
        return start, bounds[sentence] if sentence < len(bounds) else len(self.text)

    def sentence_text(self, sentence: int) -> str:
        """Return the text of sentence number ``sentence``."""
        if sentence >= len(self.bounds()):
            return ""
        start, end = self.sentence_chars(sentence)
        return self.text[start:end]

    def sentiment(self, sentence: int) -> float:
        """Return VADER's compound sentiment of a sentence (computed once)."""
        if sentence not in self._sentiment:
            self._sentiment[sentence] = sentiment(self.sentence_text(sentence))
        return self._sentiment[sentence]

    def quoted(self, offset: int, sentence: int) -> bool:
        """Return True when ``offset`` lies inside quotation marks in its sentence.

        A post that opens with a quotation (a lyric, a repost) is what the author chose to
        publish: its words count as theirs.
        """
        if self._reposted():
            return False
        bounds = self.bounds()
        start = bounds[sentence - 1] if 0 < sentence < len(bounds) else 0
        if self._doubles is None:
            self._doubles = any(mark in self.text for mark in '"“”')
        if not self._doubles:  # no double quotation mark anywhere: an even count of them
            return self._single_quoted(start, offset)
        before = self.text[start:offset]
        if (before.count('"') + before.count("“") - before.count("”")) % 2 == 0:
            return self._single_quoted(start, offset)
        opening = max(before.rfind('"'), before.rfind("“"))
        return not _REPOST.match(before, opening + 1)

    def _single_quoted(self, start: int, offset: int) -> bool:
        """Return True when ``offset`` lies inside single quotation marks ('... are vermin'?).

        A mark between two letters is an apostrophe (don't, O'Neill), and so is one after a
        word's last letter and before a space when no mark opened a quotation (the dogs' bowls).
        """
        # Both ends bounded: a long draft without line breaks is scanned a sentence at a time
        limit = min(len(self.text), offset + MAX_QUOTE)
        end = self.text.find("\n", offset, limit)
        end = limit if end < 0 else end
        if self._marks is None:  # where the single quotation marks are, found once a text
            self._marks = [m.start() for m in _SINGLE.finditer(self.text)]
        first = bisect_left(self._marks, max(start, offset - MAX_QUOTE))
        last = bisect_left(self._marks, end, lo=first)
        opened = -1
        for i in self._marks[first:last]:
            letter_before = i > 0 and self.text[i - 1].isalnum()
            letter_after = i + 1 < len(self.text) and self.text[i + 1].isalnum()
            if letter_before and letter_after:
                continue  # an apostrophe inside a word
            if opened < 0:
                if letter_after and not letter_before:
                    opened = i
            elif letter_before and not letter_after:
                if opened < offset < i:
                    # A claim quoted ('X are vermin'), not scare quotes ('doctors and engineers'),
                    # or a label someone gave ("called refugees 'vermin'")
                    words = _WORD.findall(self.text[opened:i].lower())
                    return not _CLAIM_WORDS.isdisjoint(words) or bool(
                        _NAMING.search(self.text, max(start, opened - 60), opened)
                    )
                opened = -1
        return False

    def _reposted(self) -> bool:
        """Return True when the post opens with a quotation it does not go on to judge.

        '"All you need is love" 🎶' republishes the words; '"Women belong in the kitchen"?
        Seriously, grow up' quotes them to answer them: a few words after the quotation (an
        emoji, "lol", "- Name") leave it the author's.
        """
        if self._repost is None:
            lead = _LEAD.match(self.text)
            start = lead.end() if lead else 0
            self._repost = False
            if self.text[start : start + 1] in _QUOTES:
                close = _CLOSING.search(self.text, start + 1)
                words = _WORD.finditer(self.text, close.end()) if close else iter(())
                self._repost = next(islice(words, _COMMENT_WORDS - 1, None), None) is None
        return self._repost

    def token_range(self, start: int, end: int) -> tuple[int, int]:
        """Return the tokens [first, last) that overlap the characters [start, end)."""
        if self._starts is None or self._ends is None:
            # Token ends rise with their starts, except for the extra tokens a hashtag adds
            # inside itself; a running maximum keeps the list sorted for bisect.
            ends, top = [], -1
            for t in self.tokens:
                top = max(top, t.end)
                ends.append(top)
            self._starts, self._ends = [t.start for t in self.tokens], ends
        first = bisect_right(self._ends, start)
        last = bisect_left(self._starts, end, lo=first)
        return first, max(first + 1, last)


TITLES = frozenset(
    ("dr", "mr", "mrs", "ms", "mx", "prof", "professor", "sir", "dame", "rev", "judge", "senator")
)
"""Words before a name: a capitalised word after one is a surname, not a swear word."""


def _clauses(text: str, tokens: list[Token]) -> list[int]:
    """Number the clauses: a new one at each sentence, clause punctuation or clause word.

    Commas that only list words ("a broke, lying, pathetic liar") start no clause: an item of
    one or two words between two commas (or a comma and "and"/"or") joins its neighbours.
    """
    count = len(tokens)
    starts = [False] * count  # per token: does a new clause start here?
    comma = [False] * count  # ... because of a comma alone?
    commas: list[int] = []
    search = CLAUSE_BREAK.search
    words = _CLAUSE_WORDS
    prev_end, prev_sentence = -1, -1
    for i, t in enumerate(tokens):
        start, sentence = t.start, t.sentence
        if i:
            # Most words are apart by one space, which breaks no clause: no search for it
            punct = (
                start > prev_end
                and (start > prev_end + 1 or text[prev_end] != " ")
                and search(text, prev_end, start) is not None
            )
            if sentence != prev_sentence or t.norm in words or punct:
                starts[i] = True
                if punct and sentence == prev_sentence and text[prev_end:start].strip() == ",":
                    comma[i] = True
                    commas.append(i)
            if start >= prev_end:  # a hashtag's parts stay inside the hashtag
                prev_end, prev_sentence = t.end, sentence
        else:
            prev_end, prev_sentence = t.end, sentence
    for i in commas:
        j = i + 1
        while (
            j < len(tokens) and not starts[j] and j - i < 3 and tokens[j].norm not in ("and", "or")
        ):
            j += 1
        ends_list = j < len(tokens) and j - i < 3 and (comma[j] or tokens[j].norm in ("and", "or"))
        if ends_list:
            starts[i] = False
            if j < len(tokens) and comma[j]:
                starts[j] = False
    return list(accumulate(starts, initial=0))[1:]  # the first word never starts one: 0


@lru_cache(maxsize=1)
def _vader() -> Callable[[str], Mapping[str, float]]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    return analyzer.polarity_scores  # type: ignore[no-any-return]


def sentiment(text: str) -> float:
    """Return VADER's compound sentiment of ``text``, from -1 (negative) to +1 (positive)."""
    return float(_vader()(text)["compound"])
