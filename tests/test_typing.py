"""The type checker rejects a reference to a column that does not exist (the seed's typecheck rule)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _mypy(source: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    module = tmp_path / "snippet.py"
    module.write_text(source)
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--follow-imports=silent", str(module)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_mypy_rejects_a_non_existent_model_attribute(tmp_path: Path) -> None:
    good = "from app.db.models import User\n\ndef f(u: User) -> str | None:\n    return u.preferred_locale\n"
    bad = "from app.db.models import User\n\ndef f(u: User) -> str | None:\n    return u.preferred_locale_x\n"
    assert _mypy(good, tmp_path).returncode == 0
    result = _mypy(bad, tmp_path)
    assert result.returncode != 0
    assert '"User" has no attribute "preferred_locale_x"' in result.stdout
