"""``SiteHost``: a host commissioned on a hybrid site (``/hybridadmin/site``)."""

from __future__ import annotations

import ipaddress
import math
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any, TypeGuard

import pulumi
import pulumi.dynamic

from pulumi_iotcomms.api._ops import Doc
from pulumi_iotcomms.api._schema import Behaviour
from pulumi_iotcomms.api.site import HostCommission, SiteApi
from pulumi_iotcomms.errors import IotcommsError, NotFoundError

from ._engine import is_unknown, normalize
from ._generated.site_host import SiteHost
from ._provider import INTERNAL, IotcommsProvider, Spec, Target

__all__ = ["DRAIN_TIMEOUT_SECONDS", "SiteHost", "SiteHostProvider", "host_target", "site_and_host"]


DRAIN_TIMEOUT_SECONDS = 600.0
"""How long a delete (or an adopting re-commission) waits for a drained host's calls to end, by default."""

#: The drain wait polls the host after 0.5 s, then doubling up to every 10 s.
_FIRST_POLL_SECONDS = 0.5
_MAX_POLL_SECONDS = 10.0

# Seams for tests: the drain wait sleeps and reads the clock only through these module globals.
_sleep: Callable[[float], None] = time.sleep
_clock: Callable[[], float] = time.monotonic

_ADDRESSING = ("networkInterfaces", "networkPrefixLength")


def host_target(domain: str, site_id: str, host_id: str) -> Target:
    """Where a host lives: its local id is ``<site_id>/<host_id>`` (the one place that says so)."""
    return Target(domain, f"{site_id}/{host_id}")


def site_and_host(target: Target) -> tuple[str, str]:
    """``(site_id, host_id)`` of a host's target (see :func:`host_target`)."""
    site_id, _, host_id = target.local_id.partition("/")
    return site_id, host_id


