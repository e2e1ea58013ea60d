"""polyfactory factories of the models, with realistic values from Faker (used by the seed and tests).

Every column is either generated here or left to the caller (foreign keys, timestamps and states
the caller decides), never random garbage: no relationships or foreign keys are invented.
``seed_factories(n)`` makes everything they produce, ids included, reproducible.
"""

from __future__ import annotations

import random
from typing import Any, Generic, TypeVar

from faker import Faker
from polyfactory import Ignore, Use
from polyfactory.factories.sqlalchemy_factory import SQLAlchemyFactory
from polyfactory.field_meta import FieldMeta

from app.db.models import (
    Account,
    Base,
    Invitation,
    Member,
    Organization,
    Passkey,
    SsoProvider,
    Subscription,
    Team,
    TeamMember,
    User,
    UserSession,
)
from app.domain.ids import ALPHABET

__all__ = (
    "FAKER",
    "RNG",
    "AccountFactory",
    "InvitationFactory",
    "MemberFactory",
    "OrganizationFactory",
    "PasskeyFactory",
    "SeedFactory",
    "SessionFactory",
    "SsoProviderFactory",
    "SubscriptionFactory",
    "TeamFactory",
    "TeamMemberFactory",
    "UserFactory",
    "column_names",
    "random_id",
    "row_values",
    "seed_factories",
)

M = TypeVar("M", bound=Base)

FAKER = Faker("en_US")
RNG = random.Random()  # noqa: S311 - development data must be reproducible, not secret
LOCALES = ("en", "en-US", "en-GB", "fr-FR", "de-DE", "es-ES", "pt-BR", "ja-JP", "zh-Hant-TW", "nl-NL", "it-IT")
TEAM_NAMES = ("Platform", "Design", "Growth", "Mobile", "Data", "Security", "Support", "Billing", "Infra", "Docs")


def seed_factories(seed: int) -> None:
    """Make every factory (and ``random_id``) produce the same sequence for the same seed."""
    RNG.seed(seed)
    FAKER.seed_instance(seed)


# Every byte value maps to one of the 62 symbols; ids need not be uniform (they are development
# data and never secrets), only reproducible and cheap: this is ~10x faster than RNG.choices.
_ID_BYTES = bytes(ord(ALPHABET[value % len(ALPHABET)]) for value in range(256))


def random_id(size: int = 32) -> str:
    """A Better Auth-style id (``[A-Za-z0-9]``) drawn from the factories' (seedable) random source."""
    return RNG.randbytes(size).translate(_ID_BYTES).decode("ascii")


_COLUMN_NAMES: dict[type[Base], dict[str, str]] = {}


def column_names(model: type[Base]) -> dict[str, str]:
    """Mapped attribute name -> column name (``created_at`` -> ``createdAt``), computed once per model."""
    names = _COLUMN_NAMES.get(model)
    if names is None:
        names = _COLUMN_NAMES[model] = {attr.key: attr.columns[0].name for attr in model.__mapper__.column_attrs}
    return names


def row_values(instance: Base) -> dict[str, Any]:
    """The built instance as a row for a Core ``insert(table)``: column name -> value."""
    return {column: getattr(instance, key) for key, column in column_names(type(instance)).items()}


def _user_agent() -> str:
    return str(FAKER.user_agent())


_FIELDS: dict[type[Any], list[FieldMeta]] = {}


class SeedFactory(SQLAlchemyFactory[M], Generic[M]):
    __is_base_factory__ = True
    __set_relationships__ = False
    __set_foreign_keys__ = False
    __check_model__ = True
    __faker__ = FAKER
    __random__ = RNG

    id = Use(random_id)

    @classmethod
    def get_model_fields(cls) -> list[FieldMeta]:
        """The model's fields, inspected once per factory (polyfactory inspects on every build)."""
        if cls not in _FIELDS:
            _FIELDS[cls] = super().get_model_fields()
        return _FIELDS[cls]


class UserFactory(SeedFactory[User]):
    __model__ = User

    name = Use(FAKER.name)
    email = Use(FAKER.email)
    email_verified = Use(lambda: RNG.random() < 0.8)
    image = Use(lambda: f"https://i.pravatar.cc/150?u={random_id(12)}")
    role = "user"
    banned = False
    ban_reason = Ignore()
    ban_expires = Ignore()
    stripe_customer_id = Ignore()
    preferred_locale = Use(lambda: RNG.choice(LOCALES))
    created_at = Ignore()
    updated_at = Ignore()


