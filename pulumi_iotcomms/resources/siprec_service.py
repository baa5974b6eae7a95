"""``SiprecService``: a tenant's SIPREC service settings."""

from __future__ import annotations

from pulumi_iotcomms.api.siprecservice import SiprecService as SiprecServiceModel
from pulumi_iotcomms.api.siprecservice import SiprecServiceApi

from ._provider import Spec
from ._singleton import PREVIOUS, SingletonProvider
from .notification_settings import NotificationSettings

__all__ = ["SiprecService", "SiprecServiceProvider"]


class SiprecServiceProvider(SingletonProvider):
    """Lifecycle of a domain's SIPREC service settings (GET/PUT whole)."""

    spec = Spec(name="SiprecService", model=SiprecServiceModel, kept=(PREVIOUS,))
    singleton_api = SiprecServiceApi


class SiprecService(NotificationSettings, module="iotcomms", name="SiprecService"):
    """The SIPREC service settings of a tenant (one per domain); same arguments as
    :class:`NotificationSettings`, which the docs give the same shape.

    Pulumi id: ``<domain>/siprecservice``. Creating records the settings that existed before
    (``previous_settings``, secret JSON text); destroying restores them. Settings already set are
    taken over only with ``adopt=True``.
    """

    _provider_class = SiprecServiceProvider
