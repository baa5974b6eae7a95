"""Cloud SIP user agents: ``/provisioning/cloudsipua/{domain}``."""

from __future__ import annotations

from typing import Annotated

from ._ops import Collection
from ._schema import COMPUTED, HttpsUrl, Regex, RestAuthentication, WireModel

__all__ = [
    "CloudSipUa",
    "CloudSipUaApi",
]


class CloudSipUa(WireModel):
    """A cloud SIP user agent controlled through HTTPS callbacks."""

    name: str
    """A name identifying this service."""
    destination_match: Regex
    """Regular expression selecting the incoming calls this service handles."""
    callback_base_url: HttpsUrl
    """HTTPS base URL the callback requests are sent to (must start with https://)."""
    id: str | None = None
    description: str | None = None
    """Description of the service."""
    rest_authentication: list[RestAuthentication] | None = None
    """Objects signing the callback requests, tried in order."""
    callback_timeout: float | None = None
    """Maximum time in milliseconds before a callback request times out."""
    callback_name: str | None = None
    """A name identifying the callback resource."""
    callback_description: str | None = None
    """A description identifying the callback resource."""
    callback_id: Annotated[str | None, COMPUTED] = None
    """Id of the callback resource (server-set)."""


class CloudSipUaApi(Collection):
    """Cloud SIP user agents: POST provisions (id in the body), PUT overwrites, PATCH patches; provisory space."""

    kind = "cloudsipua"
    item_key = "cloudsipua"
    list_key = "cloudsipuas"
    has_provisory = True
