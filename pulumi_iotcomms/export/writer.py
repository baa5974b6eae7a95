"""Turn a :class:`~pulumi_iotcomms.export.reader.Tenant` into a Pulumi project: declarations whose argument
names come from the wire models and the resources' ``Spec`` s (never from a hand-written field list)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from pulumi_iotcomms.api._schema import WireModel
from pulumi_iotcomms.api.device import Device as DeviceModel
from pulumi_iotcomms.api.device import bulk_csv, check_bulk_row, read_bulk_csv
from pulumi_iotcomms.errors import InputError
from pulumi_iotcomms.resources._engine import (
    Field,
    fields_of,
    from_wire,
    normalize,
    same_json,
    secret_fields,
    validate_state,
)
from pulumi_iotcomms.resources._provider import Spec
from pulumi_iotcomms.resources._registry import provider_class

from .pysource import Call, Code, lines
from .reader import Found, Tenant

__all__ = [
    "FLEET_CSV",
    "Declaration",
    "Project",
    "SecretValue",
    "config_key",
    "python_name",
    "resource_names",
    "write_project",
]

FLEET_CSV = "devices.csv"
"""The bulk CSV of the device fleet, next to the program."""
FLEET_NAME = "devices"
_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_SETTINGS_NAMES = {
    "NotificationSettings": "notification-settings",
    "SiprecService": "siprec-service",
    "CurrentUserProfile": "current-user-profile",
}
_GROUP_TITLES = {
    "NotificationSettings": "Notification settings",
    "SiprecService": "SIPREC service settings",
    "CurrentUserProfile": "The profile of the user the credentials sign in as",
    "Trunk": "Trunks",
    "AlarmEventMapper": "Alarm event mappers",
    "AlarmBridge": "Alarm bridges",
    "MediaService": "Media services",
    "CloudSipUa": "Cloud SIP user agents",
    "IvrFallback": "IVR fallbacks (expiration left out: the next write sets HALF-YEAR)",
    "SiteHost": "Site hosts",
    "Device": "Devices",
}


@dataclass(frozen=True)
class SecretValue:
    """A secret the program reads from the stack config (``config.require_secret(key)``).

    Args:
        key: the config key, in the project's namespace.
        value: what the API returned (None: it returns no value, so it is unknown).
        what: what the value is, for the printed instructions.
        is_object: read with ``require_secret_object`` (the value is JSON).
    """

    key: str
    value: Any = field(repr=False)  # a secret: never in a repr (an assertion message, a log)
    what: str = ""
    is_object: bool = False

    def code(self) -> Call:
        """The expression reading it in the program."""
        reader = "require_secret_object" if self.is_object else "require_secret"
        return Call(f"config.{reader}", (self.key,))

    def text(self) -> str | None:
        """The value as ``pulumi config set`` takes it (JSON for an object); None when unknown."""
        if self.value is None:
            return None
        return json.dumps(self.value, sort_keys=True, separators=(",", ":")) if self.is_object else str(self.value)


@dataclass
class Declaration:
    """One resource of the program: ``Kind(name, **args)``, bound to ``variable`` when another refers to it."""

    kind: str
    name: str
    args: list[tuple[str, Any]]
    variable: str | None = None
    factory: str | None = None
    positional: tuple[Any, ...] = ()

    def code(self) -> list[str]:
        """The statement, formatted."""
        func = f"{self.kind}.{self.factory}" if self.factory else self.kind
        call = Call(func, (self.name, *self.positional), self.args)
        return lines(call, 0, f"{self.variable} = " if self.variable else "")


@dataclass
class Project:
    """The exported project: its files (name -> text) and the secrets to set before ``pulumi up``."""

    files: dict[str, str]
    secrets: list[SecretValue]
    notes: list[str] = field(default_factory=list)
    declared: dict[str, int] = field(default_factory=dict)
    """How many resources of each kind the program declares."""
    resources: list[tuple[str, str]] = field(default_factory=list)
    """``(kind, resource name)`` of each declaration, in program order."""


# -- names -------------------------------------------------------------------------------------------


def _digest(parts: Sequence[str]) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:8]


def resource_names(identities: Sequence[tuple[str, ...]]) -> dict[tuple[str, ...], str]:
    """A Pulumi resource name for each identity (an id, or ``(site, host)``...; unique within one kind).

    The name is the id itself when it is made of letters, digits, ``.``, ``_`` and ``-`` only (parts
    joined by ``-``); otherwise, or when two identities would get the same name, its safe form plus
    ``-`` and 8 hex digits of a digest of the identity. Names depend only on the identity (and on
    colliding ones), never on the order of the objects.
    """
    plain: dict[tuple[str, ...], str] = {}
    for identity in identities:
        joined = "-".join(identity)
        plain[identity] = _NAME_UNSAFE.sub("-", joined).strip("-") or "object"
    counts: dict[str, int] = {}
    for name in plain.values():
        counts[name] = counts.get(name, 0) + 1
    out: dict[tuple[str, ...], str] = {}
    for identity, name in plain.items():
        lossy = name != "-".join(identity)
        out[identity] = f"{name}-{_digest(identity)}" if lossy or counts[name] > 1 else name
    if len(set(out.values())) != len(out):  # a safe name that equals another's digest form: astronomically rare
        raise RuntimeError("two objects got the same resource name; please report the ids")
    return out


def python_name(prefix: str, name: str) -> str:
    """A Python identifier for the resource ``name``: ``<prefix>_<name, lowercased, other characters _>``."""
    return f"{prefix}_{re.sub(r'[^a-z0-9]+', '_', name.lower()).strip('_')}"


def _kind_key(kind: str) -> str:
    return kind[0].lower() + kind[1:]


def config_key(kind: str, name: str, path: Sequence[str | int]) -> str:
    """The config key of a secret: ``<kind>.<resource name>.<wire path>``, e.g. ``trunk.pbx.ha1``."""
    return ".".join([_kind_key(kind), name, *map(str, path)])


# -- arguments ---------------------------------------------------------------------------------------


def _ordered(model: type[WireModel], state: Mapping[str, Any]) -> dict[str, Any]:
    """``state`` in the model's field order, nested objects too; free-form objects by sorted key."""
    out: dict[str, Any] = {}
    for name, f in fields_of(model).items():
        if name in state:
            out[name] = _ordered_value(f, state[name])
    return out


