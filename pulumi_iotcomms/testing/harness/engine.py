"""Step generation and execution: the part of the Pulumi engine the harness re-implements.

:class:`Deployment` receives resource registrations from the program (through
:class:`HarnessMonitor`/:class:`HarnessMocks`, i.e. ``pulumi.runtime.set_mocks``) and turns
each into provider calls following ``pkg/resource/deploy/step_generator.go``:

* new resource: ``Check(olds={}, news)`` then ``Create``;
* existing resource: ``Check(olds=old inputs, news)`` (after ``ignoreChanges``), ``Diff``
  (old outputs vs. new inputs; ``DIFF_UNKNOWN`` falls back to the engine's own input
  diff), ``replaceOnChanges`` applied to the changed keys, then ``same``, ``Update`` or a
  replacement. A replacement re-runs ``Check`` with *no* olds (defaults/auto-names are
  recomputed), then either create-before-delete (the old instance becomes a pending
  delete, removed after all registrations) or delete-before-replace (``Diff`` said so, or
  the ``delete_before_replace`` resource option) which deletes first;
* after the program: ``Delete`` of unseen resources and pending deletes, dependents first.

A ``Create``/``Update`` that fails *partially* (:class:`~pulumi_iotcomms.testing.harness.host.PartialFailureError`, the
provider's ``ErrorResourceInitFailed``) is recorded as ``CreateStep``/``UpdateStep.Apply`` record it:
the new state gets the error's id (Create; an Update keeps the old id) and outputs, marked secret as
for a successful step, and its reasons as ``init_errors``; a partially failed Update keeps the *old*
inputs (``engine/update.go``, pulumi/pulumi#2011), a Create the checked ones; the step is recorded, a
create-before-delete replacement still leaves the old instance pending deletion, and the operation
fails with the error. A resource whose old state has init errors gets an ``update`` step even when
its diff finds no change (``continueStepsFromDiff``), or a replacement when ``replaceOnChanges``
holds ``*`` (``applyReplaceOnChanges``' ``#initerror`` key). A successful create/update clears them,
and so does a refresh whose ``Read`` succeeds (a ``Read`` failing partially records its reasons).

Aliases (``ResourceOptions.aliases``) follow ``generateAliases``/``collapseAliasToUrn``: every
alias becomes a URN (plus the aliases inherited from an aliased parent); when a
registration's own URN is not in the old state, the first alias URN that is becomes its old
state, and that old URN is consumed -- it is neither deleted at the end nor kept in the new
state, and references to it are rewritten to the new URN (``NormalizeURNReferences``).

During a preview no Create/Update/Delete is called; like ``provider_plugin.go`` for a
provider that does not support previews, the outputs handed back are the checked inputs
(so provider-computed outputs -- and the id of new resources -- are unknown to the program).
"""

from __future__ import annotations

import asyncio
import contextvars
import copy
import os
import pickle
import runpy
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from google.protobuf import empty_pb2  # type: ignore[import-untyped, unused-ignore]
from pulumi.runtime import rpc, set_all_config, settings
from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs, Mocks, set_mocks
from pulumi.runtime.proto import alias_pb2, resource_pb2
from pulumi.runtime.stack import massage, run_pulumi_func

from .foreign import ForeignProvider, StepProvider
from .host import CheckFailedError, CheckOutcome, DiffOutcome, HarnessError, PartialFailureError, ProviderHost
from .props import (
    PropertyMap,
    changed_keys,
    from_struct,
    mark_secret_outputs,
    to_rpc,
    values_equal,
)
from .state import ResourceState, StackState

__all__ = [
    "DYNAMIC_TYPE_PREFIX",
    "INIT_ERROR_KEY",
    "STACK_TYPE",
    "AliasSpec",
    "Deployment",
    "DeploymentAborted",
    "HarnessMocks",
    "HarnessMonitor",
    "Program",
    "ProgramError",
    "Registration",
    "StepRecord",
    "apply_ignore_changes",
    "delete_order",
    "make_urn",
    "program_directory",
    "rewrite_references",
    "run_program",
    "urn_name",
    "urn_qualified_type",
    "urn_type",
]

DYNAMIC_TYPE_PREFIX = "pulumi-python:dynamic"
"""Type tokens of Python dynamic resources start with this (``.../toy:Thing`` etc.)."""

STACK_TYPE = "pulumi:pulumi:Stack"

INIT_ERROR_KEY = "#initerror"
"""``initErrorSpecialKey``: the replace key a ``replaceOnChanges`` path matching it adds for a resource
with init errors."""

