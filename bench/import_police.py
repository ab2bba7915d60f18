"""Benchmark ``nte import police`` against a plain COPY: ``python -m bench.import_police --rows N``.

The same as ``nte bench import-police --rows N``; the work is in venues/police/benchmark.py
so that the installed command can run it too.
"""

from __future__ import annotations

import sys

from nte.cli import main

if __name__ == "__main__":
    main(["bench", "import-police", *sys.argv[1:]])
