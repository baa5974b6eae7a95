"""Program-side helpers shared by the ``Resource`` classes: building props and options from a spec."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi

from ._engine import fields_of, secret_fields
from ._provider import Spec

__all__ = ["resource_args"]


def resource_args(
    spec: Spec, resource_name: str, args: Mapping[str, Any], opts: pulumi.ResourceOptions | None
) -> tuple[dict[str, Any], pulumi.ResourceOptions]:
    """Props and options for a dynamic resource of ``spec``.

    Secret inputs are wrapped as secrets (so the engine keeps them encrypted in state); every output
    name is declared (None) so it becomes an attribute; secret and recorded outputs are listed in
    ``additional_secret_outputs``.
    """
    secrets = secret_fields(spec.model)
    # The stack seeds generated ids, so two stacks never generate the same one.
    props: dict[str, Any] = {"resource_name": resource_name, "owner": f"{pulumi.get_project()}/{pulumi.get_stack()}"}
    for name, value in args.items():
        if value is None:
            continue
        props[name] = pulumi.Output.secret(value) if name in secrets else value
    # Every input and output is declared so each becomes an attribute, even when unset or generated.
    names = [n for n in fields_of(spec.model) if n not in spec.excluded]
    for name in [*names, *spec.inputs(), *spec.kept]:
        props.setdefault(name, None)
    secret_outputs = sorted(secrets | set(spec.kept))
    merged = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=secret_outputs))
    return props, merged
