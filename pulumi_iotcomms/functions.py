"""Read functions for Pulumi programs: sites, devices, statistics, SIP logs and the fallback caches.

Shaped like the ``get_*`` functions of Pulumi's generated SDKs (``pulumi_aws.get_caller_identity``):
each has a frozen result class with typed, snake_case attributes (absent values ``None``), a plain
function returning it, and an ``<name>_output`` form that takes ``pulumi.Input`` arguments and
returns ``pulumi.Output[<Result>]``::

    import pulumi
    from pulumi_iotcomms import get_devices, get_sites_output

    alarms = get_devices(filter="alarm-")
    pulumi.export("alarm_devices", alarms.device_ids)
    pulumi.export("sites", get_sites_output().apply(lambda r: r.site_ids))

They run in the program's own process (no provider, no engine invoke) and read the same configuration
as the resources: ``pulumi.Config("iotcomms")`` (``endpoint``, ``region``, ``domain``, ``token`` or
``privateKey`` -- secret values included --, ``maxRetries``, ``timeoutSeconds``), each falling back to
its ``IOTCOMMS_*`` environment variable. ``domain=None`` means the ``iotcomms:domain`` config.

They only read: no function sends a write request. The SIP-log read is a ``POST`` because the API takes
its filter as a body; it changes nothing.

**Previews.** A read changes nothing, so the functions read during ``pulumi preview`` exactly as during
``pulumi up``: the plain form when it is called, the ``_output`` form as soon as its arguments are known.
While an argument of the ``_output`` form is unknown (an output of a resource not created yet), its result
is unknown and nothing is sent. Given a resource's output, the ``_output`` form reads after that resource
is created or updated: ``get_devices_output(filter=phone.device_id)`` sees ``phone``.

A result exported whole (``pulumi.export("sites", get_sites())``) becomes a map of its fields.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn, TypeVar

import pulumi

from pulumi_iotcomms._transport import Transport
from pulumi_iotcomms.api.cache import FallbackCacheApi
from pulumi_iotcomms.api.device import DeviceApi, DeviceReport
from pulumi_iotcomms.api.logs import SipLogApi, SipLogItem
from pulumi_iotcomms.api.profile import LogFilter
from pulumi_iotcomms.api.site import HostReport, SiteApi, SiteReport
from pulumi_iotcomms.api.statistics import (
    BucketSize,
    StatisticsApi,
    StatisticsBucket,
    StatisticsType,
    check_statistics_args,
)
from pulumi_iotcomms.errors import ConfigurationError, InputError
from pulumi_iotcomms.resources._config import Settings, transport_for

__all__ = [
    "GetDevicesDeviceAuthorizedResult",
    "GetDevicesDeviceResult",
    "GetDevicesResult",
    "GetIvrFallbackNumbersResult",
    "GetSipLogsLogItemResult",
    "GetSipLogsResult",
    "GetSiprecFallbackResult",
    "GetSitesResult",
    "GetSitesSiteHostResult",
    "GetSitesSiteResult",
    "GetStatisticsBucketResult",
    "GetStatisticsResult",
    "get_devices",
    "get_devices_output",
    "get_ivr_fallback_numbers",
    "get_ivr_fallback_numbers_output",
    "get_sip_logs",
    "get_sip_logs_output",
    "get_siprec_fallback",
    "get_siprec_fallback_output",
    "get_sites",
    "get_sites_output",
    "get_statistics",
    "get_statistics_output",
]

_T = TypeVar("_T")
_INT32 = (-(2**31), 2**31 - 1)


# -- results ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GetSitesSiteHostResult:
    """A host of a site, as the hybrid admin API reports it."""

    host_id: str
    """The host name."""
    state: str | None
    """``active`` after commission, ``drained`` after drain."""
    active_calls: int | None
    """Calls in progress on the host."""
    network_interfaces: tuple[str, ...] | None
    """The host's static IPv4/IPv6 addresses; None for a DHCP host."""
    network_prefix_length: int | None
    """Network prefix length of the static addresses; None for a DHCP host."""


