"""Request samples and response shapes from the API docs, and the collections they belong to.

Samples are the docs' request samples made valid where the docs' own placeholder values break a
documented constraint (noted inline). ``*_KEYS`` are the keys of the docs' response samples.
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass
from typing import Any

from pulumi_iotcomms.api.contract import route
from tests.emulator_client import DOMAIN, EmulatorClient

P = "/provisioning"
DEVICES = f"{P}/device/{DOMAIN}"
TRUNKS = f"{P}/trunk/{DOMAIN}"
SITES = f"/hybridadmin/site/{DOMAIN}"
IVR = f"/cache/{DOMAIN}/ivrfallback"
SIPREC = f"/cache/{DOMAIN}/siprecfallback"
APIKEYS = f"{P}/apiKey/{DOMAIN}"
PROFILE = f"{P}/currentuser/profile"

#: Values for every path parameter in ``contract.ROUTES``.
PARAMS = {
    "domain": DOMAIN,
    "deviceId": "nope",
    "bulkId": "nope",
    "trunkId": "nope",
    "id": "nope",
    "keyId": "nope",
    "type": "cdr_siprec",
    "bucketsize": "day",
    "siteId": "s1",
    "hostId": "h1",
    "number": "4612345",
}


def url(name: str, **params: str) -> tuple[str, str]:
    """``(method, path)`` of the operation called ``name`` with :data:`PARAMS` (overridable)."""
    r = route(name)
    return r.method, r.path.format(**{**PARAMS, **params})


def md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def keys_of(body: dict[str, Any], expected: set[str], *, absent: frozenset[str] | set[str] = frozenset()) -> None:
    """``body`` has every key of a docs response sample except ``absent`` (which it must not have)."""
    missing = expected - absent - set(body)
    assert not missing, f"missing {sorted(missing)} in {sorted(body)}"
    assert not absent & set(body), f"unexpected {sorted(absent & set(body))}"


REST_AUTH = [
    {"sub": "string", "requestHeaders": {"x-functions-key": "k"}, "scope": "s", "secret": "x", "type": "RS256"}
]

DEVICE_SAMPLE: dict[str, Any] = {
    "deviceType": "sipDevice",
    "lastConfigured": 0,
    "macAddress": "string",
    "password": "string",
    "authorized": {"domain": "string", "invite": "string", "register": True},
    "serviceData": {
        "alarmBridge": {
            "heartbeatInterval": 300000,
            "alarmProtocol": "tt92",
            "emergencyDestination": "string",
            "overrideInAlarmEvent": {
                "deviceType": "string",
                "controllerId": "string",
                "deviceComponent": "string",
                "systemConfig": "string",
                "location": "string",
                "audio": "string",
                "priority": 0,
                "deviceId": "string",
                "statusCode": "string",
            },
            "usePredefinedDestination": True,
        }
    },
    "description": "string",
    "ha1": md5("sample"),  # docs: "string"; an ha1 is an MD5 hex digest
    "deviceCLI": "string",
    "authType": "credentials",
    "deviceId": "string",
}
DEVICE_KEYS = {
    "deviceType", "reason", "lastConfigured", "description", "deviceCLI", "deviceId", "macAddress", "password",
    "heartbeatStatus", "success", "authorized", "serviceData", "ha1", "authType", "heartbeatExpiration",
}  # fmt: skip

TRUNK_SAMPLE: dict[str, Any] = {
    "destinationTarget": "sip.example.net",
    "localCodec": "GSM",
    "destinationTransport": "udp",
    "sourceNetworks": ["10.0.0.0/8", "192.0.2.1"],  # docs: [{}]; "a list of either cidr or IPv4"
    "addTerminatingUriParameters": "string",
    "trunkGroupId": "string",
    "usePrivateIP": True,
    "destinationMatch": "/regex/",
    "transcode": True,
    "description": "string",
    "type": "trunk",
    "userName": "user",
    "destinationRewrite": "string",
    "trunksideCodec": "GSM",
    "forceRtpRelay": True,
    "password": "secret",  # docs also send "ha1"; both at once is a 400 (DECISIONS trunk.ha1_and_password)
    "forceNatRewrites": True,
    "diversionHeader": "string",
    "rewriteAnumber": "string",
    "networkId": "string",
    "realm": "realm.example",
    "blacklistPattern": "string",
}
TRUNK_KEYS = set(TRUNK_SAMPLE) | {"ha1"}

SETTINGS_SAMPLE: dict[str, Any] = {
    "restAuthentication": REST_AUTH,
    "alarmTopic": "arn:aws:sns:eu-north-1:123456789012:alarms",  # docs: "string"; an AWS SNS topic ARN
    "httpTimeout": 0,
    "sipEventsTopic": "arn:aws:sns:eu-north-1:123456789012:sip-events",
    "useHttpEvents": True,
    "alarmEventsRestEndpoint": "string",
    "sipEventsRestEndpoint": "https://events.example.com/sip",  # docs: must start with http(s)://
    "alarmbridgeCallbackEndpoint": "http://events.example.com/ab",
}

IVR_FALLBACK_SAMPLE: dict[str, Any] = {
    "mode": "onError",
    "expiration": "HALF-YEAR",
    "command": {
        "action": {
            "sipFrom": "string",
            "xHeaders": {},
            "sipDiversion": "string",
            "sipPAI": "string",
            "type": "call",
            "contactParameters": {},
            "sipTo": "string",
            "pHeaders": {},
            "copyHeaders": ["string"],
            "contactUserParameters": {},
            "sipRPID": "string",
            "destAddr": "string",
            "maxRingTime": 0,
        },
        "phrases": [
            {
                "fileName": "string",
                "format": "string",
                "cacheTimeToLive": "string",
                "googleTTSParameters": {},
                "refreshCache": True,
                "awsTTSParameters": {},
            }
        ],
    },
}
"""The docs' request sample for setting an IVR fallback."""

