"""What the provd resources share: their spec (no iotcomms ``domain`` or ``adopt``), their configuration
(``provd:*``, see ``_provd_config``) and a ``check`` that validates locally, claims the server object and
builds the transport (configuration errors fail the preview) without sending a request."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pulumi.dynamic import CheckFailure, CheckResult, ConfigureRequest

from pulumi_iotcomms.api._schema import Behaviour
from pulumi_iotcomms.api.provd import ProvdApi

from . import _claims
from ._engine import is_unknown
from ._provd_config import ProvdSettings, provd_transport_for
from ._provider import INTERNAL, SET_BY_CLASS, IotcommsProvider, Spec, _configure_logging

__all__ = ["ProvdProvider", "ProvdSpec"]


@dataclass(frozen=True)
class ProvdSpec(Spec):
    """A :class:`Spec` whose provider-side inputs are only its ``extra`` ones (and the name and stack the
    generated class sets): provd objects belong to a server, not to an iotcomms domain."""

    def inputs(self) -> dict[str, Behaviour]:
        """Provider-side inputs with their behaviour: ``extra``, plus the ones the class sets."""
        return {**{n: INTERNAL[n] for n in SET_BY_CLASS}, **self.extra}


class ProvdProvider(IotcommsProvider):
    """Base of the provd providers: ``provd:*`` configuration, the provd API, a request-free ``check``."""

    _provd_settings: ProvdSettings | None = None

    def configure(self, req: ConfigureRequest) -> None:
        """Read the ``provd:*`` configuration (with ``PROVD_*`` environment fallbacks)."""
        self._provd_settings = ProvdSettings.load(req.config)
        _configure_logging(os.environ.get("IOTCOMMS_LOG_LEVEL"))

    @property
    def provd_settings(self) -> ProvdSettings:
        """The configuration (environment only when the host never called ``configure``)."""
        if self._provd_settings is None:
            self._provd_settings = ProvdSettings.load(None)
        return self._provd_settings

    def provd(self) -> ProvdApi:
        """The provd operations on the process-wide transport for this configuration."""
        return ProvdApi(provd_transport_for(self.provd_settings))

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Validate locally (unknown and invalid inputs named), claim the server object (a second resource
        declaring it fails) and build the transport, so a missing ``provd:endpoint`` or half-given
        credentials fail the preview; no request is sent."""
        inputs = {k: v for k, v in news.items() if v is not None}
        allowed = ", ".join(self.spec.settable_inputs())
        failures = [
            CheckFailure(name, f"unknown property of {self.spec.name}; allowed: {allowed}")
            for name in self.spec.unknown_inputs(inputs)
        ]
        failures += self.check_inputs(_olds or {}, inputs)
        if not failures:
            failures = self._claim_id(inputs)
        if not failures:
            provd_transport_for(self.provd_settings)
        for name in SET_BY_CLASS:
            inputs.pop(name, None)
        return CheckResult(inputs, failures)

    def check_inputs(self, olds: Mapping[str, Any], inputs: dict[str, Any]) -> list[CheckFailure]:
        """The resource's own rules (no HTTP); nothing by default."""
        return []

    def _claim_id(self, inputs: Mapping[str, Any]) -> list[CheckFailure]:
        name = self.spec.id_input
        assert name is not None
        value = inputs.get(name)
        if value is None or is_unknown(value):
            return []
        resource_name = str(inputs.get("resource_name") or "")
        other = _claims.claim((self.spec.name, self.provd_settings.endpoint, value), resource_name)
        if other is None:
            return []
        return [
            CheckFailure(
                name,
                f"{self.spec.name} {value} is also declared by the resource {other!r} of this program; two "
                f"resources must not manage one server object: keep one of {other!r} and {resource_name!r}",
            )
        ]
