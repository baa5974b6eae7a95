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
    destination_match: Regex
    callback_base_url: HttpsUrl
    id: str | None = None
    description: str | None = None
    rest_authentication: list[RestAuthentication] | None = None
    callback_timeout: float | None = None
    callback_name: str | None = None
    callback_description: str | None = None
    callback_id: Annotated[str | None, COMPUTED] = None


class CloudSipUaApi(Collection):
    """Cloud SIP user agents: POST provisions (id in the body), PUT overwrites, PATCH patches; provisory space."""

    kind = "cloudsipua"
    item_key = "cloudsipua"
    list_key = "cloudsipuas"
    has_provisory = True
