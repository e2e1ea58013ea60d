"""Password reset, email verification and email change (Better Auth 1.7 ``api/routes/password.mjs``,
``email-verification.mjs``, ``update-user.mjs`` ``changeEmail``).

What may reveal whether an email is known is decided after the response, in the background
(``app.mail.flows``): ``request-password-reset`` and an unauthenticated ``send-verification-email``
answer the same, with the same work, for any email. The endpoints that send mail count against
the mail limits per client address and per email (429).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from litestar import Controller, Request, Response
from litestar.background_tasks import BackgroundTask
from litestar.handlers import HTTPRouteHandler
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, JSONBody
from msgspec import UNSET

from app.api.auth import client_info
from app.api.better_auth.errors import BetterAuthError, ba_error, to_better_auth
from app.api.better_auth.mappers import user_out
from app.api.better_auth.responses import reply, set_session_cookie
from app.api.better_auth.routes import ba_get, ba_post
from app.api.better_auth.session import find_caller, require_caller
from app.api.better_auth.validation import payload, query
from app.api.dependencies import DB
from app.api.origins import trusted_for
from app.api.ratelimit import RateLimiter
from app.config import Settings
from app.domain.email_tokens import read_email_token
from app.domain.errors import DomainError, EmailNotVerifiedError
from app.domain.origins import is_trusted
from app.domain.rules import SESSION_LIFETIME, normalize_email
from app.domain.schemas.ba_core import StatusOut
from app.domain.schemas.ba_email import (
    ChangeEmailBody,
    RequestPasswordResetBody,
    ResetPasswordBody,
    ResetPasswordCallbackQuery,
    ResetPasswordQuery,
    SendVerificationEmailBody,
    StatusMessageOut,
    VerifyEmailOut,
    VerifyEmailQuery,
)
from app.mail.flows import EmailFlows, Recipient
from app.mail.setup import EMAIL_FLOWS_STATE_KEY
from app.repositories import password_reset as reset_repo
from app.repositories import sessions as session_repo
from app.repositories.email_verification import Outcome, confirm_email_token

__all__ = (
    "MAIL_RATE_LIMITER_STATE_KEY",
    "EmailController",
    "UserLike",
    "flows_of",
    "mail_limit",
    "mail_verification_on_refused_sign_in",
    "mail_verification_on_sign_up",
    "verification_required",
)

MAIL_RATE_LIMITER_STATE_KEY = "mail_rate_limiter"
RESET_MESSAGE = "If this email exists in our system, check your email for the reset link"


class UserLike(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def email(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def preferred_locale(self) -> str | None: ...


def flows_of(request: Request[Any, Any, Any]) -> EmailFlows:
    flows: EmailFlows = request.app.state[EMAIL_FLOWS_STATE_KEY]
    return flows


def _settings(request: Request[Any, Any, Any]) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def mail_limit(request: Request[Any, Any, Any], email: str) -> None:
    """One more mail-sending request from this address, for this email (429 past either limit)."""
    limiter: RateLimiter = request.app.state[MAIL_RATE_LIMITER_STATE_KEY]
    await limiter.attempt(address=client_info(request).ip_address, email=email)


def _optional(value: str | Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _after_response(work: Callable[..., None], *args: Any) -> BackgroundTask:
    """Run ``work`` once the response is sent (on the event loop: it starts a background task)."""

    async def run() -> None:
        work(*args)

    return BackgroundTask(run)


def _check_callback(request: Request[Any, Any, Any], url: str | None) -> None:
    """Better Auth's ``originCheck`` of a GET endpoint's ``callbackURL`` (relative paths allowed)."""
    if url and not is_trusted(url, trusted_for(request), allow_relative=True):
        raise ba_error(403, "INVALID_CALLBACK_URL")


def _redirect(request: Request[Any, Any, Any], location: str) -> Response[bytes]:
    return reply(request, None, status=302, headers={"location": location}, empty=True)


def _resolve_with(base: str, url: str, **params: str) -> str:
    """``new URL(url, base)`` with ``searchParams.set(key, value)`` for each parameter."""
    parts = urlsplit(urljoin(base + "/", url))
    kept = [(key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True) if key not in params]
    return urlunsplit(parts._replace(query=urlencode([*kept, *params.items()])))


def _append_query(url: str, **params: str) -> str:
    """``appendQueryParams``: the parameters before the fragment, the URL kept as given (relative too)."""
    head, sep, fragment = url.partition("#")
    joiner = "&" if "?" in head else "?"
    return f"{head}{joiner}{urlencode(params)}{sep}{fragment}"


def _redirects(description: str, *, only: bool = False) -> Callable[[HTTPRouteHandler], HTTPRouteHandler]:
    """Document the 302 of a link endpoint (``only``: it never answers 200), so that OpenAPI and its
    clients (the fuzz test among them) see a redirect as the answer, not as a link to follow."""

    def document(handler: HTTPRouteHandler) -> HTTPRouteHandler:
        responses = dict(handler.responses or {})
        responses[302] = ResponseSpec(data_container=None, description=description, generate_examples=False)
        if only:
            responses.pop(200, None)
            handler.status_code = 302
        handler.responses = responses
        return handler

    return document


class EmailController(Controller):
    tags = ["better-auth: email"]

    # --- password reset -----------------------------------------------------------------------

    @ba_post(
        "/request-password-reset",
        operation_id="requestPasswordReset",
        summary="Mail a password reset link (the same answer whether or not the email is known)",
        ok=StatusMessageOut,
        body=RequestPasswordResetBody,
        errors=(403, 415, 429),
    )
    async def request_password_reset(
        self, request: Request[Any, Any, Any], data: JSONBody[RequestPasswordResetBody | None] = None
    ) -> Response[bytes]:
        body = payload(request, data, RequestPasswordResetBody)
        await mail_limit(request, body.email)
        response = reply(request, StatusMessageOut(status=True, message=RESET_MESSAGE))
        response.background = _after_response(
            flows_of(request).request_password_reset, body.email, _optional(body.redirect_to)
        )
        return response

    @_redirects("To callbackURL with ?token= (a live token) or ?error=INVALID_TOKEN", only=True)
    @ba_get(
        "/reset-password/{token:str}",
        operation_id="resetPasswordCallback",
        summary="The reset link: redirects to callbackURL with ?token=, or ?error=INVALID_TOKEN",
        ok=None,
        errors=(403,),
    )
    async def reset_password_callback(
        self, request: Request[Any, Any, Any], db: DB, token: FromPath[str]
    ) -> Response[bytes]:
        callback = query(request, ResetPasswordCallbackQuery).callback_url
        _check_callback(request, callback)
        base = flows_of(request).auth_url
        if not await reset_repo.reset_token_is_live(db, token):
            return _redirect(request, _resolve_with(base, callback, error="INVALID_TOKEN"))
        return _redirect(request, _resolve_with(base, callback, token=token))

    @ba_post(
        "/reset-password",
        operation_id="resetPassword",
        summary="Set a new password with a reset token (spent once; ends the user's sessions)",
        ok=StatusOut,
        body=ResetPasswordBody,
        errors=(403, 415),
    )
    async def reset_password(
        self, request: Request[Any, Any, Any], db: DB, data: JSONBody[ResetPasswordBody | None] = None
    ) -> Response[bytes]:
        body = payload(request, data, ResetPasswordBody)
        token = _optional(body.token) or _optional(query(request, ResetPasswordQuery).token)
        if token is None:
            raise ba_error(400, "INVALID_TOKEN")
        await reset_repo.reset_password(
            db,
            token=token,
            new_password=body.new_password,
            revoke_sessions=_settings(request).mail.revoke_sessions_on_reset,
        )
        return reply(request, StatusOut(status=True))

    # --- email verification -------------------------------------------------------------------

    @ba_post(
        "/send-verification-email",
        operation_id="sendVerificationEmail",
        summary="Mail a verification link (signed in: to the caller's own unverified email)",
        ok=StatusOut,
        body=SendVerificationEmailBody,
        errors=(403, 415, 429),
    )
    async def send_verification_email(
        self, request: Request[Any, Any, Any], db: DB, data: JSONBody[SendVerificationEmailBody | None] = None
    ) -> Response[bytes]:
        body = payload(request, data, SendVerificationEmailBody)
        await mail_limit(request, body.email)
        flows = flows_of(request)
        callback = _optional(body.callback_url)
        caller = await find_caller(request)
        if caller is None:
            response = reply(request, StatusOut(status=True))
            response.background = _after_response(flows.request_verification, body.email, callback)
            return response
        if normalize_email(caller.user.email) != normalize_email(body.email):
            raise ba_error(400, "EMAIL_MISMATCH")
        if caller.user.email_verified:
            raise ba_error(400, "EMAIL_ALREADY_VERIFIED")
        user = caller.user
        flows.send_verification(Recipient(user.id, user.email, user.name, user.preferred_locale), callback)
        return reply(request, StatusOut(status=True))

    @_redirects("With a callbackURL: to it (?error=CODE when the token is refused)")
    @ba_get(
        "/verify-email",
        operation_id="verifyEmail",
        summary="The verification link: verifies the email (or completes an email change)",
        ok=VerifyEmailOut | StatusOut,
        errors=(401, 403),
    )
    async def verify_email(self, request: Request[Any, Any, Any], db: DB) -> Response[bytes]:
        params = query(request, VerifyEmailQuery)
        callback = _optional(params.callback_url)
        _check_callback(request, callback)
        settings = _settings(request)
        flows = flows_of(request)
        try:
            claims = read_email_token(settings.secret, params.token)
            caller = await find_caller(request) if claims.update_to else None
            confirmed = await confirm_email_token(db, claims, caller_id=caller.user.id if caller else None)
        except DomainError as exc:
            await db.rollback()
            code = to_better_auth(request, exc).code or "INVALID_TOKEN"
            if callback:
                return _redirect(request, _append_query(callback, error=code))
            raise BetterAuthError(401, code) from exc
        user = confirmed.user
        recipient = Recipient(user.id, user.email, user.name, user.preferred_locale)
        body: VerifyEmailOut | StatusOut = VerifyEmailOut(status=True, user=None)
        if confirmed.outcome is Outcome.VERIFIED and settings.mail.auto_sign_in_after_verification:
            await self._sign_in_verified(request, db, user.id, claims.email)
        elif confirmed.outcome is Outcome.CHANGE_CONFIRMED and confirmed.new_email is not None:
            flows.postman.send(flows.change_mail(recipient, confirmed.new_email, callback))
            body = StatusOut(status=True)
        elif confirmed.outcome in (Outcome.EMAIL_CHANGED, Outcome.EMAIL_CHANGED_UNVERIFIED):
            if confirmed.outcome is Outcome.EMAIL_CHANGED_UNVERIFIED:
                flows.send_verification_after_commit(db, recipient, callback)
            if caller is not None:
                set_session_cookie(request, caller.session.token)
            body = VerifyEmailOut(status=True, user=user_out(user))
        if callback:
            return _redirect(request, callback)
        return reply(request, body)

    @staticmethod
    async def _sign_in_verified(request: Request[Any, Any, Any], db: DB, user_id: str, email: str) -> None:
        """``autoSignInAfterVerification``: a new session unless the caller already is that user."""
        current = await find_caller(request)
        if current is not None and current.user.email == email:
            set_session_cookie(request, current.session.token)
            return
        client = client_info(request)
        session = await session_repo.create_session(
            db, user_id=user_id, lifetime=SESSION_LIFETIME, ip_address=client.ip_address, user_agent=client.user_agent
        )
        set_session_cookie(request, session.token, dont_remember=False)

    # --- email change -------------------------------------------------------------------------

    @ba_post(
        "/change-email",
        operation_id="changeEmail",
        summary="Mail a link to the new address; the email changes when it is followed",
        ok=StatusOut,
        body=ChangeEmailBody,
        errors=(401, 403, 415, 429),
    )
    async def change_email(
        self, request: Request[Any, Any, Any], db: DB, data: JSONBody[ChangeEmailBody | None] = None
    ) -> Response[bytes]:
        body = payload(request, data, ChangeEmailBody)
        caller = await require_caller(request)
        new_email = normalize_email(body.new_email)
        await mail_limit(request, new_email)
        if new_email == caller.user.email:
            raise BetterAuthError(400, message="Email is the same")
        user = caller.user
        callback = _optional(body.callback_url) if body.callback_url is not UNSET else None
        response = reply(request, StatusOut(status=True))
        response.background = _after_response(
            flows_of(request).request_email_change,
            Recipient(user.id, user.email, user.name, user.preferred_locale),
            new_email,
            callback,
        )
        return response


# --- hooks of sign-up and sign-in (app.api.better_auth.core) ----------------------------------


def verification_required(request: Request[Any, Any, Any]) -> bool:
    """``requireEmailVerification``: sign-up does not sign in, sign-in refuses unverified users."""
    return _settings(request).mail.require_verification


def mail_verification_on_sign_up(request: Request[Any, Any, Any], db: DB, user: UserLike, callback_url: Any) -> None:
    """``sendOnSignUp``: a verification link, handed over when the sign-up commits."""
    if _settings(request).mail.verification_on_sign_up:
        recipient = Recipient(user.id, user.email, user.name, user.preferred_locale)
        flows_of(request).send_verification_after_commit(db, recipient, _optional(callback_url))


def mail_verification_on_refused_sign_in(
    request: Request[Any, Any, Any], refused: EmailNotVerifiedError, callback_url: Any
) -> None:
    """``sendOnSignIn``: the sign-in of an unverified user (right password) mails a new link."""
    recipient = Recipient(refused.user_id, refused.email, refused.name, refused.locale)
    flows_of(request).send_verification(recipient, _optional(callback_url))