CALLBACK = "https://callbacks.example.com/base"

SERVICE_SAMPLES: dict[str, dict[str, Any]] = {
    "mediaservice": {
        "googleApikey": "string",
        "disableLateOffer": True,
        "ivrRefresherExpiration": 0,
        "callbackTimeout": 0,
        "destinationMatch": "/regex/",
        "googleServiceKey": {},
        "callbackDescription": "string",
        "description": "string",
        "callbackName": "string",
        "callbackBaseUrl": CALLBACK,  # required, but missing from the docs' sample
        "replySessionExpiration": 0,
        "restAuthentication": REST_AUTH,
        "rtpTimeout": 0,
        "callbackId": "string",
        "offeredCodecs": ["opus"],
        "name": "string",
        "networkId": "string",
        "id": "string",
    },
    "alarmbridge": {
        "tonePowers": [0],
        "protocol": "api",
        "protocolMode": "dtmf",  # required, but the docs' sample has only "protocolModes"
        "protocolCandidates": ["bs8521"],
        "toneSettings": {"0": "inaudio", "calleeDtmfSendType": "2833", "callerDtmfSendType": "2833"},
        "protocolModes": ["dtmf"],
        "alarmEventMapperId": "string",
        "defaultHeartbeatInterval": 300000,
        "useVPNConnection": False,
        "fallbackAlarmProtocol": "bs8521",
        "callbackTimeout": 15000,
        "destinationMatch": "/regex/",
        "callbackDescription": "string",
        "controlCommandsEnabled": True,
        "description": "string",
        "arcDisconnectClearsCall": True,
        "customEventMap": {},
        "customerSiteId": "site-1",  # docs: "/regex/", which its own pattern ^[a-zA-Z0-9_\-\.]+$ rejects
        "callbackName": "string",
        "callbackBaseUrl": CALLBACK,
        "restAuthentication": REST_AUTH,
        "callbackId": "string",
        "name": "string",
        "id": "string",
        "dataRequestInterval": 0,
        "defaultEmergencyDestination": "string",
    },
    "alarmeventmapper": {
        "alarmHandling": "callEmergencyCenter",
        "waitForCallback": 5,
        "targetEndpoint": {
            "protocol": "scaip",
            "sipAuthUser": "string",
            "sipAuthPassword": "string",
            "destAddr": "string",
            "overrideSipFrom": "string",
            "defaultVoiceDestination": "string",
            "backupEndpoint": {
                "backupOverrideSipFrom": "string",
                "backupSipAuthPassword": "string",
                "backupDefaultVoiceDestination": "string",
                "backupSipAuthUser": "string",
                "backupDestAddr": "string",
            },
        },
        "deviceIdPadLength": 0,
        "description": "string",
        "mappingRules": {},
        "unknownAlarmEventVoiceDestination": "string",
        "fromDomain": "string",
        "maxSessionDuration": 0,
        "controllerIdPadLength": 0,
        "name": "string",
        "mapDeviceIdToControllerId": False,
        "useVoiceBridge": True,
        "callerId": "string",
        "id": "string",
        "enableDestinationMonitoring": True,
    },
    "cloudsipua": {
        "restAuthentication": REST_AUTH,
        "callbackTimeout": 0,
        "callbackId": "string",
        "destinationMatch": "/regex/",
        "callbackDescription": "string",
        "name": "string",
        "description": "string",
        "id": "string",
        "callbackName": "string",
        "callbackBaseUrl": CALLBACK,  # required, but missing from the docs' sample
    },
}

