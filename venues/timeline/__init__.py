"""Everything that happened at a venue, newest first, from every part of its record."""
