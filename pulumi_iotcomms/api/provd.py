"""The XiVO provd server (``/provd/...``): its configuration service, its plugin installation service and
the "operation in progress" (OIP) monitors that follow installs, upgrades and updates.

Bodies use the media type ``application/vnd.proformatique.provd+json`` (the transport sends it as
``Accept`` and ``Content-Type``: :data:`MEDIA_TYPE`). An OIP's status is a string in the documented
grammar ``[label|]state[;current[/end]](sub_oips)*``, parsed by :func:`parse_oip_status` into an
:class:`OipStatus` tree; :meth:`ProvdApi.follow` polls a monitor with backoff until it succeeds or fails,
reports progress ("download 10/100") through a callback, and deletes the monitor afterwards -- also
when polling fails -- as the docs require of every client.
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypeAlias, cast

import httpx

from pulumi_iotcomms._transport import Transport
from pulumi_iotcomms.errors import (
    ApiError,
    DeadlineExceededError,
    IotcommsError,
    error_for_malformed_body,
)

from ._schema import COMPUTED, WireModel

__all__ = [
    "CONFIGURE",
    "INSTALL_SERVICE",
    "MEDIA_TYPE",
    "ConfigParam",
    "ConfigParamState",
    "ConfigValue",
    "OipState",
    "OipStatus",
    "OipStatusError",
    "OperationFailedError",
    "Package",
    "PluginState",
    "ProvdApi",
    "family_of",
    "parse_oip_status",
]

MEDIA_TYPE = "application/vnd.proformatique.provd+json"
CONFIGURE = "/provd/configure"
INSTALL_SERVICE = "/provd/pg_mgr/install"

ConfigValue: TypeAlias = str | int | float | None
"""A configuration parameter's value: the docs show strings, numbers and null."""

OipState: TypeAlias = Literal["waiting", "progress", "success", "fail"]
_STATES: frozenset[str] = frozenset({"waiting", "progress", "success", "fail"})

log = logging.getLogger("pulumi_iotcomms.provd")


# -- OIP status ---------------------------------------------------------------------------------------


class OipStatusError(ValueError):
    """An OIP status string that does not follow the documented grammar.

    Args:
        text: The status as received.
        position: Where parsing stopped (0-based).
        problem: What was expected there.
    """

    def __init__(self, text: str, position: int, problem: str) -> None:
        self.text = text
        self.position = position
        self.problem = problem
        super().__init__(f"malformed OIP status {text!r} at {position}: {problem}")


@dataclass(frozen=True)
class OipStatus:
    """One operation in progress as its status string describes it, with its sub-operations.

    Args:
        state: ``waiting``, ``progress``, ``success`` or ``fail``.
        label: What the operation is, e.g. ``"download"``; None when the status has no label.
        current: How far it is (e.g. bytes downloaded); None when not said.
        end: Where it ends; None when not said.
        subs: The sub-operations, in order.
    """

    state: OipState
    label: str | None = None
    current: int | None = None
    end: int | None = None
    subs: tuple[OipStatus, ...] = ()

    @property
    def done(self) -> bool:
        """Whether the operation has ended (``success`` or ``fail``)."""
        return self.state in ("success", "fail")

    def failing(self) -> tuple[str, ...]:
        """The labels from this operation down to the innermost failing sub-operation (``("install",
        "download")``); ``()`` when nothing failed. Unlabelled operations are named ``"?"``."""
        for sub in self.subs:
            below = sub.failing()
            if below:
                return (self.label or "?", *below)
        return (self.label or "?",) if self.state == "fail" else ()

    def progress(self) -> list[str]:
        """One line per operation that is under way or counted, e.g. ``"download 10/100"`` or ``"install
        progress"``, the operation first, then its sub-operations (nested ones as ``a/b``)."""
        return self._lines("")

    def _lines(self, prefix: str) -> list[str]:
        name = f"{prefix}{self.label or 'operation'}"
        if self.current is not None:
            amount = f"{self.current}/{self.end}" if self.end is not None else str(self.current)
            line = f"{name} {amount}" + ("" if self.state == "progress" else f" ({self.state})")
        else:
            line = f"{name} {self.state}"
        out = [line]
        for sub in self.subs:
            out += sub._lines(f"{name}/")
        return out

    def __str__(self) -> str:
        text = f"{self.label}|{self.state}" if self.label is not None else self.state
        if self.current is not None:
            text += f";{self.current}" + (f"/{self.end}" if self.end is not None else "")
        return text + "".join(f"({sub})" for sub in self.subs)


