"""Format results for people (terminal) and programs (JSON). Pure functions returning strings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .display import visible_controls
from .evidence import RuleHits, group_findings
from .model import RISK_CATEGORIES, SCORE_LIMIT, FeedSpec, Finding, Profile

if TYPE_CHECKING:
    from .lint import FileReport  # for types only: check and status need no lint machinery
    from .store import FeedHealth, Store, StoredPost
    from .triage import Relabel


def terminal_safe(value: str, *, keep_newlines: bool = False) -> str:
    """Return ``value`` with control characters (ANSI escapes, bidi overrides) made visible."""
    if not keep_newlines:
        value = value.replace("\r", " ").replace("\n", " ")
    return visible_controls(value)


def finding_line(path: str, f: Finding, *, explain: bool = False) -> str:
    """Return ``path:line:col: level category.rule: message`` (plus why and suggestion)."""
    words = ", ".join(repr(terminal_safe(w)) for w in dict.fromkeys(f.words or (f.matched,)))
    head = (
        f"{terminal_safe(path)}:{f.line}:{f.col}: {f.level.label} {f.rule}: {f.message} [{words}]"
    )
    if not explain:
        return head
    lines = [head, f"    why: {terminal_safe(f.why)}"]
    if f.target:
        lines.append(f"    target: {terminal_safe(f.target)}")
    lines.append(f"    stance: {f.stance}")
    lines.append(f"    suggestion: {terminal_safe(f.suggestion)}")
    return "\n".join(lines)


def rule_line(path: str, hits: RuleHits, *, explain: bool = False) -> str:
    """Return one line for a rule's findings in a file: the first position, every match once.

    ``path:line:col: level category.rule: message ['first', 'second' (12:5)]``, where each
    match after the first carries its own ``line:col``.
    """
    first = hits.first
    words = [repr(terminal_safe(first.matched))]
    for f in hits.findings[1:]:  # a span inside an earlier finding's sentence has no line:col
        where = f" ({f.line}:{f.col})" if f.line else ""
        words.append(f"{terminal_safe(f.matched)!r}{where}")
    head = (
        f"{terminal_safe(path)}:{first.line}:{first.col}: {hits.level.label} {hits.rule}: "
        f"{hits.message} [{', '.join(words)}]"
    )
    if not explain:
        return head
    lines = [head, *(f"    why: {terminal_safe(why)}" for why in hits.whys)]
    lines += [f"    target: {terminal_safe(target)}" for target in hits.targets]
    lines.append(f"    stance: {', '.join(hits.stances)}")
    lines.append(f"    suggestion: {terminal_safe(hits.suggestion)}")
    return "\n".join(lines)


def text_report(reports: Sequence[FileReport], *, explain: bool = False) -> str:
    """Return the human-readable lint output for several files, with a summary line.

    Each rule that fired in a file gives one line, listing every span it matched.
    """
    lines: list[str] = []
    for r in reports:
        lines.extend(rule_line(r.path, h, explain=explain) for h in group_findings(r.findings))
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
        "target": f.target,
        "stance": f.stance,
        "spans": [list(span) for span in f.spans],
        "words": list(f.words),
    }


def json_report(reports: Sequence[FileReport]) -> str:
    """Return the JSON lint output: a list with one object per file, one finding a line.

    Written by hand around compact ``json.dumps`` calls rather than with ``indent``: indented
    output goes through the pure-Python encoder, a tenth of the time of a 1 MB draft's lint
    (10,000 findings); compact output is the C encoder's. One finding a line also greps well.
    """
    import json  # only for --format json: not on every start

    def dumps(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False)

    files = []
    for r in reports:
        head = (
            f'    "path": {dumps(r.path)},\n    "score": {dumps(r.score)},\n'
            f'    "flagged": {dumps(r.flagged)},\n    "suppressed": {dumps(r.suppressed)},\n'
        )
        found = ",\n".join("      " + dumps(finding_dict(f)) for f in r.findings)
        listed = f"[\n{found}\n    ]" if found else "[]"
        files.append(f'  {{\n{head}    "findings": {listed}\n  }}')
    return "[\n" + ",\n".join(files) + "\n]" if files else "[]"


def short_id(post_id: str) -> str:
    """Return the first 10 characters of a post id (enough to be unique; accepted as a prefix)."""
    return post_id[:10]


def when(value: datetime | None) -> str:
    """Return a compact UTC time, or '-' when unknown."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if value else "-"


