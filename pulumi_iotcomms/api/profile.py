"""The signed-in user's profile (``/provisioning/currentuser/profile``), statistics and SIP logs."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from pulumi_iotcomms._transport import Transport
from pulumi_iotcomms.errors import NotFoundError

from ._ops import Doc
from ._schema import Int32, WireModel
from .contract import route

__all__ = ["LogFilter", "Profile", "ProfileApi", "ProfileCreate"]


class Profile(WireModel):
    """The fields of the signed-in user's profile that ``PUT`` and ``PATCH`` set."""

    first_name: str | None = None
    """The user's first name."""
    last_name: str | None = None
    """The user's last name."""
    email_consent: Int32 | None = None
    """When consent to receive email communication was given (a timestamp)."""
    phone: str | None = None
    """The user's phone number."""
    company: str | None = None
    """The user's company."""
    email: str | None = None
    """The user's email address."""


class ProfileCreate(Profile):
    """Fields accepted when a profile is first created (``POST``)."""

    auth_provider: str | None = None
    """Authentication provider used to manage user authentication."""
    other_info: str | None = None
    """Other information."""
    use_case: str | None = None
    """Target use case for the service."""
    terms_agreed: Int32 | None = None
    """When the terms and conditions were agreed to (a timestamp)."""
    profile_reviewed: bool | None = None
    """The user has reviewed the profile."""
    deployment_size: str | None = None
    """Target deployment size."""


class ProfileApi:
    """The caller's profile (``/provisioning/currentuser/profile``): whose it is follows from the credentials,
    not from a path; read whole, created by ``POST``, replaced by ``PUT``."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    def _call(self, op: str, doc: Doc | None = None) -> Any:
        r = route(f"profile.{op}")
        return self.transport.request_json(r.method, r.path, json=doc)

    def get(self) -> Doc | None:
        """The profile, or None before it was created."""
        try:
            body = self._call("get")
        except NotFoundError:
            return None
        return dict(body.get("profile") or {}) if isinstance(body, dict) else {}

    def create(self, doc: Doc) -> None:
        """Create the profile (the first time only: 409 once it exists)."""
        self._call("create", doc)

    def put(self, doc: Doc) -> None:
        """Replace the whole profile."""
        self._call("put", doc)


class LogFilter(WireModel):
    """Filter for ``POST /logs/{domain}/sip``."""

    filter_pattern: str | None = None
    limit: Annotated[Int32 | None, Field(ge=0)] = None
    start_time: Int32 | None = None
    end_time: Int32 | None = None
