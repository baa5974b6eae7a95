"""Per-domain settings objects (no create, no delete): take over on create, restore on delete."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from pulumi.dynamic import CreateResult

from pulumi_iotcomms.api._ops import Doc, Singleton

from ._engine import to_wire
from ._provider import IotcommsProvider, Target

__all__ = ["PREVIOUS", "SingletonProvider"]

PREVIOUS = "previous_settings"


class SingletonProvider(IotcommsProvider):
    """Settings read and set whole. ``create`` records what was there before (``previous_settings``,
    secret) and ``delete`` puts exactly that back."""

    singleton_api: ClassVar[type[Singleton]]

    def _api(self) -> Singleton:
        return self.singleton_api(self.transport)

    def target(self, props: Mapping[str, Any]) -> Target:
        return Target(str(props["domain"]), self.spec.name.lower())

    def target_from_id(self, pulumi_id: str, props: Mapping[str, Any]) -> Target:
        domain = props.get("domain") or pulumi_id.partition("/")[0]
        return Target(str(domain), self.spec.name.lower())

    def fetch(self, target: Target) -> Doc | None:
        return self._api().get(target.domain)

    def write_changes(self, target: Target, ops: list[Doc], wire: Doc) -> Doc:
        self._api().put(target.domain, wire)
        return {}

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Record the settings as they are, then set the desired ones."""
        target = self.target(props)
        previous = self._api().get(target.domain)
        self._api().put(target.domain, to_wire(self.spec.model, self.spec.schema_state(props)))
        return CreateResult(target.pulumi_id, self._outputs(props, self.fetch(target), {}, {PREVIOUS: previous}))

    def remove(self, target: Target, props: Mapping[str, Any]) -> None:
        self._api().put(target.domain, dict(props.get(PREVIOUS) or {}))
