"""Generate or check the README's settings tables: ``python scripts/settings_table.py --check|--write``.

The logic lives in :mod:`app.dev.settings_table`; the settings are declared in :mod:`app.config`.
"""

from __future__ import annotations

import sys

from app.dev.settings_table import main

if __name__ == "__main__":
    sys.exit(main())
