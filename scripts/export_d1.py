"""Regenerate the Cloudflare D1 migration files from the Alembic revisions: ``python scripts/export_d1.py``.

``--check`` only compares (CI). The logic lives in :mod:`app.dev.d1_export`.
"""

from __future__ import annotations

import sys

from app.dev.d1_export import main

if __name__ == "__main__":
    sys.exit(main())