def _ordered_value(f: Field, value: Any) -> Any:
    if f.sub is not None and f.many and isinstance(value, list):
        return [_ordered(f.sub, v) if isinstance(v, dict) else v for v in value]
    if f.sub is not None and isinstance(value, dict):
        return _ordered(f.sub, value)
    return _sorted_json(value)


def _sorted_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted_json(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted_json(v) for v in value]
    return value


def _model_arguments(spec: Spec, doc: Mapping[str, Any]) -> dict[str, Any]:
    """The wire document as the resource's schema arguments: computed, write-only, provider-set and
    excluded fields left out, and so is a value equal to its documented server default."""
    state = from_wire(spec.model, doc)
    out: dict[str, Any] = {}
    for name, f in fields_of(spec.model).items():
        b = f.behaviour
        if name not in state or name in spec.excluded or b.computed or b.write_only or not b.argument:
            continue
        if b.server_default is not None and same_json(normalize(state[name]), b.server_default):
            continue
        out[name] = state[name]
    return _ordered(spec.model, out)


class _Secrets:
    """Replaces secret values in a declaration's arguments with config reads, collecting them."""

    def __init__(self) -> None:
        self.found: list[SecretValue] = []

    def add(self, key: str, value: Any, what: str) -> Call:
        secret = SecretValue(key, value, what, is_object=isinstance(value, (dict, list)))
        self.found.append(secret)
        return secret.code()

    def replace(self, kind: str, name: str, model: type[WireModel], state: dict[str, Any]) -> dict[str, Any]:
        return self._walk(kind, name, model, state, [])

    def _walk(
        self, kind: str, name: str, model: type[WireModel], state: dict[str, Any], path: list[str | int]
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in state.items():
            f = fields_of(model).get(key)
            if f is None:
                out[key] = value
                continue
            here = [*path, f.alias]
            if f.behaviour.secret:
                what = f"{kind} {name}: {'.'.join(map(str, here))}"
                out[key] = self.add(config_key(kind, name, here), value, what)
            elif f.sub is not None and f.many and isinstance(value, list):
                out[key] = [
                    self._walk(kind, name, f.sub, v, [*here, i]) if isinstance(v, dict) else v
                    for i, v in enumerate(value)
                ]
            elif f.sub is not None and isinstance(value, dict):
                out[key] = self._walk(kind, name, f.sub, value, here)
            else:
                out[key] = value
        return out


# -- the program -------------------------------------------------------------------------------------


@dataclass
class _Build:
    tenant: Tenant
    fleet_threshold: int
    secrets: _Secrets = field(default_factory=_Secrets)
    notes: list[str] = field(default_factory=list)
    groups: dict[str, list[Declaration]] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    comments: list[str] = field(default_factory=list)

    def spec(self, kind: str) -> Spec:
        return provider_class(kind).spec

    def declare(self, kind: str, found: Found, name: str, ids: list[tuple[str, Any]]) -> Declaration:
        spec = self.spec(kind)
        state = _model_arguments(spec, found.doc)
        self.check(kind, name, spec, state)
        args: list[tuple[str, Any]] = list(ids)
        state = {k: v for k, v in state.items() if k not in dict(ids)}
        if found.provisory:
            args.append(("provisory", True))
        args.append(("adopt", True))
        args += list(self.secrets.replace(kind, name, spec.model, state).items())
        return Declaration(kind, name, args)

    def check(self, kind: str, name: str, spec: Spec, state: Mapping[str, Any]) -> None:
        """Note what the resource's ``check`` will refuse (the server holds it, the model does not allow it):
        the object is still declared as it is, and ``pulumi preview`` names the field. Secret fields are
        not judged here: their values come from the config."""
        secret = secret_fields(spec.model)
        missing = [n for n, f in fields_of(spec.model).items() if f.behaviour.required and n not in state]
        problems = [(n, "required") for n in missing] + validate_state(spec.model, state)
        for path, problem in problems:
            if path.split(".")[0].split("[")[0] not in secret:
                self.notes.append(f"{kind} {name}: {path}: {problem} (`pulumi preview` will refuse it)")

    # -- kinds -----------------------------------------------------------------------------------------

    def settings(self, kind: str) -> None:
        for found in self.tenant.of(kind):
            self.groups.setdefault(kind, []).append(self.declare(kind, found, _SETTINGS_NAMES[kind], []))

    def by_id(self, kind: str) -> list[Declaration]:
        spec = self.spec(kind)
        objects = self.tenant.of(kind)
        names = resource_names([(*f.local_id, *(["provisory"] if f.provisory else [])) for f in objects])
        out = []
        for found in objects:
            name = names[(*found.local_id, *(["provisory"] if found.provisory else []))]
            if kind == "SiteHost":
                ids: list[tuple[str, Any]] = [("site_id", found.local_id[0]), ("host_id", found.local_id[1])]
            else:
                assert spec.id_input is not None
                ids = [(spec.id_input, found.local_id[0])]
            out.append(self.declare(kind, found, name, ids))
        self.groups[kind] = out
        return out

    def trunks(self) -> None:
        for declaration, found in zip(self.by_id("Trunk"), self.tenant.of("Trunk"), strict=True):
            doc = found.doc
            if doc.get("userName") and doc.get("realm") and not doc.get("ha1"):
                # Credentials stored without an ha1 the API shows: the password it was made from is needed.
                code = self.secrets.add(
                    config_key("Trunk", declaration.name, ["password"]),
                    None,
                    f"Trunk {declaration.name}: password (write-only: the API never returns it)",
                )
                declaration.args.append(("password", code))
            elif doc.get("ha1"):
                self.notes.append(
                    f"Trunk {declaration.name}: its password is write-only (the API keeps only the ha1), so it is "
                    "unknown; the program declares the ha1 instead"
                )

    def services(self) -> None:
        listed = self.tenant.of("AlarmEventMapper")
        mappers = {(f.local_id[0], f.provisory): d for d, f in zip(self.by_id("AlarmEventMapper"), listed, strict=True)}
        variables: set[str] = set()
        for kind in ("AlarmBridge", "MediaService", "CloudSipUa"):
            for declaration, found in zip(self.by_id(kind), self.tenant.of(kind), strict=True):
                mapper = mappers.get((str(found.doc.get("alarmEventMapperId")), found.provisory))
                if kind != "AlarmBridge" or mapper is None:
                    continue
                # The bridge names a mapper of the export: refer to it, so Pulumi orders the two.
                if mapper.variable is None:
                    mapper.variable = python_name("mapper", mapper.name)
                    if mapper.variable in variables:  # "arc-1" and "arc.1" spell one identifier
                        mapper.variable += f"_{_digest([mapper.name])}"
                    variables.add(mapper.variable)
                declaration.args = [
                    (k, Code(f"{mapper.variable}.alarm_event_mapper_id") if k == "alarm_event_mapper_id" else v)
                    for k, v in declaration.args
                ]

    def devices(self) -> None:
        objects = self.tenant.of("Device")
        fleet: dict[str, Found] = {}
        if len(objects) > self.fleet_threshold:
            fleet, self.files[FLEET_CSV] = _fleet_devices(objects)
        single = [f for f in objects if f.local_id[0] not in fleet]
        names = resource_names([f.local_id for f in single])
        declarations = []
        for found in single:
            name = names[found.local_id]
            declaration = self.declare("Device", found, name, [("device_id", found.local_id[0])])
            auth = found.doc.get("authType")
            missing = {"credentials": "ha1", "userid": "password"}.get(str(auth))
            if missing is not None and not found.doc.get(missing):
                # Without it the resource would pick a new SIP password (or fail): the value must be given.
                code = self.secrets.add(
                    config_key("Device", name, [missing]), None, f"Device {name}: {missing} (the API returned none)"
                )
                declaration.args.append((missing, code))
            declarations.append(declaration)
        self.groups["Device"] = declarations
        if fleet:
            self.fleet(fleet)

    def fleet(self, fleet: dict[str, Found]) -> None:
        ids = sorted(fleet)
        credentials = {i: {"ha1": fleet[i].doc["ha1"]} for i in ids if fleet[i].doc.get("ha1")}
        args: list[tuple[str, Any]] = [("adopt", True)]
        if credentials:
            code = self.secrets.add(
                config_key("DeviceFleet", FLEET_NAME, ["credentials"]),
                credentials,
                f"DeviceFleet {FLEET_NAME}: the ha1 of its {len(credentials)} credentials devices, by device id",
            )
            args.append(("credentials", code))
        declaration = Declaration("DeviceFleet", FLEET_NAME, args, factory="from_csv", positional=(FLEET_CSV,))
        self.groups["DeviceFleet"] = [declaration]

    def api_keys(self) -> None:
        keys = self.tenant.of("ApiKey")
        if not keys:
            return
        self.comments += [
            "# API keys of the tenant, not declared: the API lists only their ids, never a public key or a",
            "# token, so an ApiKey resource could take one over only by registering its public key again (a",
            "# write). To manage an RS256 key, declare ApiKey(public_key=<its PEM>, adopt=True).",
        ]
        for found in keys:
            kind = found.doc.get("type") or "unknown type"
            self.comments.append(f"# - {found.local_id[0]} ({kind})")
        self.notes.append(f"{len(keys)} API key(s) listed as a comment, not declared (see docs/export.md)")


def _fleet_devices(objects: Sequence[Found]) -> tuple[dict[str, Found], str]:
    """The devices a bulk CSV can hold exactly, by id, and that CSV (no ``ha1`` or ``password`` in it).

    A ``userid`` device (its password cannot be a CSV cell), a ``credentials`` one without an ha1, one
    the schema refuses, and one the CSV would not give back exactly (an empty string, an empty object, a
    cell a spreadsheet would run) stay single ``Device`` resources."""
    candidates: dict[str, tuple[Found, DeviceModel]] = {}
    for found in objects:
        auth = found.doc.get("authType")
        if auth == "userid" or (auth == "credentials" and not found.doc.get("ha1")):
            continue
        state = _model_arguments(provider_class("Device").spec, found.doc)
        state = {k: v for k, v in state.items() if k not in ("ha1", "password")}
        try:
            model = DeviceModel.model_validate(state, by_alias=False, by_name=True)
            check_bulk_row(model)
        except (ValidationError, InputError):
            continue
        candidates[found.local_id[0]] = (found, model)
    text = ""
    while candidates:
        ids = sorted(candidates)
        text = bulk_csv([candidates[i][1] for i in ids])
        back = {m.device_id: m.to_wire() for m in read_bulk_csv(text)}
        lost = [i for i in ids if not same_json(normalize(back.get(i)), normalize(candidates[i][1].to_wire()))]
        if not lost:
            break
        for device_id in lost:
            del candidates[device_id]
    return {i: found for i, (found, _model) in candidates.items()}, text


_HEADER = '''"""The iotcomms.io tenant {domain}, exported by iotcomms-export.

Every object is declared with adopt=True: the first `pulumi up` takes each one over as it is
(nothing is written when the tenant has not changed since the export); from then on this
stack manages them: `pulumi destroy` deletes them (and puts settings back as they were
before). The secrets are read from the stack config (`pulumi config set --secret ...`, as
printed by the export).
"""'''


def write_project(tenant: Tenant, *, project: str, stack: str, endpoint: str, fleet_threshold: int) -> Project:
    """The project files for ``tenant`` (``Pulumi.yaml``, ``__main__.py``, ``requirements.txt``,
    ``Pulumi.<stack>.yaml`` and, for a fleet, ``devices.csv``) and the secrets it reads."""
    build = _Build(tenant, fleet_threshold)
    for kind in ("NotificationSettings", "SiprecService", "CurrentUserProfile"):
        build.settings(kind)
    build.trunks()
    build.services()
    build.by_id("IvrFallback")
    build.by_id("SiteHost")
    build.devices()
    build.api_keys()
    order = [*_GROUP_TITLES, "DeviceFleet"]
    groups = {k: build.groups[k] for k in order if build.groups.get(k)}
    used = sorted({d.kind for ds in groups.values() for d in ds})
    # Blocks are separated by one blank line: the docstring, the imports, the config, each declaration.
    blocks: list[list[str]] = [[_HEADER.format(domain=tenant.domain)]]
    imports = (["import pulumi", ""] if build.secrets.found else []) + (_import_lines(used) if used else [])
    if imports:
        blocks.append(imports)
    if build.secrets.found:
        blocks.append(["config = pulumi.Config()"])
    for kind, declarations in groups.items():
        title = _GROUP_TITLES.get(kind) or f"Devices in one fleet, from {FLEET_CSV} (more than {fleet_threshold})"
        for index, declaration in enumerate(declarations):
            blocks.append(([f"# {title}"] if index == 0 else []) + declaration.code())
    if build.comments:
        blocks.append(build.comments)
    text = "\n\n".join("\n".join(block) for block in blocks) + "\n"
    files = {
        "Pulumi.yaml": _pulumi_yaml(project, tenant.domain),
        f"Pulumi.{stack}.yaml": _stack_yaml(endpoint, tenant.domain),
        "__main__.py": text,
        "requirements.txt": _REQUIREMENTS,
        **build.files,
    }
    secrets = sorted(build.secrets.found, key=lambda s: s.key)
    keys = [s.key for s in secrets]
    if len(set(keys)) != len(keys):
        raise RuntimeError("two secrets got the same config key; please report the ids")
    declared = {k: len(v) for k, v in groups.items()}
    resources = [(d.kind, d.name) for ds in groups.values() for d in ds]
    return Project(files, secrets, build.notes, declared, resources)


def _import_lines(used: Sequence[str]) -> list[str]:
    flat = f"from pulumi_iotcomms import {', '.join(used)}"
    if len(flat) <= 88:
        return [flat]
    return ["from pulumi_iotcomms import (", *[f"    {u}," for u in used], ")"]


def _pulumi_yaml(project: str, domain: str) -> str:
    return (
        f"name: {project}\n"
        f"description: The iotcomms.io tenant {domain}, exported by iotcomms-export (every object adopted).\n"
        "runtime:\n"
        "  name: python\n"
        "  options:\n"
        "    virtualenv: venv\n"
    )


def _stack_yaml(endpoint: str, domain: str) -> str:
    return f"config:\n  iotcomms:domain: {json.dumps(domain)}\n  iotcomms:endpoint: {json.dumps(endpoint)}\n"


_REQUIREMENTS = """\
# pulumi-iotcomms from its repository; point this line wherever you install it from (a path, a wheel).
pulumi-iotcomms @ git+https://github.com/pulumi-iotcomms/pulumi-iotcomms
pulumi>=3.216,<4
"""
