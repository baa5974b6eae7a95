"""Partial failures (``pulumi_iotcomms.resources._partial.fail_with_state``) through the harness and the
real Pulumi engine, compared -- the toy store *and* the stack state after every step.

The state is compared as each records its resources: id (present or not), inputs and outputs (secrets
revealed, generated values masked, ``__provider`` left out), which outputs are secret, the init errors
and whether the resource is pending deletion. The engine's state is read with ``pulumi stack export``
(the Automation API's ``export_stack`` passes ``--show-secrets``): with ``--show-secrets`` to compare
it, and without to check that no secret the toy generated or was given is in it in plaintext.

Skipped when the ``pulumi`` CLI is not installed (failed under ``make e2e``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pulumi_iotcomms.testing.automation import AutomationRunner, engine_required
from pulumi_iotcomms.testing.harness.props import SECRET_SIG, SECRET_SIG_KEY, Secret, contains_secrets, reveal
from pulumi_iotcomms.testing.harness.scenario import HarnessRunner, ScenarioContext
from pulumi_iotcomms.testing.harness.state import ResourceState
from tests.automation.differential import MASK, Observed, compare, masked, observe_run
from tests.automation.test_automation import toy_store
from tests.harness.toy import TYPE_TOKEN
from tests.harness.toy_scenarios import API_KEY, PARTIAL_PASSWORD, live_records, partial_failure_scenario

pytestmark = engine_required()

PROVIDER_KEY = "__provider"


def _props(props: Mapping[str, Any]) -> Any:
    return masked({k: v for k, v in reveal(dict(props)).items() if k != PROVIDER_KEY})


def _view(
    name: str, id_: str | None, inputs: Mapping[str, Any], outputs: Mapping[str, Any], secret: list[str], **rest: Any
) -> dict[str, Any]:
    return {
        "name": name,
        "id": MASK if id_ else id_,
        "inputs": _props(inputs),
        "outputs": _props(outputs),
        "secret_outputs": sorted(secret),
        **rest,
    }


def harness_state(runner: HarnessRunner) -> list[dict[str, Any]]:
    """The harness's stack state, as :func:`engine_state` shows the engine's."""
    assert runner.harness is not None
    state = runner.harness.state

    def view(res: ResourceState) -> dict[str, Any]:
        return _view(
            res.name,
            res.id,
            res.inputs,
            res.outputs,
            res.secret_outputs,
            init_errors=list(res.init_errors),
            pending_delete=res.pending_delete,
        )

    return sorted((view(res) for res in state.all_resources() if res.type == TYPE_TOKEN), key=json.dumps)


def _decrypted(value: Any) -> Any:
    """A ``--show-secrets`` export's value with its secrets as harness :class:`Secret` values."""
    if isinstance(value, dict):
        if value.get(SECRET_SIG_KEY) == SECRET_SIG:
            return Secret(_decrypted(json.loads(value["plaintext"])))
        return {k: _decrypted(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decrypted(item) for item in value]
    return value


def engine_state(runner: AutomationRunner) -> list[dict[str, Any]]:
    """The engine's stack state (``pulumi stack export --show-secrets``), one view per toy resource."""
    deployment = json.loads(runner.cli("stack", "export", "--show-secrets"))["deployment"]
    views = []
    for res in deployment.get("resources") or []:
        if res["type"] != TYPE_TOKEN:
            continue
        outputs = _decrypted(res.get("outputs") or {})
        views.append(
            _view(
                res["urn"].rsplit("::", 1)[-1],
                res.get("id"),
                _decrypted(res.get("inputs") or {}),
                outputs,
                [k for k, v in outputs.items() if contains_secrets(v)],
                init_errors=list(res.get("initErrors") or []),
                pending_delete=bool(res.get("delete")),
            )
        )
    return sorted(views, key=json.dumps)


def assert_no_plaintext_secrets(runner: AutomationRunner, ctx: ScenarioContext) -> None:
    """``pulumi stack export`` (no ``--show-secrets``) holds no secret value in plaintext: not the toy's
    generated tokens (additional secret outputs), the secret password input or the secret config."""
    exported = runner.cli("stack", "export")
    tokens = [str(record["token"]) for _, record in live_records(ctx.workdir / "store").values()]
    for plaintext in [*tokens, PARTIAL_PASSWORD, API_KEY]:
        assert plaintext not in exported, f"{plaintext[:6]}... is in plaintext in `pulumi stack export`"


def test_partial_failure_scenario_with_real_engine(tmp_path: Path) -> None:
    harness, engine = HarnessRunner(), AutomationRunner()

    def harness_server(ctx: ScenarioContext) -> Any:
        return {"store": toy_store(ctx), "state": harness_state(harness)}

    def engine_server(ctx: ScenarioContext) -> Any:
        assert_no_plaintext_secrets(engine, ctx)
        return {"store": toy_store(ctx), "state": engine_state(engine)}

    servers: dict[str, Callable[[ScenarioContext], Any]] = {"harness": harness_server, "engine": engine_server}
    runs: dict[str, list[Observed]] = {}
    for label, runner in (("harness", harness), ("engine", engine)):
        runs[label] = observe_run(partial_failure_scenario(), runner, tmp_path / label, servers[label])
    compare("toy-partial-failure", runs["harness"], runs["engine"])

    # What the engine recorded after the failed create (step 0): the object, its outputs, its init errors.
    (after_create,) = runs["engine"][0].server["state"]
    assert after_create["id"] == MASK
    assert after_create["outputs"]["value"] == "partial-create one"
    assert after_create["outputs"]["revision"] == 1
    assert {"token", "password"} <= set(after_create["secret_outputs"])
    assert len(after_create["init_errors"]) == 2
    # ... and the partially failed update (step 4): the old inputs, the new outputs.
    (after_update,) = runs["engine"][4].server["state"]
    assert after_update["inputs"]["value"] == "partial-create one"
    assert after_update["outputs"]["value"] == "partial-update two"
    assert after_update["init_errors"][0].startswith("toy updated thing-a")