def post_table(posts: Sequence[StoredPost], *, width: int = 60) -> str:
    """Return one line per post: id, score, flag, identity, categories, source, title and URL.

    The flag column says FLAG for a flagged post, ``ack`` once it is handled and ``ign`` once
    it is ignored (``selfwatch ack`` / ``ignore``).
    """
    if not posts:
        return "no posts"
    lines = [f"{'id':10}  {'score':>5}  {'':4}  {'identity':8}  {'categories':24}  title / url"]
    indent = " " * (len(lines[0]) - len("title / url"))
    for sp in posts:
        v = sp.verdict
        cats = ",".join(c for c in v.categories if c in RISK_CATEGORIES) or "-"
        flag = _TRIAGED.get(sp.status, "FLAG" if v.flagged else "")
        title = terminal_safe(sp.post.title or sp.post.text)[:width]
        url = f"\n{indent}{terminal_safe(sp.post.url)}" if sp.post.url else ""
        score = v.score if v.scored else "-"
        lines.append(
            f"{short_id(sp.id):10}  {score:>5}  {flag:4}  {sp.identity.confidence:8}  "
            f"{cats[:24]:24}  {title}{url}"
        )
    return "\n".join(lines)


_TRIAGED = {"acked": "ack", "ignored": "ign"}


def post_detail(sp: StoredPost) -> str:
    """Return everything known about one stored post: the post, identity and every finding."""
    p, v, i = sp.post, sp.verdict, sp.identity
    lines = [
        f"id:        {sp.id}",
        f"profile:   {terminal_safe(sp.profile)}",
        f"title:     {terminal_safe(p.title)}",
        f"url:       {terminal_safe(p.url)}",
        f"author:    {terminal_safe(p.author) or '-'}",
        f"published: {when(p.published)}   seen: {when(sp.seen_at)}   status: {sp.status}",
        f"feeds:     {terminal_safe(', '.join(sp.feeds)) or '-'}",
        f"identity:  {i.confidence} ({i.role}): {terminal_safe(i.reason)}",
        *identity_lines(sp),
        _score_line(sp),
        "",
        terminal_safe(p.text, keep_newlines=True).strip() or "(no text)",
    ]
    if v.findings or v.unread:
        lines.append("")
        lines.append("findings:")
    for h in group_findings(v.findings):
        words = ", ".join(repr(terminal_safe(word)) for word in h.matched)
        lines.append(f"  {h.level.label:7} {h.rule}: {words}")
        lines.append(f"          {h.message}")
        lines.extend(f"          why: {terminal_safe(why)}" for why in h.whys)
        lines.append(f"          suggestion: {h.suggestion}")
    if v.unread:
        lines.append(f"  {unread_note(v.unread)}")
    return "\n".join(lines)


def _score_line(sp: StoredPost) -> str:
    v = sp.verdict
    if not v.scored:
        return f"score:     not scored (not about you; `selfwatch me {short_id(sp.id)}` scores it)"
    return (
        f"score:     {v.score}{'  FLAGGED' if v.flagged else ''}   checklist {v.checklist_version}"
    )


def identity_lines(sp: StoredPost) -> list[str]:
    """Return the weighing behind a post's identity: each piece of evidence with its points."""
    items = sp.identity.evidence
    if not items:
        return []
    lines = []
    for side, label in (("for", "for:"), ("against", "against:")):
        for n, e in enumerate(x for x in items if x.side == side):
            points = f"{e.weight:+d}" if e.weight else "  ="
            head = label if n == 0 else ""
            lines.append(f"  {head:9}{points:>3}  {terminal_safe(e.text)}")
    total = sum(e.weight for e in items)
    if any(e.weight for e in items):
        rule = "me from 4 with something specific, maybe from 2, below 2 not me"
        lines.append(f"  {'total':9}{total:>3}  ({rule})")
    return lines


def relabel_lines(relabels: Sequence[Relabel], width: int = 70) -> list[str]:
    """Return one line per post whose identity changed: id, before -> after, title."""
    lines = []
    for r in relabels:
        title = terminal_safe(r.post.post.title or r.post.post.text)[:width]
        after = r.post.identity.confidence
        lines.append(f"  {short_id(r.post.id):10}  {r.before} -> {after}  {title}")
    return lines


def unread_note(unread: int) -> str:
    """Return the note for a post whose end was past the scoring cap."""
    return (
        f"not read: the last {unread:,} characters (the checklist reads the first "
        f"{SCORE_LIMIT:,} of a post); read the rest yourself"
    )


