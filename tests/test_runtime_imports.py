"""The running service does not import its development tooling, and app/db imports no layer above it."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEV_TOOLING = ("app.dev", "polyfactory", "faker")


def test_the_app_imports_no_development_tooling() -> None:
    probe = (
        "import json, sys\n"
        "import app.api.application\n"
        "from app.config import Settings\n"
        "app.api.application.create_app(Settings(environment='test'))\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    modules = json.loads(result.stdout.splitlines()[-1])
    assert "app.api.application" in modules
    loaded = [name for name in modules if name == "app.seed" or name.startswith(DEV_TOOLING)]
    assert loaded == []
    for gone in ("app.db.seed", "app.db.factories", "app.db.d1_export"):
        assert gone not in modules


def _imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_the_db_layer_imports_nothing_above_it() -> None:
    above = ("app.repositories", "app.api", "app.dev", "app.mail")
    offenders = {
        path.name: sorted(name for name in _imported_modules(path) if name.startswith(above))
        for path in sorted((ROOT / "app" / "db").glob("*.py"))
    }
    assert {name: found for name, found in offenders.items() if found} == {}
