"""Email and password: ``sign-up/email``, ``sign-in/email``, ``sign-out``, ``get-session``."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, post
from litestar.params import JSONBody
from msgspec import UNSET

from app.api.auth import client_info
from app.api.better_auth.email import (
    mail_verification_on_refused_sign_in,
    mail_verification_on_sign_up,
    verification_required,
)
from app.api.better_auth.errors import BetterAuthError, ba_error
from app.api.better_auth.guard import check_login_csrf
from app.api.better_auth.mappers import session_user_out, user_out
from app.api.better_auth.responses import clear_session_cookies, reply, set_session_cookie
from app.api.better_auth.routes import ba_get, ba_post
from app.api.better_auth.session import find_caller, request_token
from app.api.better_auth.validation import payload, query, read_body
from app.api.dependencies import DB
from app.api.ratelimit import RateLimiter
from app.domain.errors import EmailNotVerifiedError
from app.domain.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from app.domain.rules import is_valid_email
from app.domain.schemas.ba_core import (
    BaSessionUser,
    GetSessionQuery,
    SignInEmailBody,
    SignInOut,
    SignOutBody,
    SignUpEmailBody,
    SignUpOut,
    SuccessOut,
)
from app.metrics import count_sign_in
from app.repositories import auth as auth_repo
from app.repositories import sessions as session_repo

__all__ = ("CoreController", "check_password_length", "refuse_protected_fields")

NO_STORE = {"cache-control": "no-store", "pragma": "no-cache"}
CREATE_PROTECTED = ("role", "banReason", "banExpires")
"""User fields a client may not set at sign-up (Better Auth: ``input: false`` without a default)."""


def refuse_protected_fields(request: Request[Any, Any, Any], fields: tuple[str, ...]) -> None:
    """Better Auth's ``FIELD_NOT_ALLOWED``: a truthy value for a field clients may not set."""
    body = read_body(request)
    for key in fields:
        if isinstance(body, dict) and body.get(key):
            raise BetterAuthError(400, "FIELD_NOT_ALLOWED", f"{key} is not allowed to be set")


def check_password_length(password: str, *, check_min: bool = True) -> None:
    if check_min and len(password) < MIN_PASSWORD_LENGTH:
        raise ba_error(400, "PASSWORD_TOO_SHORT")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ba_error(400, "PASSWORD_TOO_LONG")


async def _limit(request: Request[Any, Any, Any], email: str) -> None:
    limiter: RateLimiter = request.app.state.rate_limiter
    await limiter.attempt(address=client_info(request).ip_address, email=email)


class CoreController(Controller):
    tags = ["better-auth: core"]

    @ba_post(
        "/sign-up/email",
        operation_id="signUpWithEmailAndPassword",
        summary="Create an account with email and password, and sign in",
        ok=SignUpOut,
        body=SignUpEmailBody,
        form=True,
        errors=(403, 415, 422, 429),
    )
    async def sign_up(
        self, request: Request[Any, Any, Any], db: DB, data: JSONBody[SignUpEmailBody | None] = None
    ) -> Response[bytes]:
        body = payload(request, data, SignUpEmailBody)
        check_login_csrf(request)
        await _limit(request, body.email)
        check_password_length(body.password)
        refuse_protected_fields(request, CREATE_PROTECTED)
        remember = body.remember_me is not False
        image = body.image if body.image is not UNSET else None
        if verification_required(request):  # Better Auth signs no one in before verification
            user = await auth_repo.register(db, name=body.name, email=body.email, password=body.password, image=image)
            mail_verification_on_sign_up(request, db, user, body.callback_url)
            return reply(request, SignUpOut(token=None, user=user_out(user)))
        auth = await auth_repo.sign_up(
            db,
            name=body.name,
            email=body.email,
            password=body.password,
            client=client_info(request),
            remember_me=remember,
            image=image,
        )
        mail_verification_on_sign_up(request, db, auth.user, body.callback_url)
        set_session_cookie(request, auth.session.token, dont_remember=not remember)
        return reply(request, SignUpOut(token=auth.session.token, user=user_out(auth.user)))

    @ba_post(
        "/sign-in/email",
        operation_id="signInEmail",
        summary="Sign in with email and password (callbackURL: answered with redirect and url)",
        ok=SignInOut,
        body=SignInEmailBody,
        form=True,
        errors=(401, 403, 415, 429),
    )
    async def sign_in(
        self, request: Request[Any, Any, Any], db: DB, data: JSONBody[SignInEmailBody | None] = None
    ) -> Response[bytes]:
        body = payload(request, data, SignInEmailBody)
        check_login_csrf(request)
        remember = body.remember_me is not False
        with count_sign_in():
            await _limit(request, body.email)
            if not is_valid_email(body.email):
                raise ba_error(400, "INVALID_EMAIL")
            check_password_length(body.password, check_min=False)
            try:
                auth = await auth_repo.sign_in(
                    db,
                    email=body.email,
                    password=body.password,
                    client=client_info(request),
                    remember_me=remember,
                    require_verified_email=verification_required(request),
                )
            except EmailNotVerifiedError as refused:
                mail_verification_on_refused_sign_in(request, refused, body.callback_url)
                raise
        set_session_cookie(request, auth.session.token, dont_remember=not remember)
        callback = body.callback_url if body.callback_url else None
        out = SignInOut(redirect=callback is not None, token=auth.session.token, user=user_out(auth.user))
        if callback is not None:
            out.url = callback
        return reply(request, out, headers={"location": callback} if callback else None)

    @ba_post(
        "/sign-out",
        operation_id="signOut",
        summary="End the current session and clear its cookies (never 401)",
        ok=SuccessOut,
        body=SignOutBody,
        optional_body=True,
        errors=(403, 415),
    )
    async def sign_out(
        self, request: Request[Any, Any, Any], db: DB, data: JSONBody[SignOutBody | None] = None
    ) -> Response[bytes]:
        payload(request, data, SignOutBody, optional=True)
        token = request_token(request)
        if token is not None:
            await session_repo.delete_session_by_token(db, token)
        clear_session_cookies(request)
        return reply(request, SuccessOut(success=True))

    @ba_get(
        "/get-session",
        operation_id="getSession",
        summary="The current session and user, or null (slides the session once a day)",
        ok=BaSessionUser | None,
        errors=(),
    )
    async def get_session(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        # No ORM session: the caller is read by the reader, and a sliding refresh opens its own write.
        query(request, GetSessionQuery)
        caller = await find_caller(request)
        return reply(request, session_user_out(caller) if caller else None, headers=NO_STORE)

    @post("/get-session", operation_id="getSessionByPost", include_in_schema=False, status_code=405)
    async def get_session_by_post(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        """Better Auth serves POST only with ``deferSessionRefresh``, which it does not enable by default."""
        error = ba_error(405, "METHOD_NOT_ALLOWED_DEFER_SESSION_REQUIRED")
        return reply(request, error.body(), status=405, headers=NO_STORE)
