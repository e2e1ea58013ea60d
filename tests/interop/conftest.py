"""Fixtures of the interop tests: the npm tools, installed once per run."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.interop.tools import install


@pytest.fixture(scope="session")
def node_tools(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A throwaway folder with wrangler and Better Auth installed by ``npm ci``."""
    return install(tmp_path_factory.mktemp("node-tools"))
