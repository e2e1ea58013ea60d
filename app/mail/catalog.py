"""The texts of every message, per language (English and French), and how a user's locale picks one.

``user.preferredLocale`` is a BCP 47 tag (``fr``, ``fr-CA``, ``pt-BR``): the first language whose
tag or primary subtag matches is used, English otherwise. Texts are plain; the HTML part escapes
them (``app.mail.compose``). ``{name}``, ``{hours}`` and ``{new_email}`` are filled in per message.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ("DEFAULT_LOCALE", "Kind", "Texts", "resolve_locale", "texts_for")

DEFAULT_LOCALE = "en"


class Kind(StrEnum):
    """What a message is for."""

    RESET_PASSWORD = "reset-password"  # noqa: S105 - a message kind, not a password
    VERIFY_EMAIL = "verify-email"
    CHANGE_EMAIL = "change-email"


@dataclass(frozen=True, slots=True)
class Texts:
    subject: str
    greeting: str
    intro: str
    action: str
    expiry: str
    ignore: str


_CATALOG: dict[str, dict[Kind, Texts]] = {
    "en": {
        Kind.RESET_PASSWORD: Texts(
            subject="Reset your password",
            greeting="Hello {name},",
            intro="Someone asked to reset the password of your account. To choose a new one, open this link:",
            action="Reset my password",
            expiry="The link works once and expires in {hours} hour(s).",
            ignore="If you did not ask for this, ignore this message: your password stays as it is.",
        ),
        Kind.VERIFY_EMAIL: Texts(
            subject="Verify your email address",
            greeting="Hello {name},",
            intro="Please confirm that this is your email address by opening this link:",
            action="Verify my email address",
            expiry="The link expires in {hours} hour(s).",
            ignore="If you did not create an account, ignore this message.",
        ),
        Kind.CHANGE_EMAIL: Texts(
            subject="Confirm your new email address",
            greeting="Hello {name},",
            intro="You asked to use {new_email} for your account. To confirm the change, open this link:",
            action="Confirm my new address",
            expiry="The link expires in {hours} hour(s). Until then, your address does not change.",
            ignore="If you did not ask for this, ignore this message: nothing changes.",
        ),
    },
    "fr": {
        Kind.RESET_PASSWORD: Texts(
            subject="Réinitialisez votre mot de passe",
            greeting="Bonjour {name},",
            intro=(
                "Une réinitialisation du mot de passe de votre compte a été demandée. "
                "Pour en choisir un nouveau, ouvrez ce lien :"
            ),
            action="Réinitialiser mon mot de passe",
            expiry="Le lien ne sert qu'une fois et expire dans {hours} heure(s).",
            ignore=(
                "Si vous n'êtes pas à l'origine de cette demande, ignorez ce message : "
                "votre mot de passe ne change pas."
            ),
        ),
        Kind.VERIFY_EMAIL: Texts(
            subject="Vérifiez votre adresse e-mail",
            greeting="Bonjour {name},",
            intro="Merci de confirmer que cette adresse e-mail est bien la vôtre en ouvrant ce lien :",
            action="Vérifier mon adresse e-mail",
            expiry="Le lien expire dans {hours} heure(s).",
            ignore="Si vous n'avez pas créé de compte, ignorez ce message.",
        ),
        Kind.CHANGE_EMAIL: Texts(
            subject="Confirmez votre nouvelle adresse e-mail",
            greeting="Bonjour {name},",
            intro="Vous avez demandé à utiliser {new_email} pour votre compte. Pour confirmer, ouvrez ce lien :",
            action="Confirmer ma nouvelle adresse",
            expiry="Le lien expire dans {hours} heure(s). D'ici là, votre adresse ne change pas.",
            ignore="Si vous n'êtes pas à l'origine de cette demande, ignorez ce message : rien ne change.",
        ),
    },
}

LOCALES = tuple(_CATALOG)


def resolve_locale(preferred: str | None) -> str:
    """The shipped language for a BCP 47 tag: exact match, then its primary language, else English."""
    if not preferred:
        return DEFAULT_LOCALE
    tag = preferred.strip().replace("_", "-").lower()
    if tag in _CATALOG:
        return tag
    primary = tag.split("-", 1)[0]
    return primary if primary in _CATALOG else DEFAULT_LOCALE


def texts_for(kind: Kind, locale: str) -> Texts:
    return _CATALOG[resolve_locale(locale)][kind]