_LABEL = re.compile(r"[^|;()/]+")
_NUMBER = re.compile(r"\d+")
_WORD = re.compile(r"[a-z]+")


def parse_oip_status(text: str) -> OipStatus:
    """Parse an OIP status, e.g. ``"download|progress;20/150(file_1|progress)(file_2|waiting)"``.

    Raises:
        OipStatusError: ``text`` does not follow ``[label|]state[;current[/end]](sub_oips)*``.
    """
    if not isinstance(text, str):
        raise OipStatusError(repr(text), 0, "expected a string")
    status, position = _parse(text, 0)
    if position != len(text):
        raise OipStatusError(text, position, "unexpected characters after the status")
    return status


def _parse(text: str, position: int) -> tuple[OipStatus, int]:
    label: str | None = None
    match = _LABEL.match(text, position)
    if match and match.end() < len(text) and text[match.end()] == "|":
        label, position = match.group(), match.end() + 1
    match = _WORD.match(text, position)
    if not match or match.group() not in _STATES:
        raise OipStatusError(text, position, "expected a state: waiting, progress, success or fail")
    state, position = cast("OipState", match.group()), match.end()
    current = end = None
    if text.startswith(";", position):
        number = _NUMBER.match(text, position + 1)
        if not number:
            raise OipStatusError(text, position + 1, "expected the current count after ';'")
        current, position = int(number.group()), number.end()
        if text.startswith("/", position):
            number = _NUMBER.match(text, position + 1)
            if not number:
                raise OipStatusError(text, position + 1, "expected the end count after '/'")
            end, position = int(number.group()), number.end()
    subs = []
    while text.startswith("(", position):
        sub, position = _parse(text, position + 1)
        if not text.startswith(")", position):
            raise OipStatusError(text, position, "expected ')' closing a sub-operation")
        subs.append(sub)
        position += 1
    return OipStatus(state, label, current, end, tuple(subs)), position


class OperationFailedError(ApiError):
    """An operation in progress ended in ``fail``.

    Args:
        failing: The labels down to the failing sub-operation, e.g. ``("install", "download")``.
        status: The final status.
    """

    def __init__(self, message: str, *, path: str, failing: tuple[str, ...], final: OipStatus) -> None:
        super().__init__(message, method="GET", path=path, status=200, reason=str(final))
        self.failing = failing
        self.final = final


# -- packages and parameters --------------------------------------------------------------------------


@dataclass(frozen=True)
class Package:
    """A plugin package as the install service lists it.

    Args:
        id: The package id, e.g. ``"xivo-aastra-3.3.1-SP2"``.
        version: The package's version, e.g. ``"1.1"``.
        description: What it is for.
        dsize: The download size (installable packages only).
        sha1sum: The download's SHA-1 (installable packages only).
        capabilities: ``"<vendor>, <model>, <firmware>" -> {capability: value}``.
    """

    id: str
    version: str | None = None
    description: str | None = None
    dsize: int | None = None
    sha1sum: str | None = None
    capabilities: Mapping[str, Any] | None = None

    @property
    def family(self) -> str:
        """The plugin family (see :func:`family_of`)."""
        return family_of(self.id)


@dataclass(frozen=True)
class ConfigParam:
    """A parameter of the configuration service.

    Args:
        id: The parameter id, e.g. ``"NAT"``.
        description: What it sets.
        value: Its value (a string, a number or None).
    """

    id: str
    description: str | None
    value: ConfigValue


_FAMILY = re.compile(r"^(.+?)-(\d[A-Za-z0-9._-]*)$")


def family_of(package_id: str) -> str:
    """A plugin's family: its id without the trailing firmware version (``xivo-polycom-4.0.4`` ->
    ``xivo-polycom``, ``xivo-aastra-3.3.1-SP2`` -> ``xivo-aastra``); an id without one is its own family
    (contract.DECISIONS "provd.plugin.family")."""
    match = _FAMILY.match(package_id)
    return match.group(1) if match else package_id


class PluginState(WireModel):
    """A plugin package as the install service reports it once installed."""

    version: Annotated[str | None, COMPUTED] = None
    """The installed package's version, e.g. ``1.1``."""
    description: Annotated[str | None, COMPUTED] = None
    """What the plugin is for, as the server describes it."""
    upgrade_offered: Annotated[bool | None, COMPUTED] = None
    """Whether the server's install service offers upgrades (read at create and refresh): then a new
    ``plugin_id`` of the same family upgrades in place, else it replaces the plugin."""


