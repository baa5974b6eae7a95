"""Engine-protocol test harness for Pulumi Python dynamic providers.

Where the Pulumi CLI cannot be had (no Go, no ``pulumi``), this package re-implements the small
part of the engine that matters for dynamic providers and drives everything else that
is real: the Python SDK running the program, and the SDK's own dynamic-provider host.

Design
------
* **Program side** -- the program (a callable, a directory with ``__main__.py`` run via
  ``runpy.run_path(..., run_name="__main__")`` from its own directory, or a ``.py`` file)
  runs in-process under ``pulumi.runtime.set_mocks`` in a fresh thread, ``contextvars``
  context and event loop, with the stack config installed by ``set_all_config`` (secret
  keys marked). :class:`~pulumi_iotcomms.testing.harness.engine.HarnessMonitor` (a ``MockMonitor``) turns each
  ``RegisterResource`` into a registration carrying dependencies, property dependencies
  and options, and :class:`~pulumi_iotcomms.testing.harness.engine.HarnessMocks` (``Mocks.new_resource``)
  hands it to the step generator. Secrets and unknowns travel through
  ``pulumi.runtime.rpc`` exactly as on the wire (``props.py``).
* **Engine side** -- :class:`~pulumi_iotcomms.testing.harness.engine.Deployment` follows
  ``pkg/resource/deploy/step_generator.go``: ``Check(olds, news)`` (olds = previous inputs,
  ``ignoreChanges`` applied first), ``Diff`` (old *outputs* vs new inputs; a
  ``DIFF_UNKNOWN`` answer falls back to the engine's own input diff), ``replaceOnChanges``
  (only matches keys the diff reported), then same/``Update``/replace. A replacement
  calls ``Check`` again with **no** olds (defaults/auto-names recomputed), then either
  create-before-delete (old instance kept as a pending delete and deleted after all
  registrations) or delete-before-replace (``Diff`` said so or the
  ``delete_before_replace`` option). Resources missing from the program and pending
  deletes are deleted at the end, dependents first (dependencies, property dependencies
  and parents). ``preview`` makes no Create/Update/Delete call and, like
  ``provider_plugin.go`` for a provider without preview support, returns the checked
  inputs as outputs: echoed inputs stay known, provider-computed outputs and new ids are
  unknown, so dependants see (and ``Check`` receives) unknowns. The step executor's
  ``additionalSecretOutputs`` marking is applied to every new state.
* **Partial failures** -- a ``Create``/``Update`` failing with an ``ErrorResourceInitFailed``
  detail in its ``grpc-status-details-bin`` trailer (what
  ``pulumi_iotcomms.resources._partial.fail_with_state`` sends) raises
  :class:`~pulumi_iotcomms.testing.harness.host.PartialFailureError` (``id``, ``outputs``, ``inputs``, ``reasons``; its
  message the engine's, ``N errors occurred:`` and the reasons -- the provider's own message is not
  shown) and is recorded as ``CreateStep``/``UpdateStep.Apply`` and ``engine/update.go`` record it:
  the new state has the error's id (an Update keeps the old one) and outputs (secrets re-annotated,
  ``additionalSecretOutputs`` marked), the reasons as ``init_errors``, the checked inputs after a
  Create but the *old* inputs after an Update (the error's ``inputs`` are not used); the step
  (``create``/``update``/``replace``) is recorded, a create-before-delete replacement still leaves
  the old instance pending deletion, and the operation fails with the error. A Create failing so
  without an id is a plain failure (``plugin returned empty resource.ID from create``), recording
  nothing. On the next ``up``/``preview`` a resource whose old state has init errors gets an
  ``update`` step even when its diff finds no change (or a replacement with
  ``replace_on_changes=["*"]``: the ``#initerror`` replace key); a successful create/update clears
  them, and so does a refresh whose ``Read`` succeeds, while a ``Read`` failing partially is no error:
  its id, outputs and inputs are read and its reasons become the init errors. A trailer with another
  code than the call's fails the call as grpc-go does (``INTERNAL``, ``grpc-status-details-bin
  mismatch``).
* **Aliases** -- ``ResourceOptions.aliases`` arrive as alias specs (the mock monitor
  advertises them; plain ``aliasURNs`` are accepted too) and are resolved like
  ``generateAliases``/``collapseAliasToUrn``: a URN string is used as is, a
  :class:`pulumi.Alias` fills name/type/stack/project/parent from the registration
  (``parent=None`` -> the stack root; an aliased parent stands for its old URN), and
  children of an aliased parent get the inherited alias (a child named ``<parent>-x`` is
  also looked up as ``<old parent name>-x``). When a resource's own URN is not in the old state, the first alias
  URN that is supplies its old state (Check with those olds, Diff, same/update/replace as
  usual; provider calls use the new URN, a replaced old instance is deleted under its old
  URN); the old URN is consumed -- not deleted as unseen, gone from the new state, and
  parents/dependencies pointing at it are rewritten to the new URN. An alias claimed by
  two registrations, or claiming a URN that is itself registered, raises ``HarnessError``
  worded as the engine's ``Duplicate resource alias/URN ...`` diagnostics.
  Without an alias a rename is a create plus a delete of the old URN.
* **Provider side** -- :class:`~pulumi_iotcomms.testing.harness.host.ProviderHost` starts ONE
  ``python -u -m pulumi.dynamic`` per operation (``sys.executable``; env passed through
  plus ``PULUMI_PROJECT``; ``PYTHONPATH`` gets the test's own path entries and the
  program directory so pickled-by-reference providers import), reads the port it prints,
  calls ``Handshake`` (UNIMPLEMENTED, tolerated), ``GetPluginInfo`` and ``Configure`` with
  the whole stack config -- namespaced keys, secrets wrapped in ``args``, plus the legacy
  ``variables`` map -- as ``deploy.Target.GetPackageConfig`` does for ``pulumi-python``.
  The host answers ``acceptSecrets: false``, so every call strips secrets and results get
  ``annotateSecrets``. The channel takes what the engine's gRPC client takes (16 MiB of
  metadata -- a partial failure's state travels in a trailer --, 400 MiB messages). Every call
  has a gRPC deadline (``call_timeout``, default 120 s); the process is terminated/killed and
  reaped after each operation.
* **State** -- ``<state_dir>/<stack>.json`` (``state.py``): per URN type, name, id, inputs,
  outputs, dependencies, property dependencies, secret output keys, options, init errors
  (``init_errors``, when there are some: the checkpoint's ``initErrors``); pending
  deletes; stack outputs. Secret values are Fernet-encrypted with ``<stack>.key`` (0600).
  After a failure the completed steps are still saved (partial progress), unseen
  resources are not deleted, later registrations are refused.
* **Operations** -- :class:`~pulumi_iotcomms.testing.harness.harness.Harness` ``preview``/``up``/``refresh``
  (``Read`` each resource: empty id -> ``drop``, changed outputs/inputs -> ``refresh``; the
  program is not run)/``destroy``; each returns an
  :class:`~pulumi_iotcomms.testing.harness.harness.OperationResult` (steps, ``changes``/``changed()``,
  stack outputs, recorded provider calls) or raises the first error
  (:class:`~pulumi_iotcomms.testing.harness.host.CheckFailedError` with ``(property, reason)`` failures and the
  engine's diagnostic as its message -- ``<type> resource '<name>': property <p> value <v> has a
  problem: <reason>`` --,
  :class:`~pulumi_iotcomms.testing.harness.host.ProviderError` with the provider's message,
  :class:`~pulumi_iotcomms.testing.harness.host.PartialFailureError` for a partial failure (the state records it),
  :class:`~pulumi_iotcomms.testing.harness.engine.ProgramError`) with ``.result`` attached.
* **Scenarios** -- ``scenario.py`` describes program + steps + expected kinds once;
  :class:`~pulumi_iotcomms.testing.harness.scenario.HarnessRunner` runs them here and
  ``tests/automation`` runs the same ones through the harness *and* the real CLI, comparing step
  kinds and the server's state after every step (the differential check).

Not replicated
--------------
What the differential check (``tests/automation/differential.py``) found where the harness and the
engine differ: the steps a *failed* operation completed before stopping depend on the engine's
parallel scheduling (two resources declaring one object: either one is checked first), so only
the failure and the server's state are compared there. A refresh's step kind is ``refresh`` when the
inputs or outputs it read differ from the state's, where the engine's (``RefreshStep.ResultOp``) asks the
provider's ``Diff`` (refreshed outputs as ``olds``, the old inputs as ``news``): an output-only change the
provider's diff ignores is ``same`` there, ``refresh`` here (the state written is the same). The
engine's warning for a ``Read`` that fails partially ("Refreshed resource is in an unhealthy state")
is not reported, nor is ``refreshBeforeUpdate``. The harness ignores the project's runtime
options: its provider host is this interpreter, where the CLI starts ``pulumi-resource-pulumi-python``
in the program directory with ``PULUMI_RUNTIME_VIRTUALENV`` as written, so a relative ``virtualenv``
with ``main`` set is resolved against ``main`` (pulumi/pulumi#7061) -- the root project has no
``main`` for that reason, and ``tests/examples/test_project_files.py`` keeps it so.

Only Python dynamic resources (``pulumi-python:dynamic...``), component resources, and resources of
other packages served by a test's :class:`~pulumi_iotcomms.testing.harness.foreign.ForeignProvider`
(create, delete, optional update/read against a real service such as moto; no provider resource is
registered for them); no
explicit provider resources, invokes, ``Resource.get``/imports, transforms, ``protect``,
``retainOnDelete``, ``deletedWith``, custom timeouts, targets, plans or policy packs.
The state does not record a resource's aliases (references to a consumed URN are
rewritten when the state is written instead). Steps run serially (the engine runs
independent ones in parallel; so with two registrations of one URN the first is done before
the second is refused, where the engine may not have run it yet). For a delete-before-replace,
dependants that would also need replacing are not deleted first (``calculateDependentReplacements``), and a failed
re-create after the delete is not recorded as ``pendingReplacement``.
``ignore_changes``/``replace_on_changes`` take top-level property names only. Stack
outputs are read from ``Stack.outputs`` after the program (``set_mocks`` finishes the
stack resource up front) and the stack itself is not a state entry. ``PULUMI_CONFIG`` is
not set for the provider host, refresh does not run the program, and numbers come back
as floats (protobuf ``Struct``), as on the wire.
"""

from .engine import DeploymentAborted, Program, ProgramError, StepRecord
from .foreign import ForeignProvider
from .harness import Harness, OperationResult
from .host import (
    CheckFailedError,
    ConfigValue,
    HarnessError,
    HostStartupError,
    PartialFailureError,
    ProviderCall,
    ProviderError,
    ProviderHost,
)
from .props import UNKNOWN, PropertyMap, Secret, Unknown
from .state import ResourceState, StackState, StateStore

__all__ = [
    "UNKNOWN",
    "CheckFailedError",
    "ConfigValue",
    "DeploymentAborted",
    "ForeignProvider",
    "Harness",
    "HarnessError",
    "HostStartupError",
    "OperationResult",
    "PartialFailureError",
    "Program",
    "ProgramError",
    "PropertyMap",
    "ProviderCall",
    "ProviderError",
    "ProviderHost",
    "ResourceState",
    "Secret",
    "StackState",
    "StateStore",
    "StepRecord",
    "Unknown",
]
