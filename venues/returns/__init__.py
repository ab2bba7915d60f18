"""Monthly returns: each venue's self-report for a calendar month, reviewed by officers."""
