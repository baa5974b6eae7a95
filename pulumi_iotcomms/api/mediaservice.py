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
    """A name identifying this service destination."""
    destination_match: Regex
    """Regular expression selecting the incoming calls this service handles."""
    callback_base_url: HttpsUrl
    """HTTPS base URL the callback requests are sent to (must start with https://)."""
    rest_authentication: list[RestAuthentication]
    """Objects signing the callback requests, tried in order."""
    id: str | None = None
    description: str | None = None
    """Description of the service destination."""
    callback_name: str | None = None
    """A name identifying the callback resource."""
    callback_description: str | None = None
    """A description identifying the callback resource."""
    callback_timeout: float | None = None
    """Maximum time in milliseconds, retransmissions included, before a callback times out."""
    disable_late_offer: bool | None = None
    """Send a normal INVITE with a fake media endpoint instead of a late offer."""
    ivr_refresher_expiration: Annotated[float | None, Field(ge=0)] = None
    """Seconds; act as session refresher with this Session-Expires (>= 0)."""
    reply_session_expiration: Annotated[float | None, Field(ge=0)] = None
    """Seconds; Session-Expires of calls originated by the service (>= 0)."""
    rtp_timeout: float | None = None
    """Seconds of RTP silence before the IVR participant is disconnected (default 90)."""
    offered_codecs: list[Literal["opus", "PCMA", "PCMU"]] | None = None
    """Codecs offered when an INVITE has no SDP: ``opus``, ``PCMA``, ``PCMU``."""
    network_id: str | None = None
    """The network the media service is bound to."""
    google_apikey: Annotated[str | None, SECRET] = None
    """API key for Google text to speech."""
    google_service_key: Annotated[dict[str, Any] | None, SECRET] = None
    """Google service key object for text to speech, keys verbatim."""
    callback_id: Annotated[str | None, COMPUTED] = None
    """Id of the callback resource (server-set)."""


class MediaServiceApi(Collection):
    """Media services: POST provisions (id in the body), PUT overwrites, PATCH patches; provisory space."""

    kind = "mediaservice"
    item_key = "mediaservice"
    list_key = "mediaservices"
    has_provisory = True
