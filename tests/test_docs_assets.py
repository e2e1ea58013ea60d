"""The docs page's assets: vendored at the recorded version, and the only scripts the page loads."""

from __future__ import annotations

import hashlib
import json
import re

from app.api.docs import ASSET_FILES, ASSETS_DIR, PACKAGE
from app.config import Settings
from tests.helpers import api_client


def test_vendored_files_match_their_record() -> None:
    record = json.loads((ASSETS_DIR / "SOURCE.json").read_text())
    assert record["package"] == PACKAGE
    assert re.fullmatch(r"\d+\.\d+\.\d+", record["version"])  # an exact, pinned version
    assert set(record["files"]) == set(ASSET_FILES)
    for name, digest in record["files"].items():
        assert hashlib.sha256((ASSETS_DIR / name).read_bytes()).hexdigest() == digest, name


async def test_the_docs_page_loads_only_the_services_own_assets(settings: Settings) -> None:
    async with api_client(settings) as client:
        page = await client.get("/docs")
        bundle = await client.get("/docs/assets/swagger-ui-bundle.js")
        legacy = await client.get("/docs/swagger")
    assert page.status_code == 200
    head = page.text.split("<body>", 1)[0]
    referenced = re.findall(r"(?:src|href)=[\"']([^\"']+)", head)
    assert len(referenced) == 4, referenced  # favicon, stylesheet, two scripts
    assert all(url.startswith("/docs/assets/") for url in referenced), referenced
    assert "validatorUrl: null" in page.text
    assert bundle.status_code == 200
    assert bundle.content == (ASSETS_DIR / "swagger-ui-bundle.js").read_bytes()
    assert legacy.status_code == 200
