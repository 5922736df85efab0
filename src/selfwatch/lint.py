"""Lint drafts: read plain text, Markdown or HTML, honour control comments, report findings.

Markup is never removed from the string; it is blanked out with spaces (newlines kept), so every
finding's offsets, line and column point into the file as written. Skipped: front matter, code
blocks and inline code, link and image targets, HTML tags, comments, scripts and styles.

Character references (``&amp;``, ``f&#117;ck``) are decoded in HTML and Markdown, and inline
tags inside a word (``f<b></b>uck``, ``sh<i>i</i>t``) are dropped, since a browser shows one word.
Either leaves the word shorter than it is in the file, so the difference is made up with spaces
at the end of the word: the word stays whole for matching, the rest of the line keeps its
columns, and a finding inside such a word is mapped back to the characters it covers in the file.
Tags that render a break or an object (``<br>``, ``<p>``, ``<td>``, ``<img>``...) still split words.

Markdown indented code blocks are found by an approximation of CommonMark: a run of lines
indented by 4+ spaces or a tab that follows a blank line (or starts the text) is code, unless the
nearest line above it with text is a list item or belongs to one (then it is the item's text).
Front matter, fenced code and HTML comments count as blank lines here, as blocks that cannot be
continued. An indented line right after a paragraph line is its continuation and is linted; so is
one right after a heading or a block quote line, which CommonMark would read as code.

Control comments (in any format)::

    <!-- selfwatch-disable employer -->  ... <!-- selfwatch-enable employer -->
    <!-- selfwatch-ignore profanity.obscene -->   (the next non-empty line only)

A selector is a rule id, a category, or nothing for all rules; several may be given, separated
by commas or spaces.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal, NamedTuple

from .checklist import Engine, risk_score
from .errors import InputError, InputRefusedError
from .model import Finding, Level

Kind = Literal["text", "markdown", "html"]

MARKDOWN_SUFFIXES = frozenset({".md", ".markdown", ".mdx", ".mkd", ".mdown"})
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})

_DIRECTIVE = re.compile(r"<!--\s*selfwatch-(disable|enable|ignore)\b([^>]*?)\s*-->", re.IGNORECASE)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
# The Markdown and HTML patterns are kept as source, flags inline, and compiled by _rx when a
# file in either format is first linted: a plain-text lint needs none of them
_FRONT_MATTER = r"(?s)\A(?:---|\+\+\+)[ \t]*\n.*?\n(?:---|\+\+\+|\.\.\.)[ \t]*(?:\n|\Z)"
_FENCE = r"(?sm)^[ \t]{0,3}(```+|~~~+)[^\n]*\n.*?(?:^[ \t]{0,3}\1[ \t]*$|\Z)"
_INLINE_CODE = r"(?s)(`+)(?!`).+?(?<!`)\1(?!`)"
_LINK_TARGET = r"(?<=\])\((?:[^()\s]|\([^()]*\))*(?:\s+\"[^\"]*\")?\)"
_REF_DEF = r"(?m)^[ \t]{0,3}\[[^\]]+\]:[ \t]*\S+.*$"
_AUTOLINK = r"(?i)<(?:https?|ftp|mailto):[^>\s]*>"
_SCRIPT = r"(?si)<(script|style|pre|code)\b[^>]*>.*?</\1\s*>"
_TAG = r"</?[A-Za-z][^<>]*>"
_TAG_RUN = rf"(?:{_TAG})+"
# Elements a browser draws as a block, a line break or an object: a word ends at them. Any
# other element, unknown ones included, is inline by default and can sit inside a word
_BREAKING_TAG = (
    r"(?i)</?(?:address|article|aside|audio|blockquote|body|br|button|canvas|caption|center|col"
    r"|colgroup|dd|details|dialog|dir|div|dl|dt|embed|fieldset|figcaption|figure|footer|form"
    r"|frame|frameset|h[1-6]|head|header|hgroup|hr|html|iframe|img|input|legend|li|listing|main"
    r"|math|menu|meter|nav|object|ol|optgroup|option|p|picture|plaintext|pre|progress|q|search"
    r"|section|select|summary|svg|table|tbody|td|textarea|tfoot|th|thead|title|tr|ul|video|xmp)"
    r"(?![A-Za-z0-9-])"
)
_ENTITY = r"&(?:#\d+|#x[0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]{1,31});"
_ENTITY_END = rf"{_ENTITY}\Z"
# What the tokenizer keeps inside one word (checklist/tokens.py); an entity or a kept tag among
# them is part of the word and is decoded or dropped
_WORD_CHAR = r"[\w*$'’@!|.#-]"
_SPLICE = rf"{_ENTITY}|{_TAG}"
# Starts only where a word starts, so a long word without either is scanned once, not per letter
_SPLICED_WORD = (
    rf"(?<!{_WORD_CHAR})(?:{_SPLICE}|{_WORD_CHAR})*(?:{_SPLICE})"
    rf"(?:{_SPLICE}|{_WORD_CHAR})*"
)
_INDENTED = r"(?: {4}| {0,3}\t)"
_LIST_ITEM = r" {0,3}(?:[-+*]|\d{1,9}[.)])(?:[ \t]|$)"
# Invisible in a rendered page, so a disguise inside a word: "f&shy;uck", "f&#8203;uck"
_INVISIBLE = frozenset("\xad\u200b\u200c\u200d\u2060\ufeff")
_URL = re.compile(r"\bhttps?://\S+")
_rx = cache(re.compile)
"""Compile a pattern the first time it is used (the markup ones above)."""


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
        m = _rx(_FRONT_MATTER).match(out)
        if m:
            out = blank(out, 0, m.end())
        # Block structure before inline: a fence's content and an indented block are code
        out = _blank_indented_code(_blank_all(out, _rx(_FENCE)))
        for pattern in (_INLINE_CODE, _LINK_TARGET, _REF_DEF, _AUTOLINK, _SCRIPT):
            out = _blank_all(out, _rx(pattern))
        out = _blank_tags(out).replace("![", "  ")
    else:
        out = _blank_tags(_blank_all(out, _rx(_SCRIPT)))
    moved: _Moved = {}
    out = _rx(_SPLICED_WORD).sub(lambda m: _decode_word(m, moved), out)
    return _blank_all(out, _URL), moved


def _blank_indented_code(text: str) -> str:
    """Blank Markdown indented code blocks (the approximation in the module docstring)."""
    lines = text.split("\n")
    after_blank, in_list, in_code = True, False, False
    for i, line in enumerate(lines):
        if not line.strip():
            after_blank = True
            continue
        indented = bool(_rx(_INDENTED).match(line))
        # Once open, a code block runs on over blank lines until a line that is not indented
        in_code = indented and (in_code or (after_blank and not in_list))
        if in_code:
            lines[i] = " " * len(line)
        elif _rx(_LIST_ITEM).match(line):
            in_list = True
        elif after_blank and not indented:
            in_list = False  # a paragraph after a blank line is outside the list
        after_blank = False
    return "\n".join(lines)


def _blank_tags(text: str) -> str:
    """Blank HTML tags, but keep a run of inline tags inside a word for ``_decode_word``."""

    def one(m: re.Match[str]) -> str:
        return m.group() if _inside_word(m) else " " * len(m.group())

    return _rx(_TAG_RUN).sub(one, text)


def _inside_word(run: re.Match[str]) -> bool:
    """Return True for inline tags with a word character (or an entity) right on both sides."""
    text, start, end = run.string, run.start(), run.end()
    before = _rx(_WORD_CHAR).fullmatch(text[start - 1 : start]) or _rx(_ENTITY_END).search(
        text, max(0, start - 40), start
    )
    after = _rx(_WORD_CHAR).match(text, end) or _rx(_ENTITY).match(text, end)
    # Every "<" in a run opens one of its tags, so this looks at tag names only
    return bool(before and after) and not _rx(_BREAKING_TAG).search(run.group())


def _decode_word(m: re.Match[str], moved: _Moved) -> str:
    """Decode the entities of one word and drop its tags, padded at its end to keep its length.

    Note in ``moved`` which characters of the file each character of the result came from.
    """
    parts: list[str] = []
    sources: list[tuple[int, int]] = []  # the file span of each character put in ``parts``
    pad = 0  # spaces owed by the entities and tags of the word so far
    pos = m.start()
    for e in _rx(_SPLICE).finditer(m.string, m.start(), m.end()):
        parts.append(m.string[pos : e.start()])
        sources.extend((i, i + 1) for i in range(pos, e.start()))
        pos = e.end()
        char = _decoded(e.group())
        if char is None:
            parts.append(e.group())
            sources.extend((i, i + 1) for i in range(e.start(), e.end()))
        elif char == "" or _rx(_WORD_CHAR).fullmatch(char):
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
    if entity.startswith("<"):
        return ""  # a tag kept by _blank_tags: inline, inside a word
    from html import unescape  # only markup has entities: not imported for plain text

    char = unescape(entity)
    if len(char) != 1 or char == entity:
        return None
    if char in _INVISIBLE:
        return ""
    # A newline or tab would move every line:col after it
    return " " if char.isspace() else char


class _Directive(NamedTuple):
    # A NamedTuple: a frozen dataclass costs about a millisecond of every start to create
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

    if not moved:
        # Nothing decoded: the offsets stand; only blanked text (a URL, a comment) can make
        # the words differ. A long plain draft has thousands of findings to leave as they are.
        words = tuple(text[a:b] for a, b in finding.spans)
        if words == finding.words and text[finding.start : finding.end] == finding.matched:
            return finding

    def original(a: int, b: int) -> tuple[int, int]:
        return moved.get(a, (a, 0))[0], moved.get(b - 1, (0, b))[1]

    start, end = original(finding.start, finding.end)
    spans = tuple(original(a, b) for a, b in finding.spans)
    # A decoded word never spans lines, so the line stays and the column moves with the start
    col = finding.col + start - finding.start
    return replace(
        finding,
        start=start,
        end=end,
        col=col,
        matched=text[start:end],
        spans=spans,
        words=tuple(text[a:b] for a, b in spans),
    )


DEFAULT_MAX_BYTES = 2_000_000
"""The largest draft ``lint`` reads (``[lint] max_bytes``): a long book chapter is ~200 kB."""


def read_inputs(
    paths: Iterable[str],
    stdin_data: bytes | str | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> list[tuple[str, str]]:
    """Read each path (``-`` is stdin) as text; raise InputError naming a bad one.

    A file over ``max_bytes`` or one that looks binary raises InputRefusedError before any
    linting starts, so nothing is half-done.
    """
    out = []
    for path in paths:
        if path == "-":
            data = stdin_data if stdin_data is not None else b""
            if isinstance(data, str):
                data = data.encode("utf-8")
            out.append(("-", decode_draft("-", data, max_bytes)))
            continue
        p = Path(path)
        try:
            size = p.stat().st_size
            if size > max_bytes:
                raise InputRefusedError(_too_large(path, size, max_bytes))
            data = p.read_bytes()
        except IsADirectoryError:
            raise InputError(f"{path}: is a directory; pass the files to lint") from None
        except OSError as exc:
            raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
        out.append((path, decode_draft(path, data, max_bytes)))
    return out


def decode_draft(name: str, data: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """Return ``data`` as text (UTF-8, UTF-16 with a BOM, else Latin-1), refusing binary data."""
    if len(data) > max_bytes:
        raise InputRefusedError(_too_large(name, len(data), max_bytes))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    if _looks_binary(data):
        raise InputRefusedError(
            f"{name}: this looks like a binary file, not a draft; lint reads plain text, "
            "Markdown and HTML"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _too_large(name: str, size: int, limit: int) -> str:
    what = "standard input" if name == "-" else "the file"
    return (
        f"{name}: {what} is over the lint limit of {limit:,} bytes ({size:,} or more); "
        "lint it in parts, or raise [lint] max_bytes or --max-bytes"
    )


_CONTROL = frozenset(range(0x20)) - {0x09, 0x0A, 0x0C, 0x0D, 0x1B}


def _looks_binary(data: bytes) -> bool:
    """Return True for data no editor would call text: NUL bytes or many control characters."""
    head = data[:8192]
    if b"\0" in head:
        return True
    controls = sum(1 for byte in head if byte in _CONTROL)
    return controls > len(head) // 20
