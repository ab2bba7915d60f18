"""Numbered plain-SQL migrations, applied in order by ``nte.migrate``."""