@dataclass(frozen=True)
class GetSitesSiteResult:
    """A site of the tenant's hybrid system and its hosts."""

    site_id: str
    """The site's id."""
    hosts: tuple[GetSitesSiteHostResult, ...]
    """Its hosts, sorted by ``host_id``."""

    @property
    def host_ids(self) -> tuple[str, ...]:
        """The ids of :attr:`hosts`, in the same order."""
        return tuple(host.host_id for host in self.hosts)


@dataclass(frozen=True)
class GetSitesResult:
    """What :func:`get_sites` read: every site of a domain with its hosts."""

    domain: str
    """The tenant domain read."""
    sites: tuple[GetSitesSiteResult, ...]
    """The domain's sites, sorted by ``site_id`` (a site exists while it has hosts)."""

    @property
    def site_ids(self) -> tuple[str, ...]:
        """The ids of :attr:`sites`, in the same order."""
        return tuple(site.site_id for site in self.sites)


@dataclass(frozen=True)
class GetDevicesDeviceAuthorizedResult:
    """What a ``userid`` device may do (its ``authorized`` object)."""

    domain: str | None
    """The domain the device may call into."""
    invite: str | None
    """Regular expression of the destinations the device may INVITE."""
    register: bool | None
    """Whether the device may REGISTER."""


@dataclass(frozen=True)
class GetDevicesDeviceResult:
    """A provisioned device, without its secrets (``password`` and ``ha1`` are never read into a result)."""

    device_id: str
    """Unique id in the domain."""
    auth_type: str | None
    """``credentials``, ``deviceid`` or ``userid``."""
    device_type: str | None
    """``sipDevice``, ``alarmbridgeConnect``, ``groupScheme`` or ``alarmUnit``."""
    description: str | None
    """Notes."""
    device_cli: str | None
    """Telephone number used to resolve the device on incoming calls."""
    mac_address: str | None
    """MAC address of the associated Alarmbridge Connect gateway."""
    authorized: GetDevicesDeviceAuthorizedResult | None
    """For ``userid`` devices: what the device may do."""
    service_data: Mapping[str, Any] | None
    """Free-form service settings (read-only), keys verbatim (camelCase), e.g. ``service_data["alarmBridge"]``."""
    last_configured: float | None
    """When the device last fetched its configuration."""
    heartbeat_status: str | None
    """``online`` or ``offline``."""
    heartbeat_expiration: float | None
    """When the current heartbeat expires."""


@dataclass(frozen=True)
class GetDevicesResult:
    """What :func:`get_devices` read: the devices of a domain, optionally those whose id starts with a prefix."""

    domain: str
    """The tenant domain read."""
    filter: str | None
    """The id prefix the devices were selected by; None for all of them."""
    devices: tuple[GetDevicesDeviceResult, ...]
    """The devices, in the order the API lists them."""

    @property
    def device_ids(self) -> tuple[str, ...]:
        """The ids of :attr:`devices`, in the same order."""
        return tuple(device.device_id for device in self.devices)


@dataclass(frozen=True)
class GetStatisticsBucketResult:
    """One time bucket of statistics."""

    name: str | None
    """The bucket's name (its time span)."""
    num_calls: int | None
    """Calls in the bucket."""
    min_duration: float | None
    """Shortest call duration."""
    max_duration: float | None
    """Longest call duration."""
    sum_duration: float | None
    """Sum of the call durations."""
    average_duration: float | None
    """Average call duration."""


@dataclass(frozen=True)
class GetStatisticsResult:
    """What :func:`get_statistics` read: service statistics of a domain aggregated in time buckets."""

    domain: str
    """The tenant domain read."""
    type: str
    """The statistics type (``cdr_siprec``)."""
    bucket_size: str
    """The bucket size: ``hour``, ``day`` or ``month``."""
    statistics: tuple[GetStatisticsBucketResult, ...]
    """The buckets, in the order the API answers them."""