def stored_dict(sp: StoredPost) -> dict[str, Any]:
    """Return a JSON-ready dict of a stored post."""
    p = sp.post
    return {
        "id": sp.id,
        "profile": sp.profile,
        "title": p.title,
        "url": p.url,
        "author": p.author,
        "published": p.published.isoformat() if p.published else None,
        "seen_at": sp.seen_at.isoformat(),
        "feeds": list(sp.feeds),
        "identity": {
            "confidence": sp.identity.confidence,
            "role": sp.identity.role,
            "reason": sp.identity.reason,
            "evidence": [
                {"side": e.side, "kind": e.kind, "text": e.text, "weight": e.weight}
                for e in sp.identity.evidence
            ],
        },
        "score": sp.verdict.score,
        "scored": sp.verdict.scored,
        "flagged": sp.verdict.flagged,
        "status": sp.status,
        "findings": [finding_dict(f) for f in sp.verdict.findings],
        "unread": sp.verdict.unread,
    }


def feed_lines(specs: Sequence[FeedSpec], health: Mapping[str, FeedHealth]) -> str:
    """Return one line per feed: health, kind, label or URL, last success and last error."""
    lines = []
    for spec in specs:
        h = health.get(spec.url)
        state = h.state if h else None
        if state is None or (state.last_success is None and not state.last_error):
            status = "new"
        elif state.disabled:
            status = "DISABLED"
        elif state.failures:
            status = f"FAILING x{state.failures}"
        elif state.malformed:
            status = "malformed"
        else:
            status = "ok"
        url = state.url if state and state.url else spec.url
        moved = f" (moved from {terminal_safe(spec.url)})" if url != spec.url else ""
        lines.append(f"  {status:12} {spec.kind:14} {terminal_safe(url)}{moved}")
        if spec.label:
            lines.append(f"  {'':12} {'':14} label: {terminal_safe(spec.label)}")
        if state and (state.last_success or state.last_error):
            posts = h.posts if h else 0
            lines.append(f"  {'':12} {'':14} last ok: {when(state.last_success)}; posts: {posts}")
        if state and state.last_error and (state.failures or state.disabled):
            lines.append(f"  {'':12} {'':14} error: {terminal_safe(state.last_error)}")
        if state and state.malformed:
            lines.append(f"  {'':12} {'':14} malformed: {terminal_safe(state.malformed)}")
    return "\n".join(lines) if lines else "  no feeds"


def profile_lines(profiles: Sequence[Profile], store: Store) -> str:
    """Return one line per profile: key, name, last check, open flags and feed health."""
    from .sources import configured_only  # here: lint never needs the feed sources

    lines = [f"{'profile':16} {'name':24} {'last check':16} {'open flags':>10}  feeds"]
    for p in profiles:
        last = store.last_event(p.key, "poll")
        open_flags = store.open_flags(p.key)
        health = configured_only(p, store.feed_health(p.key))
        failing = sum(1 for h in health if h.state.failures and not h.state.disabled)
        disabled = sum(1 for h in health if h.state.disabled)
        feeds = f"{len(health) - failing - disabled} ok, {failing} failing, {disabled} disabled"
        lines.append(
            f"{terminal_safe(p.key)[:16]:16} {terminal_safe(p.name)[:24]:24} "
            f"{when(last[0] if last else None):16} {open_flags:>10}  {feeds}"
        )
    coach = coach_line(profiles, store)
    return "\n".join([*lines, "", coach] if coach else lines)


def coach_line(profiles: Sequence[Profile], store: Store) -> str:
    """Return how the coach's combined digest (``digest --all``) stands: last sent, waiting.

    Empty until a combined digest was sent (or failed) once.
    """
    from .store import COACH

    sent = [d.created_at for p in profiles if (d := store.last_digest(p.key, audience=COACH))]
    failed = store.last_event(COACH, "digest_error")
    if not sent and failed is None:
        return ""
    waiting = sum(len(store.pending(p.key, COACH)) for p in profiles)
    line = f"coach digest (digest --all): last {when(max(sent)) + ' UTC' if sent else 'never'}"
    line += f"; {waiting} post(s) waiting for it"
    if failed and (not sent or failed[0] > max(sent)):
        line += f"; last send failed {when(failed[0])} UTC: {terminal_safe(failed[1])}"
    return line
