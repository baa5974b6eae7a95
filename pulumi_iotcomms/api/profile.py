"""The signed-in user's profile (``/provisioning/currentuser/profile``), statistics and SIP logs."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from ._schema import Int32, WireModel

__all__ = ["LogFilter", "Profile", "ProfileCreate"]


class Profile(WireModel):
    """Editable profile fields."""

    first_name: str | None = None
    last_name: str | None = None
    email_consent: Int32 | None = None
    phone: str | None = None
    company: str | None = None
    email: str | None = None


class ProfileCreate(Profile):
    """Fields accepted when a profile is first created."""

    auth_provider: str | None = None
    other_info: str | None = None
    use_case: str | None = None
    terms_agreed: Int32 | None = None
    profile_reviewed: bool | None = None
    deployment_size: str | None = None


class LogFilter(WireModel):
    """Filter for ``POST /logs/{domain}/sip``."""

    filter_pattern: str | None = None
    limit: Annotated[Int32 | None, Field(ge=0)] = None
    start_time: Int32 | None = None
    end_time: Int32 | None = None
