"""Lint drafts: read plain text, Markdown or HTML, honour control comments, report findings.

Markup is never removed from the string; it is blanked out with spaces (newlines kept), so every
finding's offsets, line and column point into the file as written. Skipped: front matter, code
blocks and inline code, link and image targets, HTML tags, comments, scripts and styles.

Character references (``&amp;``, ``f&#117;ck``) are decoded in HTML and Markdown. A decoded
character is shorter than its reference, so the difference is made up with spaces at the end of
the word the reference sits in: the word stays whole for matching, the rest of the line keeps its
columns, and a finding inside such a word is mapped back to the characters it covers in the file.

Control comments (in any format)::

    <!-- selfwatch-disable employer -->  ... <!-- selfwatch-enable employer -->
    <!-- selfwatch-ignore profanity.obscene -->   (the next non-empty line only)

A selector is a rule id, a category, or nothing for all rules; several may be given, separated
by commas or spaces.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .engine import Engine, risk_score
from .errors import InputError
from .model import Finding, Level

Kind = Literal["text", "markdown", "html"]

MARKDOWN_SUFFIXES = frozenset({".md", ".markdown", ".mdx", ".mkd", ".mdown"})
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})

_DIRECTIVE = re.compile(r"<!--\s*selfwatch-(disable|enable|ignore)\b([^>]*?)\s*-->", re.IGNORECASE)
_FRONT_MATTER = re.compile(
    r"\A(?:---|\+\+\+)[ \t]*\n.*?\n(?:---|\+\+\+|\.\.\.)[ \t]*(?:\n|\Z)", re.S
)
_FENCE = re.compile(r"^[ \t]{0,3}(```+|~~~+)[^\n]*\n.*?(?:^[ \t]{0,3}\1[ \t]*$|\Z)", re.S | re.M)
_INLINE_CODE = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)", re.S)
_LINK_TARGET = re.compile(r"(?<=\])\((?:[^()\s]|\([^()]*\))*(?:\s+\"[^\"]*\")?\)")
_REF_DEF = re.compile(r"^[ \t]{0,3}\[[^\]]+\]:[ \t]*\S+.*$", re.M)
_AUTOLINK = re.compile(r"<(?:https?|ftp|mailto):[^>\s]*>", re.I)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_SCRIPT = re.compile(r"<(script|style|pre|code)\b[^>]*>.*?</\1\s*>", re.S | re.I)
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]{1,31});")
# What the tokenizer keeps inside one word (text.py); an entity among them is part of the word
_WORD_CHAR = r"[\w*$'’@!|.#-]"
# Starts only where a word starts, so a long word without entities is scanned once, not per letter
_ENTITY_WORD = re.compile(
    rf"(?<!{_WORD_CHAR})(?:{_ENTITY.pattern}|{_WORD_CHAR})*{_ENTITY.pattern}"
    rf"(?:{_ENTITY.pattern}|{_WORD_CHAR})*"
)
_IS_WORD_CHAR = re.compile(_WORD_CHAR)
# Invisible in a rendered page, so a disguise inside a word: "f&shy;uck", "f&#8203;uck"
_INVISIBLE = frozenset("\xad\u200b\u200c\u200d\u2060\ufeff")
_URL = re.compile(r"\bhttps?://\S+")


@dataclass(frozen=True)
class FileReport:
    """The lint result for one input: its findings after control comments, and its score."""

    path: str
    text: str
    findings: tuple[Finding, ...]
    score: int
    flagged: bool
    suppressed: int = 0

    def worst(self) -> Level | None:
        """Return the highest level among the risk findings, or None when there are none."""
        levels = [f.level for f in self.findings if f.is_risk]
        return max(levels) if levels else None


def detect_kind(path: str, text: str) -> Kind:
    """Guess the format from the file name, or from the content for stdin."""
    suffix = Path(path).suffix.lower()
    if suffix in MARKDOWN_SUFFIXES:
        return "markdown"
    if suffix in HTML_SUFFIXES:
        return "html"
    if suffix or path != "-":
        return "text"
    head = text.lstrip()[:200].lower()
    if head.startswith(("<!doctype html", "<html")) or re.search(r"<(p|div|body)\b", head):
        return "html"
    return "text"


def blank(text: str, start: int, end: int) -> str:
    """Return ``text`` with [start, end) replaced by spaces, keeping newlines."""
    return text[:start] + re.sub(r"[^\n]", " ", text[start:end]) + text[end:]


def _blank_all(text: str, pattern: re.Pattern[str]) -> str:
    return pattern.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)


def prose(text: str, kind: Kind) -> str:
    """Return ``text`` with everything that is not prose blanked out (same length, same lines)."""
    return _prose(text, kind)[0]


_Moved = dict[int, tuple[int, int]]
"""For each offset of a decoded word in the prose: the span in the file it came from."""


def _prose(text: str, kind: Kind) -> tuple[str, _Moved]:
    out = _blank_all(text, _COMMENT)
    if kind == "text":
        return _blank_all(out, _URL), {}
    if kind == "markdown":
        m = _FRONT_MATTER.match(out)
        if m:
            out = blank(out, 0, m.end())
        for pattern in (_FENCE, _INLINE_CODE, _LINK_TARGET, _REF_DEF, _AUTOLINK, _SCRIPT, _TAG):
            out = _blank_all(out, pattern)
        out = out.replace("![", "  ")
    else:
        for pattern in (_SCRIPT, _TAG):
            out = _blank_all(out, pattern)
    moved: _Moved = {}
    out = _ENTITY_WORD.sub(lambda m: _decode_word(m, moved), out)
    return _blank_all(out, _URL), moved


def _decode_word(m: re.Match[str], moved: _Moved) -> str:
    """Decode the entities of one word, padded at its end to keep its length; note what moved."""
    parts: list[str] = []
    sources: list[tuple[int, int]] = []  # the file span of each character put in ``parts``
    pad = 0  # spaces owed by the entities of the word so far
    pos = m.start()
    for e in _ENTITY.finditer(m.string, m.start(), m.end()):
        parts.append(m.string[pos : e.start()])
        sources.extend((i, i + 1) for i in range(pos, e.start()))
        pos = e.end()
        char = _decoded(e.group())
        if char is None:
            parts.append(e.group())
            sources.extend((i, i + 1) for i in range(e.start(), e.end()))
        elif char == "" or _IS_WORD_CHAR.fullmatch(char):
            parts.append(char)
            sources.extend([e.span()] * len(char))
            pad += len(e.group()) - len(char)
        else:
            # Not part of a word ("&amp;", "&nbsp;"): the word before it ends, and its padding
            parts.append(" " * pad + char + " " * (len(e.group()) - 1))
            sources.extend([(e.start(), e.start())] * pad + [e.span()] * len(e.group()))
            pad = 0
    parts.append(m.string[pos : m.end()] + " " * pad)
    sources.extend([*((i, i + 1) for i in range(pos, m.end())), *[(m.end(), m.end())] * pad])
    moved.update(enumerate(sources, m.start()))
    return "".join(parts)


def _decoded(entity: str) -> str | None:
    """Return the character ``entity`` stands for ("" if invisible), or None to keep it as is."""
    char = html.unescape(entity)
    if len(char) != 1 or char == entity:
        return None
    if char in _INVISIBLE:
        return ""
    # A newline or tab would move every line:col after it
    return " " if char.isspace() else char


@dataclass(frozen=True)
class _Directive:
    action: str
    selectors: tuple[str, ...]
    line: int


def directives(text: str) -> list[_Directive]:
    """Return the control comments of ``text`` in order."""
    out = []
    for m in _DIRECTIVE.finditer(text):
        selectors = tuple(s for s in re.split(r"[\s,]+", m.group(2).strip()) if s)
        out.append(_Directive(m.group(1).lower(), selectors, text.count("\n", 0, m.start()) + 1))
    return out


def _matches(selectors: Sequence[str], finding: Finding) -> bool:
    return not selectors or finding.rule in selectors or finding.category in selectors


def suppressed_by(text: str, finding: Finding, found: list[_Directive]) -> bool:
    """Return True when a control comment switches ``finding`` off."""
    lines = text.split("\n")
    disabled: list[tuple[str, ...]] = []
    for d in found:
        if d.line > finding.line:
            break
        if d.action == "disable":
            disabled.append(d.selectors)
        elif d.action == "enable":
            disabled = [s for s in disabled if d.selectors and s != d.selectors]
        elif (
            d.action == "ignore"
            and _next_content_line(lines, d.line) == finding.line
            and _matches(d.selectors, finding)
        ):
            return True
    return any(_matches(s, finding) for s in disabled)


def _next_content_line(lines: list[str], line: int) -> int:
    for i in range(line, len(lines)):
        if lines[i].strip() and not _DIRECTIVE.fullmatch(lines[i].strip()):
            return i + 1
    return -1


def lint_document(engine: Engine, path: str, text: str, kind: Kind | None = None) -> FileReport:
    """Lint one document's prose and apply its control comments."""
    kind = kind or detect_kind(path, text)
    clean, moved = _prose(text, kind)
    verdict = engine.lint(clean)
    found = directives(text)
    kept = [f for f in verdict.findings if not (found and suppressed_by(text, f, found))]
    kept = [_with_original(f, text, moved) for f in kept]
    score = risk_score(kept)
    return FileReport(
        path=path,
        text=text,
        findings=tuple(kept),
        score=score,
        flagged=score >= engine.checklist.threshold,
        suppressed=len(verdict.findings) - len(kept),
    )


def _with_original(finding: Finding, text: str, moved: _Moved) -> Finding:
    """Point ``finding`` at the characters of ``text`` it was found in, as written."""
    from dataclasses import replace

    start = moved.get(finding.start, (finding.start, 0))[0]
    end = moved.get(finding.end - 1, (0, finding.end))[1]
    # A decoded word never spans lines, so the line stays and the column moves with the start
    col = finding.col + start - finding.start
    return replace(finding, start=start, end=end, col=col, matched=text[start:end])


def read_inputs(paths: Iterable[str], stdin_text: str | None = None) -> list[tuple[str, str]]:
    """Read each path (``-`` is stdin) as UTF-8 text; raise InputError naming a bad one."""
    out = []
    for path in paths:
        if path == "-":
            out.append(("-", stdin_text or ""))
            continue
        p = Path(path)
        try:
            data = p.read_bytes()
        except IsADirectoryError:
            raise InputError(f"{path}: is a directory; pass the files to lint") from None
        except OSError as exc:
            raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
        try:
            out.append((path, data.decode("utf-8-sig")))
        except UnicodeDecodeError:
            out.append((path, data.decode("latin-1")))
    return out
