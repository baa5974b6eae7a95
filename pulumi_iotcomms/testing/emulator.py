"""An emulator for a test: start one (:func:`start_emulator`, :class:`EmulatorOptions`) and drive it
(:class:`EmulatorClient`: API calls as a tenant, and the ``/_emulator`` admin controls -- request log,
fault injection, reset, alarm injection, deliveries)."""

from __future__ import annotations

import ssl
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import httpx

from pulumi_iotcomms.emulator import Emulator, EmulatorServer, Store

__all__ = ["EmulatorClient", "EmulatorOptions", "RunningEmulator", "start_emulator"]

# Building an SSL context costs ~30 ms and a test makes clients often; the emulator is plain HTTP anyway.
_SSL = ssl.create_default_context()
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_Client = TypeVar("_Client", bound="EmulatorClient")


def _expect(resp: httpx.Response, what: str) -> Any:
    if resp.status_code != 200:
        raise AssertionError(f"{what}: the emulator answered {resp.status_code}: {resp.text}")
    return resp.json()


class EmulatorClient:
    """HTTP client of a running emulator.

    Args:
        url: the emulator's base URL.
        token: the bearer token API calls send (one of the tenant tokens the emulator accepts).
        domain: the tenant domain the admin helpers default to.
    """

    def __init__(self, url: str, token: str = "", domain: str = "") -> None:
        self.url = url
        self.token = token
        self.domain = domain
        self.http = httpx.Client(base_url=url, timeout=30, verify=_SSL)

    # -- the API, as a tenant ---------------------------------------------------------------------

    def call(self, method: str, path: str, *, token: str | None = None, auth: bool = True, **kw: Any) -> httpx.Response:
        """One API request; ``path`` includes the base path, e.g. ``/provisioning/device/acme.example``."""
        headers = dict(kw.pop("headers", {}) or {})
        if auth:
            headers.setdefault("Authorization", f"Bearer {token or self.token}")
        return self.http.request(method, path, headers=headers, **kw)

    def ok(self, method: str, path: str, **kw: Any) -> Any:
        """A request that must succeed (200); its JSON body."""
        return _expect(self.call(method, path, **kw), f"{method} {path}")

    def fail(self, method: str, path: str, status: int, field: str | None = None, **kw: Any) -> str:
        """A request that must fail with ``status`` and the error body; its reason (which must start with
        ``"<field>:"`` when ``field`` is given)."""
        resp = self.call(method, path, **kw)
        if resp.status_code != status:
            raise AssertionError(f"{method} {path}: expected {status}, got {resp.status_code}: {resp.text}")
        body = resp.json()
        reason = body.get("reason") if isinstance(body, dict) else None
        if body.get("success") is not False or not isinstance(reason, str):
            raise AssertionError(f"{method} {path}: not an error body: {body}")
        if field is not None and not reason.startswith(f"{field}:"):
            raise AssertionError(f"{method} {path}: the reason names another field than {field}: {reason}")
        return reason

    # -- admin controls ----------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget every object, fault, logged request and delivery (start-up credentials stay)."""
        _expect(self.http.post("/_emulator/reset"), "reset")

    def requests(self) -> list[dict[str, Any]]:
        """The request log, oldest first: ``method``, ``path``, ``query``, ``status``, ``body``, ``fault``."""
        return list(_expect(self.http.get("/_emulator/requests"), "request log")["requests"])

    def writes(self) -> list[dict[str, Any]]:
        """The logged requests that could change something (POST, PUT, PATCH, DELETE)."""
        return [r for r in self.requests() if r["method"] in WRITE_METHODS]

    def clear_requests(self) -> None:
        """Empty the request log."""
        _expect(self.http.delete("/_emulator/requests"), "clear the request log")

    def faults(self, **config: Any) -> dict[str, Any]:
        """Set the fault injection (``error_rate``, ``rate_limit_rate``, ``drop_rate``, ``apply_then_fail_rate``,
        ``latency_ms``, ``seed`` ...; see ``pulumi_iotcomms.emulator.FaultConfig``); the configuration and
        counts injected so far. ``faults()`` with no argument turns every fault off."""
        return dict(_expect(self.http.put("/_emulator/faults", json=config), "faults"))

    def objects(self) -> dict[str, Any]:
        """Every stored object: ``{domain: {collection: {key: doc}}}`` (credentials left out)."""
        return dict(_expect(self.http.get("/_emulator/objects"), "objects")["objects"])

    def tenant(self, domain: str | None = None) -> dict[str, Any]:
        """The objects of one tenant (default :attr:`domain`), empty settings objects (``{}``) left out."""
        return {
            coll: kept
            for coll, docs in self.objects().get(domain or self.domain, {}).items()
            if (kept := {key: doc for key, doc in docs.items() if doc != {}})
        }

    def raise_alarm(self, site_id: str, domain: str | None = None, **fields: Any) -> dict[str, Any]:
        """A site raises a service alarm (``fields``: wire names, e.g. ``error="lowMemory"``);
        ``{"alarm": ..., "delivery": ...}``."""
        body = {"domain": domain or self.domain, "siteId": site_id, **fields}
        return dict(_expect(self.http.post("/_emulator/alarms", json=body), "raise an alarm"))

    def sip_event(self, event: dict[str, Any], domain: str | None = None) -> dict[str, Any]:
        """The platform emits a SIP event; its delivery."""
        body = {"domain": domain or self.domain, "event": event}
        return dict(_expect(self.http.post("/_emulator/sipevents", json=body), "SIP event")["delivery"])

    def deliveries(self, wait: float = 15.0) -> list[dict[str, Any]]:
        """Every event delivery, oldest first, once none is pending (or ``wait`` seconds passed)."""
        resp = self.http.get("/_emulator/deliveries", params={"wait": wait}, timeout=wait + 10)
        return list(_expect(resp, "deliveries")["deliveries"])

    def set_host(self, site_id: str, host_id: str, domain: str | None = None, **fields: Any) -> dict[str, Any]:
        """Give a commissioned host ``activeCalls``/``state`` (as if calls happened)."""
        resp = self.http.put(f"/_emulator/hosts/{domain or self.domain}/{site_id}/{host_id}", json=fields)
        return dict(_expect(resp, "set a host")["host"])

    def set_calls(
        self, site_id: str, host_id: str, active_calls: int, drain_per_read: int = 1, domain: str | None = None
    ) -> dict[str, Any]:
        """Give a host ``active_calls`` that, once it is drained, end ``drain_per_read`` per site listing."""
        body = {"activeCalls": active_calls, "drainPerRead": drain_per_read}
        resp = self.http.put(f"/_emulator/hosts/{domain or self.domain}/{site_id}/{host_id}/calls", json=body)
        return dict(_expect(resp, "set calls")["host"])

    def set_bulk_pace(self, rows_per_second: float) -> float:
        """Make bulk jobs apply ``rows_per_second`` rows a second (0 or less: at once); the pace as set."""
        resp = self.http.put("/_emulator/bulk", json={"rowsPerSecond": rows_per_second})
        return float(_expect(resp, "bulk pace")["rowsPerSecond"])

    def reject_bulk_rows(self, reasons: dict[str, str]) -> None:
        """Make bulk jobs refuse the rows of these device ids with ``deviceId: <reason>``."""
        _expect(self.http.put("/_emulator/bulk", json={"rejectDeviceIds": reasons}), "reject bulk rows")

    def set_clock_offset(self, seconds: float) -> float:
        """Shift the clock that expires cache entries by ``seconds``; the emulator's shifted time."""
        return float(_expect(self.http.put("/_emulator/clock", json={"offsetSeconds": seconds}), "clock")["now"])

    def seed_siprec(self, number: str, domain: str | None = None) -> None:
        """Put ``number`` in the SIPREC fallback cache."""
        _expect(self.http.put(f"/_emulator/siprecfallback/{domain or self.domain}/{number}"), "seed SIPREC")

    def set_statistics(
        self,
        buckets: list[dict[str, Any]],
        stat_type: str = "cdr_siprec",
        bucketsize: str = "day",
        domain: str | None = None,
    ) -> list[dict[str, Any]]:
        """Set the buckets the statistics endpoint answers; as stored."""
        path = f"/_emulator/statistics/{domain or self.domain}/{stat_type}/{bucketsize}"
        return list(_expect(self.http.put(path, json={"statistics": buckets}), "statistics")["statistics"])

    def add_sip_logs(self, items: list[dict[str, Any]], domain: str | None = None) -> int:
        """Add items for the SIP-log endpoint to answer; how many the domain has."""
        resp = self.http.post(f"/_emulator/siplogs/{domain or self.domain}", json={"logItems": items})
        return int(_expect(resp, "SIP logs")["count"])

    def close(self) -> None:
        """Close the HTTP connections."""
        self.http.close()

    def __enter__(self: _Client) -> _Client:
        return self

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


