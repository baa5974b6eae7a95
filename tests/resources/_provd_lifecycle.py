"""The acceptance lifecycle of the provd resources, as :class:`~pulumi_iotcomms.testing.harness.scenario.Scenario`
objects run by the in-process harness (``test_provd_*.py``) and the real engine (``tests/automation``).

create -> second preview empty -> update (its exact write requests checked in the request log) -> up again
writes nothing -> refresh without drift -> out-of-band change detected by refresh, shown by preview and
corrected by up -> replace -> the provd password absent from the state -> destroy leaves the server as it
was (installed packages and configuration).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pulumi

from pulumi_iotcomms.provd import ProvdConfigParam, ProvdPlugin
from pulumi_iotcomms.testing.harness.scenario import Scenario, ScenarioContext, ScenarioStep, StepOutcome
from tests._provd import INSTALL, PASSWORD, ProvdClient, monitors, provd_config
from tests.resources._lifecycle import state_text

NAME = "res"


def _program(make: Callable[[], Any]) -> Callable[[], None]:
    def run() -> None:
        res = make()
        pulumi.export("id", res.id)

    return run


def _clear(provd: ProvdClient) -> Callable[[ScenarioContext], None]:
    return lambda _ctx: provd.clear_requests()


def _no_writes(provd: ProvdClient) -> Callable[[StepOutcome, ScenarioContext], None]:
    def check(_outcome: StepOutcome, _ctx: ScenarioContext) -> None:
        assert provd.provd_writes() == []

    return check


def _no_secrets(outcome: StepOutcome, ctx: ScenarioContext) -> None:
    text = state_text(ctx.workdir)
    assert f"::{NAME}" in text, f"no state holding {NAME!r} under {ctx.workdir}"
    assert PASSWORD not in text, "the provd password is in the state in plaintext"


def plugin_scenario(provd: ProvdClient) -> Scenario:
    """ProvdPlugin: installed after updating the installable list, upgraded within its family, uninstalled
    elsewhere and installed again, replaced by a plugin of another family, uninstalled by destroy."""
    before = provd.snapshot()

    def plugin(plugin_id: str) -> Callable[[], None]:
        return _program(lambda: ProvdPlugin(NAME, plugin_id=plugin_id))

    def installed(plugin_id: str) -> Callable[[StepOutcome, ScenarioContext], None]:
        def check(_outcome: StepOutcome, _ctx: ScenarioContext) -> None:
            assert plugin_id in provd.installed()
            assert monitors(provd) == [], "every monitor is deleted"

        return check

    def created(outcome: StepOutcome, ctx: ScenarioContext) -> None:
        installed("xivo-polycom-4.0.4")(outcome, ctx)
        writes = [(m, p.rpartition("/")[0] if m == "DELETE" else p, b) for m, p, b in provd.provd_writes()]
        assert writes == [
            ("POST", f"{INSTALL}/update", {}),
            ("DELETE", f"{INSTALL}/update", None),
            ("POST", f"{INSTALL}/install", {"id": "xivo-polycom-4.0.4"}),
            ("DELETE", f"{INSTALL}/install", None),
        ]

    def upgraded(outcome: StepOutcome, ctx: ScenarioContext) -> None:
        installed("xivo-polycom-4.0.9")(outcome, ctx)
        assert "xivo-polycom-4.0.4" not in provd.installed()
        assert provd.provd_writes() == [
            ("POST", f"{INSTALL}/upgrade", {"id": "xivo-polycom-4.0.9"}),
            ("DELETE", f"{INSTALL}/upgrade/3", None),
        ]

    def uninstall_elsewhere(_ctx: ScenarioContext) -> None:
        provd.uninstall("xivo-polycom-4.0.9")

    def server_as_before(_outcome: StepOutcome, _ctx: ScenarioContext) -> None:
        assert provd.snapshot() == before

    steps = [
        ScenarioStep("up", plugin("xivo-polycom-4.0.4"), expect={NAME: "create"}, before=_clear(provd), check=created),
        ScenarioStep("preview", expect={}, label="second preview is empty"),
        ScenarioStep("up", plugin("xivo-polycom-4.0.9"), expect={NAME: "update"}, before=_clear(provd), check=upgraded),
        ScenarioStep("up", expect={}, before=_clear(provd), check=_no_writes(provd), label="up again writes nothing"),
        ScenarioStep("refresh", expect={}, label="refresh without drift"),
        ScenarioStep("refresh", expect={NAME: "drop"}, before=uninstall_elsewhere, label="uninstalled elsewhere"),
        ScenarioStep("up", expect={NAME: "create"}, check=installed("xivo-polycom-4.0.9"), label="installed again"),
        ScenarioStep("preview", expect={}, label="converged"),
        ScenarioStep(
            "up", plugin("xivo-cisco-spa-7.5.5"), expect={NAME: "replace"}, check=installed("xivo-cisco-spa-7.5.5")
        ),
        ScenarioStep("preview", expect={}, check=_no_secrets, label="replaced, converged"),
        ScenarioStep("destroy", expect={NAME: "delete"}, check=server_as_before, label="destroy"),
    ]
    return Scenario(
        name="lifecycle-ProvdPlugin",
        steps=steps,
        config=lambda _workdir: provd_config(provd),
        project="iotcomms-tests",
    )


def config_param_scenario(provd: ProvdClient) -> Scenario:
    """ProvdConfigParam on ``NAT`` (a number), then replaced by ``locale`` (a string): one PUT per change,
    drift from an edit elsewhere corrected, the values found before restored by destroy."""
    provd.set_param("locale", "de_DE")  # an earlier value that destroy must put back
    before = provd.snapshot()

    def param(param_id: str, value: Any) -> Callable[[], None]:
        return _program(lambda: ProvdConfigParam(NAME, param_id=param_id, value=value))

    def one_write(_outcome: StepOutcome, _ctx: ScenarioContext) -> None:
        assert provd.provd_writes() == [("PUT", "/provd/configure/NAT", {"param": {"value": 0}})]

    def edit(_ctx: ScenarioContext) -> None:
        provd.set_param("NAT", 1)

    def corrected(_outcome: StepOutcome, _ctx: ScenarioContext) -> None:
        assert provd.param("NAT") == 0
        assert type(provd.param("NAT")) is int

    def replaced(_outcome: StepOutcome, _ctx: ScenarioContext) -> None:
        assert provd.param("locale") == "fr_FR"
        assert provd.param("NAT") == 0  # the value found before the first write

    def server_as_before(_outcome: StepOutcome, _ctx: ScenarioContext) -> None:
        assert provd.snapshot() == before

    steps = [
        ScenarioStep("up", param("NAT", 1), expect={NAME: "create"}, check=lambda *_: _assert(provd.param("NAT") == 1)),
        ScenarioStep("preview", expect={}, label="second preview is empty"),
        ScenarioStep("up", param("NAT", 0), expect={NAME: "update"}, before=_clear(provd), check=one_write),
        ScenarioStep("up", expect={}, before=_clear(provd), check=_no_writes(provd), label="up again writes nothing"),
        ScenarioStep("refresh", expect={}, label="refresh without drift"),
        ScenarioStep("refresh", expect={NAME: "refresh"}, before=edit, label="out-of-band edit"),
        ScenarioStep("preview", expect={NAME: "update"}, label="drift shows in preview"),
        ScenarioStep("up", expect={NAME: "update"}, check=corrected, label="drift corrected"),
        ScenarioStep("preview", expect={}, label="converged"),
        ScenarioStep("up", param("locale", "fr_FR"), expect={NAME: "replace"}, check=replaced, label="replace"),
        ScenarioStep("preview", expect={}, check=_no_secrets, label="replaced, converged"),
        ScenarioStep("destroy", expect={NAME: "delete"}, check=server_as_before, label="destroy"),
    ]
    return Scenario(
        name="lifecycle-ProvdConfigParam",
        steps=steps,
        config=lambda _workdir: provd_config(provd),
        project="iotcomms-tests",
    )


def _assert(condition: bool) -> None:
    assert condition
