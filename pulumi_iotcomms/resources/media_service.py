"""``MediaService``: an IVR service destination driven by HTTPS callbacks (``/provisioning/mediaservice``)."""

from __future__ import annotations

from pulumi_iotcomms.api.mediaservice import MediaService as MediaServiceModel
from pulumi_iotcomms.api.mediaservice import MediaServiceApi

from ._generated.media_service import MediaService
from ._provider import IotcommsProvider, service_spec

__all__ = ["MediaService", "MediaServiceProvider"]


class MediaServiceProvider(IotcommsProvider):
    """Lifecycle of media services: POST creates, PATCH updates, ``provisory`` selects the provisory space."""

    spec = service_spec(
        "MediaService",
        MediaServiceModel,
        MediaServiceApi,
        "media_service_id",
        noun="service",
        doc="A media service (IVR) of a tenant domain, controlled through HTTPS callbacks.",
    )
