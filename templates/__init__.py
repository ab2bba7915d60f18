"""Jinja templates for pages and e-mails (a package only so it installs with the code)."""