@dataclass(frozen=True)
class GetSipLogsLogItemResult:
    """One logged SIP message."""

    time_stamp: float | None
    """When the message was logged."""
    type: str | None
    """``request`` or ``response``."""
    method: str | None
    """The SIP method."""
    request_uri: str | None
    """The request URI (requests)."""
    status_code: str | None
    """The status code (responses)."""
    reason: str | None
    """The reason phrase (responses)."""
    src_ip: str | None
    """Source address."""
    src_port: int | None
    """Source port."""
    dst_ip: str | None
    """Destination address."""
    dst_port: int | None
    """Destination port."""
    transport: str | None
    """Transport protocol, e.g. ``udp``."""
    body: str | None
    """The message body."""
    sip_headers: Mapping[str, Any] | None
    """The SIP headers (read-only), names verbatim."""


@dataclass(frozen=True)
class GetSipLogsResult:
    """What :func:`get_sip_logs` read: the SIP log items of a domain matching a filter."""

    domain: str
    """The tenant domain read."""
    filter_pattern: str | None
    """The filter the items matched; None for none."""
    start_time: int | None
    """Start of the interval read; None for no start."""
    end_time: int | None
    """End of the interval read; None for no end."""
    limit: int | None
    """The most items asked for; None for the server's default."""
    log_items: tuple[GetSipLogsLogItemResult, ...]
    """The matching items, in the order the API answers them."""


@dataclass(frozen=True)
class GetSiprecFallbackResult:
    """What :func:`get_siprec_fallback` read: a number's status in the SIPREC fallback cache."""

    domain: str
    """The tenant domain read."""
    number: str
    """The number asked about."""
    in_cache: bool
    """Whether the number is persistent in the cache; False for a number the cache does not have."""


@dataclass(frozen=True)
class GetIvrFallbackNumbersResult:
    """What :func:`get_ivr_fallback_numbers` read: the numbers with an IVR fallback configuration."""

    domain: str
    """The tenant domain read."""
    numbers: tuple[str, ...]
    """The numbers that have an IVR fallback object (expired ones excluded), sorted."""


# -- configuration and helpers ---------------------------------------------------------------------


class _ProgramConfig:
    """``Settings.load``'s config source inside a program: ``pulumi.Config(<namespace>)``, secrets read as plain
    values (they are used for requests, never put in a result)."""

    def get(self, key: str) -> Any:
        namespace, _, name = key.partition(":")
        return pulumi.Config(namespace).get(name)


def _connect(domain: str | None) -> tuple[Transport, str]:
    """The shared transport for the program's iotcomms config and the domain to read (``domain`` or the config's)."""
    if domain is not None and not isinstance(domain, str):
        raise InputError(f"must be a string, got {type(domain).__name__}", path="domain")
    settings = Settings.load(_ProgramConfig())
    resolved = domain or settings.domain
    if not resolved:
        raise ConfigurationError(
            "no tenant domain to read: pass domain= or set iotcomms:domain (or IOTCOMMS_DOMAIN)", key="iotcomms:domain"
        )
    return transport_for(settings), resolved


def _optional_str(value: object, path: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise InputError(f"must be a string, got {type(value).__name__}", path=path)
    return value


def _optional_int(value: object, path: str, minimum: int = _INT32[0]) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"must be an integer, got {type(value).__name__}", path=path)
    if not minimum <= value <= _INT32[1]:
        raise InputError(f"{value} is out of range", path=path, allowed=f"{minimum}..{_INT32[1]}")
    return value