Program = Callable[[], object] | str | os.PathLike[str]
"""A Pulumi program: a callable, a directory holding ``__main__.py``, or a ``.py`` file."""


def make_urn(stack: str, project: str, parent: str, type_: str, name: str) -> str:
    """Build a URN like ``Deployment.generateURN``/``resource.NewURN``.

    The parent's qualified type becomes a ``parent$`` type prefix, except for the root stack.
    """
    parent_type = ""
    if parent:
        qualified = urn_qualified_type(parent)
        if qualified != STACK_TYPE:
            parent_type = qualified + "$"
    return f"urn:pulumi:{stack}::{project}::{parent_type}{type_}::{name}"


def urn_qualified_type(urn: str) -> str:
    """``URN.QualifiedType()``: the ``parent$...$type`` part of a URN."""
    return urn.split("::")[2]


def urn_type(urn: str) -> str:
    """``URN.Type()``: the resource's own type (the last ``$`` segment of the qualified type)."""
    return urn_qualified_type(urn).rsplit("$", 1)[-1]


def urn_name(urn: str) -> str:
    """``URN.Name()``: everything after the qualified type (names may contain ``::``)."""
    return urn.split("::", 3)[3]


@dataclass(frozen=True)
class AliasSpec:
    """One entry of ``RegisterResourceRequest.aliases``: a full ``urn``, or a partial spec.

    Empty spec fields mean "same as the registration"; ``parent_urn`` empty and
    ``no_parent`` false means "the current parent", ``no_parent`` means "the stack root".
    """

    urn: str = ""
    name: str = ""
    type: str = ""
    stack: str = ""
    project: str = ""
    parent_urn: str = ""
    no_parent: bool = False

    @classmethod
    def from_proto(cls, alias: alias_pb2.Alias) -> AliasSpec:
        """Convert the wire form (``pulumirpc.Alias``)."""
        if alias.WhichOneof("alias") == "urn":
            return cls(urn=alias.urn)
        spec = alias.spec
        return cls(
            name=spec.name,
            type=spec.type,
            stack=spec.stack,
            project=spec.project,
            parent_urn=spec.parentUrn,
            no_parent=spec.noParent,
        )


class DeploymentAborted(HarnessError):
    """A registration arrived after an earlier step failed; it was not executed."""


class ProgramError(HarnessError):
    """The Pulumi program itself raised (not a provider failure)."""


@dataclass
class StepRecord:
    """One step the engine took (or, in a preview, would take) for a resource."""

    urn: str
    name: str
    type: str
    kind: str
    """``create``, ``update``, ``replace``, ``delete``, ``same``; ``refresh``/``drop`` for refresh."""
    replace_keys: list[str] = field(default_factory=list)
    changed_keys: list[str] = field(default_factory=list)
    delete_before_replace: bool = False


class Registration(MockResourceArgs):
    """``MockResourceArgs`` plus what the engine also gets from ``RegisterResourceRequest``."""

    def __init__(
        self,
        *,
        typ: str,
        name: str,
        inputs: PropertyMap,
        urn: str,
        parent: str,
        custom: bool,
        provider: str = "",
        import_id: str = "",
        dependencies: Sequence[str] = (),
        property_dependencies: Mapping[str, Sequence[str]] | None = None,
        delete_before_replace: bool | None = None,
        additional_secret_outputs: Sequence[str] = (),
        replace_on_changes: Sequence[str] = (),
        ignore_changes: Sequence[str] = (),
        aliases: Sequence[AliasSpec] = (),
        stack: str = "",
        project: str = "",
    ) -> None:
        """Capture a registration; ``inputs`` are harness property values.

        ``stack``/``project`` are the deployment's (used to turn alias specs into URNs);
        they default to the ones in ``urn``.
        """
        super().__init__(typ, name, inputs, provider or None, import_id or None, custom)
        self.urn = urn
        self.parent = parent
        self.dependencies = list(dependencies)
        self.property_dependencies = {k: list(v) for k, v in (property_dependencies or {}).items()}
        self.delete_before_replace = delete_before_replace
        self.additional_secret_outputs = list(additional_secret_outputs)
        self.replace_on_changes = list(replace_on_changes)
        self.ignore_changes = list(ignore_changes)
        self.aliases = list(aliases)
        self.stack = stack or urn.split("::")[0].removeprefix("urn:pulumi:")
        self.project = project or urn.split("::")[1]