class AccountFactory(SeedFactory[Account]):
    __model__ = Account

    account_id = Use(lambda: str(RNG.randrange(10**7, 10**9)))
    provider_id = "github"
    access_token = Ignore()
    refresh_token = Ignore()
    id_token = Ignore()
    access_token_expires_at = Ignore()
    refresh_token_expires_at = Ignore()
    scope = Ignore()
    password = Ignore()
    created_at = Ignore()
    updated_at = Ignore()


class SessionFactory(SeedFactory[UserSession]):
    __model__ = UserSession

    token = Use(random_id)
    ip_address = Use(FAKER.ipv4_public)
    user_agent = Use(_user_agent)
    impersonated_by = Ignore()
    active_organization_id = Ignore()
    active_team_id = Ignore()
    created_at = Ignore()
    updated_at = Ignore()


class OrganizationFactory(SeedFactory[Organization]):
    __model__ = Organization

    name = Use(FAKER.company)
    slug = Use(lambda: FAKER.slug())
    logo = Use(lambda: f"https://logo.clearbit.com/{FAKER.domain_name()}")
    metadata_json = Use(lambda: f'{{"industry":"{FAKER.bs().split()[-1]}","size":{RNG.choice([5, 20, 50, 200])}}}')
    stripe_customer_id = Ignore()
    created_at = Ignore()
    updated_at = Ignore()


class MemberFactory(SeedFactory[Member]):
    __model__ = Member

    role = "member"
    created_at = Ignore()
    updated_at = Ignore()


class TeamFactory(SeedFactory[Team]):
    __model__ = Team

    name = Use(lambda: RNG.choice(TEAM_NAMES))
    member_count = 0
    created_at = Ignore()
    updated_at = Ignore()


class TeamMemberFactory(SeedFactory[TeamMember]):
    __model__ = TeamMember

    created_at = Ignore()
    updated_at = Ignore()


class InvitationFactory(SeedFactory[Invitation]):
    __model__ = Invitation

    role = "member"
    team_id = Ignore()
    status = "pending"
    created_at = Ignore()
    updated_at = Ignore()


class PasskeyFactory(SeedFactory[Passkey]):
    __model__ = Passkey

    name = Use(lambda: RNG.choice(("MacBook Touch ID", "iPhone", "YubiKey 5", "Pixel 8", "Windows Hello")))
    public_key = Use(lambda: FAKER.pystr(min_chars=88, max_chars=88) + "==")
    credential_id = Use(lambda: random_id(43))
    counter = Use(lambda: RNG.randrange(0, 500))
    device_type = Use(lambda: RNG.choice(("singleDevice", "multiDevice")))
    backed_up = Use(lambda: RNG.random() < 0.5)
    transports = Use(lambda: RNG.choice(("internal", "internal,hybrid", "usb,nfc")))
    aaguid = Use(lambda: str(FAKER.uuid4()))
    created_at = Ignore()
    updated_at = Ignore()


class SsoProviderFactory(SeedFactory[SsoProvider]):
    __model__ = SsoProvider

    issuer = Use(lambda: f"https://{FAKER.domain_word()}.okta.com")
    oidc_config = Ignore()
    saml_config = Ignore()
    domain = Use(FAKER.domain_name)
    created_at = Ignore()
    updated_at = Ignore()


class SubscriptionFactory(SeedFactory[Subscription]):
    __model__ = Subscription

    plan = Use(lambda: RNG.choice(("starter", "pro", "team")))
    stripe_customer_id = Use(lambda: f"cus_{random_id(14)}")
    stripe_subscription_id = Use(lambda: f"sub_{random_id(24)}")
    status = "active"
    trial_start = Ignore()
    trial_end = Ignore()
    cancel_at_period_end = False
    cancel_at = Ignore()
    canceled_at = Ignore()
    ended_at = Ignore()
    seats = Use(lambda: RNG.choice((5, 10, 25)))
    billing_interval = Use(lambda: RNG.choice(("month", "year")))
    stripe_schedule_id = Ignore()
    created_at = Ignore()
    updated_at = Ignore()
