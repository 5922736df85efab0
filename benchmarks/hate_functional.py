"""Hate recall and false alarms per functionality on the hand-written functional suite.

Usage::

    python benchmarks/hate_functional.py                  # the dev part (tuned on)
    python benchmarks/hate_functional.py --part heldout   # a part once kept aside (now dev too)
    python benchmarks/hate_functional.py --blind          # the blind part: figures only, no misses
    python benchmarks/hate_functional.py --misses         # also list the cases it gets wrong

The cases in ``benchmarks/hate_functional/`` were written from the published list of HateCheck's
29 functionalities (not from its data). A case counts as "hate found" when it gets a ``hate``
finding at ``warning`` or above. Gates (issue 9): recall >= 0.85 on every hateful functionality,
hate findings on <= 10 % of every non-hateful one.

``heldout.jsonl`` was kept aside during the first rework and scored then; its misses were read in
the second, so it is a development part now. ``fresh.jsonl`` was written after that, blind to the
detector, scored once (recall 0.821, 0.091 on non-hateful cases), and its misses read since: a
development part too. ``fresh2.jsonl`` was written blind later still and scored twice, totals
only (0.778 / 0.091 before a session's tuning, 0.787 / 0.061 after); its misses are never
listed (``--part fresh2``). ``fresh3.jsonl``, written blind after that, was scored blind, totals
only (0.861 / 0.038, 10 functionalities below gate; 0.875 / 0.038 a session later; ``--part
fresh3``); ``fresh4.jsonl`` too, with the code of the start and of the end of one session
(0.833 / 0.015 -> 0.838 / 0.015, 7 below gate); its misses were read a session later, so it is
a development part now (``--part fresh4``). ``fresh5.jsonl``, written blind after that, was
scored blind at the start of that session (0.843 / 0.030, 11 below gate) and at its end
(0.847 / 0.030, 11 below gate; ``--part fresh5``, totals only). ``fresh6.jsonl``, written blind
after that, was scored blind once at the start of the next session (0.833 / 0.068, 12 below
gate) and its misses read then: a development part (``--part fresh6``). ``fresh7.jsonl``, written
blind after that, was scored blind with the code of the start and of the end of one session
(0.815 / 0.038, 9 below gate, both; ``--part fresh7``, totals only). ``fresh8.jsonl``, written
blind after that, was scored blind at the start of the next session (0.866 / 0.038, 7 below
gate). ``fresh9.jsonl``, written blind after that, was scored blind at the end of the same
session (0.764 / 0.038, 12 below gate). The misses of fresh8 and fresh9 were read in the session
after that, and the deep checklist's hate head trains on every development part: both are
development parts now. ``fresh10.jsonl``, written blind after that, was scored blind at the start
of that session (0.847 / 0.068, 9 below gate) and its misses read in the next: a development
part. ``fresh11.jsonl``, written blind in that session, was scored blind at the start of the
next (0.769 / 0.061, 15 below gate; 0.829 / 0.061, 13 below, with ``--deep``; ``--part
fresh11``, totals only; 0.769 / 0.053 at its end). ``fresh12.jsonl``, written blind in that
session, was scored blind at its end (0.833 / 0.023, 10 below gate; 0.898 / 0.023, 7 below, with
``--deep``; ``--part fresh12``, totals only). ``fresh13.jsonl``, written blind after that, was
scored blind at the start of the next session (0.903 / 0.038, 5 below gate; 0.912 / 0.053, 6
below, with ``--deep``; ``--part fresh13``, totals only). ``fresh14.jsonl``, written blind in
that session, was scored blind at the start of the next (0.847 / 0.023, 7 below gate; 0.875 /
0.023, 7 below, with ``--deep``) and its misses read then: a development part. ``fresh15.jsonl``,
written blind in that session, was scored blind at its end, totals only (0.819 / 0.030, 9 below
gate; 0.819 / 0.023 with the code of its start; 0.866 / 0.038, 6 below, with ``--deep``;
``--part fresh15``).
``fresh16.jsonl``, written blind in that session too, was scored blind at the start of the
next, totals only (0.852 / 0.008, 8 below gate; 0.903 / 0.008, 5 below, with ``--deep``;
``--part fresh16``). ``fresh17.jsonl``, written blind in that session, was scored blind at its
end, totals only (0.880 / 0.015, 5 below gate, the same with the code of its start; 0.912 /
0.023, 3 below, with ``--deep``; ``--part fresh17``). ``fresh18.jsonl``, written blind after
that, was scored blind at the start of the next session, totals only (0.806 / 0.008, 9 below
gate; 0.852 / 0.015, 9 below, with ``--deep``; ``--part fresh18``). ``fresh19.jsonl``, written
blind in that session, is the blind part: ``--blind`` scores it, totals only, never its misses.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

from selfwatch.checklist import default_engine
from selfwatch.model import ChecklistSettings, Level

HERE = Path(__file__).resolve().parent / "hate_functional"
RECALL_GATE = 0.85
FALSE_ALARM_GATE = 0.10
DEVELOPMENT = (
    "dev",
    "heldout",
    "fresh",
    "fresh4",
    "fresh6",
    "fresh8",
    "fresh9",
    "fresh10",
    "fresh14",
)
SCORED = (
    "fresh2",
    "fresh3",
    "fresh5",
    "fresh7",
    "fresh11",
    "fresh12",
    "fresh13",
    "fresh15",
    "fresh16",
    "fresh17",
    "fresh18",
)
"""Parts scored blind whose misses have never been read: totals only."""
BLIND = "fresh19"
ENGINE = [default_engine()]
"""The engine scored (``--deep``: with the deep checklist)."""


def read_cases(path: Path) -> list[dict[str, str]]:
    """Return the cases of one JSON Lines file."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def hate_found(text: str) -> bool:
    """Return True when the checklist gives ``text`` a hate finding at warning or above."""
    return any(
        f.category == "hate" and f.level >= Level.WARNING for f in ENGINE[0].lint(text).findings
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Print one row per functionality with its rate and whether it meets its gate."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--part", choices=(*DEVELOPMENT, *SCORED, BLIND), default="dev", help="the part to score"
    )
    parser.add_argument("--blind", action="store_true", help=f"score {BLIND}.jsonl (no misses)")
    parser.add_argument("--misses", action="store_true", help="list the cases it gets wrong")
    parser.add_argument("--deep", action="store_true", help="with the deep checklist")
    args = parser.parse_args(argv)
    if args.deep:
        ENGINE[0] = default_engine(settings=ChecklistSettings(deep=True))
    part = BLIND if args.blind else args.part
    cases = read_cases(HERE / f"{part}.jsonl")
    args.misses = args.misses and part in DEVELOPMENT
    groups: dict[str, list[tuple[dict[str, str], bool]]] = {}
    for case in cases:
        groups.setdefault(case["functionality"], []).append((case, hate_found(case["text"])))
    failed = 0
    print(f"{'functionality':28} {'label':12} {'n':>4} {'hate':>6}  gate")
    hateful_hits = hateful_n = other_hits = other_n = 0
    for name, rows in groups.items():
        label = rows[0][0]["label"]
        hits = sum(found for _, found in rows)
        rate = hits / len(rows)
        if label == "hateful":
            ok = rate >= RECALL_GATE
            hateful_hits, hateful_n = hateful_hits + hits, hateful_n + len(rows)
        else:
            ok = rate <= FALSE_ALARM_GATE
            other_hits, other_n = other_hits + hits, other_n + len(rows)
        failed += not ok
        print(f"{name:28} {label:12} {len(rows):4d} {rate:6.2f}  {'pass' if ok else 'FAIL'}")
        if args.misses:
            for case, found in rows:
                if found != (label == "hateful"):
                    print(f"      {'missed' if label == 'hateful' else 'flagged'}: {case['text']}")
    recall = hateful_hits / max(hateful_n, 1)
    false_alarms = other_hits / max(other_n, 1)
    balanced = (recall + 1 - false_alarms) / 2
    print(
        f"\nhateful recall {recall:.3f}, hate on non-hateful {false_alarms:.3f}, "
        f"balanced accuracy {balanced:.3f}; {failed} functionalities miss their gate"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