#: Keys of the docs' GET response samples (the list samples have the same items).
SERVICE_KEYS: dict[str, set[str]] = {
    "mediaservice": set(SERVICE_SAMPLES["mediaservice"]) - {"callbackBaseUrl"},
    "alarmbridge": {
        "alarmEventMapperId", "defaultHeartbeatInterval", "useVPNConnection", "fallbackAlarmProtocol",
        "callbackTimeout", "destinationMatch", "toneSettings", "callbackDescription", "controlCommandsEnabled",
        "description", "arcDisconnectClearsCall", "customEventMap", "customerSiteId", "callbackName",
        "restAuthentication", "protocol", "callbackId", "name", "id", "dataRequestInterval",
        "defaultEmergencyDestination", "protocolMode",
    },
    "alarmeventmapper": set(SERVICE_SAMPLES["alarmeventmapper"]) - {"waitForCallback"},
    "cloudsipua": set(SERVICE_SAMPLES["cloudsipua"]) - {"callbackBaseUrl"},
}  # fmt: skip

#: The smallest valid body of each service kind (required fields only).
SERVICE_MINIMAL: dict[str, dict[str, Any]] = {
    "mediaservice": {"name": "m", "destinationMatch": "^1", "callbackBaseUrl": CALLBACK, "restAuthentication": []},
    "alarmbridge": {"name": "a", "protocol": "scaip", "protocolMode": "dtmf", "destinationMatch": "^2"},
    "alarmeventmapper": {"name": "e", "alarmHandling": "drop", "targetEndpoint": {}},
    "cloudsipua": {"name": "c", "destinationMatch": "^3", "callbackBaseUrl": CALLBACK},
}


def sample(kind: str) -> dict[str, Any]:
    """A private copy of the docs' request sample of a service kind, without its id."""
    body = copy.deepcopy(SERVICE_SAMPLES[kind])
    body.pop("id")
    return body


# -- collections with items: devices, trunks, services -------------------------------------------


@dataclass(frozen=True)
class Kind:
    """A collection whose items are created, listed, read, patched and deleted the same way.

    Args:
        name: collection name (``device``, ``trunk`` or a service kind).
        body: a valid body without the id.
        id_field: the document field holding the id (None: the id is not in the document).
        invalid: a ``(field, value)`` that makes the document invalid.
    """

    name: str
    body: dict[str, Any]
    id_field: str | None
    invalid: tuple[str, Any]

    @property
    def base(self) -> str:
        return f"{P}/{self.name}/{DOMAIN}"

    @property
    def list_key(self) -> str:
        return f"{self.name}s"

    def path(self, item_id: str) -> str:
        return f"{self.base}/{item_id}"

    def create(self, client: EmulatorClient, item_id: str, **fields: Any) -> None:
        body = {**self.body, **fields}
        if self.name == "device":
            client.ok("PUT", self.base, json={**body, "deviceId": item_id})
        elif self.name == "trunk":
            client.ok("PUT", self.path(item_id), json=body)
        else:
            client.ok("POST", self.base, json={**body, "id": item_id})

    def read(self, client: EmulatorClient, item_id: str) -> dict[str, Any]:
        got = dict(client.ok("GET", self.path(item_id)))
        if self.name == "device":
            assert got.pop("success") is True
            return got
        return dict(got[self.name])

    def item_id(self, item: dict[str, Any]) -> str:
        return str(item["deviceId" if self.name == "device" else "trunkId" if self.name == "trunk" else "id"])


KINDS = [
    Kind("device", {"authType": "deviceid", "description": "first"}, "deviceId", ("authType", "nope")),
    Kind(
        "trunk",
        {"destinationTarget": "t", "destinationTransport": "tcp", "destinationMatch": "^4", "description": "first"},
        None,
        ("localCodec", "G729"),
    ),
    Kind("mediaservice", {**SERVICE_MINIMAL["mediaservice"], "description": "first"}, "id", ("callbackBaseUrl", "x")),
    Kind("alarmbridge", {**SERVICE_MINIMAL["alarmbridge"], "description": "first"}, "id", ("protocolMode", "x")),
    Kind(
        "alarmeventmapper",
        {**SERVICE_MINIMAL["alarmeventmapper"], "description": "first"},
        "id",
        ("deviceIdPadLength", 11),
    ),
    Kind("cloudsipua", {**SERVICE_MINIMAL["cloudsipua"], "description": "first"}, "id", ("callbackBaseUrl", "ftp://x")),
]
KIND_IDS = [k.name for k in KINDS]


def walk(client: EmulatorClient, kind: Kind, limit: int, **query: str) -> list[str]:
    """Every item id of a listing, page by page with ``limit``; checks each page's shape."""
    seen: list[str] = []
    token = None
    while True:
        params: dict[str, Any] = {"limit": limit, **query, **({"nextToken": token} if token else {})}
        page = client.ok("GET", kind.base, params=params)
        assert page["success"] is True, page
        assert len(page[kind.list_key]) <= limit, page
        seen += [kind.item_id(item) for item in page[kind.list_key]]
        token = page.get("nextToken")
        if token is None:
            return seen
        assert len(page[kind.list_key]) == limit
