"""The ownership rules of ``test_ownership.py`` as runner-independent scenarios.

``tests/automation/test_ownership.py`` runs each through the harness and the real engine and
compares them step by step; ``test_ownership.py`` holds the finer harness-level assertions
(messages, claims) of the same rules.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pulumi

from pulumi_iotcomms import Device, MediaService, Trunk
from pulumi_iotcomms.testing.harness.scenario import Scenario, ScenarioContext, ScenarioStep, StepOutcome
from tests.emulator_client import DOMAIN, OTHER_DOMAIN, EmulatorClient
from tests.reliability._util import PROJECT, writes
from tests.reliability.test_ownership import DUPLICATES, EXPLICIT, GENERATED, MEDIA, TRUNK, _pair, declare
from tests.resources._lifecycle import clear_log, config_for, writes_nothing

ScenarioFactory = Callable[[EmulatorClient], Scenario]


def _scenario(name: str, emulator: EmulatorClient, steps: list[ScenarioStep], **config: Any) -> Scenario:
    return Scenario(name, steps, config=lambda _w: config_for(emulator, config), project=PROJECT)


def _empty(emulator: EmulatorClient) -> Callable[[StepOutcome, ScenarioContext], None]:
    def check(_outcome: StepOutcome, _ctx: ScenarioContext) -> None:
        assert emulator.objects() == {}

    return check


def rename_without_aliases(kind: str) -> ScenarioFactory:
    """A rename without aliases fails, writes and deletes nothing; with aliases it is a no-op."""
    resource, inputs = EXPLICIT[kind]

    def make(emulator: EmulatorClient) -> Scenario:
        return _scenario(
            f"rename-without-aliases-{kind}",
            emulator,
            [
                ScenarioStep("up", declare(resource, "old", inputs), expect={"old": "create"}),
                ScenarioStep(
                    "up",
                    declare(resource, "new", inputs),
                    expect_error="already exists on the server",
                    before=clear_log(emulator),
                    check=writes_nothing(emulator),
                    label="rename without aliases fails",
                ),
                ScenarioStep(
                    "up",
                    declare(resource, "new", inputs, aliases=[pulumi.Alias(name="old")]),
                    expect={},
                    before=clear_log(emulator),
                    check=writes_nothing(emulator),
                    label="rename with aliases",
                ),
                ScenarioStep("refresh", expect={}),
                ScenarioStep("destroy", expect={"new": "delete"}, check=_empty(emulator)),
            ],
        )

    return make


def _devices(first: str, second: str) -> Callable[[], None]:
    def program() -> None:
        Device("a", domain=DOMAIN, device_id=first, auth_type="deviceid", description="a")
        Device("b", domain=DOMAIN, device_id=second, auth_type="deviceid", description="b")

    return program


def swap_device_ids(emulator: EmulatorClient) -> Scenario:
    """Swapping two devices' ids fails and keeps both devices as they were."""
    return _scenario(
        "swap-device-ids",
        emulator,
        [
            ScenarioStep("up", _devices("id-1", "id-2"), expect={"a": "create", "b": "create"}),
            ScenarioStep(
                "up",
                _devices("id-2", "id-1"),
                expect_error="already exists on the server",
                before=clear_log(emulator),
                check=writes_nothing(emulator),
            ),
            ScenarioStep("destroy", expect={"a": "delete", "b": "delete"}, check=_empty(emulator)),
        ],
    )


def adopt_once(emulator: EmulatorClient) -> Scenario:
    """An existing device is taken over only with ``adopt=True``; removing ``adopt`` later is no change."""
    _, inputs = EXPLICIT["device"]

    def seed(_ctx: ScenarioContext) -> None:
        emulator.ok("PUT", f"/provisioning/device/{DOMAIN}", json={"deviceId": "desk-1", "authType": "deviceid"})

    def patched_only(_outcome: StepOutcome, _ctx: ScenarioContext) -> None:
        assert [m for m, _ in writes(emulator)] == ["PATCH"], writes(emulator)

    ours = {**inputs, "description": "ours"}
    return _scenario(
        "adopt-once",
        emulator,
        [
            ScenarioStep("up", declare(Device, "desk", ours), expect_error="adopt=True", before=seed),
            ScenarioStep(
                "up",
                declare(Device, "desk", {**ours, "adopt": True}),
                expect={"desk": "create"},
                before=clear_log(emulator),
                check=patched_only,
            ),
            ScenarioStep("preview", declare(Device, "desk", ours), expect={}),
            ScenarioStep("up", expect={}),
            ScenarioStep("preview", declare(Device, "desk", {**ours, "adopt": True}), expect={}),
            ScenarioStep("destroy", expect={"desk": "delete"}, check=_empty(emulator)),
        ],
    )