def apply_ignore_changes(news: PropertyMap, olds: PropertyMap, ignore: Iterable[str]) -> PropertyMap:
    """Reset ignored top-level properties to their old values (``processIgnoreChanges``)."""
    result = dict(news)
    for key in ignore:
        if "." in key or "[" in key:
            raise HarnessError(f"ignore_changes path {key!r}: only top-level properties are supported")
        if key in olds:
            result[key] = olds[key]
        else:
            result.pop(key, None)
    return result


def delete_order(condemned: Sequence[ResourceState]) -> list[ResourceState]:
    """Order resources so every resource is deleted before anything it depends on.

    ``condemned`` is in state (dependency) order; ties are broken in reverse state order,
    which is what ``ScheduleDeletes`` amounts to when run serially.
    """
    remaining = list(condemned)
    order: list[ResourceState] = []
    while remaining:
        for res in reversed(remaining):
            if not any(res.urn in other.all_dependencies() for other in remaining if other is not res):
                order.append(res)
                remaining.remove(res)
                break
        else:  # a dependency cycle -- cannot happen with SDK-built graphs; be defensive
            order.extend(reversed(remaining))
            break
    return order


class Deployment:
    """Generates and executes steps for one operation against one provider host."""

    def __init__(
        self,
        *,
        olds: StackState,
        preview: bool,
        host: Callable[[], ProviderHost],
        providers: Mapping[str, ForeignProvider] | None = None,
    ) -> None:
        """``host`` lazily starts (once) and returns the provider host for this operation; ``providers``
        serve the resources of other packages (``{"aws": ...}``, see :mod:`.foreign`)."""
        self.olds = olds
        self.preview = preview
        self._dynamic_host = host
        self._providers = dict(providers or {})
        self.news: dict[str, ResourceState] = {}
        self.removed: set[str] = set()
        self.seen: set[str] = set()
        """URNs registered so far (``stepGenerator.urns``)."""
        self.aliased: dict[str, str] = {}
        """Old URN claimed through an alias -> the new URN that claimed it (``stepGenerator.aliased``)."""
        self.aliases: dict[str, str] = {}
        """New URN -> the old URN it took over through an alias (``stepGenerator.aliases``)."""
        self.pending: list[ResourceState] = [r.copy() for r in olds.pending_deletes]
        self._carried = {id(r) for r in self.pending}
        self.steps: list[StepRecord] = []
        self.errors: list[BaseException] = []
        self.outputs: PropertyMap = dict(olds.outputs)
        self._lock = threading.RLock()

    def _host(self, urn: str) -> StepProvider:
        """The provider of ``urn``: its package's foreign provider, else the dynamic-provider host."""
        package = urn_type(urn).split(":", 1)[0]
        foreign = self._providers.get(package)
        return foreign if foreign is not None else self._dynamic_host()

    # -- recording -------------------------------------------------------------------------

    def _step(self, res: ResourceState, kind: str, diff: DiffOutcome | None = None, *, dbr: bool = False) -> None:
        self.steps.append(
            StepRecord(
                urn=res.urn,
                name=res.name,
                type=res.type,
                kind=kind,
                replace_keys=list(diff.replaces) if diff else [],
                changed_keys=list(diff.diffs) if diff else [],
                delete_before_replace=dbr,
            )
        )

    def _drop_pending(self, res: ResourceState, replacement: ResourceState | None = None) -> None:
        """Remove (or replace) a pending delete, by identity."""
        index = next(i for i, pending in enumerate(self.pending) if pending is res)
        if replacement is None:
            del self.pending[index]
        else:
            self.pending[index] = replacement

    def fail(self, err: BaseException) -> None:
        """Record an error; later registrations are refused, deletes are skipped."""
        with self._lock:
            self.errors.append(err)

    # -- registrations ------------------------------------------------------------------------

    def register(self, reg: Registration) -> tuple[str | None, PropertyMap]:
        """Handle one ``RegisterResource``; returns ``(id, outputs)`` for the program."""
        with self._lock:
            if self.errors:
                raise DeploymentAborted(f"not registering {reg.urn}: an earlier step failed")
            try:
                if reg.urn in self.seen:
                    # diag.GetDuplicateResourceURNError (stepGenerator.generateURN)
                    raise HarnessError(f"Duplicate resource URN '{reg.urn}'; try giving it a unique name")
                self.seen.add(reg.urn)
                if reg.resource_id:
                    raise HarnessError(f"{reg.urn}: importing existing resources is not supported")
                if not reg.custom:
                    return self._register_component(reg)
                if not reg.typ.startswith(DYNAMIC_TYPE_PREFIX) and reg.typ.split(":", 1)[0] not in self._providers:
                    raise HarnessError(
                        f"{reg.urn}: only Python dynamic resources ({DYNAMIC_TYPE_PREFIX}...) and the packages of "
                        f"the harness's providers ({', '.join(sorted(self._providers)) or 'none'}) are supported"
                    )
                return self._register_custom(reg)
            except BaseException as err:
                self.errors.append(err)
                raise

    # -- aliases ---------------------------------------------------------------------------------

    def _collapse_alias(self, reg: Registration, alias: AliasSpec) -> str:
        """``collapseAliasToUrn``: fill the missing parts of an alias spec from the registration."""
        if alias.urn:
            return alias.urn
        # An aliased parent's old URN is this resource's old parent as well.
        parent = self.aliases.get(alias.parent_urn, alias.parent_urn) if alias.parent_urn else reg.parent
        if alias.no_parent:
            parent = ""
        stack, project = alias.stack or reg.stack, alias.project or reg.project
        return make_urn(stack, project, parent, alias.type or reg.typ, alias.name or reg.name)

    def _inherited_child_alias(self, reg: Registration, child_type: str, child_name: str, parent_alias: str) -> str:
        """``inheritedChildAlias``: the child's URN under its parent's old URN.

        A child named after its parent (``<parent>-x``) is renamed along: ``<old parent name>-x``.
        """
        parent_name = urn_name(reg.parent)
        alias_name = child_name
        if child_name.startswith(parent_name):
            alias_name = urn_name(parent_alias) + child_name[len(parent_name) :]
        return make_urn(reg.stack, reg.project, parent_alias, child_type, alias_name)

    def _alias_urns(self, reg: Registration) -> list[str]:
        """``generateAliases``: the registration's aliases as URNs, plus those inherited from an aliased parent."""
        result: list[str] = []

        def add(urn: str) -> None:
            if urn not in result:
                result.append(urn)

        for alias in reg.aliases:
            add(self._collapse_alias(reg, alias))
        parent_alias = self.aliases.get(reg.parent) if reg.parent else None
        if parent_alias is not None:
            add(self._inherited_child_alias(reg, reg.typ, reg.name, parent_alias))
            for alias in reg.aliases:
                child_alias = self._collapse_alias(reg, alias)
                add(self._inherited_child_alias(reg, urn_type(child_alias), urn_name(child_alias), parent_alias))
        return result

    def _find_old(self, reg: Registration) -> ResourceState | None:
        """The old state of a registration: by its URN first, then by its aliases (claiming the match).

        Conflicts are reported with the engine's wording (``stepGenerator.getOldResource``,
        ``diag.GetDuplicateResourceAliasedError``/``GetDuplicateResourceAliasError``).
        """
        if reg.urn in self.aliased:
            raise HarnessError(
                f"Duplicate resource URN '{reg.urn}' conflicting with alias on resource with URN "
                f"'{self.aliased[reg.urn]}'"
            )
        old = self.olds.resources.get(reg.urn)
        if old is not None:
            return old
        for alias in self._alias_urns(reg):
            old = self.olds.resources.get(alias)
            if old is None:
                continue
            if alias in self.seen:  # the engine names the registering resource twice here
                raise HarnessError(
                    f"Duplicate resource alias '{alias}' applied to resource with URN '{reg.urn}' "
                    f"conflicting with resource with URN '{reg.urn}'"
                )
            if alias in self.aliased:
                raise HarnessError(
                    f"Duplicate resource alias '{alias}' applied to resource with URN '{reg.urn}' "
                    f"conflicting with resource with URN '{self.aliased[alias]}'"
                )
            self.aliased[alias] = reg.urn
            self.aliases[reg.urn] = alias
            return old
        return None

    def _new_state(self, reg: Registration, inputs: PropertyMap) -> ResourceState:
        return ResourceState(
            urn=reg.urn,
            type=reg.typ,
            name=reg.name,
            custom=bool(reg.custom),
            parent=reg.parent or None,
            inputs=inputs,
            dependencies=list(reg.dependencies),
            property_dependencies=dict(reg.property_dependencies),
            additional_secret_outputs=list(reg.additional_secret_outputs),
            delete_before_replace=reg.delete_before_replace,
        )

    def _register_component(self, reg: Registration) -> tuple[str | None, PropertyMap]:
        old = self._find_old(reg)
        new = self._new_state(reg, dict(reg.inputs))
        self.news[reg.urn] = new
        kind = "create" if old is None else ("same" if values_equal(old.inputs, new.inputs) else "update")
        self._step(new, kind)
        return None, {}

    @staticmethod
    def _raise_failures(urn: str, check: CheckOutcome, shown: PropertyMap) -> None:
        """``issueCheckErrors``: ``shown`` is the new state's inputs at that point (the goal's
        inputs for the first ``Check``, the first ``Check``'s result for a replacement's)."""
        if check.failures:
            raise CheckFailedError(urn, check.failures, shown)

    def _register_custom(self, reg: Registration) -> tuple[str | None, PropertyMap]:
        old = self._find_old(reg)
        host = self._host(reg.urn)
        goal: PropertyMap = dict(reg.inputs)
        if old is None:
            check = host.check(reg.urn, {}, goal, allow_unknowns=self.preview)
        else:
            news = apply_ignore_changes(goal, old.inputs, reg.ignore_changes)
            check = host.check(reg.urn, old.inputs, news, allow_unknowns=self.preview)
        self._raise_failures(reg.urn, check, goal)
        new = self._new_state(reg, check.inputs)

        if old is None:
            self._create(host, new, "create")
            self._step(new, "create")
        else:
            diff = self._diff(host, reg, old, new)
            if diff.changes == "none" and not old.init_errors:
                new.id = old.id
                new.outputs = mark_secret_outputs(dict(old.outputs), new.additional_secret_outputs)
                self._step(new, "same", diff)
            elif diff.changes == "some" and diff.replaces:
                self._replace(host, reg, old, new, diff)
            else:  # changes, or none but init errors: "generate an empty update step"
                self._update(host, reg, old, new, diff)
                self._step(new, "update", diff)
        self.news[new.urn] = new
        return new.id, new.outputs

    def _diff(self, host: StepProvider, reg: Registration, old: ResourceState, new: ResourceState) -> DiffOutcome:
        diff = host.diff(
            reg.urn,
            old.id or "",
            old.inputs,
            old.outputs,
            new.inputs,
            allow_unknowns=self.preview,
            ignore_changes=reg.ignore_changes,
        )
        if diff.changes == "unknown":
            # diffResource(): the provider had no opinion, so diff the inputs ourselves.
            keys = changed_keys(old.inputs, apply_ignore_changes(new.inputs, old.inputs, reg.ignore_changes))
            diff = DiffOutcome(
                changes="some" if keys else "none",
                replaces=diff.replaces,
                stables=diff.stables,
                diffs=keys,
                delete_before_replace=diff.delete_before_replace,
            )
        if (diff.changes == "some" or old.init_errors) and reg.replace_on_changes:
            # applyReplaceOnChanges() only looks at the keys the diff reported as changed, plus the
            # "#initerror" key when the old state has init errors.
            extra = [k for k in diff.diffs if "*" in reg.replace_on_changes or k in reg.replace_on_changes]
            diff.replaces = sorted(set(diff.replaces) | set(extra))
            if old.init_errors and ({"*", INIT_ERROR_KEY} & set(reg.replace_on_changes)):
                diff.replaces.append(INIT_ERROR_KEY)
                diff.changes = "some"
        return diff

    def _partially_failed(
        self, new: ResourceState, err: PartialFailureError, kind: str, diff: DiffOutcome | None, *, dbr: bool = False
    ) -> None:
        """Record what a partially failed create/update left: ``new`` (its id set) with the error's
        outputs and reasons, and the step; the caller re-raises."""
        new.outputs = mark_secret_outputs(err.outputs, new.additional_secret_outputs)
        new.init_errors = list(err.reasons)
        self.news[new.urn] = new
        self._step(new, kind, diff, dbr=dbr)

    def _create(
        self, host: StepProvider, new: ResourceState, kind: str, diff: DiffOutcome | None = None, *, dbr: bool = False
    ) -> None:
        """``CreateStep.Apply``; a partial failure is recorded as a ``kind`` step (and raised)."""
        if self.preview:
            new.id, outputs = None, dict(new.inputs)
        else:
            try:
                new.id, outputs = host.create(new.urn, new.inputs)
            except PartialFailureError as err:
                new.id = err.id
                self._partially_failed(new, err, kind, diff, dbr=dbr)
                raise
        new.outputs = mark_secret_outputs(outputs, new.additional_secret_outputs)

    def _update(
        self, host: StepProvider, reg: Registration, old: ResourceState, new: ResourceState, diff: DiffOutcome
    ) -> None:
        """``UpdateStep.Apply``; a partial failure keeps the old inputs (``engine/update.go``), is
        recorded as an ``update`` step (and raised)."""
        new.id = old.id
        if self.preview:
            outputs = dict(new.inputs)
        else:
            try:
                outputs = host.update(
                    new.urn, old.id or "", old.inputs, old.outputs, new.inputs, ignore_changes=reg.ignore_changes
                )
            except PartialFailureError as err:
                new.inputs = copy.deepcopy(old.inputs)
                self._partially_failed(new, err, "update", diff)
                raise
        new.outputs = mark_secret_outputs(outputs, new.additional_secret_outputs)

    def _replace(
        self, host: StepProvider, reg: Registration, old: ResourceState, new: ResourceState, diff: DiffOutcome
    ) -> None:
        # "we need to recompute the default values": Check again, without the old inputs.
        check = host.check(reg.urn, {}, dict(reg.inputs), allow_unknowns=self.preview)
        self._raise_failures(reg.urn, check, new.inputs)
        new.inputs = check.inputs
        dbr = reg.delete_before_replace if reg.delete_before_replace is not None else diff.delete_before_replace
        if not self.preview:
            if dbr:
                host.delete(old.urn, old.id or "", old.inputs, old.outputs)
                self.removed.add(old.urn)
            try:
                self._create(host, new, "replace", diff, dbr=dbr)
            except PartialFailureError:
                if not dbr:  # CreateStep.Apply marks the old instance for deletion either way
                    self._condemn(old)
                raise
            if not dbr:
                self._condemn(old)
        else:
            self._create(host, new, "replace", diff, dbr=dbr)
        self._step(new, "replace", diff, dbr=dbr)

    def _condemn(self, old: ResourceState) -> None:
        """Keep the replaced instance as a pending delete (deleted after all registrations)."""
        condemned = old.copy()
        condemned.pending_delete = True
        self.pending.append(condemned)

    # -- end of the program: deletes ------------------------------------------------------------

    def delete_unseen(self) -> None:
        """Delete resources the program no longer declares, plus pending deletes."""
        with self._lock:
            if self.errors:
                return
            unseen = [
                r
                for urn, r in self.olds.resources.items()
                if urn not in self.news and urn not in self.removed and urn not in self.aliased
            ]
            for res in delete_order([*unseen, *self.pending]):
                if not self.preview and res.custom:
                    try:
                        self._host(res.urn).delete(res.urn, res.id or "", res.inputs, res.outputs)
                    except BaseException as err:
                        self.errors.append(err)
                        return
                if res.pending_delete:
                    if not self.preview:
                        self._drop_pending(res)
                    if id(res) not in self._carried:  # the old half of a replace: already reported
                        continue
                elif not self.preview:
                    self.removed.add(res.urn)
                self._step(res, "delete")

    def destroy_all(self) -> None:
        """``pulumi destroy``: delete every resource (and pending delete), dependents first."""
        everything = [*self.olds.resources.values(), *self.pending]
        for res in delete_order(everything):
            if res.custom:
                try:
                    self._host(res.urn).delete(res.urn, res.id or "", res.inputs, res.outputs)
                except BaseException as err:
                    self.errors.append(err)
                    return
            if res.pending_delete:
                self._drop_pending(res)
            else:
                self.removed.add(res.urn)
            self._step(res, "delete")
        self.outputs = {}

    def refresh_all(self) -> None:
        """``pulumi refresh``: ``Read`` every resource; an empty id drops it from the state."""
        for res in [*self.olds.resources.values(), *self.pending]:
            if not res.custom:
                if not res.pending_delete:
                    self.news[res.urn] = res.copy()
                self._step(res, "same")
                continue
            try:
                read = self._host(res.urn).read(res.urn, res.id or "", res.inputs, res.outputs)
            except BaseException as err:
                self.errors.append(err)
                return
            if not read.id:
                if res.pending_delete:
                    self._drop_pending(res)
                else:
                    self.removed.add(res.urn)
                self._step(res, "drop")
                continue
            new = res.copy()
            new.id = read.id
            new.outputs = mark_secret_outputs(read.outputs, res.additional_secret_outputs)
            if read.inputs is not None:
                new.inputs = read.inputs
            # RefreshStep.Apply: the read's init errors replace the old ones (none when it succeeded); they
            # do not make the step a "refresh" (only inputs and outputs do).
            new.init_errors = list(read.init_errors)
            same = values_equal(res.outputs, new.outputs) and values_equal(res.inputs, new.inputs)
            if res.pending_delete:
                self._drop_pending(res, new)
            else:
                self.news[res.urn] = new
            self._step(new, "same" if same else "refresh")

    # -- result state ---------------------------------------------------------------------------

    def snapshot(self) -> StackState:
        """The state to persist: completed steps merged over the old state (partial progress).

        An old URN taken over through an alias by a completed registration is dropped, and
        references to it (parents, dependencies) are rewritten to the new URN.
        """
        renamed = {old: new for new, old in self.aliases.items() if new in self.news}
        resources: dict[str, ResourceState] = {}
        for urn, res in self.news.items():
            resources[urn] = res
        for urn, res in self.olds.resources.items():
            if urn not in resources and urn not in self.removed and urn not in renamed:
                resources[urn] = res
        resources = {urn: rewrite_references(res, renamed) for urn, res in resources.items()}
        pending = [rewrite_references(res, renamed) for res in self.pending]
        return StackState(resources=resources, pending_deletes=pending, outputs=dict(self.outputs))


