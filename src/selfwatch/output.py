"""Format results for people (terminal) and programs (JSON). Pure functions returning strings."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from .lint import FileReport
from .model import Finding

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def terminal_safe(value: str, *, keep_newlines: bool = False) -> str:
    """Return ``value`` with control characters (ANSI escapes, bidi overrides) made visible."""
    if not keep_newlines:
        value = value.replace("\r", " ").replace("\n", " ")
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", value)


def finding_line(path: str, f: Finding, *, explain: bool = False) -> str:
    """Return ``path:line:col: level category.rule: message`` (plus why and suggestion)."""
    head = (
        f"{terminal_safe(path)}:{f.line}:{f.col}: {f.level.label} {f.rule}: {f.message} "
        f"[{terminal_safe(f.matched)!r}]"
    )
    if not explain:
        return head
    return f"{head}\n    why: {terminal_safe(f.why)}\n    suggestion: {terminal_safe(f.suggestion)}"


def text_report(reports: Sequence[FileReport], *, explain: bool = False) -> str:
    """Return the human-readable lint output for several files, with a summary line."""
    lines: list[str] = []
    for r in reports:
        lines.extend(finding_line(r.path, f, explain=explain) for f in r.findings)
    risky = sum(1 for r in reports for f in r.findings if f.is_risk)
    good = sum(1 for r in reports for f in r.findings if not f.is_risk)
    flagged = sum(1 for r in reports if r.flagged)
    scores = ", ".join(f"{terminal_safe(r.path)}={r.score}" for r in reports)
    lines.append(
        f"{len(reports)} file(s), {risky} risk finding(s), {good} good, "
        f"{flagged} flagged; score {scores}"
    )
    return "\n".join(lines)


def finding_dict(f: Finding) -> dict[str, Any]:
    """Return a JSON-ready dict of a finding."""
    return {
        "rule": f.rule,
        "category": f.category,
        "level": f.level.label,
        "line": f.line,
        "col": f.col,
        "start": f.start,
        "end": f.end,
        "matched": f.matched,
        "message": f.message,
        "suggestion": f.suggestion,
        "why": f.why,
    }


def json_report(reports: Sequence[FileReport]) -> str:
    """Return the JSON lint output: a list with one object per file."""
    data = [
        {
            "path": r.path,
            "score": r.score,
            "flagged": r.flagged,
            "suppressed": r.suppressed,
            "findings": [finding_dict(f) for f in r.findings],
        }
        for r in reports
    ]
    return json.dumps(data, indent=2, ensure_ascii=False)
