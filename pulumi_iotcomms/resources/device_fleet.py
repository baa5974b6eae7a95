"""``DeviceFleet``: many devices of one domain as one resource, provisioned by bulk CSV jobs."""

from __future__ import annotations

import hashlib
import logging
import math
import secrets
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure, CreateResult, DiffResult, ReadResult, UpdateResult
from pulumi.runtime import rpc
from typing_extensions import Self

from pulumi_iotcomms.api._ops import Doc
from pulumi_iotcomms.api._schema import Behaviour, WireModel, validate_wire
from pulumi_iotcomms.api.device import (
    BULK_LIMIT_BYTES,
    BulkChunk,
    BulkResult,
    DeviceApi,
    bulk_chunks,
    check_bulk_row,
    read_bulk_csv,
)
from pulumi_iotcomms.api.device import Device as DeviceModel
from pulumi_iotcomms.errors import (
    ApiError,
    ConflictingObjectError,
    DeadlineExceededError,
    InputError,
    IotcommsError,
    NotFoundError,
    PartialFailureError,
)

from . import _claims
from ._engine import fields_of, from_wire, is_unknown, minimal_patch, same_json, to_wire, validate_state
from ._generated.device_fleet import DeviceFleet as _GeneratedDeviceFleet
from ._partial import PROVIDER_KEY, fail_with_state
from ._provider import AMBIGUOUS, RECONCILE_ATTEMPTS, IotcommsProvider, Spec, _rejected

__all__ = ["CONCURRENCY", "DeviceFleet", "DeviceFleetProvider"]

DEVICES = "devices"
CREDENTIALS = "device_credentials"
PASSWORDS = "sip_passwords"
#: Outputs only: never inputs, so never in the recorded inputs either.
OUTPUT_ONLY = ("device_ids", "count", "bulk_id", "bulk_result")
#: Device properties the class moves from ``devices`` into the secret ``device_credentials``.
SECRET_KEYS = ("password", "ha1")

CONCURRENCY = 16
"""Requests a fleet operation has in flight at once (single-device writes, deletes)."""
BULK_MIN = 20
"""From this many new devices on, an operation adds them by bulk job(s); fewer are PUT one by one."""
PATCH_MAX = 200
"""Up to this many changed devices are patched one by one; more are sent whole by bulk job(s)."""
#: How long a bulk job may take: a base plus a generous time per row (the service's pace is not documented).
_BULK_BASE_TIMEOUT_S, _BULK_ROW_TIMEOUT_S = 600.0, 0.1
#: How many ids a message lists before it says "and N more".
_SHOWN = 10
#: How many failed devices an error names (each with its reason) before it says how many more failed.
_REASONS_SHOWN = 50

_log = logging.getLogger(__name__)
_REPLACING = frozenset(n for n, f in fields_of(DeviceModel).items() if f.behaviour.replace)
_ALIASES = {f.alias: n for n, f in fields_of(DeviceModel).items()}
_COMPUTED = frozenset(n for n, f in fields_of(DeviceModel).items() if f.behaviour.computed)


class _FleetFields(WireModel):
    """A fleet has no API object of its own: its devices are ``Device`` objects (``Spec.extra``)."""


def _ids(ids: Iterable[str]) -> str:
    """Up to ``_SHOWN`` ids, then how many more."""
    items = sorted(ids)
    shown = ", ".join(items[:_SHOWN])
    return f"{shown} and {len(items) - _SHOWN} more" if len(items) > _SHOWN else shown