def rewrite_references(res: ResourceState, renamed: Mapping[str, str]) -> ResourceState:
    """``NormalizeURNReferences``: point parent/dependencies at new URNs (a copy if anything changes)."""
    if not renamed or not (res.all_dependencies() & renamed.keys()):
        return res
    new = res.copy()
    if new.parent:
        new.parent = renamed.get(new.parent, new.parent)
    new.dependencies = [renamed.get(urn, urn) for urn in new.dependencies]
    new.property_dependencies = {
        key: [renamed.get(urn, urn) for urn in urns] for key, urns in new.property_dependencies.items()
    }
    return new


# -- the program side: mocks + monitor --------------------------------------------------------


class HarnessMocks(Mocks):
    """``Mocks`` whose ``new_resource`` forwards each registration to the :class:`Deployment`."""

    def __init__(self, deployment: Deployment) -> None:
        """Bind to the deployment that executes the steps."""
        self.deployment = deployment

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[Any, Any]]:
        """Run Check/Diff/Create/Update... and hand back the id and the outputs (wire form)."""
        if not isinstance(args, Registration):
            raise TypeError("HarnessMocks must be driven by HarnessMonitor")
        id_, outputs = self.deployment.register(args)
        return id_, to_rpc(outputs, keep_secrets=True, keep_unknowns=True)

    def call(self, args: MockCallArgs) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
        """Invokes are not part of the dynamic-provider protocol; refuse them."""
        raise HarnessError(f"invoke {args.token} is not supported by the harness")


