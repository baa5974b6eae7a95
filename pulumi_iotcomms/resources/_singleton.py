"""Per-domain settings objects (no create, no delete): record on create, restore on delete."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, ClassVar

from pulumi.dynamic import CreateResult

from pulumi_iotcomms.api._ops import Doc, Singleton
from pulumi_iotcomms.api._schema import WireModel
from pulumi_iotcomms.errors import ConflictingObjectError, DeadlineExceededError, IotcommsError

from . import _claims
from ._engine import from_wire, normalize, same_json, to_wire
from ._provider import AMBIGUOUS, INTERNAL, RECONCILE_ATTEMPTS, IotcommsProvider, Spec, Target, _rejected

__all__ = ["PREVIOUS", "SingletonProvider", "recorded_settings", "settings_spec"]

PREVIOUS = "previous_settings"


def settings_spec(name: str, model: type[WireModel], *, kind: str, noun: str, doc: str) -> Spec:
    """The spec of a per-domain settings resource (``kind`` names its object in the Pulumi id, ``noun``
    in prose): ``doc``, then the create/destroy and adoption paragraph all settings share."""
    common = (
        f"Pulumi id: ``<domain>/{kind}``. The API has no delete: creating this resource"
        " records the settings that existed before (secret output ``previous_settings``, their JSON text)"
        " and destroying it restores exactly those. Settings that are already set (anything but ``{}``)"
        " were made elsewhere: creating fails rather than taking them over, unless ``adopt=True``. Updates"
        " PUT the whole object."
    )
    adopt = replace(
        INTERNAL["adopt"],
        doc="take over settings that are already set on the domain (they are recorded and restored on"
        " destroy), instead of failing.",
    )
    return Spec(
        name=name,
        model=model,
        kept=(PREVIOUS,),
        kept_docs={PREVIOUS: "the settings found before the first write, as JSON text; destroy restores them."},
        extra={"adopt": adopt},
        noun=noun,
        doc=f"{doc}\n\n{common}",
    )


def _record(settings: Doc) -> str:
    # The earlier settings are kept as JSON text, not as an object: Pulumi carries every number as a
    # float, so an object would come back from the state with ``httpTimeout: 5000.0``, which the API
    # (a strict int32) rejects. Text is restored exactly as it was read -- ints, nulls and fields we do
    # not model included -- without this provider having to guess any types back.
    return json.dumps(settings, ensure_ascii=False, separators=(",", ":"))


def recorded_settings(props: Mapping[str, Any]) -> Doc:
    """The settings ``create`` recorded in ``props`` (``{}`` when none were: an import).

    The JSON text this release records is exact. The earlier release recorded an object, whose
    numbers the state turned into floats: integral floats become ints again, which loses nothing,
    since JSON (and the API behind it) does not tell 5000.0 from 5000.
    """
    value = props.get(PREVIOUS)
    if value is None:
        return {}
    if isinstance(value, str):
        doc = json.loads(value)
    elif isinstance(value, Mapping):
        doc = normalize(dict(value))
    else:
        doc = None
    if not isinstance(doc, dict):
        raise IotcommsError(f"{PREVIOUS} in the state is not a settings object; cannot restore the earlier settings")
    return doc


class SingletonProvider(IotcommsProvider):
    """Settings read and set whole. ``create`` records what was there before (``previous_settings``,
    secret JSON text) and ``delete`` puts exactly that back. Settings that are not empty are an
    existing object: ``create`` refuses them unless ``adopt=True``."""

    singleton_api: ClassVar[type[Singleton]]

    def _api(self) -> Singleton:
        return self.singleton_api(self.transport)

    def read_settings(self, target: Target) -> Doc:
        """The settings as stored (``{}`` when none are set)."""
        return self._api().get(target.domain)

    def write_settings(self, target: Target, doc: Doc) -> None:
        """Set the whole settings object."""
        self._api().put(target.domain, doc)

    def target(self, props: Mapping[str, Any]) -> Target:
        return Target(str(props["domain"]), self.spec.name.lower())

    def target_from_id(self, pulumi_id: str, props: Mapping[str, Any]) -> Target:
        domain = props.get("domain") or pulumi_id.partition("/")[0]
        return Target(str(domain), self.spec.name.lower())

    def fetch(self, target: Target) -> Doc | None:
        return self.read_settings(target)

    def write_changes(self, target: Target, ops: list[Doc], wire: Doc) -> Doc:
        self.write_settings(target, wire)
        return {}

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Record the settings as they are before our first write, then set the desired ones.

        Settings that are not empty were made by someone else: refused unless ``adopt=True``. A
        create that fails once its write may have landed puts the recorded settings back, so the
        next ``up`` records the earlier settings again rather than ours.
        """
        target = self.target(props)
        wire = to_wire(self.spec.model, self.desired_state(props))
        previous = self.read_settings(target)  # once, before any write of this create
        if previous and not props.get("adopt"):
            raise ConflictingObjectError(self._exists_message(target, previous, props))
        recorded = {PREVIOUS: _record(previous)}
        wrote = False
        try:
            # Compared as the model sees them: fields it does not know are nobody's (as in refresh), so
            # adopting settings equal in every declared field writes nothing, and keeps those others.
            if not same_json(to_wire(self.spec.model, from_wire(self.spec.model, previous)), wire):
                wrote = True
                self.write_settings(target, wire)  # the transport retries it (PUT is idempotent)
            server = self.fetch(target)
        except Exception as exc:
            if wrote and not _rejected(exc):
                self._discard_after_failure(target, {**props, **recorded}, exc)
            raise
        _claims.record_owned(self._claim_key(target))
        return CreateResult(target.pulumi_id, self._outputs(props, server, recorded))

    def remove(self, target: Target, props: Mapping[str, Any]) -> None:
        """Put the recorded settings back (``delete``, and ``discard`` after a failed create)."""
        previous = recorded_settings(props)
        for attempt in range(RECONCILE_ATTEMPTS):
            try:
                self.write_settings(target, previous)
                return
            except (*AMBIGUOUS, DeadlineExceededError) as exc:
                # The answer was lost, maybe not the write: the settings tell whether it landed.
                if self.read_settings(target) == previous:
                    return
                if isinstance(exc, DeadlineExceededError) or attempt == RECONCILE_ATTEMPTS - 1:
                    raise