def rename_with_adopt(emulator: EmulatorClient) -> Scenario:
    """A rename with ``adopt=True`` (instead of aliases): the old name's delete spares the object."""
    _, inputs = EXPLICIT["device"]

    def still_there(_outcome: StepOutcome, _ctx: ScenarioContext) -> None:
        assert writes(emulator) == [], writes(emulator)
        assert emulator.ok("GET", f"/provisioning/device/{DOMAIN}/desk-1")["deviceId"] == "desk-1"

    return _scenario(
        "rename-with-adopt",
        emulator,
        [
            ScenarioStep("up", declare(Device, "old", inputs), expect={"old": "create"}),
            ScenarioStep(
                "up",
                declare(Device, "new", {**inputs, "adopt": True}),
                expect={"new": "create", "old": "delete"},
                before=clear_log(emulator),
                check=still_there,
            ),
            ScenarioStep("destroy", expect={"new": "delete"}, check=_empty(emulator)),
        ],
    )


def failed_create_undone(emulator: EmulatorClient) -> Scenario:
    """A create whose write may have landed but whose outcome is unknown is undone; the next up converges."""
    program = declare(Trunk, "pbx", TRUNK)

    def faults(_ctx: ScenarioContext) -> None:
        # The credential check and the create's first read pass, its write lands, every read after fails.
        emulator.faults(seed=1, error_rate=1.0, error_statuses=[503], methods=["GET"], skip=2)

    def undone(_outcome: StepOutcome, _ctx: ScenarioContext) -> None:
        emulator.faults()
        assert emulator.objects() == {}

    return _scenario(
        "failed-create-undone",
        emulator,
        [
            ScenarioStep("preview", program, expect={"pbx": "create"}),
            ScenarioStep("up", expect_error="was undone", before=faults, check=undone),
            ScenarioStep("up", expect={"pbx": "create"}),
            ScenarioStep("destroy", expect={"pbx": "delete"}, check=_empty(emulator)),
        ],
        **{"iotcomms:maxRetries": "0"},
    )


def duplicate_declarations(kind: str) -> ScenarioFactory:
    """Two resources declaring one server object fail the preview, before any request about objects."""
    resource, first, second = DUPLICATES[kind]

    def make(emulator: EmulatorClient) -> Scenario:
        def no_object_requests(_outcome: StepOutcome, _ctx: ScenarioContext) -> None:
            assert [r["path"] for r in emulator.requests() if "credentials-check" not in r["path"]] == []

        return _scenario(
            f"duplicate-{kind}",
            emulator,
            [
                ScenarioStep(
                    "preview",
                    _pair(resource, first, second),
                    expect_error="two resources must not manage one server object",
                    check=no_object_requests,
                )
            ],
        )

    return make


def other_domains_and_spaces(emulator: EmulatorClient) -> Scenario:
    """One id in two domains, or live and provisory, is not a duplicate."""

    def program() -> None:
        Device("here", domain=DOMAIN, device_id="desk-1", auth_type="deviceid")
        Device("there", domain=OTHER_DOMAIN, device_id="desk-1", auth_type="deviceid")
        MediaService("live", domain=DOMAIN, media_service_id="ivr-1", **MEDIA)
        MediaService("draft", domain=DOMAIN, media_service_id="ivr-1", provisory=True, **MEDIA)

    expect = dict.fromkeys(("here", "there", "live", "draft"), "create")
    steps = [ScenarioStep("preview", program, expect=expect)]
    return _scenario("other-domains-and-spaces", emulator, steps, **{"iotcomms:skipCredentialsValidation": "true"})


def rename_with_aliases(kind: str) -> ScenarioFactory:
    """A rename with aliases keeps a generated id: no change, no write; a later update patches it."""
    resource, inputs = GENERATED[kind]
    alias = [pulumi.Alias(name="old")]

    def make(emulator: EmulatorClient) -> Scenario:
        def same_id(outcome: StepOutcome, ctx: ScenarioContext) -> None:
            assert outcome.outputs["id"] == ctx.outcomes[0].outputs["id"]
            assert writes(emulator) == [], writes(emulator)

        def patched(_outcome: StepOutcome, _ctx: ScenarioContext) -> None:
            assert [m for m, _ in writes(emulator)] == ["PATCH"], writes(emulator)

        return _scenario(
            f"rename-with-aliases-{kind}",
            emulator,
            [
                ScenarioStep("up", declare(resource, "old", inputs), expect={"old": "create"}),
                ScenarioStep("preview", declare(resource, "new", inputs, aliases=alias), expect={}),
                ScenarioStep("up", expect={}, before=clear_log(emulator), check=same_id),
                ScenarioStep(
                    "up",
                    declare(resource, "new", {**inputs, "description": "renamed"}, aliases=alias),
                    expect={"new": "update"},
                    before=clear_log(emulator),
                    check=patched,
                ),
                ScenarioStep("destroy", expect={"new": "delete"}, check=_empty(emulator)),
            ],
        )

    return make


SCENARIOS: Mapping[str, ScenarioFactory] = {
    **{f"rename-without-aliases-{kind}": rename_without_aliases(kind) for kind in EXPLICIT},
    "swap-device-ids": swap_device_ids,
    "adopt-once": adopt_once,
    "rename-with-adopt": rename_with_adopt,
    "failed-create-undone": failed_create_undone,
    **{f"duplicate-{kind}": duplicate_declarations(kind) for kind in DUPLICATES},
    "other-domains-and-spaces": other_domains_and_spaces,
    **{f"rename-with-aliases-{kind}": rename_with_aliases(kind) for kind in GENERATED},
}
"""Every ownership scenario, by name."""
