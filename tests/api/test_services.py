"""The four service collections (media services, alarm bridges, alarm event mappers, cloud SIP UAs) through
their Api against the emulator: one lifecycle, in the live and in the provisory space.

The generic Collection behaviour is in test_ops.py; this runs each service's own model and routes end to end.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from pulumi_iotcomms._transport import Transport
from pulumi_iotcomms.api._ops import Collection
from pulumi_iotcomms.api._schema import WireModel
from pulumi_iotcomms.api.alarmbridge import AlarmBridge, AlarmBridgeApi
from pulumi_iotcomms.api.alarmeventmapper import AlarmEventMapper, AlarmEventMapperApi
from pulumi_iotcomms.api.cloudsipua import CloudSipUa, CloudSipUaApi
from pulumi_iotcomms.api.mediaservice import MediaService, MediaServiceApi
from tests.api import test_alarmbridge, test_alarmeventmapper, test_cloudsipua, test_mediaservice
from tests.api._util import round_trip
from tests.emulator_client import DOMAIN, EmulatorClient


@dataclass(frozen=True)
class Lifecycle:
    """One service's object through create, overwrite and patch.

    Args:
        kind: the collection's name in its path.
        api: the Collection class.
        model: the wire model every returned object must be.
        item_id: the object's id.
        create: the created body.
        overwrite: the body it is then overwritten with.
        patch: the RFC 6902 operations then applied.
        after: the object after ``patch``, but for its id and what the server fills in.
        filled: the wire names of the fields the server fills in (defaults and generated ids), which
            it keeps across overwrite and patch.
    """

    kind: str
    api: type[Collection]
    model: type[WireModel]
    item_id: str
    create: dict[str, Any]
    overwrite: dict[str, Any]
    patch: list[dict[str, Any]]
    after: dict[str, Any]
    filled: set[str]


BRIDGE = {**test_alarmbridge.MINIMAL, "customerSiteId": "site-1", "toneSettings": {"dtmfSendType": "2833"}}
MAPPER = test_alarmeventmapper.MINIMAL
UA = test_cloudsipua.MINIMAL
MEDIA = test_mediaservice.MINIMAL

LIFECYCLES = [
    Lifecycle(
        "mediaservice",
        MediaServiceApi,
        MediaService,
        "ivr-1",
        create=MEDIA,
        overwrite={**MEDIA, "rtpTimeout": 30},
        patch=[{"op": "add", "path": "/offeredCodecs", "value": ["PCMU"]}],
        after={**MEDIA, "rtpTimeout": 30, "offeredCodecs": ["PCMU"]},
        filled={"callbackId"},
    ),
    Lifecycle(
        "alarmbridge",
        AlarmBridgeApi,
        AlarmBridge,
        "b1",
        create=BRIDGE,
        overwrite={**BRIDGE, "protocol": "scaip", "useVPNConnection": True},
        patch=[{"op": "replace", "path": "/toneSettings/dtmfSendType", "value": "inband"}],
        after={**BRIDGE, "protocol": "scaip", "useVPNConnection": True, "toneSettings": {"dtmfSendType": "inband"}},
        filled={
            "defaultHeartbeatInterval",
            "useVPNConnection",
            "callbackTimeout",
            "controlCommandsEnabled",
            "arcDisconnectClearsCall",
        },
    ),
    Lifecycle(
        "alarmeventmapper",
        AlarmEventMapperApi,
        AlarmEventMapper,
        "m1",
        create=MAPPER,
        overwrite={**MAPPER, "targetEndpoint": {"destAddr": "sip:a@x"}},
        patch=[{"op": "replace", "path": "/targetEndpoint/destAddr", "value": "sip:b@x"}],
        after={**MAPPER, "targetEndpoint": {"destAddr": "sip:b@x"}},
        filled={"deviceIdPadLength", "controllerIdPadLength", "mapDeviceIdToControllerId"},
    ),
    Lifecycle(
        "cloudsipua",
        CloudSipUaApi,
        CloudSipUa,
        "ua-1",
        create=UA,
        overwrite={**UA, "callbackBaseUrl": "https://ua.example.com/v2"},
        patch=[{"op": "add", "path": "/callbackTimeout", "value": 3000}],
        after={**UA, "callbackBaseUrl": "https://ua.example.com/v2", "callbackTimeout": 3000},
        filled={"callbackId"},
    ),
]


@pytest.mark.parametrize("provisory", [False, True])
@pytest.mark.parametrize("case", LIFECYCLES, ids=[c.kind for c in LIFECYCLES])
def test_lifecycle_through_the_api(
    transport: Transport, emulator: EmulatorClient, case: Lifecycle, provisory: bool
) -> None:
    api, item_id = case.api(transport), case.item_id
    assert api.create(DOMAIN, item_id, case.create, provisory=provisory) == {"success": True, "id": item_id}
    got = api.get(DOMAIN, item_id, provisory=provisory)
    assert got is not None
    filled = {k: v for k, v in got.items() if k not in case.create and k != "id"}
    assert set(filled) == case.filled
    assert got == {**case.create, "id": item_id, **filled}
    assert api.get(DOMAIN, item_id, provisory=not provisory) is None

    api.overwrite(DOMAIN, item_id, case.overwrite, provisory=provisory)
    api.patch(DOMAIN, item_id, case.patch, provisory=provisory)
    (listed,) = api.list(DOMAIN, provisory=provisory)
    assert listed == api.get(DOMAIN, item_id, provisory=provisory)
    assert listed == {**filled, **case.after, "id": item_id}
    assert round_trip(case.model, listed) == listed

    assert api.delete(DOMAIN, item_id, provisory=provisory) is True
    assert api.get(DOMAIN, item_id, provisory=provisory) is None
    assert list(api.list(DOMAIN, provisory=provisory)) == []

    path = f"/provisioning/{case.kind}/{DOMAIN}"
    item = f"{path}/{item_id}"
    assert [(e["method"], e["path"], "provisory=true" in e["query"]) for e in emulator.requests()] == [
        ("POST", path, provisory),
        ("GET", item, provisory),
        ("GET", item, not provisory),
        ("PUT", item, provisory),
        ("PATCH", item, provisory),
        ("GET", path, provisory),
        ("GET", item, provisory),
        ("DELETE", item, provisory),
        ("GET", item, provisory),
        ("GET", path, provisory),
    ]
