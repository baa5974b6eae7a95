"""Program-side helpers shared by the generated ``Resource`` classes: props and options from a spec."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi.dynamic

from ._engine import fields_of, secret_fields
from ._provider import Spec
from ._registry import provider_class

__all__ = ["declare", "resource_args"]


def resource_args(
    spec: Spec, resource_name: str, args: Mapping[str, Any], opts: pulumi.ResourceOptions | None
) -> tuple[dict[str, Any], pulumi.ResourceOptions]:
    """Props and options for a dynamic resource of ``spec``.

    Secret inputs are wrapped as secrets (so the engine keeps them encrypted in state); every output
    name is declared (None) so it becomes an attribute; secret and recorded outputs are listed in
    ``additional_secret_outputs``. A secret that the provider sets (``argument=False``, e.g. a generated
    password) is declared as a secret input: the engine keeps a checked input secret only when the
    program's input was.
    """
    inputs = spec.inputs()
    secrets = secret_fields(spec.model) | {name for name, b in inputs.items() if b.secret}
    # The stack seeds generated ids, so two stacks never generate the same one.
    props: dict[str, Any] = {"resource_name": resource_name, "owner": f"{pulumi.get_project()}/{pulumi.get_stack()}"}
    for name, value in args.items():
        if value is None:
            continue
        props[name] = pulumi.Output.secret(value) if name in secrets else value
    for name, b in inputs.items():
        if b.secret and not b.argument and name not in props:
            props[name] = pulumi.Output.secret(None)
    # Every input and output is declared so each becomes an attribute, even when unset or generated.
    names = [n for n in fields_of(spec.model) if n not in spec.excluded]
    for name in [*names, *inputs, *spec.kept]:
        props.setdefault(name, None)
    secret_outputs = sorted(secrets | set(spec.kept))
    merged = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=secret_outputs))
    return props, merged


def declare(
    resource: pulumi.dynamic.Resource,
    name: str,
    resource_name: str,
    args: Mapping[str, Any],
    opts: pulumi.ResourceOptions | None,
) -> None:
    """Register ``resource``, an instance of the generated class of the resource ``name``."""
    provider = provider_class(name)
    props, options = resource_args(provider.spec, resource_name, provider.program_args(args, opts), opts)
    pulumi.dynamic.Resource.__init__(resource, provider(), resource_name, props, options)
