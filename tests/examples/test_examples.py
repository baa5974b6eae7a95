"""Every example project, run as the Pulumi CLI would run it, through the engine-protocol harness.

Each example directory (and the root project, whose ``main`` is the quickstart) runs with the stack
config of its own ``Pulumi.<stack>.yaml``, except that endpoint, domain and token point at the test
emulator (``secure:`` placeholders get test secrets): ``up`` creates every resource, exported secrets
stay secrets, a second preview has nothing to do, and ``destroy`` leaves the tenant as it was.
The multi-environment example runs its dev and prod stacks side by side, in two tenants.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from tests.emulator_client import DOMAIN, OTHER_DOMAIN, OTHER_TOKEN, TOKEN, EmulatorClient
from tests.examples._projects import EXAMPLES, REPO, Project, project_dirs
from tests.harness import Harness, Secret
from tests.resources._lifecycle import state_text

EARLIER_SETTINGS = {"alarmTopic": "arn:aws:sns:eu-north-1:123456789012:earlier"}
SETTINGS = {"notifications"}
"""Resource names of per-tenant settings: they take over an existing object instead of adding one."""


def _leaves(value: Any) -> Iterator[Any]:
    if isinstance(value, Mapping):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


def _is_secret(value: Any) -> bool:
    """A secret export: wrapped as a whole, or every leaf wrapped (a dict of secret outputs)."""
    if isinstance(value, Secret):
        return bool(value.value)
    leaves = list(_leaves(value))
    return bool(leaves) and all(isinstance(leaf, Secret) and leaf.value for leaf in leaves)


def _stored(emulator: EmulatorClient, domain: str) -> int:
    return sum(len(docs) for docs in emulator.objects().get(domain, {}).values())


# -- what each example declares --------------------------------------------------------------------------


def _quickstart(config: Mapping[str, Any]) -> set[str]:
    return {"office-pbx", "desk-phone", "softphone", "alarm-unit", "mobile-app", "welcome-ivr"}


def _arc(config: Mapping[str, Any]) -> set[str]:
    units = {f"alarm-unit-{n}" for n in range(1, int(config["alarmUnits"]) + 1)}
    return {"arc-mapper", "care-alarms", "notifications", *units}


def _hybrid(config: Mapping[str, Any]) -> set[str]:
    return {f"stockholm-{h}" for h in config["staticHosts"]} | {f"gothenburg-{h}" for h in config["dhcpHosts"]}


def _multi(config: Mapping[str, Any]) -> set[str]:
    phones = {f"phone-{n}" for n in range(1, int(config["phones"]) + 1)}
    trunks = {f"carrier-{n}" for n in range(1, len(config["trunkTargets"]) + 1)}
    return {"ivr", *phones, *trunks}


CASES = {
    # directory: (resource names from the program config, secret exports)
    ".": (_quickstart, ("desk_phone_sip_password", "softphone_sip_password")),
    "examples/quickstart": (_quickstart, ("desk_phone_sip_password", "softphone_sip_password")),
    "examples/alarm-receiving-centre": (_arc, ()),
    "examples/hybrid-site": (_hybrid, ()),
    "examples/multi-environment": (_multi, ("sip_passwords",)),
}


def test_every_project_is_covered() -> None:
    assert sorted(CASES) == project_dirs()


# -- the engine-level runs ---------------------------------------------------------------------------------


def _expected(project: Project, stack: str) -> tuple[set[str], tuple[str, ...]]:
    """The resource names ``stack`` of ``project`` declares, and its secret exports."""
    names, secret_exports = CASES[project.directory.relative_to(REPO).as_posix()]
    return names(project.program_config(stack)), secret_exports


def _deploy_and_check(harness: Harness, project: Project, stack: str, emulator: EmulatorClient, domain: str) -> None:
    expected, secret_exports = _expected(project, stack)

    stored_before = _stored(emulator, domain)
    up = harness.up()
    assert up.changes == dict.fromkeys(expected, "create")
    assert _stored(emulator, domain) - stored_before == len(expected - SETTINGS)
    for name in secret_exports:
        assert _is_secret(up.outputs[name]), f"{name} is not exported as a secret: {up.outputs[name]!r}"
    text = state_text(harness.state_path.parent)
    for value in project.secret_values(stack):
        assert value not in text, f"secret config value {value[:6]}... in plaintext state"

    assert harness.preview().changes == {}


@pytest.mark.parametrize("directory", [d for d in CASES if d != "examples/multi-environment"])
def test_example_up_preview_destroy(directory: str, emulator: EmulatorClient, tmp_path: Path) -> None:
    project = Project(REPO / directory)
    settings_url = f"/provisioning/notificationsettings/{DOMAIN}"
    takes_over_settings = bool(_expected(project, "dev")[0] & SETTINGS)
    if takes_over_settings:  # a tenant with settings of its own, which destroy must give back
        emulator.ok("PUT", settings_url, json=EARLIER_SETTINGS)
    before = emulator.objects()
    harness = project.harness("dev", tmp_path, emulator, DOMAIN, TOKEN)

    _deploy_and_check(harness, project, "dev", emulator, DOMAIN)

    destroyed = harness.destroy()
    assert set(destroyed.changes.values()) == {"delete"}
    assert emulator.objects() == before  # empty, or only the earlier settings
    if takes_over_settings:
        assert emulator.ok("GET", settings_url) == EARLIER_SETTINGS
    else:
        assert before == {}


def test_multi_environment_stacks_side_by_side(emulator: EmulatorClient, tmp_path: Path) -> None:
    project = Project(EXAMPLES / "multi-environment")
    tenants = {"dev": (DOMAIN, TOKEN), "prod": (OTHER_DOMAIN, OTHER_TOKEN)}
    harnesses = {
        stack: project.harness(stack, tmp_path / stack, emulator, domain, token)
        for stack, (domain, token) in tenants.items()
    }
    for stack, harness in harnesses.items():
        _deploy_and_check(harness, project, stack, emulator, tenants[stack][0])

    # Same program, different sizes and settings per stack.
    dev, prod = (project.program_config(stack) for stack in ("dev", "prod"))
    assert (dev["phones"], len(dev["trunkTargets"])) != (prod["phones"], len(prod["trunkTargets"]))
    stored = emulator.objects()
    for stack, (domain, _) in tenants.items():
        config = project.program_config(stack)
        assert len(stored[domain]["device"]) == config["phones"]
        assert len(stored[domain]["trunk"]) == len(config["trunkTargets"])
        outputs = harnesses[stack].state.outputs
        assert outputs["environment"] == stack
        assert outputs["region"] == project.stack_config(stack)["iotcomms:region"]
        assert len(outputs["phone_ids"]) == config["phones"]
    # Neither stack's preview sees the other's objects.
    assert [h.preview().changes for h in harnesses.values()] == [{}, {}]

    for harness in harnesses.values():
        assert set(harness.destroy().changes.values()) == {"delete"}
    assert emulator.objects() == {}