class SiteHostProvider(IotcommsProvider):
    """Commission on create; on delete drain (unless ``drain_on_delete=False``), wait until the host has
    no active calls (at most ``drain_timeout_seconds``), then decommission.

    With ``adopt=True`` a host already commissioned with other addressing is drained, emptied of calls,
    decommissioned and commissioned again with the declared addressing (the addressing cannot be
    changed in place); ``check`` says so in the preview, since a preview does not read the server.
    """

    spec = Spec(
        name="SiteHost",
        model=HostCommission,
        extra={
            "site_id": Behaviour(replace=True, required=True, annotation="str", doc="the site the host belongs to."),
            "host_id": Behaviour(replace=True, required=True, annotation="str", doc="the host name."),
            "drain_on_delete": Behaviour(
                server_default=True,
                annotation="bool",
                doc="drain the host of calls before decommissioning it (default true).",
            ),
            "do_not_reschedule": Behaviour(
                server_default=False,
                annotation="bool",
                doc="when draining, do not move its services to other hosts (default false).",
            ),
            # Only affects how long a delete waits: changing it updates the state, never the host.
            "drain_timeout_seconds": Behaviour(
                server_default=DRAIN_TIMEOUT_SECONDS,
                annotation="float",
                doc="how long deleting (or re-commissioning, see ``adopt``) the host waits for its active calls"
                " to end after draining it; past it the operation fails and the host stays drained. Default:"
                ' ``opts.custom_timeouts.delete`` when given (e.g. ``"10m"``), else 600.',
            ),
            "adopt": replace(
                INTERNAL["adopt"],
                doc="take over an already commissioned host with this id instead of failing. If it has other"
                " addressing than declared, ``pulumi up`` drains it, waits for its calls to end, decommissions"
                " it and commissions it again with the declared addressing (the preview says this may happen).",
            ),
        },
        identity=frozenset({"site_id", "host_id"}),
        noun="host",
        doc="A host commissioned on a site of a tenant's hybrid system.\n\n"
        "Pulumi id: ``<domain>/<site_id>/<host_id>``. Changing the domain, site, host or addressing replaces"
        " the host (decommission first). Destroying drains it, waits until it has no active calls (at most"
        " ``drain_timeout_seconds``, default 600, or the ``custom_timeouts.delete`` option), then"
        " decommissions it; ``drain_on_delete=False`` decommissions at once.\n\n"
        "``adopt=True`` takes over a host that is already commissioned. If it has other addressing than"
        " declared, ``pulumi up`` drains it, waits for its calls to end, decommissions it and commissions it"
        " again with the declared addressing; a preview cannot see the server's addressing, so it says this"
        " may happen instead.",
    )

    @classmethod
    def program_args(cls, args: Mapping[str, Any], opts: Any) -> Mapping[str, Any]:
        """``drain_timeout_seconds`` defaults to ``opts.custom_timeouts.delete``: the dynamic provider host
        does not pass custom timeouts to providers, so the program carries it as an input."""
        timeouts = getattr(opts, "custom_timeouts", None)
        delete = getattr(timeouts, "delete", None)
        if args.get("drain_timeout_seconds") is None and delete:
            seconds = _duration_seconds(delete)
            if seconds is not None and seconds > 0:
                return {**args, "drain_timeout_seconds": seconds}
        return args

    def _api(self) -> SiteApi:
        return SiteApi(self.transport)

    def target(self, props: Mapping[str, Any]) -> Target:
        return host_target(str(props["domain"]), str(props["site_id"]), str(props["host_id"]))

    def target_from_id(self, pulumi_id: str, props: Mapping[str, Any]) -> Target:
        if props.get("domain") and props.get("site_id") and props.get("host_id"):
            return self.target(props)
        parts = pulumi_id.split("/")
        if len(parts) != 3 or not all(parts):
            raise IotcommsError(f"cannot import {pulumi_id!r}: expected an id of the form <domain>/<siteId>/<hostId>")
        return host_target(*parts)

    def read(self, id_: str, props: dict[str, Any]) -> pulumi.dynamic.ReadResult:
        result = super().read(id_, props)
        if result.id and result.inputs is not None:
            # Identity is part of the id for this resource; keep it in the refreshed inputs.
            site_id, host_id = site_and_host(self.target_from_id(id_, props))
            result.inputs.update(site_id=site_id, host_id=host_id)
            (result.outs or {}).update(site_id=site_id, host_id=host_id)
        return result

    def check_inputs(self, olds: Mapping[str, Any], inputs: dict[str, Any]) -> list[pulumi.dynamic.CheckFailure]:
        failures = super().check_inputs(olds, inputs)
        for name in ("site_id", "host_id"):
            value = inputs.get(name)
            if value is None:
                failures.append(pulumi.dynamic.CheckFailure(name, "required"))
            elif not is_unknown(value) and not (isinstance(value, str) and _valid_name(value)):
                failures.append(
                    pulumi.dynamic.CheckFailure(name, "must be 1-63 letters, digits, '.', '_' or '-', without '..'")
                )
        timeout = inputs.get("drain_timeout_seconds")
        if timeout is not None and not is_unknown(timeout) and not _positive_number(timeout):
            failures.append(
                pulumi.dynamic.CheckFailure("drain_timeout_seconds", "must be a positive number of seconds")
            )
        if not failures and inputs.get("adopt") is True and not self._same_host(olds, inputs):
            # check and diff read nothing from the server, so the preview cannot know the host's
            # addressing: say here what `up` may do to it.
            pulumi.log.info(
                f"SiteHost {_describe(inputs)} has adopt=True: if the host is already commissioned with other "
                "network_interfaces/network_prefix_length, `pulumi up` will drain it, wait for its active calls "
                "to end (up to drain_timeout_seconds), decommission it and commission it again with the "
                "declared addressing"
            )
        return failures

    @staticmethod
    def _same_host(olds: Mapping[str, Any], inputs: Mapping[str, Any]) -> bool:
        """Whether ``olds`` is already this host (then adopt no longer matters: it only affects a create)."""
        return all(olds.get(n) is not None and olds.get(n) == inputs.get(n) for n in ("domain", "site_id", "host_id"))

    def fetch(self, target: Target) -> Doc | None:
        site_id, host_id = site_and_host(target)
        return self._api().get_host(target.domain, site_id, host_id)

    def write_new(self, target: Target, wire: Doc, props: Mapping[str, Any]) -> Doc:
        site_id, host_id = site_and_host(target)
        self._api().commission(target.domain, site_id, host_id, wire)
        return {}

    def write_changes(self, target: Target, ops: list[Doc], wire: Doc) -> Doc:
        # Every host field replaces the host, so an update never reaches the server.
        return {}

    def adopt_existing(self, target: Target, server: Doc, wire: Doc, props: Mapping[str, Any]) -> Doc:
        """Converge an existing host: equal addressing writes nothing; other addressing cannot be patched
        (every host field replaces), so the host is drained, emptied of calls, decommissioned and
        commissioned again with the declared addressing, which is then verified."""
        if _addressing(server) == _addressing(wire):
            return {}
        site_id, host_id = site_and_host(target)
        api = self._api()
        try:
            api.drain(target.domain, site_id, host_id, do_not_reschedule=bool(props.get("do_not_reschedule")))
        except NotFoundError:
            pass  # decommissioned meanwhile: only the commission is left to do
        else:
            if self._wait_for_calls(target, props, adopting=True):
                api.decommission(target.domain, site_id, host_id)
        api.commission(target.domain, site_id, host_id, wire)
        now = self.fetch(target)
        if now is None or _addressing(now) != _addressing(wire):
            have = "no host" if now is None else _show(now)
            raise IotcommsError(
                f"SiteHost {target.pulumi_id} was re-commissioned to adopt it, but the server now has {have} "
                f"instead of the declared {_show(wire)}"
            )
        return {}

    def remove(self, target: Target, props: Mapping[str, Any]) -> None:
        """Drain the host and wait for its calls to end, then decommission it; ``drain_on_delete=False``
        decommissions at once. A host that is gone counts as removed."""
        site_id, host_id = site_and_host(target)
        if props.get("drain_on_delete", True):
            try:
                self._api().drain(
                    target.domain, site_id, host_id, do_not_reschedule=bool(props.get("do_not_reschedule"))
                )
            except NotFoundError:
                return
            if not self._wait_for_calls(target, props, adopting=False):
                return
        self._api().decommission(target.domain, site_id, host_id)

    def discard(self, target: Target, props: Mapping[str, Any]) -> None:
        """Undo a failed create: a host we just commissioned has no calls yet, so it is decommissioned
        without draining or waiting."""
        site_id, host_id = site_and_host(target)
        self._api().decommission(target.domain, site_id, host_id)

    def _wait_for_calls(self, target: Target, props: Mapping[str, Any], *, adopting: bool) -> bool:
        """Poll the drained host until it reports no active calls (backing off from 0.5 s to 10 s),
        logging progress; False when the host disappeared meanwhile. Past ``drain_timeout_seconds``
        it fails, leaving the host drained but commissioned so a later run can retry."""
        timeout = _timeout(props)
        started = _clock()
        interval = _FIRST_POLL_SECONDS
        while True:
            host = self.fetch(target)
            if host is None:
                return False
            calls = int(normalize(host.get("activeCalls") or 0))
            if calls <= 0:
                return True
            waited = _clock() - started
            if waited >= timeout:
                done = "neither decommissioned nor re-commissioned" if adopting else "not decommissioned"
                hint = "" if adopting else ", or set drain_on_delete=False to decommission it without waiting"
                raise IotcommsError(
                    f"SiteHost {target.pulumi_id} still has {calls} active calls after {waited:.0f} s of draining "
                    f"(drain_timeout_seconds={timeout:g}): it stays drained and was {done}. Run the "
                    "operation again once the calls have ended, raise drain_timeout_seconds (or the "
                    f"custom_timeouts delete option){hint}"
                )
            pulumi.log.info(f"draining {target.pulumi_id}: {calls} active calls, waited {waited:.0f} s")
            _sleep(min(interval, timeout - waited))
            interval = min(interval * 2, _MAX_POLL_SECONDS)


