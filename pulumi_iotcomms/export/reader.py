"""Read a whole tenant through the typed API operations (``pulumi_iotcomms.api``), never by raw URL."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from pulumi_iotcomms._transport import Transport
from pulumi_iotcomms.api._ops import Collection, Doc, Singleton
from pulumi_iotcomms.api.alarmbridge import AlarmBridgeApi
from pulumi_iotcomms.api.alarmeventmapper import AlarmEventMapperApi
from pulumi_iotcomms.api.apikey import ApiKeyApi
from pulumi_iotcomms.api.cache import FallbackCacheApi, IvrFallbackApi
from pulumi_iotcomms.api.cloudsipua import CloudSipUaApi
from pulumi_iotcomms.api.device import DeviceApi
from pulumi_iotcomms.api.mediaservice import MediaServiceApi
from pulumi_iotcomms.api.notificationsettings import NotificationSettingsApi
from pulumi_iotcomms.api.profile import ProfileApi
from pulumi_iotcomms.api.siprecservice import SiprecServiceApi
from pulumi_iotcomms.api.site import SiteApi
from pulumi_iotcomms.api.trunk import TrunkApi

__all__ = ["KINDS", "Found", "Tenant", "read_tenant"]

#: What ``--include`` selects, in the order the program declares them (a mapper before the bridges naming it).
KINDS: tuple[str, ...] = (
    "NotificationSettings",
    "SiprecService",
    "CurrentUserProfile",
    "Trunk",
    "AlarmEventMapper",
    "AlarmBridge",
    "MediaService",
    "CloudSipUa",
    "IvrFallback",
    "SiteHost",
    "Device",
    "ApiKey",
)

_SERVICES: dict[str, type[Collection]] = {
    "AlarmEventMapper": AlarmEventMapperApi,
    "AlarmBridge": AlarmBridgeApi,
    "MediaService": MediaServiceApi,
    "CloudSipUa": CloudSipUaApi,
}
_SETTINGS: dict[str, type[Singleton]] = {
    "NotificationSettings": NotificationSettingsApi,
    "SiprecService": SiprecServiceApi,
}
#: Requests in flight at once where the API reads one object per request (IVR fallbacks by number).
_CONCURRENCY = 8


@dataclass(frozen=True)
class Found:
    """One server object: its resource kind, its id within the domain (``("site", "host")`` for a host,
    ``()`` for a settings object), its configuration space, and its wire document."""

    kind: str
    local_id: tuple[str, ...]
    doc: Doc = field(repr=False)  # holds secrets (ha1s, callback secrets): never in a repr
    provisory: bool = False


@dataclass
class Tenant:
    """Every object read from one domain, per kind, sorted by id."""

    domain: str
    objects: dict[str, list[Found]] = field(default_factory=dict)

    def of(self, kind: str) -> list[Found]:
        """The objects of ``kind`` (none when it was not read)."""
        return self.objects.get(kind, [])


def _sorted(items: Iterable[Found]) -> list[Found]:
    return sorted(items, key=lambda f: (f.provisory, f.local_id))


def _trunks(transport: Transport, domain: str) -> list[Found]:
    out = []
    for item in TrunkApi(transport).list(domain):
        # A listed trunk is {"trunkId", "serviceDestination"}; a bare object is read as the destination itself.
        trunk_id = item.get("trunkId") or item.get("id")
        doc = item.get("serviceDestination", item)
        if isinstance(trunk_id, str) and isinstance(doc, dict):
            out.append(Found("Trunk", (trunk_id,), {k: v for k, v in doc.items() if k != "trunkId"}))
    return _sorted(out)


def _services(kind: str, transport: Transport, domain: str) -> list[Found]:
    api = _SERVICES[kind](transport)
    out = []
    for provisory in (False, True):
        for doc in api.list(domain, provisory=provisory):
            service_id = doc.get("id")
            if isinstance(service_id, str):
                out.append(Found(kind, (service_id,), doc, provisory))
    return _sorted(out)


def _settings(kind: str, transport: Transport, domain: str) -> list[Found]:
    doc = _SETTINGS[kind](transport).get(domain)
    return [Found(kind, (), doc)] if doc else []


def _profile(transport: Transport, domain: str) -> list[Found]:
    doc = ProfileApi(transport).get()
    return [Found("CurrentUserProfile", (), doc)] if doc else []


def _hosts(transport: Transport, domain: str) -> list[Found]:
    out = []
    for site_id, site in SiteApi(transport).sites(domain).items():
        for host_id, host in (site.get("hosts") or {}).items() if isinstance(site, dict) else ():
            if isinstance(host, dict):
                out.append(Found("SiteHost", (site_id, host_id), host))
    return _sorted(out)


def _ivr_fallbacks(transport: Transport, domain: str) -> list[Found]:
    numbers = sorted(set(FallbackCacheApi(transport).ivr_fallback_numbers(domain)))
    api = IvrFallbackApi(transport)
    with ThreadPoolExecutor(max_workers=_CONCURRENCY) as pool:
        docs = list(pool.map(lambda n: api.get(domain, n), numbers))
    # A number listed but gone by the time it is read (expired) is left out.
    return [Found("IvrFallback", (n,), doc) for n, doc in zip(numbers, docs, strict=True) if doc is not None]


def _devices(transport: Transport, domain: str) -> list[Found]:
    out = []
    for doc in DeviceApi(transport).list(domain):
        device_id = doc.get("deviceId")
        if isinstance(device_id, str):
            out.append(Found("Device", (device_id,), doc))
    return _sorted(out)


def _api_keys(transport: Transport, domain: str) -> list[Found]:
    out = []
    for doc in ApiKeyApi(transport).list(domain):
        key_id = doc.get("sk")
        if isinstance(key_id, str):
            # Only what identifies a key: the listing has nothing else an export could declare.
            out.append(Found("ApiKey", (key_id,), {k: doc[k] for k in ("sk", "type", "createdAt") if k in doc}))
    return _sorted(out)


def _reader(kind: str) -> Callable[[Transport, str], list[Found]]:
    if kind in _SERVICES:
        return lambda transport, domain: _services(kind, transport, domain)
    if kind in _SETTINGS:
        return lambda transport, domain: _settings(kind, transport, domain)
    readers: dict[str, Callable[[Transport, str], list[Found]]] = {
        "CurrentUserProfile": _profile,
        "Trunk": _trunks,
        "IvrFallback": _ivr_fallbacks,
        "SiteHost": _hosts,
        "Device": _devices,
        "ApiKey": _api_keys,
    }
    return readers[kind]


def read_tenant(transport: Transport, domain: str, include: Iterable[str] = KINDS) -> Tenant:
    """Read every object of the kinds in ``include`` from ``domain`` (GET requests only), the kinds at once.

    Raises:
        ApiError: A request failed (after the transport's retries), or an answer had not the documented shape.
    """
    kinds = [k for k in KINDS if k in set(include)]
    with ThreadPoolExecutor(max_workers=len(kinds) or 1) as pool:
        futures = {kind: pool.submit(_reader(kind), transport, domain) for kind in kinds}
        objects: dict[str, Any] = {kind: future.result() for kind, future in futures.items()}
    return Tenant(domain, objects)
