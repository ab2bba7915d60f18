"""``python -m nte`` is the ``nte`` command."""

from nte.cli import main

main()
