"""The exported names: ``__all__`` sorted, complete and importable, in every module (private ones too,
since the layers import each other through them)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import pulumi_iotcomms

MODULES = sorted(m.name for m in pkgutil.walk_packages(pulumi_iotcomms.__path__, "pulumi_iotcomms."))


def test_top_level_exports_the_registered_resources() -> None:
    from pulumi_iotcomms.resources._registry import REGISTRY

    names = sorted(item.name for item in REGISTRY if not item.package)  # subpackages export the others
    assert pulumi_iotcomms.__all__ == sorted(
        [
            *names,
            "ConflictingObjectError",
            "__version__",
            *importlib.import_module("pulumi_iotcomms.functions").__all__,
        ],
        key=lambda n: (not n[0].isupper(), n),
    )
    assert len(names) == 13


@pytest.mark.parametrize("name", ["pulumi_iotcomms", *MODULES])
def test_all_is_sorted_complete_and_importable(name: str) -> None:
    module = importlib.import_module(name)
    exported = list(module.__all__)
    # ruff's RUF022 order: CONSTANTS, then Classes, then the rest.
    assert exported == sorted(exported, key=lambda n: (0 if n.isupper() else 1 if n[:1].isupper() else 2, n))
    for item in exported:
        assert hasattr(module, item), f"{name}.__all__ names missing {item}"
    defined_here = {
        n
        for n, obj in vars(module).items()
        if not n.startswith("_")
        and (inspect.isclass(obj) or inspect.isfunction(obj))
        and getattr(obj, "__module__", None) == name
    }
    assert defined_here <= set(exported), f"public but not in {name}.__all__: {defined_here - set(exported)}"


def test_resources_package_exports_every_resource_class() -> None:
    import pulumi.dynamic

    from pulumi_iotcomms import resources

    classes = {
        n
        for n, obj in vars(pulumi_iotcomms).items()
        if inspect.isclass(obj) and issubclass(obj, pulumi.dynamic.Resource)
    }
    from pulumi_iotcomms.resources._registry import REGISTRY

    top = {item.name for item in REGISTRY if not item.package}
    assert classes == {n for n in resources.__all__ if not n.endswith("Provider")} & top


def _imports(path: str) -> set[str]:
    import ast
    from pathlib import Path

    out: set[str] = set()
    for file in Path(path).rglob("*.py"):
        for node in ast.walk(ast.parse(file.read_text())):
            if isinstance(node, ast.Import):
                out |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                out.add(node.module.split(".")[0])
    return out


def test_layers_keep_to_their_job() -> None:
    root = pulumi_iotcomms.__path__[0]
    assert "pulumi" not in _imports(f"{root}/api"), "the API layer must not import Pulumi"
    assert "httpx" not in _imports(f"{root}/resources"), "resources call pulumi_iotcomms.api, not HTTP"