def _valid_name(value: str) -> bool:
    return re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,62}", value) is not None and ".." not in value


def _positive_number(value: Any) -> TypeGuard[float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value > 0


def _timeout(props: Mapping[str, Any]) -> float:
    value = props.get("drain_timeout_seconds")
    return float(value) if _positive_number(value) else DRAIN_TIMEOUT_SECONDS


def _describe(inputs: Mapping[str, Any]) -> str:
    parts = [inputs.get(n) for n in ("domain", "site_id", "host_id")]
    where = "/".join("<unknown>" if p is None or is_unknown(p) else str(p) for p in parts)
    name = inputs.get("resource_name")
    return f"{name!r} ({where})" if name else where


def _address(text: Any) -> Any:
    # One spelling per address (2001:DB8::5 is 2001:db8::5), so only a real difference re-commissions.
    try:
        return str(ipaddress.ip_address(str(text)))
    except ValueError:
        return text


def _addressing(doc: Mapping[str, Any]) -> tuple[list[Any] | None, Any]:
    """The host's static addressing as ``(interfaces, prefix length)``; ``(None, None)`` for DHCP."""
    interfaces = doc.get("networkInterfaces")
    return (
        None if interfaces is None else [_address(a) for a in interfaces],
        normalize(doc.get("networkPrefixLength")),
    )


def _show(doc: Mapping[str, Any]) -> str:
    interfaces, prefix = (doc.get(k) for k in _ADDRESSING)
    if interfaces is None and prefix is None:
        return "network_interfaces=None, network_prefix_length=None (DHCP)"
    return f"network_interfaces={interfaces!r}, network_prefix_length={prefix!r}"


_DURATION_PART = re.compile(r"(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def _duration_seconds(text: str) -> float | None:
    """Seconds in a Pulumi custom timeout (Go duration syntax: ``"10m"``, ``"1h30m"``, ``"90s"``); None
    when it is not one."""
    rest, sign = text.strip(), 1.0
    if rest[:1] in ("+", "-"):
        rest, sign = rest[1:], -1.0 if rest[0] == "-" else 1.0
    if rest == "0":
        return 0.0
    if not rest:
        return None
    total, position = 0.0, 0
    while position < len(rest):
        match = _DURATION_PART.match(rest, position)
        if match is None:
            return None
        total += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        position = match.end()
    return sign * total
