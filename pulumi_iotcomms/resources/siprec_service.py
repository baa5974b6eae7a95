"""``SiprecService``: a tenant's SIPREC service settings."""

from __future__ import annotations

from pulumi_iotcomms.api.siprecservice import SiprecService as SiprecServiceModel
from pulumi_iotcomms.api.siprecservice import SiprecServiceApi

from ._generated.siprec_service import SiprecService
from ._singleton import SingletonProvider, settings_spec

__all__ = ["SiprecService", "SiprecServiceProvider"]


class SiprecServiceProvider(SingletonProvider):
    """Lifecycle of a domain's SIPREC service settings (GET/PUT whole)."""

    spec = settings_spec(
        "SiprecService",
        SiprecServiceModel,
        kind="siprecservice",
        noun="SIPREC service settings",
        doc="The SIPREC service settings of a tenant (one per domain); the docs give them the notification"
        " settings' shape.",
    )
    singleton_api = SiprecServiceApi