class _FrozenDict(dict[str, Any]):
    """A read-only JSON object of a result (``serviceData``, ``sipHeaders``). A ``dict`` (so ``pulumi.export``,
    ``json.dumps`` and ``dataclasses.asdict`` take it as one) whose changing methods raise ``TypeError``."""

    __slots__ = ()

    def _read_only(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("a result of pulumi_iotcomms.functions is read-only")

    __setitem__ = __delitem__ = __ior__ = _read_only
    clear = pop = popitem = setdefault = update = _read_only

    def __reduce__(self) -> tuple[Any, ...]:
        return (_FrozenDict, (dict(self),))


def _frozen(value: Any) -> Any:
    """JSON made read-only: objects as read-only mappings, arrays as tuples."""
    if isinstance(value, Mapping):
        return _FrozenDict({k: _frozen(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    return value


def _frozen_map(value: dict[str, Any] | None) -> Mapping[str, Any] | None:
    return None if value is None else _frozen(value)


async def _off_loop(read: Callable[[], _T]) -> _T:
    """Run a blocking read in a worker thread, so an ``apply`` does not hold up the program's event loop."""
    return await asyncio.to_thread(read)


def _host(host_id: str, host: HostReport) -> GetSitesSiteHostResult:
    interfaces = host.network_interfaces
    return GetSitesSiteHostResult(
        host_id=host_id,
        state=host.state,
        active_calls=host.active_calls,
        network_interfaces=None if interfaces is None else tuple(interfaces),
        network_prefix_length=host.network_prefix_length,
    )


def _site(site_id: str, site: SiteReport) -> GetSitesSiteResult:
    hosts = site.hosts or {}
    return GetSitesSiteResult(site_id=site_id, hosts=tuple(_host(h, hosts[h]) for h in sorted(hosts)))


def _device(device: DeviceReport) -> GetDevicesDeviceResult:
    authorized = device.authorized
    return GetDevicesDeviceResult(
        device_id=device.device_id,
        auth_type=device.auth_type,
        device_type=device.device_type,
        description=device.description,
        device_cli=device.device_cli,
        mac_address=device.mac_address,
        authorized=None
        if authorized is None
        else GetDevicesDeviceAuthorizedResult(
            domain=authorized.domain, invite=authorized.invite, register=authorized.register
        ),
        service_data=_frozen_map(device.service_data),
        last_configured=device.last_configured,
        heartbeat_status=device.heartbeat_status,
        heartbeat_expiration=device.heartbeat_expiration,
    )


def _bucket(bucket: StatisticsBucket) -> GetStatisticsBucketResult:
    return GetStatisticsBucketResult(
        name=bucket.name,
        num_calls=bucket.num_calls,
        min_duration=bucket.min_duration,
        max_duration=bucket.max_duration,
        sum_duration=bucket.sum_duration,
        average_duration=bucket.average_duration,
    )


def _log_item(item: SipLogItem) -> GetSipLogsLogItemResult:
    return GetSipLogsLogItemResult(
        time_stamp=item.time_stamp,
        type=item.type,
        method=item.method,
        request_uri=item.request_uri,
        status_code=item.status_code,
        reason=item.reason,
        src_ip=item.src_ip,
        src_port=item.src_port,
        dst_ip=item.dst_ip,
        dst_port=item.dst_port,
        transport=item.transport,
        body=item.body,
        sip_headers=_frozen_map(item.sip_headers),
    )


# -- functions -------------------------------------------------------------------------------------


def get_sites(domain: str | None = None) -> GetSitesResult:
    """Read every site of a tenant's hybrid system and its hosts (``GET /hybridadmin/site/{domain}``).

    Args:
        domain: The tenant domain; defaults to the ``iotcomms:domain`` config.

    Returns:
        The sites sorted by id, each with its hosts sorted by id.

    Raises:
        ConfigurationError: No credentials or no domain are configured.
        ApiError: The request failed (e.g. ``UnauthorizedError``) or the answer was malformed.
    """
    transport, resolved = _connect(domain)
    sites = SiteApi(transport).read_sites(resolved)
    return GetSitesResult(domain=resolved, sites=tuple(_site(s, sites[s]) for s in sorted(sites)))


def get_sites_output(domain: pulumi.Input[str | None] = None) -> pulumi.Output[GetSitesResult]:
    """:func:`get_sites` taking ``pulumi.Input`` arguments: reads once ``domain`` is known.

    Args:
        domain: The tenant domain; defaults to the ``iotcomms:domain`` config.
    """
    return pulumi.Output.from_input(domain).apply(lambda d: _off_loop(lambda: get_sites(d)))


def get_devices(domain: str | None = None, filter: str | None = None) -> GetDevicesResult:
    """Read the devices of a domain (``GET /provisioning/device/{domain}``, every page).

    Args:
        domain: The tenant domain; defaults to the ``iotcomms:domain`` config.
        filter: Only the devices whose id starts with this string (the API's ``filter``); None or ``""`` for all.

    Returns:
        The devices in the API's order, without their secrets (``password``, ``ha1``).

    Raises:
        InputError: ``filter`` is not a string (nothing is sent).
        ConfigurationError: No credentials or no domain are configured.
        ApiError: The request failed or the answer was malformed.
    """
    prefix = _optional_str(filter, "filter")
    transport, resolved = _connect(domain)
    devices = DeviceApi(transport).read_devices(resolved, prefix=prefix)
    return GetDevicesResult(domain=resolved, filter=prefix or None, devices=tuple(_device(d) for d in devices))


def get_devices_output(
    domain: pulumi.Input[str | None] = None, filter: pulumi.Input[str | None] = None
) -> pulumi.Output[GetDevicesResult]:
    """:func:`get_devices` taking ``pulumi.Input`` arguments: reads once every argument is known.

    Args:
        domain: The tenant domain; defaults to the ``iotcomms:domain`` config.
        filter: Only the devices whose id starts with this string; None for all.
    """
    args = pulumi.Output.all(domain=domain, filter=filter)
    return args.apply(lambda a: _off_loop(lambda: get_devices(**a)))


def get_statistics(type: StatisticsType, bucket_size: BucketSize, domain: str | None = None) -> GetStatisticsResult:
    """Read service statistics in time buckets (``GET /provisioning/statistics/{domain}/{type}/{bucketsize}``).

    Args:
        type: The statistics type; the API documents ``cdr_siprec``.
        bucket_size: The size of the time buckets: ``hour``, ``day`` or ``month``.
        domain: The tenant domain; defaults to the ``iotcomms:domain`` config.

    Returns:
        The buckets in the API's order.

    Raises:
        InputError: ``type`` or ``bucket_size`` is not a documented value (nothing is sent).
        ConfigurationError: No credentials or no domain are configured.
        ApiError: The request failed or the answer was malformed.
    """
    check_statistics_args(type, bucket_size)
    transport, resolved = _connect(domain)
    buckets = StatisticsApi(transport).read(resolved, type, bucket_size)
    return GetStatisticsResult(
        domain=resolved, type=type, bucket_size=bucket_size, statistics=tuple(_bucket(b) for b in buckets)
    )


def get_statistics_output(
    type: pulumi.Input[StatisticsType],
    bucket_size: pulumi.Input[BucketSize],
    domain: pulumi.Input[str | None] = None,
) -> pulumi.Output[GetStatisticsResult]:
    """:func:`get_statistics` taking ``pulumi.Input`` arguments: reads once every argument is known.

    Args:
        type: The statistics type; the API documents ``cdr_siprec``.
        bucket_size: The size of the time buckets: ``hour``, ``day`` or ``month``.
        domain: The tenant domain; defaults to the ``iotcomms:domain`` config.
    """
    args = pulumi.Output.all(type=type, bucket_size=bucket_size, domain=domain)
    return args.apply(lambda a: _off_loop(lambda: get_statistics(**a)))


def get_sip_logs(
    filter_pattern: str | None = None,
    start_time: int | None = None,
    end_time: int | None = None,
    limit: int | None = None,
    domain: str | None = None,
) -> GetSipLogsResult:
    """Read SIP log items of a domain (``POST /provisioning/logs/{domain}/sip``, a read despite the method).

    Args:
        filter_pattern: Filter criteria the items must match (the API's ``filterPattern``); None for none.
        start_time: Timestamp of the beginning of the interval to read (an int32); None for no start.
        end_time: Timestamp of the end of the interval to read (an int32); None for no end.
        limit: The most items to return (0 or more); None for the server's default.
        domain: The tenant domain; defaults to the ``iotcomms:domain`` config.

    Returns:
        The matching items in the API's order.

    Raises:
        InputError: An argument has the wrong type or is out of range (nothing is sent).
        ConfigurationError: No credentials or no domain are configured.
        ApiError: The request failed or the answer was malformed.
    """
    given = {
        "filter_pattern": _optional_str(filter_pattern, "filter_pattern"),
        "start_time": _optional_int(start_time, "start_time"),
        "end_time": _optional_int(end_time, "end_time"),
        "limit": _optional_int(limit, "limit", minimum=0),
    }
    log_filter = LogFilter.model_validate({k: v for k, v in given.items() if v is not None})
    transport, resolved = _connect(domain)
    items = SipLogApi(transport).read(resolved, log_filter)
    return GetSipLogsResult(
        domain=resolved,
        filter_pattern=log_filter.filter_pattern,
        start_time=log_filter.start_time,
        end_time=log_filter.end_time,
        limit=log_filter.limit,
        log_items=tuple(_log_item(item) for item in items),
    )


def get_sip_logs_output(
    filter_pattern: pulumi.Input[str | None] = None,
    start_time: pulumi.Input[int | None] = None,
    end_time: pulumi.Input[int | None] = None,
    limit: pulumi.Input[int | None] = None,
    domain: pulumi.Input[str | None] = None,
) -> pulumi.Output[GetSipLogsResult]:
    """:func:`get_sip_logs` taking ``pulumi.Input`` arguments: reads once every argument is known.

    Args:
        filter_pattern: Filter criteria the items must match; None for none.
        start_time: Timestamp of the beginning of the interval to read; None for no start.
        end_time: Timestamp of the end of the interval to read; None for no end.
        limit: The most items to return; None for the server's default.
        domain: The tenant domain; defaults to the ``iotcomms:domain`` config.
    """
    args = pulumi.Output.all(
        filter_pattern=filter_pattern, start_time=start_time, end_time=end_time, limit=limit, domain=domain
    )
    return args.apply(lambda a: _off_loop(lambda: get_sip_logs(**a)))


def get_siprec_fallback(number: str, domain: str | None = None) -> GetSiprecFallbackResult:
    """Read a number's status in the SIPREC fallback cache (``GET /cache/{domain}/siprecfallback/{number}``).

    Args:
        number: The number to ask about (1-64 characters).
        domain: The tenant domain; defaults to the ``iotcomms:domain`` config.

    Returns:
        The status; a number the cache does not have is ``in_cache=False`` (not None, not an error).

    Raises:
        InputError: ``number`` is not a string or unsafe in a path (nothing is sent).
        ConfigurationError: No credentials or no domain are configured.
        ApiError: The request failed or the answer was malformed.
    """
    if not isinstance(number, str):
        raise InputError(f"must be a string, got {type(number).__name__}", path="number")
    transport, resolved = _connect(domain)
    in_cache = FallbackCacheApi(transport).siprec_in_cache(resolved, number)
    return GetSiprecFallbackResult(domain=resolved, number=number, in_cache=in_cache)


def get_siprec_fallback_output(
    number: pulumi.Input[str], domain: pulumi.Input[str | None] = None
) -> pulumi.Output[GetSiprecFallbackResult]:
    """:func:`get_siprec_fallback` taking ``pulumi.Input`` arguments: reads once every argument is known.

    Args:
        number: The number to ask about.
        domain: The tenant domain; defaults to the ``iotcomms:domain`` config.
    """
    args = pulumi.Output.all(number=number, domain=domain)
    return args.apply(lambda a: _off_loop(lambda: get_siprec_fallback(**a)))


def get_ivr_fallback_numbers(domain: str | None = None) -> GetIvrFallbackNumbersResult:
    """Read the numbers that have an IVR fallback configuration (``GET /cache/{domain}/ivrfallback``).

    Args:
        domain: The tenant domain; defaults to the ``iotcomms:domain`` config.

    Returns:
        The numbers, sorted.

    Raises:
        ConfigurationError: No credentials or no domain are configured.
        ApiError: The request failed or the answer was malformed.
    """
    transport, resolved = _connect(domain)
    numbers = FallbackCacheApi(transport).ivr_fallback_numbers(resolved)
    return GetIvrFallbackNumbersResult(domain=resolved, numbers=tuple(sorted(numbers)))


def get_ivr_fallback_numbers_output(
    domain: pulumi.Input[str | None] = None,
) -> pulumi.Output[GetIvrFallbackNumbersResult]:
    """:func:`get_ivr_fallback_numbers` taking ``pulumi.Input`` arguments: reads once ``domain`` is known.

    Args:
        domain: The tenant domain; defaults to the ``iotcomms:domain`` config.
    """
    return pulumi.Output.from_input(domain).apply(lambda d: _off_loop(lambda: get_ivr_fallback_numbers(d)))