class ConfigParamState(WireModel):
    """A parameter of the configuration service."""

    value: str | int | float | None = None
    """The parameter's value: a string, a number or null (``None``, the default), as the docs show
    (e.g. ``NAT`` takes 0 or 1, ``locale`` a string such as ``fr_FR``)."""
    description: Annotated[str | None, COMPUTED] = None
    """What the parameter sets, as the server describes it."""


# -- the API ------------------------------------------------------------------------------------------

ProgressCallback = Callable[[str], None]


class ProvdApi:
    """Typed operations of the provd server on ``transport`` (whose media type is :data:`MEDIA_TYPE`).

    Args:
        transport: The shared transport for the provd endpoint.
    """

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    # -- configuration service --

    def params(self) -> list[ConfigParam]:
        """Every configuration parameter (``GET /provd/configure``)."""
        body = self.transport.request_json("GET", CONFIGURE)
        params = body.get("params") if isinstance(body, dict) else None
        if not isinstance(params, list):
            raise error_for_malformed_body("GET", CONFIGURE, 200, "unexpected answer: params: expected a list")
        out = []
        for index, item in enumerate(params):
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                raise error_for_malformed_body(
                    "GET", CONFIGURE, 200, f"unexpected answer: params[{index}].id: expected a string"
                )
            out.append(ConfigParam(item["id"], item.get("description"), _value(item.get("value"))))
        return out

    def get_param(self, param_id: str) -> ConfigValue:
        """A parameter's value (``GET /provd/configure/<id>``); NotFoundError for an unknown one."""
        body = self.transport.request_json("GET", CONFIGURE + "/{param}", {"param": param_id})
        param = body.get("param") if isinstance(body, dict) else None
        if not isinstance(param, dict) or "value" not in param:
            path = f"{CONFIGURE}/{param_id}"
            raise error_for_malformed_body("GET", path, 200, "unexpected answer: param.value: missing")
        return _value(param["value"])

    def set_param(self, param_id: str, value: ConfigValue) -> None:
        """Set a parameter (``PUT /provd/configure/<id>`` with ``{"param": {"value": ...}}``)."""
        self.transport.request("PUT", CONFIGURE + "/{param}", {"param": param_id}, json={"param": {"value": value}})

    # -- installation service --

    def services(self) -> frozenset[str]:
        """The operations the install service offers (``install``, ``uninstall``, ..., and the optional
        ``upgrade`` and ``update``), from its links."""
        body = self.transport.request_json("GET", INSTALL_SERVICE)
        links = body.get("links") if isinstance(body, dict) else None
        rels = [link.get("rel") for link in links or [] if isinstance(link, dict)]
        return frozenset(r.removeprefix("srv.install.") for r in rels if isinstance(r, str))

    def installable(self) -> dict[str, Package]:
        """The packages that can be installed, by id."""
        return self._packages("installable")

    def installed(self) -> dict[str, Package]:
        """The packages installed, by id."""
        return self._packages("installed")

    def _packages(self, which: str) -> dict[str, Package]:
        path = f"{INSTALL_SERVICE}/{which}"
        body = self.transport.request_json("GET", path)
        pkgs = body.get("pkgs") if isinstance(body, dict) else None
        if not isinstance(pkgs, dict):
            raise error_for_malformed_body("GET", path, 200, "unexpected answer: pkgs: expected an object")
        out = {}
        for pid, info in pkgs.items():
            info = info if isinstance(info, dict) else {}
            dsize = info.get("dsize")
            out[pid] = Package(
                pid,
                version=_str(info.get("version")),
                description=_str(info.get("description")),
                dsize=dsize if isinstance(dsize, int) and not isinstance(dsize, bool) else None,
                sha1sum=_str(info.get("sha1sum")),
                capabilities=info.get("capabilities") if isinstance(info.get("capabilities"), dict) else None,
            )
        return out

    def install(self, package_id: str) -> str:
        """Start installing a package; returns its OIP monitor's path (to :meth:`follow`)."""
        return self._start("install", {"id": package_id})

    def upgrade(self, package_id: str) -> str:
        """Start upgrading a package (optional service); returns its OIP monitor's path."""
        return self._start("upgrade", {"id": package_id})

    def update(self) -> str:
        """Start updating the list of installable packages (optional service); returns its OIP monitor's path."""
        return self._start("update", {})

    def uninstall(self, package_id: str) -> None:
        """Uninstall a package (done when the server answers)."""
        self.transport.request("POST", f"{INSTALL_SERVICE}/uninstall", json={"id": package_id})

    def _start(self, operation: str, body: dict[str, Any]) -> str:
        path = f"{INSTALL_SERVICE}/{operation}"
        response = self.transport.request("POST", path, json=body)
        return _monitor_path(response, path)

    # -- operations in progress --

    def status(self, monitor: str) -> OipStatus:
        """The current status of the monitor at ``monitor`` (a path the server gave)."""
        body = self.transport.request_json("GET", _template(monitor))
        raw = body.get("status") if isinstance(body, dict) else None
        try:
            return parse_oip_status(raw)  # type: ignore[arg-type]  # a non-string is refused inside
        except OipStatusError as exc:
            raise error_for_malformed_body("GET", monitor, 200, f"unexpected answer: status: {exc}") from None

    def delete_monitor(self, monitor: str) -> None:
        """Delete the monitor (the operation goes on); one already gone counts as deleted."""
        try:
            self.transport.request("DELETE", _template(monitor))
        except ApiError as exc:
            if exc.status != 404:
                raise

    def follow(
        self,
        monitor: str,
        *,
        what: str,
        on_progress: ProgressCallback | None = None,
        timeout_seconds: float = 600.0,
        first_poll_seconds: float = 0.2,
        max_poll_seconds: float = 5.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> OipStatus:
        """Poll the monitor until the operation ends (backing off from ``first_poll_seconds`` to
        ``max_poll_seconds``), report each new progress line through ``on_progress``, then delete the
        monitor -- also when polling fails or times out.

        Args:
            monitor: The monitor's path, as :meth:`install` and the others return it.
            what: The operation in words, for messages, e.g. ``"install of xivo-polycom-4.0.4"``.
            on_progress: Called with lines such as ``"download 10/100"`` as they change.
            timeout_seconds: How long to wait for the end.

        Returns:
            The final status (``success``).

        Raises:
            OperationFailedError: The operation failed; the message names the failing sub-operation.
            DeadlineExceededError: It did not end within ``timeout_seconds``.
            ApiError: Polling failed.
        """
        started = clock()
        interval = first_poll_seconds
        seen: set[str] = set()
        try:
            while True:
                status = self.status(monitor)
                lines = status.progress()
                fresh = [line for line in lines if line not in seen]
                seen.update(lines)
                if on_progress is not None:
                    for line in fresh:
                        on_progress(f"{what}: {line}")
                if status.state == "success":
                    return status
                if status.state == "fail":
                    failing = status.failing()
                    step = "/".join(failing[1:] or failing)
                    raise OperationFailedError(
                        f"{what} failed in its {step!r} sub-operation (provd status {status}); the server's"
                        " log says why (e.g. an unreachable plugin repository: see the plugin_server and"
                        " http_proxy parameters)",
                        path=monitor,
                        failing=failing,
                        final=status,
                    )
                waited = clock() - started
                if waited >= timeout_seconds:
                    raise DeadlineExceededError(
                        f"{what} did not end within {timeout_seconds:g} s (provd status {status}); it goes on"
                        " on the server: run the operation again later, or raise provd:operationTimeoutSeconds",
                        timeout_seconds=timeout_seconds,
                        method="GET",
                        path=monitor,
                    )
                sleep(max(0.0, min(interval, timeout_seconds - waited)))
                interval = min(interval * 2, max_poll_seconds)
        finally:
            try:
                self.delete_monitor(monitor)
            except IotcommsError as exc:  # the outcome stands; a monitor left over is only a leak
                log.warning("could not delete the provd monitor %s: %s", monitor, exc)


def _template(path: str) -> str:
    # A server-given path goes to the transport as a template without placeholders: braces are escaped
    # away, since the transport would read them as placeholders.
    return path.replace("{", "%7B").replace("}", "%7D")


def _monitor_path(response: httpx.Response, path: str) -> str:
    """The monitor's path from a 201's ``Location`` (a path, or an absolute URL of the same server)."""
    location = response.headers.get("location", "")
    target = httpx.URL(location).path if location.startswith(("http://", "https://")) else location
    if not target.startswith(INSTALL_SERVICE + "/") or ".." in target:
        raise error_for_malformed_body(
            "POST",
            path,
            response.status_code,
            f"unexpected answer: Location: expected a monitor path, got {location!r}",
        )
    return target


def _value(value: Any) -> ConfigValue:
    if isinstance(value, bool) or not (value is None or isinstance(value, str | int | float)):
        return str(value)
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return value


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None
