"""Cloud SIP user agents: ``/provisioning/cloudsipua/{domain}``."""

from __future__ import annotations

from typing import Annotated

from ._schema import COMPUTED, HttpsUrl, Regex, RestAuthentication, WireModel

__all__ = ["CloudSipUa"]


class CloudSipUa(WireModel):
    """A cloud SIP user agent controlled through HTTPS callbacks."""

    name: str
    destination_match: Regex
    callback_base_url: HttpsUrl
    id: str | None = None
    description: str | None = None
    rest_authentication: list[RestAuthentication] | None = None
    callback_timeout: float | None = None
    callback_name: str | None = None
    callback_description: str | None = None
    callback_id: Annotated[str | None, COMPUTED] = None
