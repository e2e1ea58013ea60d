"""Email/password sign-up and sign-in, sign-out, and the current session."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.openapi import ResponseSpec
from litestar.params import JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from app.api.auth import Auth, clear_session_cookie, client_info, set_session_cookie
from app.api.dependencies import DB
from app.api.mappers import auth_result_out, session_out, user_out
from app.api.openapi import problems
from app.api.ratelimit import RateLimiter
from app.domain.schemas.users import AuthResult, SessionWithUser, SignInIn, SignUpIn
from app.repositories import auth as auth_repo
from app.repositories import sessions as session_repo

__all__ = ("AuthController",)


async def _limit(request: Request[Any, Any, Any], email: str) -> None:
    limiter: RateLimiter = request.app.state.rate_limiter
    await limiter.attempt(address=client_info(request).ip_address, email=email)


class AuthController(Controller):
    path = "/api/auth"
    tags = ["auth"]

    @post(
        "/sign-up",
        operation_id="signUp",
        summary="Create an account with email and password, and sign in",
        status_code=HTTP_201_CREATED,
        responses=problems(409, 422, 429),
    )
    async def sign_up(self, request: Request[Any, Any, Any], db: DB, data: JSONBody[SignUpIn]) -> Response[AuthResult]:
        await _limit(request, data.email)
        auth = await auth_repo.sign_up(
            db,
            name=data.name,
            email=data.email,
            password=data.password,
            client=client_info(request),
            remember_me=data.remember_me,
            image=data.image,
            preferred_locale=data.preferred_locale,
        )
        response = Response(auth_result_out(auth), status_code=HTTP_201_CREATED)
        set_session_cookie(request, response, auth)
        return response

    @post(
        "/sign-in",
        operation_id="signIn",
        summary="Sign in with email and password; returns the session token",
        status_code=200,
        responses=problems(401, 403, 422, 429),
    )
    async def sign_in(self, request: Request[Any, Any, Any], db: DB, data: JSONBody[SignInIn]) -> Response[AuthResult]:
        await _limit(request, data.email)
        auth = await auth_repo.sign_in(
            db, email=data.email, password=data.password, client=client_info(request), remember_me=data.remember_me
        )
        response = Response(auth_result_out(auth))
        set_session_cookie(request, response, auth)
        return response

    @post(
        "/sign-out",
        operation_id="signOut",
        summary="End the current session",
        status_code=HTTP_204_NO_CONTENT,
        # The handler returns a Response (to clear the cookie), which Litestar would document as a JSON null.
        responses={**problems(401, 403), HTTP_204_NO_CONTENT: ResponseSpec(None, description="Signed out")},
    )
    async def sign_out(self, request: Request[Any, Any, Any], db: DB, auth: Auth) -> Response[None]:
        await session_repo.delete_session(db, auth.user.id, auth.session.id)
        response = Response(None, status_code=HTTP_204_NO_CONTENT)
        clear_session_cookie(request, response)
        return response

    @get(
        "/session",
        operation_id="getSession",
        summary="The current session and user (slides the session's expiry)",
        responses=problems(401, 403),
    )
    async def current_session(self, auth: Auth) -> SessionWithUser:
        return SessionWithUser(user=user_out(auth.user), session=session_out(auth.session, auth.session.id))
