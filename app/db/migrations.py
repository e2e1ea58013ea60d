"""Run the Alembic revisions programmatically (what ``litestar database upgrade/downgrade`` do).

Call from synchronous code only: the migration environment runs its own event loop.
"""

from __future__ import annotations

from advanced_alchemy.alembic.commands import AlembicCommands

from app.config import Settings
from app.db.engine import sqlalchemy_config

__all__ = ("downgrade", "upgrade")


def upgrade(settings: Settings, revision: str = "head") -> None:
    AlembicCommands(sqlalchemy_config=sqlalchemy_config(settings)).upgrade(revision)


def downgrade(settings: Settings, revision: str = "base") -> None:
    AlembicCommands(sqlalchemy_config=sqlalchemy_config(settings)).downgrade(revision)
