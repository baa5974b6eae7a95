"""The lifecycle every resource shares: check, diff, create (with the adopt guard), read, update, delete.

A resource module declares a :class:`Spec` and, where its API is not a plain
:class:`~pulumi_iotcomms.api._ops.Collection`, overrides the four HTTP hooks (``fetch``, ``write_new``,
``write_changes``, ``remove``). Field behaviour comes from the schema metadata via ``_engine``.

The provider object carries no state when pickled: configuration is read in ``configure`` inside the
provider host, and the HTTP transport is shared per process (``_config.transport_for``).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import string
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

from pulumi_iotcomms._transport import Transport
from pulumi_iotcomms.api._ops import Collection, Doc
from pulumi_iotcomms.api._schema import Behaviour, WireModel
from pulumi_iotcomms.errors import (
    ApiError,
    ConfigurationError,
    ConflictError,
    ConflictingObjectError,
    IotcommsError,
    ServerError,
    TransportError,
)

from . import _claims
from ._config import Settings, preflight, transport_for
from ._engine import changed_fields, fields_of, from_wire, is_unknown, minimal_patch, to_wire, validate_state

__all__ = [
    "INTERNAL",
    "NOT_DIFFED",
    "PROVISORY",
    "SET_BY_CLASS",
    "ConflictingObjectError",
    "IotcommsProvider",
    "Spec",
    "Target",
    "service_spec",
]

PROVIDER_KEY = "__provider"
DOMAIN_PATTERN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}))*$")
ID_PATTERN = re.compile(r"^[A-Za-z0-9\-._:~+]{1,128}$")
_ALPHABET = string.ascii_lowercase + string.digits

#: Inputs every resource has besides its schema fields.
INTERNAL: dict[str, Behaviour] = {
    "domain": Behaviour(
        replace=True, annotation="str", doc="tenant domain; defaults to the ``iotcomms:domain`` config."
    ),
    "adopt": Behaviour(
        server_default=False,
        annotation="bool",
        doc="take over an existing {noun} with this id and converge it, instead of failing (creation only).",
    ),
    "resource_name": Behaviour(argument=False),
    "owner": Behaviour(argument=False),
}

#: Inputs the ``Resource`` classes set themselves, never the program.
SET_BY_CLASS = frozenset({"resource_name", "owner"})

#: Inputs that never cause a diff: the resource's name and stack (a rename with ``aliases`` is no
#: change) and ``adopt``, which only affects creation.
NOT_DIFFED = frozenset({"resource_name", "owner", "adopt"})


#: Failures after which a write may or may not have been applied; reconciled by reading again.
#: A deadline is not among them (it is no ``TransportError``): the operation's time is up.
AMBIGUOUS = (ConflictError, ServerError, TransportError)
RECONCILE_ATTEMPTS = 3


class _Attempt:
    def __init__(self) -> None:
        self.error: BaseException | None = None
        self.retry = False

    def failed(self) -> None:
        self.error = sys.exc_info()[1]


def _attempts() -> Iterator[_Attempt]:
    """Up to ``RECONCILE_ATTEMPTS`` tries; re-raises the last failure when none succeeded."""
    attempt = _Attempt()
    for index in range(RECONCILE_ATTEMPTS):
        attempt.error, attempt.retry = None, index > 0
        yield attempt
        if attempt.error is None:
            return
    assert attempt.error is not None
    raise attempt.error


def _rejected(exc: BaseException) -> bool:
    """The server answered that it did not apply the request (a 4xx other than a conflict or a rate limit)."""
    status = exc.status if isinstance(exc, ApiError) else None
    return status is not None and 400 <= status < 500 and status not in (408, 409, 429)


def _configure_logging(level: str | None) -> None:
    if not level:
        return
    name = level.strip().upper()
    if name not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise ConfigurationError(f"IOTCOMMS_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {level!r}")
    logging.basicConfig(stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("pulumi_iotcomms").setLevel(name)


@dataclass(frozen=True)
class Spec:
    """What distinguishes one resource type.

    Args:
        name: Pulumi type name, e.g. ``"Device"``.
        model: the wire schema.
        api: the collection's operations (None when the provider overrides the HTTP hooks).
        id_input: the input holding the object's id, e.g. ``"device_id"`` (None for per-domain singletons).
        auto_id: ``check`` assigns ``<resource name>-<7 chars>`` when the id is absent.
        extra: provider-side inputs with their behaviour (e.g. ``provisory`` replaces).
        excluded: schema fields that are not state (the wire ``id`` of services; it is ``id_input``).
        kept: outputs the provider records once and carries across updates and refreshes.
        identity: further inputs that, with ``domain``, ``provisory`` and ``id_input``, name the server object.
        noun: what one object is called in prose, e.g. ``"alarm bridge"``.
        doc: the resource's description: what it is, its Pulumi id, what replaces it, adoption
            (the class docstring and reference page are generated from it and the model).
        kept_docs: documentation of each ``kept`` output.
        nested: models whose ``...Args`` input types the ``extra`` annotations name (generated into
            ``inputs.py`` as if a field used them).
    """

    name: str
    model: type[WireModel]
    api: type[Collection] | None = None
    id_input: str | None = None
    auto_id: bool = False
    extra: Mapping[str, Behaviour] = field(default_factory=dict)
    excluded: frozenset[str] = frozenset()
    kept: tuple[str, ...] = ()
    identity: frozenset[str] = frozenset()
    noun: str = ""
    doc: str = ""
    kept_docs: Mapping[str, str] = field(default_factory=dict)
    nested: tuple[type[WireModel], ...] = ()

    def claim_property(self) -> str:
        """The input a duplicate declaration is reported on."""
        return self.id_input or "domain"

    def identity_inputs(self) -> set[str]:
        """Inputs that name the server object; changing one targets a different object."""
        return {"domain", "provisory", *([self.id_input] if self.id_input else []), *self.identity}

    def inputs(self) -> dict[str, Behaviour]:
        """Provider-side inputs (not schema fields) with their behaviour."""
        out = dict(INTERNAL)
        if self.id_input is not None and self.id_input not in fields_of(self.model):
            default = "; defaults to ``<resource name>-<7 chars>``" if self.auto_id else ""
            doc = f"id of the {self.noun} in the domain{default}."
            out[self.id_input] = Behaviour(replace=True, annotation="str", doc=doc)
        out.update(self.extra)
        return out

    def schema_state(self, props: Mapping[str, Any]) -> dict[str, Any]:
        """The part of ``props`` that maps to the wire object."""
        fields = fields_of(self.model)
        return {k: v for k, v in props.items() if k in fields and k not in self.excluded and v is not None}

    def unknown_inputs(self, props: Mapping[str, Any]) -> list[str]:
        """Input names that are neither schema fields nor provider-side inputs."""
        known = set(fields_of(self.model)) - self.excluded | set(self.inputs())
        known |= set(self.kept)
        return [k for k in props if k not in known and k != PROVIDER_KEY]

    def settable_inputs(self) -> list[str]:
        """The input names a program may set, sorted (for messages)."""
        fields = fields_of(self.model)
        names = {
            n for n, f in fields.items() if f.behaviour.argument and not f.behaviour.computed and n not in self.excluded
        }
        return sorted(names | {n for n, b in self.inputs().items() if b.argument})


PROVISORY = Behaviour(
    replace=True,
    server_default=False,
    annotation="bool",
    doc="store in the provisory configuration (not used by the service) instead.",
)
"""The ``provisory`` input of services: selects the configuration space the service does not use."""


def service_spec(
    name: str, model: type[WireModel], api: type[Collection], id_input: str, *, noun: str, doc: str
) -> Spec:
    """The spec shared by the four provisioning services: POST creates with a client-chosen id (assigned
    by ``check`` when absent), a provisory space, and the wire ``id`` carried as ``id_input``.

    ``doc`` is the first paragraph of the description; the id, replacement and callback paragraph
    that all four share follows it."""
    common = (
        f"Pulumi id: ``<domain>/<{id_input}>``. ``{id_input}`` defaults to ``<resource name>-<7 characters>``"
        f" derived from the stack and name, kept across updates and aliased renames. Changing ``domain``,"
        f" ``{id_input}`` or ``provisory`` replaces the {noun}."
    )
    if "callback_id" in model.model_fields:
        common += " The server generates ``callback_id``."
    return Spec(
        name=name,
        model=model,
        api=api,
        id_input=id_input,
        auto_id=True,
        extra={"provisory": PROVISORY},
        excluded=frozenset({"id"}),
        noun=noun,
        doc=f"{doc}\n\n{common}",
    )


@dataclass(frozen=True)
class Target:
    """Where an object lives: domain, id within the domain, provisory space."""

    domain: str
    local_id: str
    provisory: bool = False

    @property
    def pulumi_id(self) -> str:
        """The Pulumi id, ``<domain>/<local id>``."""
        return f"{self.domain}/{self.local_id}"


class IotcommsProvider(ResourceProvider):
    """Base of every iotcomms dynamic provider; subclasses set ``spec``."""

    spec: ClassVar[Spec]
    serialize_as_secret_always = False
    _settings: Settings | None = None

    # -- pickling and configuration ----------------------------------------------------------------

    @classmethod
    def program_args(cls, args: Mapping[str, Any], opts: Any) -> Mapping[str, Any]:
        """The arguments a program gave, adjusted in the program before registration (runs in the
        program's process, where ``opts`` -- the ``pulumi.ResourceOptions`` -- are known); as given by
        default."""
        return args

    def __getstate__(self) -> None:
        # The pickled provider travels in state: it must carry nothing but its class. No state at all,
        # not even {}: the SDK's serialize_provider wraps the pickler's dict saving once more for every
        # resource a program declares, so pickling a dict per resource overflowed the recursion limit
        # at about 960 resources.
        return None

    def __setstate__(self, state: dict[str, Any] | None) -> None:
        # State of the earlier release pickled {}.
        del state

    def configure(self, req: ConfigureRequest) -> None:
        """Read the ``iotcomms:*`` configuration (with ``IOTCOMMS_*`` environment fallbacks).

        ``IOTCOMMS_LOG_LEVEL`` (e.g. ``DEBUG``) sends the ``pulumi_iotcomms`` logs to the host's stderr.
        """
        self._settings = Settings.load(req.config)
        _configure_logging(os.environ.get("IOTCOMMS_LOG_LEVEL"))

    @property
    def settings(self) -> Settings:
        """The configuration (environment only when the host never called ``configure``)."""
        if self._settings is None:
            self._settings = Settings.load(None)
        return self._settings

    @property
    def transport(self) -> Transport:
        """The process-wide HTTP transport for this configuration."""
        return transport_for(self.settings)

    # -- identity ----------------------------------------------------------------------------------

    def target(self, props: Mapping[str, Any]) -> Target:
        """The server object ``props`` describe."""
        assert self.spec.id_input is not None
        return Target(str(props["domain"]), str(props[self.spec.id_input]), bool(props.get("provisory", False)))

    def target_from_id(self, pulumi_id: str, props: Mapping[str, Any]) -> Target:
        """The target of an existing resource; parses the Pulumi id when ``props`` lack it (import)."""
        if props.get("domain") and (self.spec.id_input is None or props.get(self.spec.id_input)):
            return self.target(props)
        domain, _, local = pulumi_id.partition("/")
        if not domain or not local:
            raise IotcommsError(f"cannot import {pulumi_id!r}: expected an id of the form <domain>/<id>")
        return self.target({"domain": domain, self.spec.id_input or "": local, **props})

    # -- HTTP hooks (Collection-based by default) --------------------------------------------------

    def api(self) -> Collection:
        """The collection's operations on the shared transport."""
        assert self.spec.api is not None
        return self.spec.api(self.transport)

    def fetch(self, target: Target) -> Doc | None:
        """The object as the server has it, or None."""
        return self.api().get(target.domain, target.local_id, provisory=target.provisory)

    def write_new(self, target: Target, wire: Doc, props: Mapping[str, Any]) -> Doc:
        """Create the object; returns the server's answer."""
        return self.api().create(target.domain, target.local_id, wire, provisory=target.provisory)

    def write_changes(self, target: Target, ops: list[Doc], wire: Doc) -> Doc:
        """Apply the minimal patch ``ops`` (``wire`` is the whole desired object)."""
        return self.api().patch(target.domain, target.local_id, ops, provisory=target.provisory)

    def remove(self, target: Target, props: Mapping[str, Any]) -> None:
        """Delete the object; absent counts as deleted."""
        self.api().delete(target.domain, target.local_id, provisory=target.provisory)

    def discard(self, target: Target, props: Mapping[str, Any]) -> None:
        """Undo a create that failed after its write may have landed (default: delete the object)."""
        self.remove(target, props)

    def adopt_existing(self, target: Target, server: Doc, wire: Doc, props: Mapping[str, Any]) -> Doc:
        """Converge an object that already exists (``adopt=True``, or our own write whose response was
        lost) to the declaration; default: the minimal patch. Returns the write's response."""
        ops = minimal_patch(self.spec.model, server, wire, self.managed_fields(props), send_write_only=True)
        return self.write_changes(target, ops, wire) if ops else {}

    def write_only_matches(self, server: Doc, props: Mapping[str, Any]) -> bool:
        """Whether the server's object agrees with the write-only inputs (e.g. by a hash); True when
        it cannot tell."""
        return True

    # -- the desired object ------------------------------------------------------------------------

    def desired_state(self, props: Mapping[str, Any]) -> dict[str, Any]:
        """The schema fields (state names) the object should have; a resource whose inputs imply
        further fields (a password implying an HA1) adds them here."""
        return self.spec.schema_state(props)

    def managed_fields(self, props: Mapping[str, Any]) -> set[str]:
        """Fields this resource manages on the server: removing one from the program removes it there."""
        return set(self.desired_state(props))

    # -- identity ----------------------------------------------------------------------------------

    def generated_id(self, inputs: Mapping[str, Any]) -> str:
        """``<resource name>-<7 chars>``, the chars derived from the stack and the resource name: a
        create whose outcome was unknown is retried against the same id, so it leaves no orphan that
        the next ``up`` cannot find, while stacks and resources never share one."""
        name = str(inputs.get("resource_name") or self.spec.name.lower())
        seed = f"{inputs.get('owner') or ''}\0{self.spec.name}\0{name}".encode()
        number = int.from_bytes(hashlib.sha256(seed).digest()[:8], "big")
        suffix = ""
        for _ in range(7):
            number, digit = divmod(number, len(_ALPHABET))
            suffix += _ALPHABET[digit]
        return f"{name}-{suffix}"

    def claim_target(self, inputs: Mapping[str, Any]) -> Target:
        """The server object that ``check`` claims for a resource (default: its :meth:`target`)."""
        return self.target(inputs)

    def _claim_key(self, target: Target) -> tuple[str, str, str, bool]:
        return (self.spec.name, target.domain, target.local_id, target.provisory)

    def _claim(self, inputs: Mapping[str, Any]) -> list[CheckFailure]:
        """Two resources of one deployment declaring one server object fail the check, naming both."""
        names = self.spec.identity_inputs() - {"provisory"}
        if any(inputs.get(n) is None or is_unknown(inputs.get(n)) for n in names) or is_unknown(
            inputs.get("provisory")
        ):
            return []
        target = self.claim_target(inputs)
        resource_name = str(inputs.get("resource_name") or "")
        other = _claims.claim(self._claim_key(target), resource_name)
        if other is None:
            return []
        return [
            CheckFailure(
                self.spec.claim_property(),
                f"{self.spec.name} {target.pulumi_id} is also declared by the resource {other!r} of this program; "
                f"two resources must not manage one server object: keep one of {other!r} and {resource_name!r}, "
                f"or give them different {self.spec.claim_property()} values",
            )
        ]

    # -- lifecycle ---------------------------------------------------------------------------------

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Validate locally, then claim the server object for this resource (a second resource
        declaring it fails) and, once per process, verify the credentials (one read-only request)."""
        inputs = {k: v for k, v in news.items() if v is not None}
        failures = self.check_inputs(_olds or {}, inputs)
        if not failures:
            failures = self._claim(inputs)
        if not failures and self.verifies_credentials(_olds or {}):
            domain = inputs.get("domain")
            preflight(self.settings, None if is_unknown(domain) else str(domain))
        # Name and stack only seed ids and claims: kept out of the state, a rename with aliases
        # leaves nothing stale behind.
        for name in SET_BY_CLASS:
            inputs.pop(name, None)
        return CheckResult(inputs, failures)

    def verifies_credentials(self, olds: Mapping[str, Any]) -> bool:
        """Whether ``check`` verifies the credentials (once per process and domain): always, by default."""
        return True

    def check_inputs(self, olds: Mapping[str, Any], inputs: dict[str, Any]) -> list[CheckFailure]:
        """Validate ``inputs`` (no HTTP), completing them in place: ``domain`` from config, a generated
        id when absent. Resources with further rules extend this."""
        allowed = ", ".join(self.spec.settable_inputs())
        failures: list[CheckFailure] = [
            CheckFailure(name, f"unknown property of {self.spec.name}; allowed: {allowed}")
            for name in self.spec.unknown_inputs(inputs)
        ]
        if inputs.get("domain") is None:
            if self.settings.domain:
                inputs["domain"] = self.settings.domain
            else:
                failures.append(CheckFailure("domain", "required: set domain= or the iotcomms:domain config"))
        domain = inputs.get("domain")
        valid = isinstance(domain, str) and DOMAIN_PATTERN.fullmatch(domain)
        if domain is not None and not is_unknown(domain) and not valid:
            failures.append(CheckFailure("domain", "must be a DNS domain name such as acme.example.com"))
        failures += self._check_id(olds, inputs)
        fields = fields_of(self.spec.model)
        failures += [CheckFailure(n, "required") for n, f in fields.items() if f.behaviour.required and n not in inputs]
        for name, beh in self.spec.inputs().items():
            value = inputs.get(name)
            is_flag = isinstance(beh.server_default, bool)
            if is_flag and value is not None and not isinstance(value, bool) and not is_unknown(value):
                failures.append(CheckFailure(name, "must be true or false"))
        failures += [CheckFailure(p, m) for p, m in validate_state(self.spec.model, self.spec.schema_state(inputs))]
        return failures

    def _check_id(self, olds: Mapping[str, Any], inputs: dict[str, Any]) -> list[CheckFailure]:
        name = self.spec.id_input
        if name is None:
            return []
        if inputs.get(name) is None:
            if not self.spec.auto_id:
                return [CheckFailure(name, "required")]
            # The recorded id stays, also when the resource was renamed with aliases.
            inputs[name] = olds.get(name) or self.generated_id(inputs)
        value = inputs[name]
        if is_unknown(value):
            return []
        if isinstance(value, str) and (value == "." or ".." in value):
            return [CheckFailure(name, "must not be '.' or contain '..': the id is a segment of the URL path")]
        if name in fields_of(self.spec.model):
            return []  # the schema validates its own id fields
        if not isinstance(value, str) or not ID_PATTERN.fullmatch(value):
            return [CheckFailure(name, f"must match {ID_PATTERN.pattern}")]
        return []

    def diff(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> DiffResult:
        """Pure and local: compare the recorded state with the desired inputs."""
        olds, news = _olds, _news
        changed = changed_fields(self.spec.model, self.desired_state(olds), self.desired_state(news))
        for name, beh in self.spec.inputs().items():
            if name in NOT_DIFFED:
                continue
            old, new = olds.get(name, beh.server_default), news.get(name, beh.server_default)
            if is_unknown(new) or old != new:
                changed.append(name)
        fields = fields_of(self.spec.model)
        behaviours = {**{n: f.behaviour for n, f in fields.items()}, **self.spec.inputs()}
        replaces = [n for n in changed if behaviours[n].replace]
        # Same server id after replacement → the old object must go first.
        dbr = bool(replaces) and not self.spec.identity_inputs() & set(replaces)
        return DiffResult(changes=bool(changed), replaces=replaces, stables=[], delete_before_replace=dbr)

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Create the object; an object that already exists is refused unless ``adopt=True``.

        A write whose outcome is unknown (5xx, dropped connection) is reconciled by reading the
        server again: the id was free before our write, so an object found there now is ours and is
        never written twice. A create that fails after its write may have landed removes what it
        made (``discard``), so the next ``up`` finds a free id again.
        """
        target = self.target(props)
        wire = to_wire(self.spec.model, self.desired_state(props))
        server = self.fetch(target)
        if server is not None and not props.get("adopt"):
            raise ConflictingObjectError(self._exists_message(target, server, props))
        wrote_new = False
        try:
            for attempt in _attempts():
                if attempt.retry:
                    server = self.fetch(target)
                try:
                    if server is None:
                        wrote_new = True
                        self.write_new(target, wire, props)
                    else:  # adopted, or our earlier write landed though its response was lost
                        self.adopt_existing(target, server, wire, props)
                except AMBIGUOUS:
                    attempt.failed()
            server = self.fetch(target)
        except Exception as exc:
            if wrote_new and not _rejected(exc):
                self._discard_after_failure(target, props, exc)
            raise
        _claims.record_owned(self._claim_key(target))
        return CreateResult(target.pulumi_id, self._outputs(props, server, {}))

    def _discard_after_failure(self, target: Target, props: Mapping[str, Any], exc: Exception) -> None:
        what = f"{self.spec.name} {target.pulumi_id}"
        try:
            self.discard(target, props)
        except Exception as cleanup:
            note = (
                f"what the failed create of {what} may have written could not be undone ({cleanup}); the next "
                "`pulumi up` finds it and reports it, naming the way out"
            )
        else:
            note = f"whatever the failed create of {what} may have written was undone"
        logging.getLogger(__name__).warning(note)
        exc.add_note(note)

    def _exists_message(self, target: Target, server: Doc, props: Mapping[str, Any]) -> str:
        differing = self._differences(server, props)
        state = f"differs in: {', '.join(differing)}" if differing else "identical to this declaration"
        lines = [
            f"{self.spec.name} {target.pulumi_id} already exists on the server ({state}); "
            "this resource did not create it, so it is not taken over and nothing was written.",
            "- Renamed this resource (or moved it into a component)? Add "
            'opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(name="<old name>")]) so Pulumi keeps '
            "managing the object under the new name.",
            "- Moving this id from another resource of this stack? Remove it there in one `pulumi up`, "
            "then declare it here.",
            "- Taking over an object this stack did not create? Set adopt=True (once): it is converged to "
            "this declaration and managed, and destroyed, by this stack from then on.",
        ]
        if self.spec.auto_id:
            lines.append(
                f"- Left by a create of this stack whose outcome was unknown (the {self.spec.id_input} generated "
                "for a resource is the same on every run)? Delete it, or set adopt=True once."
            )
        return "\n".join(lines)

    def _differences(self, server: Doc, props: Mapping[str, Any]) -> list[str]:
        desired = self.desired_state(props)
        current = from_wire(self.spec.model, server)
        fields = fields_of(self.spec.model)
        seen = {k: current.get(k) for k in desired if not fields[k].behaviour.write_only}
        differing = changed_fields(self.spec.model, seen, {k: desired[k] for k in seen})
        if not self.write_only_matches(server, props):
            differing += [k for k in desired if fields[k].behaviour.write_only]
        return differing

    def _outputs(self, props: Mapping[str, Any], server: Doc | None, olds: Mapping[str, Any]) -> dict[str, Any]:
        outs = {k: v for k, v in props.items() if k != PROVIDER_KEY}
        current = from_wire(self.spec.model, server or {})
        for name, f in fields_of(self.spec.model).items():
            if f.behaviour.computed and name not in self.spec.excluded:
                outs[name] = current.get(name)
        for output in self.spec.kept:
            outs[output] = olds.get(output)
        return outs

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """Refresh: the server's values of managed fields become the inputs, so drift shows in preview."""
        target = self.target_from_id(id_, props)
        server = self.fetch(target)
        if server is None:
            return ReadResult("", {})
        current = from_wire(self.spec.model, server)
        fields = fields_of(self.spec.model)
        given = self.spec.schema_state(props)
        managed = self.managed_fields(props) if given else {k for k, f in fields.items() if not f.behaviour.computed}
        inputs: dict[str, Any] = {k: v for k, v in props.items() if k in self.spec.inputs() and v is not None}
        inputs.update(domain=target.domain)
        if self.spec.id_input is not None:
            inputs[self.spec.id_input] = target.local_id
        for name in managed - self.spec.excluded:
            f = fields[name]
            if f.behaviour.computed:
                continue
            if f.behaviour.write_only:
                # Kept unless the server proves it changed; dropping it makes the next diff resend it.
                if name in given and self.write_only_matches(server, props):
                    inputs[name] = given[name]
            elif name in current:
                inputs[name] = current[name]
        return ReadResult(target.pulumi_id, self._outputs(inputs, server, props), inputs=inputs)

    def update(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> UpdateResult:
        """Send the minimal patch between the server's object and the desired one; nothing when equal."""
        olds, news = _olds, _news
        target = self.target(news)
        server = self.fetch(target)
        if server is None:
            raise IotcommsError(
                f"{self.spec.name} {target.pulumi_id} no longer exists on the server; run `pulumi refresh` so "
                "the next `pulumi up` recreates it"
            )
        wire = to_wire(self.spec.model, self.desired_state(news))
        managed = self.managed_fields(olds) | self.managed_fields(news)
        fields = fields_of(self.spec.model)
        write_only_changed = any(
            fields[n].behaviour.write_only and olds.get(n) != news.get(n) for n in managed if n in fields
        )
        for attempt in _attempts():
            ops = minimal_patch(self.spec.model, server, wire, managed, write_only_changed)
            if not ops:
                break
            try:
                self.write_changes(target, ops, wire)
            except AMBIGUOUS:
                # Maybe applied: recompute the patch from what the server now has.
                attempt.failed()
                server = self.fetch(target) or server
                continue
            server = self.fetch(target)
            break
        return UpdateResult(self._outputs(news, server, olds))

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """Delete the object; one already gone counts as deleted, and one that a create of this
        deployment adopted (a rename without ``aliases`` plus ``adopt=True``) is left to its new resource."""
        target = self.target_from_id(_id, _props)
        if _claims.owned_here(self._claim_key(target)):
            logging.getLogger(__name__).warning(
                "%s %s is not deleted: another resource of this deployment took it over", self.spec.name, _id
            )
            return
        try:
            self.remove(target, _props)
        except ApiError as exc:
            if exc.status == 404:
                return
            raise
