"""The work on top of the venue record: inspections, flags, risk, digest (built in later issues)."""
