"""Better Auth 1.7's wire format of the email flows: password reset, email verification, email change."""

from __future__ import annotations

import msgspec
from msgspec import UNSET, UnsetType

from app.domain.schemas.ba_core import BAEmail, BAText, BaUser, CallbackURL
from app.domain.schemas.base import WireStruct

__all__ = (
    "ChangeEmailBody",
    "RequestPasswordResetBody",
    "ResetPasswordBody",
    "ResetPasswordCallbackQuery",
    "ResetPasswordQuery",
    "SendVerificationEmailBody",
    "StatusMessageOut",
    "VerifyEmailOut",
    "VerifyEmailQuery",
)


class RequestPasswordResetBody(WireStruct):
    email: BAEmail
    redirect_to: CallbackURL | UnsetType = UNSET


class StatusMessageOut(WireStruct):
    status: bool
    message: str


class ResetPasswordCallbackQuery(WireStruct):
    callback_url: CallbackURL = msgspec.field(name="callbackURL")


class ResetPasswordQuery(WireStruct):
    token: BAText | UnsetType = UNSET


class ResetPasswordBody(WireStruct):
    new_password: BAText
    token: BAText | UnsetType = UNSET


class SendVerificationEmailBody(WireStruct):
    email: BAEmail
    callback_url: CallbackURL | UnsetType = msgspec.field(default=UNSET, name="callbackURL")


class VerifyEmailQuery(WireStruct):
    token: BAText
    callback_url: CallbackURL | UnsetType = msgspec.field(default=UNSET, name="callbackURL")


class VerifyEmailOut(WireStruct):
    status: bool
    user: BaUser | None


class ChangeEmailBody(WireStruct):
    new_email: BAEmail
    callback_url: CallbackURL | UnsetType = msgspec.field(default=UNSET, name="callbackURL")
