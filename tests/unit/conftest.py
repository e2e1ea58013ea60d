"""The unit tier: pure rules, no database, no app, no network.

The suite's ``backend`` fixture (``tests/conftest.py``) parametrizes only the tests that reach
it through a database fixture; a unit test that asked for one would run once per backend and
stop being a unit test, so collection refuses it.
"""

from __future__ import annotations

import pytest

DATABASE_FIXTURES = frozenset({"backend", "migrated_url", "settings", "engine", "db", "client", "pg_database_factory"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if not str(item.path).startswith(str(config.rootpath / "tests" / "unit")):
            continue
        used = DATABASE_FIXTURES.intersection(getattr(item, "fixturenames", ()))
        if used:
            raise pytest.UsageError(f"{item.nodeid}: a unit test may not use database fixtures ({sorted(used)})")
