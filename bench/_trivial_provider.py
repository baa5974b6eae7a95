"""The baseline of bench/engine_ops.py: a dynamic provider that does no work.

Its own module (no ``pulumi_iotcomms`` import) so that dill pickles the provider by reference, as it
pickles ``DeviceProvider``: the ``__provider`` string every resource carries is as short as a Device's,
and the provider host imports this module (``bench/`` is on its ``PYTHONPATH``).
"""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ResourceProvider

#: What a Device's create adds to its inputs: the computed fields the emulator answers with for a new
#: deviceid device (``last_configured`` is None, so absent).
COMPUTED: dict[str, Any] = {"heartbeat_status": "offline", "heartbeat_expiration": 0}
#: Inputs the Device's check keeps out of the state (``SET_BY_CLASS`` in pulumi_iotcomms.resources._provider).
DROPPED = ("resource_name", "owner")


class TrivialProvider(ResourceProvider):
    """``check``, ``diff`` and ``create`` return at once; the state has a Device's shape: inputs without
    None values and ``DROPPED``, outputs the inputs plus ``COMPUTED``."""

    serialize_as_secret_always = False  # as DeviceProvider: the pickled provider is not a secret

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        return CheckResult({k: v for k, v in news.items() if v is not None and k not in DROPPED}, [])

    def diff(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> DiffResult:
        return DiffResult(changes=False, replaces=[], stables=[], delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        outs = {k: v for k, v in props.items() if k != "__provider"}
        return CreateResult(f"{props.get('domain')}/{props.get('device_id')}", {**outs, **COMPUTED})
