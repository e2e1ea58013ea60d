"""Fill the configured database with the development data set: ``python scripts/seed.py --help``.

The logic lives in :mod:`app.dev.seed` (importable by tests and benchmarks).
"""

from __future__ import annotations

import sys

from app.dev.seed import main

if __name__ == "__main__":
    sys.exit(main())
