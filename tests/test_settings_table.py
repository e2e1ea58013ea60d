"""The README's settings tables are generated from the declarations in app/config.py."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from app.config import SETTINGS, MailSettings, Settings
from app.dev.settings_table import README, main, render_readme

ROOT = Path(__file__).resolve().parent.parent


def test_readme_tables_match_the_declarations() -> None:
    text = README.read_text(encoding="utf-8")
    assert render_readme(text) == text, "README.md is out of date: run scripts/settings_table.py --write"


def test_every_declared_variable_is_in_the_readme_once() -> None:
    text = README.read_text(encoding="utf-8")
    for setting in SETTINGS:
        assert text.count(f"| `{setting.variable}`") == 1, setting.variable


def test_check_fails_when_the_readme_differs(tmp_path: Path) -> None:
    copy = tmp_path / "README.md"
    copy.write_text(README.read_text(encoding="utf-8").replace("| `5000` |", "| `6000` |"), encoding="utf-8")
    assert main(["--check", "--readme", str(copy)]) == 1
    assert main(["--write", "--readme", str(copy)]) == 0
    assert main(["--check", "--readme", str(copy)]) == 0


def test_the_script_checks_the_committed_readme() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "settings_table.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_field_defaults_are_the_declared_ones() -> None:
    settings, mail = Settings(), MailSettings()
    declared = {setting.variable: setting.default for setting in SETTINGS}
    assert settings.db_pool_size == declared["DB_POOL_SIZE"]
    assert settings.log_level == declared["LOG_LEVEL"]
    assert settings.secret == declared["BETTER_AUTH_SECRET"]
    assert mail.send_attempts == declared["MAIL_SEND_ATTEMPTS"]
    assert mail.revoke_sessions_on_reset is declared["REVOKE_SESSIONS_ON_PASSWORD_RESET"]
