"""``IvrFallback``: what the media service does for a called number while the customer cannot be
reached (``/cache/{domain}/ivrfallback``)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from pulumi.dynamic import CheckFailure, CreateResult

from pulumi_iotcomms.api._ops import Doc
from pulumi_iotcomms.api._schema import Behaviour, server_defaults
from pulumi_iotcomms.api.cache import IvrFallback as IvrFallbackModel
from pulumi_iotcomms.api.cache import IvrFallbackApi
from pulumi_iotcomms.errors import IotcommsError

from ._engine import is_unknown, minimal_patch, normalize
from ._generated.ivr_fallback import IvrFallback
from ._provider import IotcommsProvider, Spec, Target

__all__ = ["IvrFallback", "IvrFallbackProvider"]

#: A test seam: the clock an object's ``ttl`` and a timestamp ``expiration`` are compared with.
_clock: Callable[[], float] = time.time

#: Numbers are 1-64 characters (contract.DECISIONS "cache.number").
_MAX_NUMBER_LENGTH = 64
#: A unix timestamp in seconds stays below this until the year 5138; one above it was given in milliseconds.
_MAX_SECONDS = 10**11
_DEFAULT_EXPIRATION = server_defaults(IvrFallbackModel)["expiration"]


def _timestamp(value: Any) -> int | None:
    """``value`` as a unix timestamp when it is one (Pulumi carries numbers as floats), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not float(value).is_integer():
        return None
    return int(value)


class IvrFallbackProvider(IotcommsProvider):
    """Lifecycle of IVR fallback objects: ``PUT`` sets the whole object (create and every update), ``DELETE``
    removes it. ``expiration`` is write-only (the server answers ``ttl``), and an object whose ``ttl`` has
    passed counts as gone, whether or not the server still answers it."""

    spec = Spec(
        name="IvrFallback",
        model=IvrFallbackModel,
        id_input="number",
        extra={
            "number": Behaviour(
                replace=True,
                required=True,
                annotation="str",
                doc="the called number the fallback is for (1-64 characters), its key in the cache.",
            ),
        },
        noun="fallback",
        doc="The IVR fallback of one called number in a tenant's fallback cache: what the media service does"
        " with calls to it (an action, after phrases) while the customer cannot be reached, or always, until"
        " it expires.\n\n"
        "Pulumi id: ``<domain>/<number>``. Changing ``domain`` or ``number`` replaces it; any other change"
        " sets the whole object again (a ``PUT``), which restarts a period ``expiration``. The server answers"
        " ``ttl`` (the expiry, unix seconds) instead of ``expiration``: refresh compares a timestamp"
        " ``expiration`` with it, and a period with the ``ttl`` of the last write, so a rewrite elsewhere is"
        " corrected by ``pulumi up``. An expired object is gone: refresh drops it and ``up`` creates it again"
        " (a period starts anew; a timestamp that has passed fails ``check`` instead, naming it).",
    )

    def check_inputs(self, olds: Mapping[str, Any], inputs: dict[str, Any]) -> list[CheckFailure]:
        """The shared checks, the number's length, and a timestamp ``expiration`` in seconds and, when it is
        new, in the future (an object written with a past one would expire at once)."""
        failures = super().check_inputs(olds, inputs)
        number = inputs.get("number")
        if isinstance(number, str) and not is_unknown(number) and len(number) > _MAX_NUMBER_LENGTH:
            failures.append(CheckFailure("number", f"must be 1-{_MAX_NUMBER_LENGTH} characters"))
        at = _timestamp(inputs.get("expiration"))
        if at is None or any(f.property == "expiration" for f in failures):
            return failures
        if at >= _MAX_SECONDS:
            failures.append(
                CheckFailure("expiration", f"must be a unix timestamp in seconds; {at} looks like milliseconds")
            )
        # Only a new value: a recorded timestamp that has passed since leaves previews and updates of the
        # stack working (refresh then finds the object gone, and recreating it needs a new expiration).
        elif at <= _clock() and at != _timestamp(olds.get("expiration")):
            failures.append(
                CheckFailure(
                    "expiration",
                    f"the unix timestamp {at} has passed, so the object would expire as soon as it is written;"
                    " give a later one, or a period such as MONTH",
                )
            )
        return failures

    def desired_state(self, props: Mapping[str, Any]) -> dict[str, Any]:
        """The schema fields, ``expiration`` defaulting to the documented ``HALF-YEAR``: it is write-only,
        so only a value sent makes removing a given one reach the server."""
        state = super().desired_state(props)
        state.setdefault("expiration", _DEFAULT_EXPIRATION)
        return state

    def _api(self) -> IvrFallbackApi:
        return IvrFallbackApi(self.transport)

    def fetch(self, target: Target) -> Doc | None:
        """The object, or None when absent or expired (a cache may answer an expired entry until it
        purges it; contract.DECISIONS "client.ivrfallback.expiry")."""
        doc = self._api().get(target.domain, target.local_id)
        ttl = _timestamp((doc or {}).get("ttl"))
        if doc is not None and ttl is not None and ttl <= _clock():
            return None
        return doc

    def write_new(self, target: Target, wire: Doc, props: Mapping[str, Any]) -> Doc:
        self._api().put(target.domain, target.local_id, wire)
        return {}

    def write_changes(self, target: Target, ops: list[Doc], wire: Doc) -> Doc:
        """The API has no patch: set the whole desired object (``ops`` only say that something differs)."""
        self._api().put(target.domain, target.local_id, wire)
        return {}

    def remove(self, target: Target, props: Mapping[str, Any]) -> None:
        self._api().delete(target.domain, target.local_id)

    def write_only_matches(self, server: Doc, props: Mapping[str, Any]) -> bool:
        """A timestamp ``expiration`` is the server's ``ttl``; for a period, the ``ttl`` recorded at our last
        write must still be the server's (another write restarted or changed the expiry)."""
        ttl = _timestamp(server.get("ttl"))
        at = _timestamp(props.get("expiration"))
        if at is not None:
            return ttl == at
        recorded = _timestamp(props.get("ttl"))
        return recorded is None or ttl is None or recorded == ttl

    def adopt_existing(self, target: Target, server: Doc, wire: Doc, props: Mapping[str, Any]) -> Doc:
        """Converge an existing object by setting it whole. With ``adopt=True``, an object equal to the
        declaration is taken over as it is (its ``ttl`` kept, the next write sets the default period) when
        ``expiration`` is left out or is the server's ``ttl``; a period given restarts it, so it is sent.
        Without ``adopt`` (our own write whose answer was lost) the object is set again, as before."""
        given = props.get("expiration")
        restarts = given is not None and _timestamp(given) is None
        send = restarts or not props.get("adopt") or not self.write_only_matches(server, props)
        ops = minimal_patch(self.spec.model, server, wire, self.managed_fields(props), send_write_only=send)
        return self.write_changes(target, ops, wire) if ops else {}

    def create(self, props: dict[str, Any]) -> CreateResult:
        """The shared create; an object already expired right after it was written (on the server's clock,
        or on ours if the server still answers it) is an error, and is deleted like any failed create's."""
        result = super().create(props)
        if (result.outs or {}).get("ttl") is not None:
            return result
        target = self.target(props)
        error = IotcommsError(
            f"IvrFallback {target.pulumi_id} was gone right after it was written: its expiration "
            f"{normalize(props.get('expiration', _DEFAULT_EXPIRATION))!r} has passed; give a later one"
        )
        self._discard_after_failure(target, props, error)
        raise error