def _serialize(props: Mapping[str, Any]) -> Any:
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(rpc.serialize_properties(dict(props), {}))
    finally:
        loop.close()


class HarnessMonitor(MockMonitor):
    """A ``MockMonitor`` that passes the full registration (deps, options) to the mocks.

    It keeps the secrets and unknowns of the request (``deserialize_properties`` with
    ``keep_unknowns``) and uses a private, closed-after-use event loop per call instead of
    leaving one behind on the SDK's executor threads.
    """

    def __init__(self, mocks: HarnessMocks) -> None:
        """Wrap the harness mocks."""
        super().__init__(mocks)

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        """Build a URN like ``Deployment.generateURN``: the root stack is not a type prefix."""
        return make_urn(settings.get_stack(), settings.get_project(), parent, type_, name)

    def RegisterResource(self, request: Any) -> Any:
        """Forward a registration to the mocks and return the engine's response."""
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == STACK_TYPE:
            return resource_pb2.RegisterResourceResponse(urn=urn)
        reg = Registration(
            typ=request.type,
            name=request.name,
            inputs=from_struct(request.object),
            urn=urn,
            parent=request.parent,
            custom=bool(request.custom),
            provider=request.provider,
            import_id=request.importId,
            dependencies=list(request.dependencies),
            property_dependencies={k: list(v.urns) for k, v in request.propertyDependencies.items()},
            delete_before_replace=request.deleteBeforeReplace if request.deleteBeforeReplaceDefined else None,
            additional_secret_outputs=list(request.additionalSecretOutputs),
            replace_on_changes=list(request.replaceOnChanges),
            ignore_changes=list(request.ignoreChanges),
            # alias specs (the monitor advertises them) or, from older SDKs, plain alias URNs
            aliases=[
                *(AliasSpec.from_proto(alias) for alias in request.aliases),
                *(AliasSpec(urn=alias) for alias in request.aliasURNs),
            ],
            stack=settings.get_stack(),
            project=settings.get_project(),
        )
        id_, state = cast(HarnessMocks, self.mocks).new_resource(reg)
        self.resources[urn] = MockMonitor.ResourceRegistration(urn, id_ or "", state)
        return resource_pb2.RegisterResourceResponse(urn=urn, id=id_ or "", object=_serialize(state))

    def ReadResource(self, request: Any) -> Any:
        """``Resource.get`` is not supported."""
        raise HarnessError(f"reading existing resources ({request.type}) is not supported by the harness")

    def RegisterResourceOutputs(self, request: Any) -> Any:
        """Accept and ignore component outputs (stack outputs are collected separately)."""
        return empty_pb2.Empty()


