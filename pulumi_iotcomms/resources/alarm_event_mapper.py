"""``AlarmEventMapper``: how alarm events are handled and where they go (``/provisioning/alarmeventmapper``)."""

from __future__ import annotations

from pulumi_iotcomms.api.alarmeventmapper import AlarmEventMapper as AlarmEventMapperModel
from pulumi_iotcomms.api.alarmeventmapper import AlarmEventMapperApi

from ._generated.alarm_event_mapper import AlarmEventMapper
from ._provider import IotcommsProvider, service_spec

__all__ = ["AlarmEventMapper", "AlarmEventMapperProvider"]


class AlarmEventMapperProvider(IotcommsProvider):
    """Lifecycle of alarm event mappers: POST creates, PATCH updates, ``provisory`` selects the provisory space."""

    spec = service_spec(
        "AlarmEventMapper",
        AlarmEventMapperModel,
        AlarmEventMapperApi,
        "alarm_event_mapper_id",
        noun="mapper",
        doc="An alarm event mapper of a tenant domain, used by alarm bridges: pass its"
        " ``alarm_event_mapper_id`` to ``AlarmBridge(alarm_event_mapper_id=...)``. ``target_endpoint`` holds"
        " SIP passwords, so the whole object is kept secret.",
    )
