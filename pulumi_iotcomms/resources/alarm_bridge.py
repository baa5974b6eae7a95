"""``AlarmBridge``: a service destination receiving alarm events (``/provisioning/alarmbridge``)."""

from __future__ import annotations

from pulumi_iotcomms.api.alarmbridge import AlarmBridge as AlarmBridgeModel
from pulumi_iotcomms.api.alarmbridge import AlarmBridgeApi

from ._generated.alarm_bridge import AlarmBridge
from ._provider import IotcommsProvider, service_spec

__all__ = ["AlarmBridge", "AlarmBridgeProvider"]


class AlarmBridgeProvider(IotcommsProvider):
    """Lifecycle of alarm bridges: POST creates, PATCH updates, ``provisory`` selects the provisory space."""

    spec = service_spec(
        "AlarmBridge",
        AlarmBridgeModel,
        AlarmBridgeApi,
        "alarm_bridge_id",
        noun="bridge",
        doc="An Alarmbridge service destination of a tenant domain. Pass"
        " ``alarm_event_mapper_id=mapper.alarm_event_mapper_id`` to link an ``AlarmEventMapper`` (and create"
        " it first).",
    )
