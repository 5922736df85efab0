"""Show untrusted text safely: control characters written out instead of acted on."""

from __future__ import annotations

import re

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
"""Characters that change what a terminal or a text view shows: escape sequences (colours,
hidden OSC 8 links), the bell, carriage returns, zero-width and bidi-override characters."""


def visible_controls(value: str) -> str:
    """Return ``value`` with each control character written out as ``\\xNN`` (not tab, newline)."""
    return CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", value)
