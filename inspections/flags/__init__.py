"""Flags: what the scheduled checks raise, with their evidence, explanation and lifecycle."""
