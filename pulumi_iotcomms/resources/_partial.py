"""Failing an operation while recording what it did: Pulumi's partial failure for dynamic providers.

A provider tells the engine "this create (or update) failed, but here is the resource as it now is" by
failing the gRPC call with an ``ErrorResourceInitFailed`` detail (``id``, ``properties``, ``reasons``)
in the ``grpc-status-details-bin`` trailer. The engine (v3.274.1, checked by
``tests/automation/test_partial_failure.py``) then records the resource with those outputs -- its
inputs are the checked ones after a create and the old ones after an update; the detail's ``inputs``
and, on update, its ``id`` are ignored -- keeps the reasons as its init errors, fails the operation
showing only the reasons (not the error's message), and on the next ``up`` updates the resource even
when its diff finds nothing. This is how a fleet whose bulk job failed for 10 rows of 10,000 keeps the
9,990 devices it made in the state.

The SDK's dynamic provider host gives a provider no access to the call, so :func:`fail_with_state`
finds the gRPC servicer context of the call on the stack (the host's ``Create``/``Update`` frame has it
as ``context``), sets the trailer and raises; the host's error handler then aborts the call with the
traceback as its message and the trailer intact. Where no call is on the stack (a provider called
directly), or the host stops exposing it, or the state is too large for a gRPC trailer
(:data:`MAX_DETAILS_BYTES`), the exception is raised alone: the operation still fails and says what
exists, but the state keeps what it had before (the caller's docs say what then happens).
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Mapping
from typing import Any, NoReturn

from pulumi.runtime import rpc

__all__ = ["MAX_DETAILS_BYTES", "PROVIDER_KEY", "STATUS_DETAILS_KEY", "fail_with_state", "status_details"]

PROVIDER_KEY = "__provider"
STATUS_DETAILS_KEY = "grpc-status-details-bin"
_UNKNOWN = 2  # grpc.StatusCode.UNKNOWN, what the host aborts with
_INIT_FAILED_TYPE = "type.googleapis.com/pulumirpc.ErrorResourceInitFailed"
#: The largest trailer the engine takes: grpc-go's default limit on a header list is 16 MiB, and the
#: binary trailer travels base64-encoded (4/3 of its size), with room left for the other headers.
MAX_DETAILS_BYTES = 11 * 1024 * 1024
#: How far up the stack the host's frame may be (the host calls the provider directly; a few of ours between).
_MAX_FRAMES = 40


def _struct(props: Mapping[str, Any]) -> Any:
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(rpc.serialize_properties(dict(props), {}))
    finally:
        loop.close()


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited protobuf field."""
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def status_details(
    resource_id: str,
    outputs: Mapping[str, Any],
    reasons: list[str],
    message: str,
    inputs: Mapping[str, Any] | None = None,
) -> bytes:
    """The ``google.rpc.Status`` (code UNKNOWN, ``message``) carrying one ``ErrorResourceInitFailed``;
    ``inputs`` default to the ``__provider`` key alone (the engine reads them only from a Read)."""
    from pulumi.runtime.proto import provider_pb2

    if inputs is None:
        inputs = {PROVIDER_KEY: outputs[PROVIDER_KEY]} if PROVIDER_KEY in outputs else {}
    detail = provider_pb2.ErrorResourceInitFailed(
        id=resource_id, properties=_struct(outputs), inputs=_struct(inputs), reasons=reasons
    )
    # google.rpc.Status {int32 code = 1; string message = 2; repeated google.protobuf.Any details = 3}
    # and Any {string type_url = 1; bytes value = 2}, written by hand: no dependency for three fields.
    any_detail = _field(1, _INIT_FAILED_TYPE.encode()) + _field(2, detail.SerializeToString())
    return b"\x08" + _varint(_UNKNOWN) + _field(2, message.encode()) + _field(3, any_detail)


def _call_context() -> Any:
    """The gRPC servicer context of the provider call running on this thread, if any."""
    frame = inspect.currentframe()
    for _ in range(_MAX_FRAMES):
        if frame is None:
            return None
        context = frame.f_locals.get("context")
        if callable(getattr(context, "set_trailing_metadata", None)) and callable(getattr(context, "abort", None)):
            return context
        frame = frame.f_back
    return None


def fail_with_state(
    error: Exception,
    resource_id: str,
    outputs: Mapping[str, Any],
    reasons: list[str],
    inputs: Mapping[str, Any] | None = None,
) -> NoReturn:
    """Raise ``error``, making the engine record the resource as ``resource_id`` (not empty) with
    ``outputs`` (holding the ``__provider`` key of the call's properties) and fail the operation.

    ``reasons`` are what the engine shows, one item each, and keeps as the resource's init errors:
    put the summary first (the error's own message reaches no user when the trailer is used).
    ``inputs`` (with ``__provider``) matter in a ``read`` only, which then warns instead of failing."""
    context = _call_context()
    why = "the provider host did not expose the call"
    if context is not None:
        details = status_details(resource_id, outputs, reasons, str(error), inputs)
        if len(details) <= MAX_DETAILS_BYTES:
            context.set_trailing_metadata(((STATUS_DETAILS_KEY, details),))
            raise error
        why = f"it is {len(details):,} bytes, more than the engine takes in an error ({MAX_DETAILS_BYTES:,})"
    error.add_note(
        f"The state could not record what this operation made ({why}): the next `pulumi up` finds those objects "
        "on the server as existing ones; set adopt=True once to take them over."
    )
    raise error
