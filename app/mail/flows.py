"""The messages of the email flows, with Better Auth's links and tokens, handed to the postman.

Links point to ``BETTER_AUTH_URL`` + ``/api/auth`` in Better Auth's exact forms:
``/reset-password/<token>?callbackURL=<redirectTo>`` and ``/verify-email?token=<jwt>&callbackURL=<url>``
(``encodeURIComponent`` of the URL, ``/`` by default for verification).

Whatever depends on whether an email is known (a reset, an unauthenticated verification request,
an email change to an address that may be taken) runs as a background job in its own transaction,
after the response: the request does the same work, answers the same and takes as long for a
known email as for an unknown one. Jobs commit before their message is handed over.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncSession

from app.config import MailSettings
from app.db.models import User
from app.domain.email_tokens import EmailRequest, create_email_token
from app.mail.catalog import Kind
from app.mail.compose import OutgoingMail, compose
from app.mail.postman import Postman
from app.repositories.password_reset import issue_reset_token
from app.repositories.users import find_user_by_email

__all__ = ("EmailFlows", "Recipient", "encode_uri_component")

AUTH_BASE_PATH = "/api/auth"

Units = Callable[[], AbstractAsyncContextManager[AsyncSession]]
"""Opens a writing transaction of its own (committed when the block ends without error)."""


def encode_uri_component(value: str) -> str:
    """JavaScript's ``encodeURIComponent``."""
    return quote(value, safe="-_.!~*'()")


@dataclass(frozen=True, slots=True)
class Recipient:
    """Who a message goes to, and in which language."""

    user_id: str
    email: str
    name: str
    locale: str | None

    @classmethod
    def of(cls, user: User, *, email: str | None = None) -> Recipient:
        return cls(user.id, email or user.email, user.name, user.preferred_locale)


@dataclass(frozen=True, slots=True)
class EmailFlows:
    secret: str
    base_url: str
    """The service's public origin (``BETTER_AUTH_URL``), without ``/api/auth``."""
    mail: MailSettings
    postman: Postman
    units: Units

    @property
    def auth_url(self) -> str:
        return self.base_url.rstrip("/") + AUTH_BASE_PATH

    @property
    def verification_lifetime(self) -> timedelta:
        return timedelta(seconds=self.mail.verification_lifetime_seconds)

    def _compose(
        self, kind: Kind, to: Recipient, link: str, lifetime: timedelta, new_email: str | None = None
    ) -> OutgoingMail:
        return compose(
            kind,
            sender=self.mail.sender,
            to=to.email,
            name=to.name,
            link=link,
            locale=to.locale,
            lifetime=lifetime,
            new_email=new_email,
        )

    def verify_link(self, token: str, callback_url: str | None) -> str:
        return f"{self.auth_url}/verify-email?token={token}&callbackURL={encode_uri_component(callback_url or '/')}"

    def reset_link(self, token: str, redirect_to: str | None) -> str:
        callback = encode_uri_component(redirect_to) if redirect_to else ""
        return f"{self.auth_url}/reset-password/{token}?callbackURL={callback}"

    # --- email verification -------------------------------------------------------------------

    def verification_mail(self, to: Recipient, callback_url: str | None) -> OutgoingMail:
        """A verification link for the recipient's address (bound to their user id)."""
        token = create_email_token(self.secret, to.email, user_id=to.user_id, lifetime=self.verification_lifetime)
        return self._compose(Kind.VERIFY_EMAIL, to, self.verify_link(token, callback_url), self.verification_lifetime)

    def send_verification(self, to: Recipient, callback_url: str | None) -> None:
        self.postman.send(self.verification_mail(to, callback_url))

    def send_verification_after_commit(self, db: AsyncSession, to: Recipient, callback_url: str | None) -> None:
        self.postman.send_after_commit(db, self.verification_mail(to, callback_url))

    def request_verification(self, email: str, callback_url: str | None) -> None:
        """Unauthenticated: a link goes to the address if it belongs to an unverified user."""

        async def job() -> list[OutgoingMail]:
            async with self.units() as db:
                user = await find_user_by_email(db, email)
                if user is None or user.email_verified:
                    return []
                return [self.verification_mail(Recipient.of(user), callback_url)]

        self.postman.run(job)

    # --- email change -------------------------------------------------------------------------

    def change_mail(self, user: Recipient, new_email: str, callback_url: str | None) -> OutgoingMail:
        """The link to the new address that makes it the user's email (``change-email-verification``)."""
        token = create_email_token(
            self.secret,
            user.email,
            user_id=user.user_id,
            update_to=new_email,
            request_type=EmailRequest.CHANGE_EMAIL_VERIFICATION,
            lifetime=self.verification_lifetime,
        )
        to = Recipient(user.user_id, new_email, user.name, user.locale)
        link = self.verify_link(token, callback_url)
        return self._compose(Kind.CHANGE_EMAIL, to, link, self.verification_lifetime, new_email=new_email)

    def request_email_change(self, user: Recipient, new_email: str, callback_url: str | None) -> None:
        """A link goes to the new address unless it already belongs to someone (nothing is said)."""

        async def job() -> list[OutgoingMail]:
            async with self.units() as db:
                if await find_user_by_email(db, new_email) is not None:
                    return []
            return [self.change_mail(user, new_email, callback_url)]

        self.postman.run(job)

    # --- password reset -----------------------------------------------------------------------

    def request_password_reset(self, email: str, redirect_to: str | None) -> None:
        """A reset link goes to the address if it belongs to a user; the token row is committed first."""
        lifetime = timedelta(seconds=self.mail.reset_lifetime_seconds)

        async def job() -> list[OutgoingMail]:
            async with self.units() as db:
                issued = await issue_reset_token(db, email, lifetime=lifetime)
            if issued is None:
                return []
            user, token = issued
            return [
                self._compose(Kind.RESET_PASSWORD, Recipient.of(user), self.reset_link(token, redirect_to), lifetime)
            ]

        self.postman.run(job)
