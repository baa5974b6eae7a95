"""The one registry of resources, and what is generated from it and the models (``tools/generate.py``):
every model field reaches the typed class as an argument (unless the server sets it) and an output,
documented; the checked-in generated files are what the generator writes; exports follow the registry."""

from __future__ import annotations

import importlib
import inspect
import pydoc
import subprocess
import sys
from pathlib import Path

import pytest

import pulumi_iotcomms
from pulumi_iotcomms import resources
from pulumi_iotcomms.api._schema import behaviour
from pulumi_iotcomms.resources._provider import SET_BY_CLASS
from pulumi_iotcomms.resources._registry import REGISTRY, Entry, entry, provider_class

REPO = Path(__file__).resolve().parents[2]
ENTRIES = {item.name: item for item in REGISTRY}


def test_generated_files_are_up_to_date() -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "tools" / "generate.py"), "--check"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr


def test_exports_follow_the_registry() -> None:
    names = {item.name for item in REGISTRY}
    assert set(resources.__all__) == names | {f"{n}Provider" for n in names}
    functions = set(importlib.import_module("pulumi_iotcomms.functions").__all__)
    top = {item.name for item in REGISTRY if not item.package}
    assert set(pulumi_iotcomms.__all__) == top | functions | {"ConflictingObjectError", "__version__"}
    for item in REGISTRY:
        # Each resource is exported from exactly one namespace: the top level or its subpackage.
        assert getattr(importlib.import_module(item.namespace), item.name) is getattr(resources, item.name)
        assert provider_class(item.name).spec.name == item.name
    for package in {item.package for item in REGISTRY if item.package}:
        module = importlib.import_module(f"pulumi_iotcomms.{package}")
        assert module.__all__ == sorted(item.name for item in REGISTRY if item.package == package)
        assert not set(module.__all__) & set(pulumi_iotcomms.__all__)
    with pytest.raises(KeyError):
        entry("Nothing")


@pytest.mark.parametrize("item", REGISTRY, ids=lambda e: e.name)
def test_every_model_field_is_an_argument_and_an_output(item: Entry) -> None:
    cls = getattr(importlib.import_module(f"pulumi_iotcomms.resources.{item.module}"), item.name)
    spec = provider_class(item.name).spec
    parameters = inspect.signature(cls.__init__).parameters
    outputs = set(cls.__annotations__)
    init_doc = inspect.getdoc(cls.__init__) or ""
    class_doc = inspect.getdoc(cls) or ""
    for name, info in spec.model.model_fields.items():
        if name in spec.excluded:
            continue
        b = behaviour(spec.model, name)
        argument = b.argument and not b.computed
        assert (name in parameters) == argument, f"{item.name}.{name}: an argument exactly when the program sets it"
        assert name in outputs, f"{item.name}.{name} is not an output"
        assert info.description, f"{item.name}.{name} has no docstring in {spec.model.__module__}"
        assert f"{name}: " in (init_doc if argument else class_doc), f"{item.name}.{name} is not documented"
    for name, b in spec.inputs().items():
        if name in SET_BY_CLASS:
            continue
        assert (name in parameters) == b.argument, name
        assert b.doc, f"{item.name}: the provider-side input {name} has no doc"
    for name in parameters:
        assert name in {"self", "resource_name", "opts"} or f"{name}: " in init_doc
    assert item.example.strip().splitlines()[0] in class_doc


@pytest.mark.parametrize("item", REGISTRY, ids=lambda e: e.name)
def test_help_lists_arguments_outputs_and_an_example(item: Entry) -> None:
    text = pydoc.render_doc(getattr(importlib.import_module(item.namespace), item.name), renderer=pydoc.TextDoc())
    assert "Example::" in text
    assert "Outputs" in text
    assert "Args:" in text


@pytest.mark.parametrize("item", REGISTRY, ids=lambda e: e.name)
def test_each_resource_has_a_reference_page_linked_from_the_index(item: Entry) -> None:
    page = (REPO / "docs" / "resources" / f"{item.module}.md").read_text()
    for heading in ("## Example", "## Argument reference", "## Output reference", "## Identity and replacement"):
        assert heading in page
    assert f"({item.module}.md)" in (REPO / "docs" / "resources" / "README.md").read_text()
    assert f"from {item.namespace} import {item.name}\n" in page
    assert "docs/resources/" in (REPO / "README.md").read_text()