def _is_plain(value: Any) -> bool:
    """No ``pulumi.Output`` (or other awaitable) anywhere in ``value``."""
    if isinstance(value, Mapping):
        return all(_is_plain(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return all(_is_plain(v) for v in value)
    return not isinstance(value, pulumi.Output) and not hasattr(value, "__await__")


def _split(devices: Any) -> tuple[Any, dict[str, dict[str, Any]]]:
    """``devices`` without their ``password``/``ha1`` values, and those values by device id."""
    if not isinstance(devices, (list, tuple)):
        return devices, {}
    public: list[Any] = []
    credentials: dict[str, dict[str, Any]] = {}
    for index, item in enumerate(devices):
        if not isinstance(item, Mapping):
            public.append(item)
            continue
        found = {k: item[k] for k in SECRET_KEYS if item.get(k) is not None}
        if found:
            device_id = item.get("device_id")
            credentials[device_id if isinstance(device_id, str) else f"devices[{index}]"] = found
        public.append({k: v for k, v in item.items() if k not in SECRET_KEYS})
    return public, credentials


def _finite(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    if isinstance(value, list):
        return all(_finite(v) for v in value)
    return not is_unknown(value)


def _valid_model(state: Mapping[str, Any]) -> DeviceModel | None:
    """The device when ``state`` is complete and valid (the common case, validated once); None otherwise."""
    if not all(_finite(v) for v in state.values()):
        return None
    try:
        model, errors = validate_wire(DeviceModel, to_wire(DeviceModel, state))
    except InputError:
        return None
    return model if isinstance(model, DeviceModel) and not errors else None


def _sip_ha1(device_id: str, domain: str, password: str) -> str:
    """The documented ``ha1 = MD5(deviceId:domain:password)``."""
    return hashlib.md5(f"{device_id}:{domain}:{password}".encode(), usedforsecurity=False).hexdigest()


def _state(domain: str, device_id: str, public: Mapping[str, Any], creds: Mapping[str, Any], password: Any) -> Doc:
    """One device's schema state: a credentials device gets ``ha1`` (given, or from its SIP password) and
    no ``password``; a userid device its ``password``."""
    state: dict[str, Any] = {"device_id": device_id, **public}
    if public.get("auth_type") == "credentials":
        if "ha1" in creds:
            state["ha1"] = creds["ha1"]
        elif isinstance(password, str) and not is_unknown(password):
            state["ha1"] = _sip_ha1(device_id, domain, password)
        elif password is not None:
            state["ha1"] = password  # unknown in a preview: the ha1 is too
    else:
        state.update({k: v for k, v in creds.items() if k in SECRET_KEYS})
    return state


class _Fleet:
    """The devices a fleet's props describe: public fields, secrets and SIP passwords by device id."""

    def __init__(self, props: Mapping[str, Any]) -> None:
        self.domain = str(props.get("domain"))
        devices = props.get(DEVICES)
        self.devices: dict[str, dict[str, Any]] = dict(devices) if isinstance(devices, dict) else {}
        self.creds: dict[str, dict[str, Any]] = dict(props.get(CREDENTIALS) or {})
        self.passwords: dict[str, Any] = dict(props.get(PASSWORDS) or {})

    def state(self, device_id: str) -> Doc:
        return _state(
            self.domain,
            device_id,
            self.devices[device_id],
            self.creds.get(device_id) or {},
            self.passwords.get(device_id),
        )

    def wire(self, device_id: str) -> Doc:
        return to_wire(DeviceModel, self.state(device_id))

    def same(self, other: _Fleet, device_id: str) -> bool:
        """The device is declared alike in both (compared as given: cheap for thousands of devices)."""
        return (
            same_json(self.devices[device_id], other.devices[device_id])
            and same_json(self.creds.get(device_id) or {}, other.creds.get(device_id) or {})
            and self.passwords.get(device_id) == other.passwords.get(device_id)
        )


class _Changes:
    """What turns the recorded fleet into the declared one, per device."""

    def __init__(self, old: _Fleet, new: _Fleet) -> None:
        self.added = sorted(set(new.devices) - set(old.devices))
        self.removed = sorted(set(old.devices) - set(new.devices))
        self.changed: dict[str, list[str]] = {}
        for device_id in sorted(set(old.devices) & set(new.devices)):
            if old.same(new, device_id):
                continue
            before, after = old.state(device_id), new.state(device_id)
            fields = [k for k in sorted(set(before) | set(after)) if not same_json(before.get(k), after.get(k))]
            fields = [k for k in fields if not is_unknown(after.get(k))] or fields
            if fields:
                self.changed[device_id] = fields

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    def summary(self) -> str:
        parts = []
        if self.added:
            parts.append(f"{len(self.added):,} to add ({_ids(self.added)})")
        if self.removed:
            parts.append(f"{len(self.removed):,} to delete ({_ids(self.removed)})")
        if self.changed:
            shown = [f"{i}: {', '.join(f)}" for i, f in list(self.changed.items())[:_SHOWN]]
            more = f"; and {len(self.changed) - _SHOWN} more" if len(self.changed) > _SHOWN else ""
            parts.append(f"{len(self.changed):,} to change ({'; '.join(shown)}{more})")
        return ", ".join(parts)


def _device_key(domain: str, device_id: str) -> Hashable:
    """The claim of one device: the same as a ``Device`` resource's, so either declaring it twice fails."""
    return ("Device", domain, device_id, False)


def _run_each(items: Sequence[str], work: Callable[[str], object]) -> dict[str, BaseException]:
    """``work(item)`` for every item, ``CONCURRENCY`` at a time; the failures by item."""
    failures: dict[str, BaseException] = {}
    if not items:
        return failures
    with ThreadPoolExecutor(max_workers=min(CONCURRENCY, len(items))) as pool:
        futures = {item: pool.submit(work, item) for item in items}
        for item, future in futures.items():
            error = future.exception()
            if error is not None:
                failures[item] = error
    return failures


def _bulk_outcome(result: BulkResult | None) -> dict[str, Any] | None:
    """The last bulk job as the fleet records it (``bulk_id``, and ``bulk_result``'s fields)."""
    if result is None:
        return None
    rows = {str(k): v for k, v in result.failed_rows.items()}
    return {"bulk_id": result.bulk_id, "status": result.status, "reason": result.reason, "failed_rows": rows}


def _reason(device_id: str, error: BaseException) -> str:
    text = error.reason if isinstance(error, ApiError) and error.reason else str(error)
    return f"device {device_id}: {text}"


class DeviceFleetProvider(IotcommsProvider):
    """Lifecycle of a fleet: bulk CSV jobs for many new devices, a patch per changed device, a delete
    per removed one (``CONCURRENCY`` at a time); refresh lists the domain's devices page by page.

    State: ``devices`` maps each device id to its fields (without ``device_id``, ``password`` and
    ``ha1``, which the class moves to the secret ``device_credentials``); ``sip_passwords`` holds the
    SIP password of each ``credentials`` device without ``ha1`` (given, or generated once by
    ``check`` and kept), sent only as ``ha1``. The outputs record the devices that exist: a create or
    update that fails for some devices records the others (the engine's partial failure, see
    ``_partial``), so the next ``up`` does only what is left.
    """

    spec = Spec(
        name="DeviceFleet",
        model=_FleetFields,
        extra={
            "adopt": Behaviour(
                server_default=False,
                annotation="bool",
                doc="take over devices of the fleet that already exist on the server and converge them, instead of"
                " failing (when each device is added).",
            ),
            DEVICES: Behaviour(
                required=True,
                annotation="Sequence[pulumi.Input[DeviceArgs]]",
                output_annotation="Mapping[str, Any]",
                doc="the devices, each with the keys and rules of ``Device``'s arguments (``device_id``,"
                " ``auth_type``, ``device_type``, ``description``, ``service_data``, ...); device ids are unique"
                " within the fleet. Recorded, and output, as a map from device id to its other fields.",
            ),
            CREDENTIALS: Behaviour(
                secret=True,
                argument=False,
                annotation="Mapping[str, Any]",
                doc="the ``password`` and ``ha1`` values given in ``devices``, by device id (secret): the class"
                " keeps them apart so that the rest of ``devices`` shows in previews.",
            ),
            PASSWORDS: Behaviour(
                secret=True,
                argument=False,
                annotation="Mapping[str, str]",
                doc="the SIP password of each ``credentials`` device without ``ha1``, by device id (secret): its"
                " ``password`` when given, else a random one picked once and kept, also when the device is"
                " deleted out of band and created again; the server stores it as ``ha1``.",
            ),
            "device_ids": Behaviour(argument=False, annotation="Sequence[str]", doc="the ids of the devices, sorted."),
            "count": Behaviour(argument=False, annotation="int", doc="how many devices the fleet has."),
            "bulk_id": Behaviour(
                argument=False, annotation="str", doc="the id of the last bulk job the fleet ran (None before one)."
            ),
            "bulk_result": Behaviour(
                argument=False,
                annotation="Mapping[str, Any]",
                doc="the last bulk job's outcome: ``status`` (``COMPLETED`` or ``FAILED``), ``reason`` and"
                " ``failed_rows`` (CSV row -> problem).",
            ),
        },
        nested=(DeviceModel,),
        noun="device fleet",
        doc="Many devices of one tenant domain as one resource: alarm units and SIP devices by the thousand,"
        " from a list or a spreadsheet export (``DeviceFleet.from_csv``).\n\n"
        "Pulumi id: ``<domain>``; changing ``domain`` replaces the fleet. New devices are provisioned by"
        " bulk CSV jobs (one per 10 MB of CSV, polled until done, progress logged) when there are at least"
        f" {BULK_MIN}, else one by one; a changed device gets one minimal JSON patch (a changed ``auth_type``:"
        f" the whole device, PUT); more than {PATCH_MAX} changed devices are sent whole by bulk job; a removed"
        f" device is deleted ({CONCURRENCY} requests at a time). Devices of the domain that the fleet does not"
        " declare are never touched. A device id that already exists on the server is not taken over"
        " without ``adopt=True``, and a device declared by two resources (two fleets, or a fleet and a"
        " ``Device``) fails the preview. A job that fails for some rows fails the operation naming each row"
        " and its reason, and the state keeps the devices that were made: the next ``pulumi up`` does the"
        " rest. Refresh lists the domain's devices and records out-of-band changes and deletions, which the"
        " next ``pulumi up`` corrects. A ``credentials`` device's SIP password is generated as for ``Device``"
        " and exported in ``sip_passwords``.",
    )

    # -- program side ------------------------------------------------------------------------------

    @classmethod
    def program_args(cls, args: Mapping[str, Any], opts: Any) -> Mapping[str, Any]:
        """``devices`` without their secrets, which go to the secret ``device_credentials``."""
        devices = args.get(DEVICES)
        if devices is None:
            return args
        if isinstance(devices, _CsvDevices) and devices.credentials is not None:
            # A CSV file holds no secrets: its devices stay plain (readable previews), the credentials
            # given beside it go to the secret device_credentials once known.
            public, inline = _split(list(devices))
            given = pulumi.Output.from_input(devices.credentials)
            merged = given.apply(lambda value: _merged(inline, _file_credentials(devices.path, public, value)) or None)
            return {**args, DEVICES: public, CREDENTIALS: merged}
        if _is_plain(devices):
            public, credentials = _split(devices)
            return {**args, DEVICES: public, CREDENTIALS: credentials or None}
        # Outputs inside: split once they are known (a secret among them keeps all of devices secret).
        resolved = pulumi.Output.from_input(devices)
        return {
            **args,
            DEVICES: resolved.apply(lambda value: _split(value)[0]),
            CREDENTIALS: resolved.apply(lambda value: _split(value)[1] or None),
        }

    # -- check -------------------------------------------------------------------------------------

    def verifies_credentials(self, olds: Mapping[str, Any]) -> bool:
        """Only for a new fleet: a preview of an existing one sends no request."""
        return not olds

    def check_inputs(self, olds: Mapping[str, Any], inputs: dict[str, Any]) -> list[CheckFailure]:
        """Validate every device as ``Device`` would, key them by id, settle their SIP passwords."""
        given_passwords = inputs.pop(PASSWORDS, None)
        for name in OUTPUT_ONLY:
            inputs.pop(name, None)
        failures = super().check_inputs(olds, inputs)
        if given_passwords is not None and not is_unknown(given_passwords) and given_passwords != olds.get(PASSWORDS):
            failures.append(CheckFailure(PASSWORDS, "is an output only: give password in a device to choose one"))
        devices, credentials = inputs.get(DEVICES), inputs.pop(CREDENTIALS, None)
        if devices is None:
            failures.append(CheckFailure(DEVICES, "required: a list of devices (device_id, auth_type, ...)"))
            return failures
        if is_unknown(devices) or is_unknown(credentials):
            inputs[DEVICES] = rpc.UNKNOWN
            return failures
        if not isinstance(devices, list):
            failures.append(CheckFailure(DEVICES, "must be a list of devices (device_id, auth_type, ...)"))
            return failures
        old = _Fleet(olds)
        creds: dict[str, Any] = dict(credentials or {})
        keyed: dict[str, dict[str, Any]] = {}
        first_index: dict[str, int] = {}
        unknown_id = False
        for index, item in enumerate(devices):
            where = f"{DEVICES}[{index}]"
            device_id = item.get("device_id") if isinstance(item, dict) else None
            if is_unknown(item) or is_unknown(device_id):
                unknown_id = True
                continue
            if not isinstance(item, dict):
                failures.append(CheckFailure(where, "must be a mapping of device properties (device_id, ...)"))
                continue
            if not isinstance(device_id, str):
                problem = "required" if device_id is None else "must be a string"
                failures.append(CheckFailure(f"{where}.device_id", problem))
                continue
            if device_id in first_index:
                failures.append(
                    CheckFailure(
                        f"{where}.device_id",
                        f"{device_id!r} is also devices[{first_index[device_id]}]: device ids are unique within a"
                        " fleet; merge the two entries or remove one",
                    )
                )
                continue
            first_index[device_id] = index
            public = {k: v for k, v in item.items() if k != "device_id" and k not in SECRET_KEYS and v is not None}
            # Secrets given inside a device (the class moves them out; a direct caller may not) stay out of it.
            inline = {k: item[k] for k in SECRET_KEYS if item.get(k) is not None}
            secret = {**(creds.get(device_id) or {}), **inline}
            if secret:
                creds[device_id] = secret
            keyed[device_id] = public
            unchanged = device_id in old.devices and same_json(public, old.devices[device_id])
            if unchanged and same_json(secret, old.creds.get(device_id) or {}):
                continue  # validated when it was recorded
            failures += [CheckFailure(f"{where}.{p}", m) for p, m in self._device_problems(device_id, public, secret)]
        if unknown_id:
            inputs[DEVICES] = rpc.UNKNOWN
            return failures
        inputs[DEVICES] = keyed
        kept = {i: c for i, c in creds.items() if i in keyed and c}
        if kept:
            inputs[CREDENTIALS] = kept
        inputs[PASSWORDS] = self._passwords(old, keyed, kept)
        return failures

    @staticmethod
    def _device_problems(device_id: str, public: Mapping[str, Any], secret: Mapping[str, Any]) -> list[tuple[str, str]]:
        """``(property path, problem)`` of one device: the schema's rules, then those of a bulk CSV row."""
        state = {"device_id": device_id, **public, **secret}
        if public.get("auth_type") == "credentials" and secret.get("password") and secret.get("ha1"):
            return [("password", "a credentials device takes either password (its SIP password) or ha1, not both")]
        model = _valid_model(state)
        if model is None:  # validate_state says what is wrong, in the program's words (or skips unknowns)
            return validate_state(DeviceModel, state)
        if public.get("auth_type") == "credentials" and model.password is not None:
            model = model.model_copy(update={"password": None})  # sent as ha1, never as a cell
        try:
            check_bulk_row(model)
        except InputError as exc:
            root, dot, rest = exc.path.partition(".")
            return [(_ALIASES.get(root, root) + dot + rest, f"{exc.message} (allowed: {exc.allowed})")]
        return []

    @staticmethod
    def _passwords(old: _Fleet, devices: Mapping[str, Any], creds: Mapping[str, Any]) -> dict[str, Any]:
        """The SIP password of every credentials device without ``ha1``: given, recorded, or new."""
        out: dict[str, Any] = {}
        for device_id, public in devices.items():
            auth = public.get("auth_type")
            secret = creds.get(device_id) or {}
            if is_unknown(auth) or auth != "credentials" or secret.get("ha1") is not None:
                continue
            if secret.get("password") is not None:
                out[device_id] = secret["password"]
                continue
            recorded = old.passwords.get(device_id)
            was = old.devices.get(device_id, {}).get("auth_type", "credentials")
            given_before = (old.creds.get(device_id) or {}).get("password") is not None
            keep = recorded is not None and was == "credentials" and not given_before
            out[device_id] = recorded if keep else secrets.token_urlsafe(18)
        return out

    def _claim(self, inputs: Mapping[str, Any]) -> list[CheckFailure]:
        """Each device is claimed as a ``Device`` resource would claim it."""
        domain, devices = inputs.get("domain"), inputs.get(DEVICES)
        if not isinstance(domain, str) or is_unknown(domain) or not isinstance(devices, dict):
            return []
        resource_name = str(inputs.get("resource_name") or "")
        failures = []
        for index, device_id in enumerate(devices):
            other = _claims.claim(_device_key(domain, device_id), resource_name)
            if other is not None:
                failures.append(
                    CheckFailure(
                        f"{DEVICES}[{index}].device_id",
                        f"Device {domain}/{device_id} is also declared by the resource {other!r} of this program; "
                        f"two resources must not manage one device: keep it in one of {other!r} and "
                        f"{resource_name!r}",
                    )
                )
        return failures

    # -- diff --------------------------------------------------------------------------------------

    def diff(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> DiffResult:
        """Per device: added, deleted, changed (which fields); a summary is logged. Pure."""
        domain_old, domain_new = _olds.get("domain"), _news.get("domain")
        if is_unknown(domain_new) or domain_old != domain_new:
            return DiffResult(changes=True, replaces=["domain"], stables=[], delete_before_replace=False)
        if is_unknown(_news.get(DEVICES)) or is_unknown(_news.get(PASSWORDS)):
            return DiffResult(changes=True, replaces=[], stables=[], delete_before_replace=False)
        changes = _Changes(_Fleet(_olds), _Fleet(_news))
        if changes:
            pulumi.log.info(f"DeviceFleet of {domain_new}: {changes.summary()}")
        return DiffResult(changes=bool(changes), replaces=[], stables=[], delete_before_replace=False)

    # -- writing devices ---------------------------------------------------------------------------

    def _api(self) -> DeviceApi:
        return DeviceApi(self.transport)

    def _server_docs(self, domain: str, ids: Iterable[str], *, listing: bool) -> dict[str, Doc]:
        """The server's documents of those of ``ids`` that exist: by listing the domain, or by a GET each."""
        wanted = set(ids)
        if listing:
            return {d["deviceId"]: d for d in self._api().list(domain) if d.get("deviceId") in wanted}
        found: dict[str, Doc] = {}

        def get(device_id: str) -> None:
            doc = self._api().get(domain, device_id)
            if doc is not None:
                found[device_id] = doc

        failures = _run_each(sorted(wanted), get)
        if failures:
            raise next(iter(failures.values()))
        return found

    def _refuse_existing(self, domain: str, existing: Iterable[str]) -> None:
        ids = sorted(existing)
        raise ConflictingObjectError(
            f"{len(ids)} device(s) of this fleet already exist in {domain}: {_ids(ids)}; this resource did not"
            " create them, so they are not taken over and nothing was written.\n"
            "- Moving them from another resource of this stack? Remove them there in one `pulumi up`, then"
            " declare them here.\n"
            "- Taking over devices this stack did not create? Set adopt=True (once): they are converged to this"
            " declaration and managed, and destroyed, by this fleet from then on.\n"
            "- Left by an earlier operation of this fleet that failed before it could record them? Set"
            " adopt=True once."
        )

    def _write_one(self, domain: str, device_id: str, base: Doc | None, desired: Doc, managed: set[str]) -> None:
        """Converge one device from ``base`` (what it is believed to be; None: absent) to ``desired``.

        A patch that the server refuses, or whose outcome is unknown, is recomputed from the device as
        the server then has it; a device found gone is PUT whole."""
        api = self._api()
        for attempt in range(RECONCILE_ATTEMPTS):
            whole = base is None or any(
                not same_json(base.get(f.alias), desired.get(f.alias))
                for n, f in fields_of(DeviceModel).items()
                if n in _REPLACING
            )
            try:
                if whole:
                    api.overwrite(domain, device_id, desired)
                    return
                assert base is not None
                ops = minimal_patch(DeviceModel, base, desired, managed, send_write_only=True)
                if ops:
                    api.patch(domain, device_id, ops)
                return
            except NotFoundError:
                base = None
            except (*AMBIGUOUS, ApiError) as exc:
                if attempt == RECONCILE_ATTEMPTS - 1 or not (isinstance(exc, AMBIGUOUS) or _rejected(exc)):
                    raise
                base = api.get(domain, device_id)

    def _bulk(self, domain: str, docs: Mapping[str, Doc]) -> tuple[set[str], dict[str, str], BulkResult | None]:
        """Provision ``docs`` by bulk job(s): the ids applied, the failed ones with their reasons, the last job.

        A job whose outcome is not known row by row (a whole file refused, the wait timed out) is settled
        by listing the domain: what exists counts as applied."""
        api = self._api()
        ids = sorted(docs)
        models = [DeviceModel.model_validate(docs[i], by_alias=True, by_name=False) for i in ids]
        chunks = bulk_chunks(models, BULK_LIMIT_BYTES)
        applied: set[str] = set()
        failed: dict[str, str] = {}
        unsettled: list[str] = []
        result: BulkResult | None = None
        total, before = len(models), 0
        for index, chunk in enumerate(chunks):
            chunk_ids = [m.device_id for m in chunk.devices]
            bulk_id = f"pulumi-{secrets.token_hex(6)}-{index + 1}"

            def progress(processed: int, _total: int, done: int = before) -> None:
                pulumi.log.info(f"DeviceFleet of {domain}: {done + processed:,} / {total:,} devices")

            try:
                self._start_bulk(api, domain, bulk_id, chunk)
                timeout = _BULK_BASE_TIMEOUT_S + _BULK_ROW_TIMEOUT_S * len(chunk_ids)
                result = api.wait_bulk(domain, bulk_id, on_progress=progress, timeout=timeout)
            except (ApiError, DeadlineExceededError) as exc:
                unsettled += chunk_ids
                failed.update({i: f"bulk job {bulk_id}: {exc}" for i in chunk_ids})
                for rest in chunks[index + 1 :]:
                    failed.update({m.device_id: "not sent: an earlier bulk job failed" for m in rest.devices})
                break
            rows = {n: r for n, r in result.failed_rows.items() if 2 <= n < len(chunk_ids) + 2}
            if result.status == "FAILED" and not rows:
                unsettled += chunk_ids
                failed.update({i: f"bulk job {bulk_id} failed: {result.reason}" for i in chunk_ids})
            else:
                failed.update({chunk_ids[n - 2]: f"row {n} of bulk job {bulk_id}: {r}" for n, r in rows.items()})
                applied.update(i for i in chunk_ids if i not in failed)
            before += len(chunk_ids)
        if unsettled:
            present = set(self._server_docs(domain, unsettled, listing=True))
            applied |= present
            for device_id in present:
                failed.pop(device_id, None)
        return applied, failed, result

    @staticmethod
    def _start_bulk(api: DeviceApi, domain: str, bulk_id: str, chunk: BulkChunk) -> None:
        """Upload one job's CSV; an upload whose answer was lost is sent again (409: it is running)."""
        for attempt in range(RECONCILE_ATTEMPTS):
            try:
                api.bulk_upload_csv(domain, bulk_id, chunk.csv)
                return
            except AMBIGUOUS as exc:
                if isinstance(exc, ApiError) and exc.status == 409:
                    return  # our earlier upload of this bulk id started the job
                if attempt == RECONCILE_ATTEMPTS - 1:
                    raise

    def _add(self, fleet: _Fleet, ids: Sequence[str], adopted: Mapping[str, Doc]) -> tuple[dict[str, str], Any]:
        """Create ``ids`` (converging the ``adopted`` ones from their server documents); the failures, and
        the last bulk job's result as an output (None when no job ran)."""
        failed: dict[str, str] = {}
        fresh = [i for i in ids if i not in adopted]
        adopt = [i for i in ids if i in adopted]
        errors = _run_each(
            adopt,
            lambda i: self._write_one(fleet.domain, i, adopted[i], fleet.wire(i), set(fleet.state(i))),
        )
        failed.update({i: _reason(i, e) for i, e in errors.items()})
        if len(fresh) < BULK_MIN:
            errors = _run_each(fresh, lambda i: self._write_one(fleet.domain, i, None, fleet.wire(i), set()))
            failed.update({i: _reason(i, e) for i, e in errors.items()})
            return failed, None
        _applied, bulk_failed, result = self._bulk(fleet.domain, {i: fleet.wire(i) for i in fresh})
        failed.update({i: f"device {i}: {r}" for i, r in bulk_failed.items()})
        return failed, _bulk_outcome(result)

    # -- outputs -----------------------------------------------------------------------------------

    @staticmethod
    def _fleet_outputs(
        news: Mapping[str, Any], recorded: Mapping[str, Mapping[str, Any]], creds: Mapping[str, Any], bulk: Any
    ) -> dict[str, Any]:
        outs = {k: v for k, v in news.items() if k != PROVIDER_KEY and k not in OUTPUT_ONLY}
        outs[DEVICES] = {i: dict(recorded[i]) for i in sorted(recorded)}
        kept = {i: c for i, c in creds.items() if i in recorded}
        if kept or CREDENTIALS in outs:
            outs[CREDENTIALS] = kept
        outs["device_ids"] = sorted(recorded)
        outs["count"] = len(recorded)
        outs["bulk_id"] = bulk["bulk_id"] if bulk else None
        outs["bulk_result"] = {k: v for k, v in bulk.items() if k != "bulk_id"} if bulk else None
        return outs

    def _finish(self, error: str, failed: Mapping[str, str], news: Mapping[str, Any], outs: dict[str, Any]) -> None:
        """Fail the operation when devices failed, recording ``outs`` (the devices that exist)."""
        if not failed:
            return
        reasons = [failed[i] for i in sorted(failed)]
        shown = reasons[:_REASONS_SHOWN]
        if len(reasons) > _REASONS_SHOWN:
            shown.append(f"and {len(reasons) - _REASONS_SHOWN} more devices")
        summary = (
            f"{error}: {len(failed):,} device(s) failed; the others were written and are recorded, so the next"
            " `pulumi up` only retries what failed (fix what is named here first)"
        )
        message = summary + ":\n" + "\n".join(f"- {r}" for r in shown)
        outputs = {**outs, PROVIDER_KEY: news.get(PROVIDER_KEY)}
        fail_with_state(PartialFailureError(message, reasons=reasons), str(news["domain"]), outputs, [summary, *shown])

    # -- lifecycle ---------------------------------------------------------------------------------

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Refuse declared devices that exist (unless ``adopt``), then provision the rest."""
        fleet = _Fleet(props)
        ids = sorted(fleet.devices)
        existing = self._server_docs(fleet.domain, ids, listing=True) if ids else {}
        if existing and not props.get("adopt"):
            self._refuse_existing(fleet.domain, existing)
        failed, bulk = self._add(fleet, ids, existing)
        for device_id in ids:
            if device_id not in failed:
                _claims.record_owned(_device_key(fleet.domain, device_id))
        recorded = {i: fleet.devices[i] for i in ids if i not in failed}
        outs = self._fleet_outputs(props, recorded, fleet.creds, bulk)
        self._finish(f"DeviceFleet {fleet.domain} was created in part", failed, props, outs)
        return CreateResult(fleet.domain, outs)

    def update(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> UpdateResult:
        """Delete removed devices, patch changed ones, add new ones (``adopt``: converge existing ones)."""
        old, new = _Fleet(_olds), _Fleet(_news)
        changes = _Changes(old, new)
        existing: dict[str, Doc] = {}
        if changes.added:
            existing = self._server_docs(new.domain, changes.added, listing=len(changes.added) >= BULK_MIN)
            if existing and not _news.get("adopt"):
                self._refuse_existing(new.domain, existing)
        failed: dict[str, str] = {}
        removable = [i for i in changes.removed if not self._declared_elsewhere(new.domain, i)]
        errors = _run_each(removable, lambda i: self._api().delete(new.domain, i))
        failed.update({i: _reason(i, e) for i, e in errors.items()})
        changed = sorted(changes.changed)
        bulk: Any = None
        if len(changed) > PATCH_MAX:
            _applied, bulk_failed, result = self._bulk(new.domain, {i: new.wire(i) for i in changed})
            failed.update({i: f"device {i}: {r}" for i, r in bulk_failed.items()})
            bulk = _bulk_outcome(result)
        else:

            def patch(device_id: str) -> None:
                managed = set(old.state(device_id)) | set(new.state(device_id))
                self._write_one(new.domain, device_id, old.wire(device_id), new.wire(device_id), managed)

            errors = _run_each(changed, patch)
            failed.update({i: _reason(i, e) for i, e in errors.items()})
        added_failed, added_bulk = self._add(new, changes.added, existing)
        failed.update(added_failed)
        for device_id in changes.added:
            if device_id not in added_failed:
                _claims.record_owned(_device_key(new.domain, device_id))
        recorded: dict[str, Mapping[str, Any]] = {}
        for device_id in sorted(set(old.devices) | set(new.devices)):
            if device_id in failed:
                if device_id in old.devices:  # a failed change or delete: as it was
                    recorded[device_id] = old.devices[device_id]
            elif device_id in new.devices:
                recorded[device_id] = new.devices[device_id]
        creds = {**{i: c for i, c in old.creds.items() if i in failed}, **new.creds}
        outs = self._fleet_outputs(_news, recorded, creds, added_bulk or bulk or self._last_bulk(_olds))
        self._finish(f"DeviceFleet {new.domain} was updated in part", failed, _news, outs)
        return UpdateResult(outs)

    @staticmethod
    def _last_bulk(olds: Mapping[str, Any]) -> Any:
        result = olds.get("bulk_result")
        return {"bulk_id": olds.get("bulk_id"), **result} if olds.get("bulk_id") and result else None

    @staticmethod
    def _declared_elsewhere(domain: str, device_id: str) -> bool:
        """Another resource of this deployment declares (or adopted) the device: it is not deleted."""
        key = _device_key(domain, device_id)
        if _claims.holder(key) is None and not _claims.owned_here(key):
            return False
        _log.warning("device %s/%s is not deleted: another resource of this deployment declares it", domain, device_id)
        return True

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """Refresh: list the domain; a declared device's managed fields as the server has them, a device
        gone from the server dropped (``up`` creates it again, with its recorded SIP password)."""
        if not isinstance(props.get(DEVICES), dict):
            raise IotcommsError(
                f"cannot import the device fleet {id_!r}: a fleet is read from its recorded devices; declare it"
                " with its devices and adopt=True instead"
            )
        fleet = _Fleet({**props, "domain": props.get("domain") or id_})
        server = self._server_docs(fleet.domain, fleet.devices, listing=True)
        devices: dict[str, dict[str, Any]] = {}
        creds: dict[str, dict[str, Any]] = {}
        for device_id, public in fleet.devices.items():
            doc = server.get(device_id)
            if doc is None:
                continue
            current = from_wire(DeviceModel, doc)
            expected = fleet.state(device_id)
            devices[device_id] = {k: current[k] for k in public if k in current}
            secret = dict(fleet.creds.get(device_id) or {})
            for name in SECRET_KEYS:
                if name in expected and not same_json(current.get(name), expected[name]):
                    secret[name] = current.get(name) or ""  # "" when the server has none: still not ours
            if secret:
                creds[device_id] = secret
        outs = {k: v for k, v in props.items() if k != PROVIDER_KEY}
        outs.update(domain=fleet.domain, device_ids=sorted(devices), count=len(devices))
        outs[DEVICES] = devices
        if creds or CREDENTIALS in outs:
            outs[CREDENTIALS] = creds
        inputs = {k: v for k, v in outs.items() if k not in OUTPUT_ONLY and v is not None}
        return ReadResult(id_, outs, inputs)

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """Delete every recorded device (``CONCURRENCY`` at a time); one already gone counts as deleted, one
        another resource of this deployment declares is left to it."""
        fleet = _Fleet({**_props, "domain": _props.get("domain") or _id})
        ids = [i for i in sorted(fleet.devices) if not self._declared_elsewhere(fleet.domain, i)]
        errors = _run_each(ids, lambda i: self._api().delete(fleet.domain, i))
        if errors:
            reasons = [_reason(i, e) for i, e in sorted(errors.items())]
            raise PartialFailureError(
                f"DeviceFleet {fleet.domain}: {len(errors)} of {len(ids)} devices could not be deleted; the fleet"
                " stays in the state, and the next `pulumi destroy` retries them:\n"
                + "\n".join(f"- {r}" for r in reasons[:_REASONS_SHOWN]),
                reasons=reasons,
            )


class DeviceFleet(_GeneratedDeviceFleet, module="iotcomms", name="DeviceFleet"):
    __doc__ = _GeneratedDeviceFleet.__doc__

    @classmethod
    def from_csv(
        cls,
        resource_name: str,
        path: str | Path,
        domain: pulumi.Input[str] | None = None,
        adopt: pulumi.Input[bool] | None = None,
        opts: pulumi.ResourceOptions | None = None,
        credentials: pulumi.Input[Mapping[str, Mapping[str, str]]] | None = None,
    ) -> Self:
        """Declare a fleet from a bulk provisioning CSV file (the documented format, as a spreadsheet
        exports it: camelCase columns, ``serviceData.<key>`` columns holding JSON).

        Args:
            resource_name: The Pulumi resource name.
            path: The CSV file (UTF-8), relative to the program's working directory.
            domain: Tenant domain; defaults to the ``iotcomms:domain`` config.
            adopt: Take over devices of the file that already exist (creation of each device only).
            opts: Pulumi resource options.
            credentials: ``{device id: {"ha1": ...}}`` (or ``"password"``) for devices of the file, kept out
                of the file, e.g. ``config.require_secret_object("fleetCredentials")``: they go to the secret
                ``device_credentials`` while ``devices`` stays plain; an id the file lacks fails the program.

        Raises:
            InputError: naming the file, row and column of the first problem (see
                :func:`pulumi_iotcomms.api.device.read_bulk_csv`); nothing is declared.
        """
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read {path}: {exc}", path="path", allowed="a UTF-8 CSV file") from None
        try:
            models = read_bulk_csv(text)
        except InputError as exc:
            raise InputError(f"{path}: {exc.message}", path=exc.path, allowed=exc.allowed) from None
        devices: list[Any] = [m.model_dump(exclude_none=True, exclude=set(_COMPUTED)) for m in models]
        csv_devices = _CsvDevices(devices, path, credentials)
        return cls(resource_name, devices=csv_devices, domain=domain, adopt=adopt, opts=opts)


class _CsvDevices(list[Any]):
    """The devices of a CSV file (a list like any other), with the credentials given beside the file, which
    ``program_args`` sends apart: a secret merged into the list would make the whole list secret."""

    def __init__(self, devices: list[Any], path: str | Path, credentials: Any) -> None:
        super().__init__(devices)
        self.path = path
        self.credentials = credentials


def _merged(first: Mapping[str, Any], second: Mapping[str, Any]) -> dict[str, Any]:
    """Credentials by device id, ``second``'s values over ``first``'s, key by key."""
    return {i: {**(first.get(i) or {}), **(second.get(i) or {})} for i in sorted({*first, *second})}


def _file_credentials(path: str | Path, devices: list[Any], given: Mapping[str, Any] | None) -> dict[str, Any]:
    """The ``password``/``ha1`` of ``given`` by device id, for ``devices`` of the file ``path``; an id the file
    does not have is an error naming it (never a value)."""
    given = dict(given or {})
    extra = sorted(set(given) - {d["device_id"] for d in devices})
    if extra:
        raise InputError(
            f"{path}: credentials for device ids the file does not have: {_ids(extra)}",
            path="credentials",
            allowed="the ids of devices in the file",
        )
    out = {i: {k: v for k, v in (c or {}).items() if k in SECRET_KEYS} for i, c in given.items()}
    return {i: c for i, c in out.items() if c}
