"""``CloudSipUa``: a cloud SIP user agent controlled through HTTPS callbacks (``/provisioning/cloudsipua``)."""

from __future__ import annotations

from pulumi_iotcomms.api.cloudsipua import CloudSipUa as CloudSipUaModel
from pulumi_iotcomms.api.cloudsipua import CloudSipUaApi

from ._generated.cloud_sip_ua import CloudSipUa
from ._provider import IotcommsProvider, service_spec

__all__ = ["CloudSipUa", "CloudSipUaProvider"]


class CloudSipUaProvider(IotcommsProvider):
    """Lifecycle of cloud SIP user agents: POST creates, PATCH updates, ``provisory`` selects the provisory space."""

    spec = service_spec(
        "CloudSipUa",
        CloudSipUaModel,
        CloudSipUaApi,
        "cloud_sip_ua_id",
        noun="user agent",
        doc="A cloud SIP user agent of a tenant domain, controlled through HTTPS callbacks.",
    )
