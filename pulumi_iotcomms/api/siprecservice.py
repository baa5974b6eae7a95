"""SIPREC service settings: ``/provisioning/siprecservice/{domain}``."""

from __future__ import annotations

from ._ops import Singleton
from .notificationsettings import NotificationSettings

__all__ = ["SiprecService", "SiprecServiceApi"]


class SiprecService(NotificationSettings):
    """SIPREC service settings of a tenant; the docs give them the notification settings' shape."""


class SiprecServiceApi(Singleton):
    """Read and set whole (``GET``/``PUT``); there is no delete."""

    kind = "siprecservice"