@dataclass(frozen=True)
class EmulatorOptions:
    """How a test's emulator starts.

    Args:
        tenants: tenant domain -> the bearer token it accepts; the first is the default tenant.
        public_keys: ``(domain, PEM)`` public keys whose RS256 JWTs it accepts.
        state: a SQLite file to keep the objects in (None: in memory).
        aws_endpoint: where SNS events are published (a moto or LocalStack URL).
        allow_loopback_http: deliver HTTP callbacks to ``http://`` loopback receivers (on for tests).
        provd_users: ``(user, password)`` pairs the provd routes accept (none: provd needs no auth).
        alvaria_clients: ``(client id, secret)`` pairs the Alvaria token endpoint accepts.
        alvaria_api_keys: the ``x-api-key`` values the Alvaria API accepts.
        extra: further :class:`pulumi_iotcomms.emulator.Emulator` arguments.
    """

    tenants: Mapping[str, str] = field(default_factory=lambda: {"test.example": "test-token"})
    public_keys: Sequence[tuple[str, str]] = ()
    state: str | Path | None = None
    aws_endpoint: str | None = None
    allow_loopback_http: bool = True
    provd_users: Sequence[tuple[str, str]] = ()
    alvaria_clients: Sequence[tuple[str, str]] = ()
    alvaria_api_keys: Sequence[str] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def domain(self) -> str:
        """The default tenant domain."""
        return next(iter(self.tenants))

    @property
    def token(self) -> str:
        """The default tenant's token."""
        return self.tenants[self.domain]


@dataclass
class RunningEmulator:
    """An emulator serving on loopback: its ``url``, ``options``, the :class:`EmulatorClient` ``client``
    (as the default tenant) and the in-process ``emulator`` itself."""

    url: str
    options: EmulatorOptions
    client: EmulatorClient
    emulator: Emulator


@contextmanager
def start_emulator(options: EmulatorOptions | None = None) -> Iterator[RunningEmulator]:
    """An emulator with the admin controls on, on a free loopback port, for the ``with`` block."""
    options = options or EmulatorOptions()
    emulator = Emulator(
        store=Store(None if options.state is None else str(options.state)),
        admin=True,
        tokens=list(options.tenants.items()),
        public_keys=list(options.public_keys),
        aws_endpoint=options.aws_endpoint,
        allow_loopback_http=options.allow_loopback_http,
        provd_users=list(options.provd_users),
        alvaria_clients=list(options.alvaria_clients),
        alvaria_api_keys=list(options.alvaria_api_keys),
        **dict(options.extra),
    )
    with EmulatorServer(emulator) as server, EmulatorClient(server.url, options.token, options.domain) as client:
        try:
            yield RunningEmulator(server.url, options, client, emulator)
        finally:
            emulator.notifier.close()
