"""Media services (IVR): ``/provisioning/mediaservice/{domain}``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from ._ops import Collection
from ._schema import COMPUTED, SECRET, HttpsUrl, Regex, RestAuthentication, WireModel

__all__ = [
    "MediaService",
    "MediaServiceApi",
]


class MediaService(WireModel):
    """A media service destination: an IVR driven by HTTPS callbacks."""

    name: str
    destination_match: Regex
    callback_base_url: HttpsUrl
    rest_authentication: list[RestAuthentication]
    id: str | None = None
    description: str | None = None
    callback_name: str | None = None
    callback_description: str | None = None
    callback_timeout: float | None = None
    disable_late_offer: bool | None = None
    ivr_refresher_expiration: Annotated[float | None, Field(ge=0)] = None
    reply_session_expiration: Annotated[float | None, Field(ge=0)] = None
    rtp_timeout: float | None = None
    offered_codecs: list[Literal["opus", "PCMA", "PCMU"]] | None = None
    network_id: str | None = None
    google_apikey: Annotated[str | None, SECRET] = None
    google_service_key: Annotated[dict[str, Any] | None, SECRET] = None
    callback_id: Annotated[str | None, COMPUTED] = None


class MediaServiceApi(Collection):
    """Media services: POST provisions (id in the body), PUT overwrites, PATCH patches; provisory space."""

    kind = "mediaservice"
    item_key = "mediaservice"
    list_key = "mediaservices"
    has_provisory = True
