"""``AutoFacilitateTrigger``: one execution of an Alvaria AutoFacilitate service, in the pulumi-command pattern.

Create executes the service and waits for its result; a change of ``service``, ``trigger_parameters``,
``callback_urls`` or ``triggers`` replaces the resource, which executes it again; refresh and delete
touch nothing remote (an execution cannot be undone or re-read reliably), as pulumi-command's
``Command`` does without a ``delete`` command.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

from pulumi_iotcomms.api._schema import Behaviour
from pulumi_iotcomms.api.alvaria import Trigger

from ._alvaria_config import AlvariaSettings, api_for
from ._engine import changed_fields, is_unknown, normalize, validate_state
from ._generated.autofacilitate_trigger import AutoFacilitateTrigger
from ._provider import INTERNAL, PROVIDER_KEY, SET_BY_CLASS, Spec

__all__ = ["AutoFacilitateTrigger", "AutoFacilitateTriggerProvider"]

log = logging.getLogger(__name__)

DEFAULT_RESULT_TIMEOUT_S = 300.0
#: Inputs that never cause a diff: how long to wait only matters while executing.
_NOT_DIFFED = frozenset({"result_timeout_seconds"})


@dataclass(frozen=True)
class _TriggerSpec(Spec):
    """A :class:`Spec` without the tenant inputs (``domain``, ``adopt``): a trigger is no iotcomms object."""

    def inputs(self) -> dict[str, Behaviour]:
        """The provider-side inputs: ``extra`` and those the resource class sets itself."""
        return {**{k: v for k, v in INTERNAL.items() if k in SET_BY_CLASS}, **self.extra}


class AutoFacilitateTriggerProvider(ResourceProvider):
    """Executes the service on create (and so on every replacement); nothing remote on read, update or delete."""

    spec: ClassVar[Spec] = _TriggerSpec(
        name="AutoFacilitateTrigger",
        model=Trigger,
        extra={
            "triggers": Behaviour(
                replace=True,
                annotation="Sequence[Any]",
                doc="any values; a change to one executes the service again (a replacement), like"
                " pulumi-command's ``triggers``: e.g. the id of a resource whose change the service must hear of.",
            ),
            "result_timeout_seconds": Behaviour(
                annotation="float",
                server_default=DEFAULT_RESULT_TIMEOUT_S,
                doc="how long an execution waits for the service's result, in seconds (default 300); one still"
                " running then fails the operation. Changing it executes nothing.",
            ),
        },
        identity=frozenset({"service"}),
        noun="trigger",
        doc="One execution of an Alvaria AutoFacilitate service (``POST .../autoFacilitate/execute/{vsn}``),"
        " in the pulumi-command pattern: ``pulumi up`` executes the service when the resource is created, and"
        " again whenever ``service``, ``trigger_parameters``, ``callback_urls`` or ``triggers`` change (a"
        " replacement), then waits for its result (``GET .../result/{vsn}/triggerUUID/{uuid}``, progress in the"
        " log, bounded by ``result_timeout_seconds``). A failed or unfinished result fails the operation; the next"
        " ``up`` executes again.\n\n"
        "Pulumi id: ``<service>/<trigger_uuid>``. A preview never executes anything. Refresh reads nothing"
        " (an execution has no state to drift). **Destroying the resource does nothing remote**: an execution"
        " cannot be undone; it only leaves the stack. Configured by ``alvaria:orgId``, ``alvaria:region`` (or"
        " ``alvaria:tokenUrl``), ``alvaria:clientId``, ``alvaria:clientSecret`` and ``alvaria:apiKey``"
        " (``ALVARIA_*`` environment fallbacks).",
    )
    serialize_as_secret_always = False
    _settings: AlvariaSettings | None = None

    @classmethod
    def program_args(cls, args: Mapping[str, Any], opts: Any) -> Mapping[str, Any]:
        """The program's arguments, as given."""
        return args

    def __getstate__(self) -> None:
        # Nothing but the class travels in the state (see IotcommsProvider.__getstate__).
        return None

    def __setstate__(self, state: dict[str, Any] | None) -> None:
        del state

    def configure(self, req: ConfigureRequest) -> None:
        """Read the ``alvaria:*`` configuration (``ALVARIA_*`` environment fallbacks)."""
        self._settings = AlvariaSettings.load(req.config)

    @property
    def settings(self) -> AlvariaSettings:
        """The configuration (environment only when the host never called ``configure``)."""
        if self._settings is None:
            self._settings = AlvariaSettings.load(None)
        return self._settings

    # -- check and diff: pure ----------------------------------------------------------------------

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Validate the inputs and the configuration, without a request."""
        inputs = {k: v for k, v in news.items() if v is not None and k != PROVIDER_KEY}
        for name in SET_BY_CLASS:
            inputs.pop(name, None)
        allowed = ", ".join(
            sorted(
                n
                for n in (*self.spec.inputs(), "service", "trigger_parameters", "callback_urls")
                if n not in SET_BY_CLASS
            )
        )
        known = {"service", "trigger_parameters", "callback_urls", *self.spec.inputs()}
        failures = [
            CheckFailure(name, f"unknown property of AutoFacilitateTrigger; allowed: {allowed}")
            for name in inputs
            if name not in known
        ]
        if "service" not in inputs:
            failures.append(CheckFailure("service", "required: the name of the AutoFacilitate service to execute"))
        state = {k: v for k, v in inputs.items() if k in ("service", "trigger_parameters", "callback_urls")}
        reported = {f.property for f in failures}
        failures += [CheckFailure(p, m) for p, m in validate_state(Trigger, state) if p not in reported]
        failures += _check_timeout(inputs.get("result_timeout_seconds"))
        triggers = inputs.get("triggers")
        if triggers is not None and not is_unknown(triggers) and not isinstance(triggers, list):
            failures.append(CheckFailure("triggers", "must be a list of values, e.g. [config_version]"))
        if not failures:
            self.settings.validate()  # raises ConfigurationError naming the key, also in a preview
        return CheckResult(inputs, failures)

    def diff(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> DiffResult:
        """Any change of what is executed replaces (executes again); ``result_timeout_seconds`` is no change."""
        olds, news = _olds, _news
        changed = changed_fields(Trigger, olds, news)
        old, new = olds.get("triggers"), news.get("triggers")
        if is_unknown(new) or (_unknown_inside(new)) or normalize(old) != normalize(new):
            changed.append("triggers")
        return DiffResult(changes=bool(changed), replaces=changed, stables=[], delete_before_replace=False)

    # -- lifecycle ---------------------------------------------------------------------------------

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Execute the service and wait for its result."""
        api = api_for(self.settings)
        service = str(props["service"])
        triggered = api.execute(service, props.get("trigger_parameters"), props.get("callback_urls"))
        pulumi.log.info(f"AutoFacilitate service {service} triggered: {triggered.trigger_uuid} ({triggered.message})")
        timeout = float(props.get("result_timeout_seconds") or DEFAULT_RESULT_TIMEOUT_S)
        status = api.wait_for_result(service, triggered.trigger_uuid, timeout_seconds=timeout, progress=_progress)
        outs = {k: v for k, v in props.items() if k != PROVIDER_KEY}
        outs.update(trigger_uuid=triggered.trigger_uuid, message=triggered.message, result_status=status)
        return CreateResult(f"{service}/{triggered.trigger_uuid}", outs)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """Nothing to read: the recorded execution stays as it is (no drift, nothing sent)."""
        inputs = {
            k: v
            for k, v in props.items()
            if k in (*self.spec.inputs(), "service", "trigger_parameters", "callback_urls") and v is not None
        }
        return ReadResult(id_, dict(props), inputs=inputs)

    def update(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> UpdateResult:
        """Only ``result_timeout_seconds`` can change in place: recorded, nothing sent."""
        outs = {**_olds, **{k: v for k, v in _news.items() if k != PROVIDER_KEY}}
        return UpdateResult(outs)

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """Nothing remote: an execution cannot be undone; the trigger only leaves the stack."""
        log.debug("AutoFacilitateTrigger %s leaves the stack; nothing is sent", _id)


def _progress(line: str) -> None:
    pulumi.log.info(line)


def _unknown_inside(value: Any) -> bool:
    if isinstance(value, list):
        return any(is_unknown(v) or _unknown_inside(v) for v in value)
    if isinstance(value, dict):
        return any(is_unknown(v) or _unknown_inside(v) for v in value.values())
    return False


def _check_timeout(value: Any) -> list[CheckFailure]:
    if value is None or is_unknown(value):
        return []
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
        return [CheckFailure("result_timeout_seconds", "must be a positive number of seconds, e.g. 600")]
    return []
