"""The organization scope shared by every controller under ``/api/organizations/{orgId}``.

Everything there starts from the caller's membership: a non-member gets 404 for all of it; what a
member may do then depends on their role (owner/admin/member).
"""

from __future__ import annotations

from typing import Annotated

from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import PathParameter

from app.api.auth import Auth
from app.api.dependencies import DB, reader
from app.repositories import organizations as org_repo
from app.repositories.organizations import Membership, MembershipRecord

__all__ = (
    "ORG_SCOPE",
    "VIEWER_ACCESS",
    "MembershipDep",
    "OrgId",
    "ViewerDep",
    "membership_access",
    "provide_membership",
    "provide_viewer",
    "viewer_access",
)

OrgId = Annotated[str, PathParameter(max_length=128)]


async def provide_membership(org_id: OrgId, db: DB, auth: Auth) -> Membership:
    """The caller's membership, for routes that write (ORM rows in the request's transaction)."""
    return await org_repo.get_membership(db, org_id, auth.user.id)


async def provide_viewer(org_id: OrgId, state: State, auth: Auth) -> MembershipRecord:
    """The caller's membership, for read-only routes (one round trip on the reader, no transaction)."""
    return await org_repo.read_membership(reader(state), org_id, auth.user.id)


MembershipDep = NamedDependency[Membership]
"""Handler parameter type of the caller's membership (``membership``, for writes)."""
ViewerDep = NamedDependency[MembershipRecord]
"""Handler parameter type of the caller's membership (``viewer``, read-only)."""


async def membership_access(membership: MembershipDep) -> object:
    return membership


async def viewer_access(viewer: ViewerDep) -> object:
    return viewer


ORG_SCOPE = {
    "membership": Provide(provide_membership),
    "viewer": Provide(provide_viewer),
    "access": Provide(membership_access),
}
"""The dependencies of a controller under ``/api/organizations/{orgId}``: a list is behind the
caller's membership (a non-member gets 404 before a bad page gets 422). A list handler that reads
through ``viewer`` instead declares ``dependencies=VIEWER_ACCESS``."""
VIEWER_ACCESS = {"access": Provide(viewer_access)}
