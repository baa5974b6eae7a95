"""SIPREC service settings: ``/provisioning/siprecservice/{domain}``."""

from __future__ import annotations

from .notificationsettings import NotificationSettings

__all__ = ["SiprecService"]


class SiprecService(NotificationSettings):
    """SIPREC service settings of a tenant; the docs give them the notification settings' shape."""
