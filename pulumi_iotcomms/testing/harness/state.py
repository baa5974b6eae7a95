"""The harness's stack state ("checkpoint"): a JSON file per stack with encrypted secrets.

Layout of ``<state_dir>/<stack>.json``::

    {
      "version": 1, "project": "...", "stack": "...",
      "secrets_provider": {"type": "fernet", "key_file": "<stack>.key"},
      "outputs": {...}, "secret_outputs": ["..."],
      "resources": {"<urn>": {"type", "name", "custom", "id", "parent", "inputs", "outputs",
                              "dependencies", "property_dependencies", "secret_outputs",
                              "additional_secret_outputs", "delete_before_replace",
                              "init_errors" (only when there are some)}},
      "pending_deletes": [{"urn": ..., ...}]
    }

Secret values are stored like the Pulumi checkpoint does, as
``{"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "ciphertext": ...}``,
the ciphertext being a Fernet token over the JSON of the plaintext. The Fernet key lives in
``<state_dir>/<stack>.key`` (created on first use, mode 0600) -- the moral equivalent of
the passphrase secrets provider: lose the key and the secrets are unreadable.

``init_errors`` are the checkpoint's ``initErrors`` (``omitempty`` there too): the reasons of the
partial failure that left the resource as it is recorded, cleared by its next successful create,
update or read.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

from .props import SECRET_SIG, SECRET_SIG_KEY, UNKNOWN, PropertyMap, Secret, contains_secrets

__all__ = ["STATE_VERSION", "ResourceState", "StackState", "StateStore"]

STATE_VERSION = 1
"""Version number written into every state file."""


@dataclass
class ResourceState:
    """One resource in the stack state (the harness's ``resource.State``)."""

    urn: str
    type: str
    name: str
    custom: bool = True
    id: str | None = None
    parent: str | None = None
    inputs: PropertyMap = field(default_factory=dict)
    outputs: PropertyMap = field(default_factory=dict)
    dependencies: list[str] = field(default_factory=list)
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    additional_secret_outputs: list[str] = field(default_factory=list)
    delete_before_replace: bool | None = None
    pending_delete: bool = False
    init_errors: list[str] = field(default_factory=list)
    """Why the resource's last create/update (or read) failed partially (``resource.State.InitErrors``):
    while there are some, the next ``up`` updates it even when its diff finds no change."""

    @property
    def secret_outputs(self) -> list[str]:
        """Top-level output keys whose value is (or contains) a secret."""
        return sorted(k for k, v in self.outputs.items() if contains_secrets(v))

    def all_dependencies(self) -> set[str]:
        """URNs this resource depends on: parent, explicit and property dependencies."""
        deps = set(self.dependencies)
        for urns in self.property_dependencies.values():
            deps.update(urns)
        if self.parent:
            deps.add(self.parent)
        return deps

    def copy(self) -> ResourceState:
        """A deep copy (property maps included)."""
        return copy.deepcopy(self)


@dataclass
class StackState:
    """The whole stack: live resources in dependency order, pending deletes and outputs."""

    resources: dict[str, ResourceState] = field(default_factory=dict)
    pending_deletes: list[ResourceState] = field(default_factory=list)
    outputs: PropertyMap = field(default_factory=dict)

    def all_resources(self) -> Iterator[ResourceState]:
        """Live resources followed by resources pending deletion."""
        yield from self.resources.values()
        yield from self.pending_deletes

    def by_name(self, name: str) -> ResourceState:
        """The live resource with logical name ``name`` (must be unique)."""
        matches = [r for r in self.resources.values() if r.name == name]
        if len(matches) != 1:
            raise KeyError(f"expected exactly one resource named {name!r}, found {len(matches)}")
        return matches[0]


class StateStore:
    """Reads and writes one stack's state file, encrypting secrets with a per-stack key."""

    def __init__(self, directory: str | os.PathLike[str], *, project: str, stack: str) -> None:
        """Use ``<directory>/<stack>.json`` and ``<directory>/<stack>.key``."""
        self.directory = Path(directory)
        self.project = project
        self.stack = stack
        self.path = self.directory / f"{stack}.json"
        self.key_path = self.directory / f"{stack}.key"
        self._fernet: Fernet | None = None

    # -- encryption ------------------------------------------------------------------------

    def _cipher(self) -> Fernet:
        if self._fernet is None:
            if self.key_path.exists():
                key = self.key_path.read_bytes().strip()
            else:
                self.directory.mkdir(parents=True, exist_ok=True)
                key = Fernet.generate_key()
                fd = os.open(self.key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as handle:
                    handle.write(key)
            self._fernet = Fernet(key)
        return self._fernet

    def encode(self, value: Any) -> Any:
        """Turn a property value into JSON, encrypting secrets."""
        if value is UNKNOWN:
            raise ValueError("unknown values cannot be written to the state")
        if isinstance(value, Secret):
            plaintext = json.dumps(self.encode(value.value)).encode()
            return {SECRET_SIG_KEY: SECRET_SIG, "ciphertext": self._cipher().encrypt(plaintext).decode()}
        if isinstance(value, dict):
            return {k: self.encode(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.encode(v) for v in value]
        return value

    def decode(self, value: Any) -> Any:
        """Inverse of :meth:`encode`."""
        if isinstance(value, dict):
            if value.get(SECRET_SIG_KEY) == SECRET_SIG:
                plaintext = self._cipher().decrypt(value["ciphertext"].encode())
                return Secret(self.decode(json.loads(plaintext)))
            return {k: self.decode(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.decode(v) for v in value]
        return value

    # -- (de)serialization -------------------------------------------------------------------

    def _resource_to_json(self, res: ResourceState) -> dict[str, Any]:
        return {
            "type": res.type,
            "name": res.name,
            "custom": res.custom,
            "id": res.id,
            "parent": res.parent,
            "inputs": self.encode(res.inputs),
            "outputs": self.encode(res.outputs),
            "dependencies": list(res.dependencies),
            "property_dependencies": {k: list(v) for k, v in res.property_dependencies.items()},
            "secret_outputs": res.secret_outputs,
            "additional_secret_outputs": list(res.additional_secret_outputs),
            "delete_before_replace": res.delete_before_replace,
            **({"init_errors": list(res.init_errors)} if res.init_errors else {}),
        }

    def _resource_from_json(self, urn: str, data: dict[str, Any], *, pending: bool) -> ResourceState:
        return ResourceState(
            urn=urn,
            type=data["type"],
            name=data["name"],
            custom=bool(data.get("custom", True)),
            id=data.get("id"),
            parent=data.get("parent"),
            inputs=self.decode(data.get("inputs", {})),
            outputs=self.decode(data.get("outputs", {})),
            dependencies=list(data.get("dependencies", [])),
            property_dependencies={k: list(v) for k, v in data.get("property_dependencies", {}).items()},
            additional_secret_outputs=list(data.get("additional_secret_outputs", [])),
            delete_before_replace=data.get("delete_before_replace"),
            pending_delete=pending,
            init_errors=[str(reason) for reason in data.get("init_errors") or []],
        )

    def exists(self) -> bool:
        """Whether a state file has been written for this stack."""
        return self.path.exists()

    def load(self) -> StackState:
        """Load the state (an empty state if the stack has never been deployed)."""
        if not self.path.exists():
            return StackState()
        data = json.loads(self.path.read_text())
        if data.get("version") != STATE_VERSION:
            raise ValueError(f"unsupported state version in {self.path}: {data.get('version')!r}")
        return StackState(
            resources={
                urn: self._resource_from_json(urn, res, pending=False) for urn, res in data.get("resources", {}).items()
            },
            pending_deletes=[
                self._resource_from_json(res["urn"], res, pending=True) for res in data.get("pending_deletes", [])
            ],
            outputs=self.decode(data.get("outputs", {})),
        )

    def save(self, state: StackState) -> None:
        """Atomically write the state file."""
        self.directory.mkdir(parents=True, exist_ok=True)
        data = {
            "version": STATE_VERSION,
            "project": self.project,
            "stack": self.stack,
            "secrets_provider": {"type": "fernet", "key_file": self.key_path.name},
            "outputs": self.encode(state.outputs),
            "secret_outputs": sorted(k for k, v in state.outputs.items() if contains_secrets(v)),
            "resources": {urn: self._resource_to_json(res) for urn, res in state.resources.items()},
            "pending_deletes": [{"urn": res.urn, **self._resource_to_json(res)} for res in state.pending_deletes],
        }
        tmp = self.path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n")
        tmp.replace(self.path)
