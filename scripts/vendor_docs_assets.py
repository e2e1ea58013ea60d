"""Vendor the API docs' browser assets (Swagger UI, from the npm package ``swagger-ui-dist``).

The service serves /docs from these files only (no CDN). They are committed; this script
replaces them with another pinned version and records what was taken in ``SOURCE.json`` (package,
version, the npm tarball's integrity, and each file's SHA-256), which ``tests/test_docs_assets.py``
checks against the files.

    .venv/bin/python scripts/vendor_docs_assets.py 5.35.0     # needs npm and the npm registry
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.api.docs import ASSET_FILES, ASSETS_DIR, PACKAGE


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def vendor(version: str) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        packed = subprocess.run(
            ["npm", "pack", "--json", f"{PACKAGE}@{version}"], cwd=scratch, check=True, capture_output=True, text=True
        )
        info = json.loads(packed.stdout)[0]
        with tarfile.open(Path(scratch) / info["filename"]) as archive:
            archive.extractall(scratch, filter="data")
        ASSETS_DIR.mkdir(parents=True, exist_ok=True)
        for name in ASSET_FILES:
            shutil.copyfile(Path(scratch) / "package" / name, ASSETS_DIR / name)
    record = {
        "package": PACKAGE,
        "version": info["version"],
        "integrity": info["integrity"],
        "files": {name: sha256(ASSETS_DIR / name) for name in ASSET_FILES},
    }
    (ASSETS_DIR / "SOURCE.json").write_text(json.dumps(record, indent=2) + "\n")
    print(f"vendored {PACKAGE}@{info['version']} into {ASSETS_DIR}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("version", help="the swagger-ui-dist version to vendor (exact)")
    vendor(parser.parse_args().version)
    return 0


if __name__ == "__main__":
    sys.exit(main())
