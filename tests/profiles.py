"""Profiles shared by tests."""

from __future__ import annotations

from selfwatch.model import Profile

EXAMPLE_PROFILE = Profile(
    key="jane",
    name="Jane Doe",
    variants=("Jane Q. Doe",),
    emails=("jane.doe@example.com",),
    phones=("+1 503 555 0142",),
    employers=("Acme Corp",),
    confidential_terms=("Bluebird", "Globex"),
    context_terms=("Portland", "software engineer"),
    exclude_terms=("softball",),
)
"""The profile the rule files' examples are written for (see README, "Rules")."""
