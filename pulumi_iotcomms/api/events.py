"""Events the platform sends: the hybrid system's service alarms (``monitoringAlarm``).

They are posted to the tenant, not requested by it: to ``alarmEventsRestEndpoint`` by HTTPS when the
domain's notification settings say ``useHttpEvents``, otherwise published to the ``alarmTopic`` SNS topic
(:mod:`.notificationsettings`). A receiver parses one with ``MonitoringAlarm.model_validate_json(body)``.
"""

from __future__ import annotations

from typing import Literal

from ._schema import WireModel

__all__ = [
    "AlarmError",
    "AlarmErrorDetails",
    "AlarmService",
    "AlarmSeverity",
    "AlarmStatus",
    "MonitoringAlarm",
]

AlarmError = Literal["noHeartbeatReply", "serviceStartFailed", "lowMemory", "serviceFailure"]
AlarmStatus = Literal["Set", "Clear"]
AlarmService = Literal["ivrservice", "sipserver", "siprec", "rtpengine"]
AlarmSeverity = Literal["warn", "error"]


class AlarmErrorDetails(WireModel):
    """What caused the alarm."""

    message: str | None = None
    """A human-readable description of the error."""
    value: float | None = None
    """The value of the metric that caused the alarm."""
    threshold: float | None = None
    """The threshold that was crossed."""
    condition: str | None = None
    """Whether the value was higher or lower than the threshold."""


class MonitoringAlarm(WireModel):
    """A service alarm sent by the hybrid system's probes, when it is set and when it is cleared."""

    type: Literal["monitoringAlarm"] = "monitoringAlarm"
    """The type of alarm event; ``monitoringAlarm`` is the only one."""
    domain: str
    """The domain that triggered the alarm."""
    error: AlarmError
    """The kind of error: ``noHeartbeatReply``, ``serviceStartFailed``, ``lowMemory`` or ``serviceFailure``."""
    error_details: AlarmErrorDetails | None = None
    """Details specific to the error."""
    status: AlarmStatus
    """``Set`` when the alarm is raised, ``Clear`` when it is cleared."""
    service: AlarmService
    """The service that raised the alarm."""
    severity: AlarmSeverity
    """``error`` means automatic actions were also taken to remedy the problem."""
    site_id: str | None = None
    """The site that sent the alarm."""
    site_base_url: str | None = None
    """The URL of that site."""