# -- running a program in-process ---------------------------------------------------------------


def _program_callable(program: Program) -> tuple[Callable[[], object], Path | None]:
    if callable(program):
        return program, None
    path = Path(program).resolve()  # the program runs from its own directory
    if path.is_dir():
        if not (path / "__main__.py").exists():
            raise HarnessError(f"{path} has no __main__.py")
        directory = path
    elif path.is_file():
        directory = path.parent
    else:
        raise HarnessError(f"program {path} does not exist")

    def run() -> object:
        return runpy.run_path(str(path), run_name="__main__")

    return run, directory.resolve()


def program_directory(program: Program) -> Path | None:
    """The directory a path program lives in (``None`` for callables)."""
    return _program_callable(program)[1]


async def _stack_outputs() -> PropertyMap:
    root = settings.get_root_resource()
    exported: dict[str, Any] = dict(getattr(root, "outputs", {}) or {})
    struct = await rpc.serialize_properties(massage(exported, []), {})
    return from_struct(struct)


def _quiet_reported_errors(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """Drop "exception was never retrieved" noise for errors the harness already reports."""
    if isinstance(context.get("exception"), HarnessError):
        return
    loop.default_exception_handler(context)


def _shutdown_loop(loop: asyncio.AbstractEventLoop) -> None:
    # Resource output futures rejected with a provider error are garbage-collected later;
    # the handler stays attached to the (closed) loop and keeps them from being logged.
    loop.set_exception_handler(_quiet_reported_errors)
    try:
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.run_until_complete(loop.shutdown_default_executor())
    finally:
        loop.close()
        asyncio.set_event_loop(None)


def _execute(
    program: Program,
    mocks: HarnessMocks,
    *,
    project: str,
    stack: str,
    preview: bool,
    config: Mapping[str, str],
    secret_keys: Sequence[str],
) -> tuple[PropertyMap, BaseException | None]:
    run, directory = _program_callable(program)
    # The SDK's serialize_provider wraps pickle._Pickler methods once per dynamic resource and never
    # unwraps them; in one long process the chain would grow until pickling overflows the stack.
    pickler_methods = {name: vars(pickle._Pickler).get(name) for name in ("_batch_setitems", "save_dict")}
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    previous_cwd = os.getcwd()
    try:
        settings.ROOT.set(None)
        settings.SETTINGS.outputs = set()
        settings.SETTINGS.lock = threading.Lock()
        set_all_config(dict(config), list(secret_keys))
        set_mocks(mocks, project=project, stack=stack, preview=preview, monitor=HarnessMonitor(mocks))
        if directory is not None:
            os.chdir(directory)

        async def main() -> None:
            await run_pulumi_func(run)  # type: ignore[arg-type]

        try:
            loop.run_until_complete(main())
        except BaseException as err:
            return {}, err
        return loop.run_until_complete(_stack_outputs()), None
    finally:
        os.chdir(previous_cwd)
        _shutdown_loop(loop)
        for name, method in pickler_methods.items():
            setattr(pickle._Pickler, name, method)


def run_program(
    program: Program,
    mocks: HarnessMocks,
    *,
    project: str,
    stack: str,
    preview: bool,
    config: Mapping[str, str],
    secret_keys: Sequence[str],
    timeout: float,
) -> tuple[PropertyMap, BaseException | None]:
    """Run ``program`` under ``set_mocks`` in a fresh thread, context and event loop.

    Returns the stack outputs (``pulumi.export``) and the exception the program raised,
    if any. A path program runs with ``runpy.run_path(..., run_name="__main__")`` and its
    directory as the working directory, like the Python language host does.
    """
    ctx = contextvars.copy_context()
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["result"] = ctx.run(
                _execute,
                program,
                mocks,
                project=project,
                stack=stack,
                preview=preview,
                config=config,
                secret_keys=secret_keys,
            )
        except BaseException as err:
            box["error"] = err

    thread = threading.Thread(target=target, name="pulumi-harness-program", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        err = HarnessError(f"program did not finish within {timeout}s")
        mocks.deployment.fail(err)
        return {}, err
    if "error" in box:
        raise box["error"]
    return cast(tuple[PropertyMap, BaseException | None], box["result"])
