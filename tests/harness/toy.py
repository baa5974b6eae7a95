"""A toy Pulumi dynamic provider used to prove the engine-protocol harness.

``ToyProvider`` stores one JSON file per resource in a directory taken from the stack
configuration key ``toy:dir``. The directory is read in :meth:`ToyProvider.configure`
(which runs inside the provider host process, after the provider was unpickled) and is
therefore never pickled into the serialized provider.

``Thing`` is the matching :class:`pulumi.dynamic.Resource` subclass. Its type token is
``pulumi-python:dynamic/toy:Thing``.

Inputs:
    ``value``  (str, required, non-empty; ``fail-create...`` makes Create fail,
               ``sleep-create:<seconds>`` makes it hang that long first;
               ``partial-create...`` makes Create write the object and then fail with it as the
               resource's state -- a partial failure, :func:`pulumi_iotcomms.resources._partial.fail_with_state`
               -- and ``partial-update...`` does the same in an Update that changes ``value`` to it;
               the retry, an Update to the same value, succeeds),
    ``kind``   (str, default ``"basic"``; changing it forces a replacement),
    ``dbr``    (bool; when true, Diff asks for delete-before-replace),
    ``ref``    (optional str; typically another Thing's output, to build dependencies),
    ``physical_name`` (optional; auto-named in Check when absent),
    ``password`` (optional secret input).
Outputs: the inputs plus ``token`` (secret, generated on create) and ``revision``
(1 on create, incremented on every update). A live record edited to contain
``"locked": true`` makes Delete fail (to exercise failed deletes); one edited to contain
``"unhealthy": [reasons]`` makes Read fail partially with those reasons (the rest of the record is
what is read; an Update rewrites the record without them).

This module is imported by the provider host process (the provider is pickled by
reference because it lives in an importable module), so it must stay import-light.
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any, NoReturn

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)
from pulumi.output import Unknown

from pulumi_iotcomms.resources._partial import PROVIDER_KEY, fail_with_state

TYPE_TOKEN = "pulumi-python:dynamic/toy:Thing"
"""The type token the SDK builds for :class:`Thing`."""

INPUT_KEYS = ("value", "kind", "dbr", "ref", "physical_name", "password")
"""Input properties the toy provider knows about."""

REPLACE_KEYS = ("kind", "physical_name")
"""Inputs whose change requires a replacement."""

PARTIAL_CREATE = "partial-create"
"""A ``value`` starting with this makes Create fail after writing the object, recording it (partial failure)."""

PARTIAL_UPDATE = "partial-update"
"""A ``value`` starting with this makes an Update to it fail after writing the object, recording it."""


def partial_reasons(action: str, physical_name: str, value: str) -> list[str]:
    """The reasons (the resource's init errors) of the toy's partial failures; ``action`` is
    ``created`` or ``updated``."""
    return [
        f"toy {action} {physical_name} but could not finish it: {value}",
        f"{physical_name} still needs its finishing touch",
    ]


class ToyProvider(ResourceProvider):
    """A ``ResourceProvider`` that keeps each resource as ``<toy:dir>/<id>.json``."""

    _dir: Path | None = None

    def configure(self, req: ConfigureRequest) -> None:
        """Read the storage directory from the stack config key ``toy:dir``."""
        directory = req.config.get("toy:dir")
        if not directory:
            raise ValueError("missing required configuration key: toy:dir")
        self._dir = Path(directory)

    # -- helpers ---------------------------------------------------------------------------

    def _path(self, id_: str) -> Path:
        if self._dir is None:
            raise RuntimeError("ToyProvider used before configure()")
        return self._dir / f"{id_}.json"

    def _write(self, record: dict[str, Any]) -> None:
        path = self._path(str(record["id"]))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(record, indent=2, sort_keys=True))

    @staticmethod
    def _outputs(record: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in record.items() if k != "id" and v is not None}

    def _fail_partially(self, action: str, record: dict[str, Any], props: dict[str, Any]) -> NoReturn:
        """Fail the call, the object ``record`` written, with it as the resource's state."""
        reasons = partial_reasons(action, str(record["physical_name"]), str(record["value"]))
        outputs = {**self._outputs(record), PROVIDER_KEY: props[PROVIDER_KEY]}
        fail_with_state(RuntimeError(reasons[0]), str(record["id"]), outputs, reasons)

    # -- CRUD ------------------------------------------------------------------------------

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Validate ``value`` and fill defaults (``kind``) and the auto-name."""
        failures: list[CheckFailure] = []
        value = news.get("value")
        if not isinstance(value, Unknown) and (not isinstance(value, str) or not value):
            failures.append(CheckFailure("value", "value must be a non-empty string"))
        inputs = dict(news)
        inputs.setdefault("kind", "basic")
        if not inputs.get("physical_name"):
            inputs["physical_name"] = olds.get("physical_name") or f"toy-{uuid.uuid4().hex[:8]}"
        return CheckResult(inputs, failures)

    def diff(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> DiffResult:
        """Compare old outputs with new inputs; ``kind``/``physical_name`` changes replace."""
        changed = [k for k in INPUT_KEYS if _olds.get(k) != _news.get(k)]
        replaces = [k for k in changed if k in REPLACE_KEYS]
        return DiffResult(
            changes=bool(changed),
            replaces=replaces,
            delete_before_replace=_news.get("dbr") is True,
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Write a new JSON file; ``value`` starting with ``fail-create`` raises."""
        value = str(props["value"])
        if value.startswith("sleep-create:"):
            time.sleep(float(value.split(":", 1)[1]))
        if value.startswith("fail-create"):
            raise RuntimeError(f"toy refuses to create {props.get('physical_name')}: {value}")
        record = {k: props.get(k) for k in INPUT_KEYS}
        record.update(id=uuid.uuid4().hex[:12], token=uuid.uuid4().hex, revision=1)
        self._write(record)
        if value.startswith(PARTIAL_CREATE):
            self._fail_partially("created", record, props)
        return CreateResult(str(record["id"]), self._outputs(record))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """Return the live file contents; an empty id when the file is gone."""
        path = self._path(id_)
        if not path.exists():
            return ReadResult(None, {})
        record = json.loads(path.read_text())
        inputs = {k: record[k] for k in INPUT_KEYS if record.get(k) is not None}
        if record.get("unhealthy"):
            reasons = [str(reason) for reason in record.pop("unhealthy")]
            provider = {PROVIDER_KEY: props[PROVIDER_KEY]}
            outputs = {**self._outputs(record), **provider}
            fail_with_state(RuntimeError(reasons[0]), id_, outputs, reasons, inputs={**inputs, **provider})
        return ReadResult(id_, self._outputs(record), inputs)

    def update(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> UpdateResult:
        """Rewrite the file with the new inputs and bump ``revision``; a change of ``value`` to
        ``partial-update...`` then fails partially."""
        path = self._path(_id)
        previous = json.loads(path.read_text()) if path.exists() else {}
        record = {k: _news.get(k) for k in INPUT_KEYS}
        record.update(
            id=_id,
            token=previous.get("token", _olds.get("token")),
            revision=int(previous.get("revision", _olds.get("revision", 0))) + 1,
        )
        self._write(record)
        value = str(record["value"])
        if value.startswith(PARTIAL_UPDATE) and previous.get("value") != value:
            self._fail_partially("updated", record, _news)
        return UpdateResult(self._outputs(record))

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """Remove the JSON file (missing is fine); a record with ``"locked": true`` refuses."""
        path = self._path(_id)
        if path.exists() and json.loads(path.read_text()).get("locked") is True:
            raise RuntimeError(f"toy object {_id} is locked")
        path.unlink(missing_ok=True)


class Thing(Resource, module="toy", name="Thing"):
    """A toy resource managed by :class:`ToyProvider`."""

    value: pulumi.Output[str]
    kind: pulumi.Output[str]
    dbr: pulumi.Output[bool]
    ref: pulumi.Output[str]
    physical_name: pulumi.Output[str]
    password: pulumi.Output[str]
    token: pulumi.Output[str]
    revision: pulumi.Output[int]

    def __init__(
        self,
        resource_name: str,
        value: pulumi.Input[str],
        *,
        kind: pulumi.Input[str] | None = None,
        dbr: pulumi.Input[bool] | None = None,
        ref: pulumi.Input[str] | None = None,
        physical_name: pulumi.Input[str] | None = None,
        password: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Register a toy resource; ``token`` is always an additional secret output."""
        props: dict[str, Any] = {
            "value": value,
            "kind": kind,
            "dbr": dbr,
            "ref": ref,
            "physical_name": physical_name,
            "password": password,
            "token": None,
            "revision": None,
        }
        secret_opts = pulumi.ResourceOptions(additional_secret_outputs=["token"])
        merged = pulumi.ResourceOptions.merge(opts, secret_opts) if opts else secret_opts
        super().__init__(ToyProvider(), resource_name, props, merged)


class PlainProvider(ResourceProvider):
    """A stateless provider keeping the default ``diff`` (``DIFF_UNKNOWN``: the engine diffs)."""

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Return a fresh id and echo ``value``."""
        return CreateResult(f"plain-{uuid.uuid4().hex[:8]}", {"value": props.get("value")})


class Plain(Resource, module="toy", name="Plain"):
    """A resource whose provider has no diff opinion (see :class:`PlainProvider`)."""

    value: pulumi.Output[str]

    def __init__(
        self, resource_name: str, value: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None
    ) -> None:
        """Register a plain resource."""
        super().__init__(PlainProvider(), resource_name, {"value": value}, opts)
