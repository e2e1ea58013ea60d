"""The README's settings tables, generated from the declarations in :mod:`app.config`.

python scripts/settings_table.py --check   # exit 1 when README.md differs from the declarations
python scripts/settings_table.py --write   # rewrite the tables in README.md
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app.config import PROJECT_ROOT, SETTINGS, Setting

__all__ = ("README", "main", "render_readme", "render_table")

README = PROJECT_ROOT / "README.md"
_BLOCK = re.compile(
    r"(?P<start><!-- settings table: (?P<table>\w+) .*?-->\n)(?P<body>.*?)(?P<end><!-- end of settings table -->)",
    re.DOTALL,
)


def _shown_default(setting: Setting[Any]) -> str:
    if setting.shown is not None:
        return setting.shown
    if isinstance(setting.default, bool):
        return "on" if setting.default else "off"
    if setting.default is None or setting.default == ():
        return "none"
    return f"`{setting.default}`"


def _variable(setting: Setting[Any]) -> str:
    aliases = "".join(f" (or `{alias}`)" for alias in setting.aliases)
    return f"`{setting.variable}`{aliases}"


def render_table(table: str) -> str:
    """The Markdown table of one group of settings (``main`` or ``mail``), in declaration order."""
    rows = [f"| {_variable(s)} | {_shown_default(s)} | {s.meaning} |" for s in SETTINGS if s.table == table]
    if not rows:
        msg = f"no settings are declared for the table {table!r}"
        raise ValueError(msg)
    return "\n".join(["| variable | default | meaning |", "|---|---|---|", *rows, ""])


def render_readme(text: str) -> str:
    """``text`` with every marked settings table regenerated."""
    if not _BLOCK.search(text):
        msg = "README.md has no `<!-- settings table: ... -->` markers"
        raise ValueError(msg)
    return _BLOCK.sub(lambda m: m["start"] + render_table(m["table"]) + m["end"], text)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true", help="exit 1 when README.md is out of date")
    mode.add_argument("--write", action="store_true", help="rewrite the tables in README.md")
    parser.add_argument("--readme", type=Path, default=README)
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    current = args.readme.read_text(encoding="utf-8")
    wanted = render_readme(current)
    if args.write:
        if wanted != current:
            args.readme.write_text(wanted, encoding="utf-8")
        return 0
    if wanted != current:
        print(f"{args.readme}: the settings tables differ from app/config.py; run scripts/settings_table.py --write")
        return 1
    return 0
