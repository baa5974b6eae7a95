"""The testing kit as a user meets it: a project outside this repository -- only a ``pyproject.toml`` depending on
``pulumi-iotcomms[testing]``, a Pulumi program and a test file -- runs ``pytest``, the plugin's fixtures come
from the ``pytest11`` entry point, and its tests pass through the harness (and through the real engine when a
``pulumi`` is on PATH); a test with a wrong expectation fails with a readable message."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.testing._pytest_run import ENGINES, plugin_registered, run_pytest

PYPROJECT = """\
[project]
name = "alarm-centre-config"
version = "1.0.0"
requires-python = ">=3.10"
dependencies = ["pulumi-iotcomms[testing]"]

[tool.pytest.ini_options]
testpaths = ["tests"]
"""

PULUMI_YAML = """\
name: alarm-centre
runtime: python
"""

PROGRAM = """\
import pulumi

from pulumi_iotcomms import Device, Trunk

config = pulumi.Config()
reception = Device(
    "reception",
    device_id="reception-1",
    auth_type="deviceid",
    description=config.get("receptionDescription") or "reception",
)
carrier = Trunk(
    "carrier",
    trunk_id="carrier-1",
    destination_target="sip.carrier.example",
    destination_transport="udp",
    destination_match="^46",
)
pulumi.export("reception_id", reception.id)
"""

TESTS = """\
from pathlib import Path

from pulumi_iotcomms.testing import (
    assert_changes,
    assert_no_changes,
    assert_no_writes,
    assert_requests,
    assert_tenant_empty,
)

INFRA = Path(__file__).resolve().parents[1] / "infra"


def test_lifecycle(iotcomms_stack, iotcomms_emulator):
    stack = iotcomms_stack(INFRA)
    iotcomms_emulator.clear_requests()
    assert_changes(stack.preview(), {"reception": "create", "carrier": "create"})
    assert_no_writes(iotcomms_emulator)
    up = stack.up()
    print("engine:", up.engine)
    assert up.outputs["reception_id"] == "test.example/reception-1"
    assert_no_changes(stack.preview())
    iotcomms_emulator.clear_requests()
    assert_changes(stack.up(config={"receptionDescription": "front desk"}), {"reception": "update"})
    assert_requests(iotcomms_emulator, [("PATCH", "/provisioning/device/test.example/reception-1")])
    stack.destroy()
    assert_tenant_empty(iotcomms_emulator)


def test_converges_under_faults(iotcomms_stack, iotcomms_emulator):
    stack = iotcomms_stack(INFRA, config={"iotcomms:maxRetries": "10"})
    iotcomms_emulator.faults(seed=7, rate_limit_rate=0.3, retry_after_s=0.05, apply_then_fail_rate=0.2)
    stack.up()
    iotcomms_emulator.faults()
    assert_no_changes(stack.preview())
    stack.destroy()
    assert_tenant_empty(iotcomms_emulator)
"""

WRONG = """\
from pathlib import Path

from pulumi_iotcomms.testing import assert_no_changes

INFRA = Path(__file__).resolve().parents[1] / "infra"


def test_description_change_is_no_change(iotcomms_stack):
    stack = iotcomms_stack(INFRA)
    stack.up()
    assert_no_changes(stack.preview(config={"receptionDescription": "changed"}))
"""


def _project(root: Path) -> Path:
    (root / "infra").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "pyproject.toml").write_text(PYPROJECT)
    (root / "infra" / "Pulumi.yaml").write_text(PULUMI_YAML)
    (root / "infra" / "__main__.py").write_text(PROGRAM)
    (root / "tests" / "test_config.py").write_text(TESTS)
    return root


@pytest.mark.parametrize("engine", ENGINES)
def test_a_user_project_runs_its_tests(tmp_path: Path, engine: str) -> None:
    root = _project(tmp_path / "alarm-centre-config")
    done = run_pytest(root, engine)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout, done.stdout
    assert f"engine: {engine}" in done.stdout


def test_a_wrong_expectation_fails_readably(tmp_path: Path) -> None:
    root = _project(tmp_path / "alarm-centre-config")
    (root / "tests" / "test_wrong.py").write_text(WRONG)
    done = run_pytest(root, "harness", "tests/test_wrong.py")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "AssertionError: expected no changes; preview (harness): update reception" in done.stdout, done.stdout


def test_the_plugin_is_registered_by_the_package() -> None:
    """Installing the package is all a user does: pytest finds the fixtures through the entry point."""
    assert plugin_registered()
