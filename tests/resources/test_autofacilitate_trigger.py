"""AutoFacilitateTrigger through the engine protocol, against the emulated Alvaria API over real HTTP.

The pulumi-command lifecycle instead of the CRUD one: the preview executes nothing; create executes once
(the exact requests checked in the emulator's log) and waits for the result; a second preview, an ``up``
again and a refresh send nothing; a change of ``triggers`` (or of the parameters) replaces, executing again;
destroy sends nothing. Also: a token that expires while the result is awaited, secrets absent from the state
and the host's log, a failed result, and the checks that name the property."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pytest

from pulumi_iotcomms.alvaria import AutoFacilitateTrigger
from pulumi_iotcomms.api.alvaria import TOKEN_PATH
from pulumi_iotcomms.errors import ConfigurationError
from pulumi_iotcomms.resources._alvaria_config import AlvariaSettings
from pulumi_iotcomms.resources.autofacilitate_trigger import AutoFacilitateTriggerProvider
from pulumi_iotcomms.testing.harness import ProviderError, Secret
from pulumi_iotcomms.testing.harness.scenario import (
    HarnessRunner,
    Scenario,
    ScenarioContext,
    ScenarioStep,
    StepOutcome,
    run_scenario,
)
from tests._alvaria import (
    API_KEY,
    CLIENT_ID,
    CLIENT_SECRET,
    ORG,
    SERVICE,
    AlvariaClient,
    alvaria,
    alvaria_server,
    execute_path,
)
from tests.reliability._util import CapturingHarness
from tests.resources._lifecycle import state_text

__all__ = ["alvaria", "alvaria_server"]  # the fixtures

NAME = "announce"
PARAMETERS = {"trunk": "pbx-main", "site": "care-home-north"}
CALLBACKS = ["https://ops.example.com/callbacks/trunk"]


def alvaria_config(alvaria: AlvariaClient) -> dict[str, Any]:
    """Stack config aimed at the Alvaria emulator, the client secret and API key as secrets."""
    return {
        "alvaria:orgId": ORG,
        "alvaria:endpoint": alvaria.url,
        "alvaria:tokenUrl": alvaria.url + TOKEN_PATH,
        "alvaria:clientId": CLIENT_ID,
        "alvaria:clientSecret": Secret(CLIENT_SECRET),
        "alvaria:apiKey": Secret(API_KEY),
        "alvaria:maxRetries": "1",
        "alvaria:timeoutSeconds": "20",
    }


def program(**overrides: Any) -> Callable[[], None]:
    """A program declaring the trigger and exporting its id and outputs."""

    def run() -> None:
        args: dict[str, Any] = {
            "service": SERVICE,
            "trigger_parameters": PARAMETERS,
            "callback_urls": CALLBACKS,
            "triggers": ["v1"],
            **overrides,
        }
        trigger = AutoFacilitateTrigger(NAME, **args)
        pulumi.export("id", trigger.id)
        pulumi.export("trigger_uuid", trigger.trigger_uuid)
        pulumi.export("message", trigger.message)
        pulumi.export("result_status", trigger.result_status)

    return run


def calls(alvaria: AlvariaClient) -> list[tuple[str, str, int]]:
    """``(method, path, status)`` of the requests the Alvaria routes got since the log was cleared."""
    return [(r["method"], r["path"], r["status"]) for r in alvaria.alvaria_requests()]


def executed_once(alvaria: AlvariaClient, body: dict[str, Any]) -> Callable[[StepOutcome, ScenarioContext], None]:
    """A step's check: a token, one execute with ``body``, then result polls until 204; nothing else."""

    def check(outcome: StepOutcome, ctx: ScenarioContext) -> None:
        seen = calls(alvaria)
        assert seen[:2] == [("POST", TOKEN_PATH, 200), ("POST", execute_path(), 200)], seen
        polls = seen[2:]
        assert polls, seen
        assert all(method == "GET" and path.endswith(outcome.outputs["trigger_uuid"]) for method, path, _ in polls)
        assert [status for *_, status in polls] == [202] * (len(polls) - 1) + [204]
        executes = [r["body"] for r in alvaria.alvaria_requests() if r["path"] == execute_path()]
        assert executes == [body]
        assert outcome.outputs["id"] == f"{SERVICE}/{outcome.outputs['trigger_uuid']}"
        assert outcome.outputs["message"] == f"Successfully triggered {SERVICE}@{ORG}"
        assert outcome.outputs["result_status"] == "completed"
        assert outcome.outputs["trigger_uuid"] not in ctx.data.setdefault("uuids", [])
        ctx.data["uuids"].append(outcome.outputs["trigger_uuid"])

    return check


def trigger_scenario(alvaria: AlvariaClient) -> Scenario:
    """The trigger's lifecycle against ``alvaria`` (reset)."""
    alvaria.control(resultSeconds=0.6)  # long enough for the create to poll more than once
    clear = lambda _ctx: alvaria.clear_requests()  # noqa: E731

    def nothing_sent(_outcome: StepOutcome, _ctx: ScenarioContext) -> None:
        assert calls(alvaria) == []

    def no_secrets_in_state(_outcome: StepOutcome, ctx: ScenarioContext) -> None:
        text = state_text(ctx.workdir)
        assert f"::{NAME}" in text, f"no state holding {NAME!r} under {ctx.workdir}"
        for secret in (CLIENT_SECRET, API_KEY):
            assert secret not in text, f"secret {secret[:6]}... in plaintext state"
        assert "Bearer" not in text

    wire = {"triggerParameters": PARAMETERS, "callbackUrls": CALLBACKS}
    moved = {**PARAMETERS, "site": "care-home-south"}
    steps = [
        ScenarioStep("preview", program(), expect={NAME: "create"}, before=clear, check=nothing_sent, label="preview"),
        ScenarioStep("up", expect={NAME: "create"}, before=clear, check=executed_once(alvaria, wire), label="create"),
        ScenarioStep("preview", expect={}, before=clear, check=nothing_sent, label="second preview is empty"),
        ScenarioStep("up", expect={}, before=clear, check=nothing_sent, label="up again executes nothing"),
        ScenarioStep("refresh", expect={}, before=clear, check=nothing_sent, label="refresh without drift"),
        ScenarioStep(
            "up",
            program(result_timeout_seconds=120),
            expect={},
            before=clear,
            check=nothing_sent,
            label="a new timeout executes nothing",
        ),
        ScenarioStep(
            "preview",
            program(triggers=["v2"]),
            expect={NAME: "replace"},
            before=clear,
            check=nothing_sent,
            label="preview of a new trigger value executes nothing",
        ),
        ScenarioStep(
            "up", expect={NAME: "replace"}, before=clear, check=executed_once(alvaria, wire), label="triggers replace"
        ),
        ScenarioStep(
            "up",
            program(triggers=["v2"], trigger_parameters=moved),
            expect={NAME: "replace"},
            before=clear,
            check=executed_once(alvaria, {**wire, "triggerParameters": moved}),
            label="new parameters replace",
        ),
        ScenarioStep("preview", expect={}, check=no_secrets_in_state, label="converged"),
        ScenarioStep("destroy", expect={NAME: "delete"}, before=clear, check=nothing_sent, label="destroy"),
    ]
    return Scenario(
        name="lifecycle-AutoFacilitateTrigger",
        steps=steps,
        config=lambda _workdir: alvaria_config(alvaria),
        project="iotcomms-tests",
    )


def test_lifecycle(alvaria: AlvariaClient, tmp_path: Path) -> None:
    run_scenario(trigger_scenario(alvaria), HarnessRunner(), tmp_path)


def _stack(alvaria: AlvariaClient, tmp_path: Path) -> CapturingHarness:
    return CapturingHarness(
        state_dir=tmp_path,
        project="iotcomms-tests",
        config=alvaria_config(alvaria),
        env={"IOTCOMMS_LOG_LEVEL": "DEBUG"},
    )


def test_a_token_that_expires_mid_run_and_no_secret_in_state_or_log(alvaria: AlvariaClient, tmp_path: Path) -> None:
    # The server drops tokens after 0.3 s while the answer says 1 s: polls between them are refused, the
    # provider fetches a new token once and goes on (renewing before the 1 s ones ran out).
    alvaria.control(tokenLifetimeSeconds=0.3, resultSeconds=1.2)
    stack = _stack(alvaria, tmp_path)
    result = stack.up(program())
    assert result.changes == {NAME: "create"}
    seen = calls(alvaria)
    assert [c for c in seen if c[1] == execute_path() and c[2] == 200] == [("POST", execute_path(), 200)]
    refused = [i for i, c in enumerate(seen) if c[2] == 401]
    assert refused, seen
    assert all(seen[i + 1] == ("POST", TOKEN_PATH, 200) for i in refused)  # each refusal: one new token
    assert seen[-1][2] == 204
    log = "\n".join(stack.stderr)
    uuid = result.plain_outputs["trigger_uuid"]
    assert f"AutoFacilitate service {SERVICE} triggered: {uuid}" in log
    assert f"{SERVICE}: trigger {uuid} still running after" in log
    stack.destroy()
    texts = {"state": state_text(tmp_path), "host log": log + "\n".join(stack.stderr)}
    leaks = [(where, s[:6]) for where, text in texts.items() for s in (CLIENT_SECRET, API_KEY) if s in text]
    assert leaks == []
    assert "Bearer" not in texts["host log"]


def test_a_failed_result_fails_the_create_and_the_next_up_executes_again(
    alvaria: AlvariaClient, tmp_path: Path
) -> None:
    alvaria.control(failingServices={SERVICE: "no agent available"})
    stack = _stack(alvaria, tmp_path)
    with pytest.raises(ProviderError, match="no agent available"):
        stack.up(program())
    assert NAME not in {r.name for r in stack.state.resources.values()}
    alvaria.control(failingServices={})
    alvaria.clear_requests()
    assert stack.up(program()).changes == {NAME: "create"}
    assert [c for c in calls(alvaria) if c[1] == execute_path()] == [("POST", execute_path(), 200)]


def test_a_result_still_running_after_the_timeout_fails_naming_the_input(
    alvaria: AlvariaClient, tmp_path: Path
) -> None:
    alvaria.control(resultSeconds=30)
    with pytest.raises(ProviderError, match="raise result_timeout_seconds"):
        _stack(alvaria, tmp_path).up(program(result_timeout_seconds=0.5))


def _provider(**settings: Any) -> AutoFacilitateTriggerProvider:
    provider = AutoFacilitateTriggerProvider()
    base = {
        "org_id": ORG,
        "endpoint": "https://acme.example",
        "token_url": "https://id.example/token",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "api_key": API_KEY,
    }
    provider._settings = AlvariaSettings(**{**base, **settings})
    return provider


@pytest.mark.parametrize(
    ("inputs", "prop", "words"),
    [
        ({}, "service", "required"),
        ({"service": ""}, "service", "at least 1 character"),
        ({"service": SERVICE, "trigger_parameters": {"a": 1}}, "trigger_parameters.a", "string"),
        ({"service": SERVICE, "callback_urls": ["ftp://x.example/cb"]}, "callback_urls[0]", "http"),
        ({"service": SERVICE, "triggers": "v1"}, "triggers", "list"),
        ({"service": SERVICE, "result_timeout_seconds": -1}, "result_timeout_seconds", "positive"),
        ({"service": SERVICE, "domain": "acme.example"}, "domain", "allowed: callback_urls, result_timeout_seconds"),
    ],
)
def test_check_names_the_invalid_property(inputs: dict[str, Any], prop: str, words: str) -> None:
    failures = _provider().check({}, inputs).failures or []
    assert [f.property for f in failures] == [prop], failures
    assert words in failures[0].reason


@pytest.mark.parametrize(
    ("settings", "key"),
    [
        ({"org_id": None}, "alvaria:orgId"),
        ({"org_id": "acme contact"}, "alvaria:orgId"),
        ({"token_url": None}, "alvaria:region"),
        ({"token_url": None, "region": "EU 1"}, "alvaria:region"),
        ({"client_id": None}, "alvaria:clientId"),
        ({"client_secret": None}, "alvaria:clientSecret"),
        ({"api_key": None}, "alvaria:apiKey"),
    ],
)
def test_check_fails_on_missing_configuration_naming_the_key(settings: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        _provider(**settings).check({}, {"service": SERVICE})
    assert caught.value.key == key
    assert key in str(caught.value)


def test_configuration_from_the_environment_and_documented_defaults() -> None:
    env = {
        "ALVARIA_ORG_ID": "acme",
        "ALVARIA_REGION": "na1",
        "ALVARIA_CLIENT_ID": CLIENT_ID,
        "ALVARIA_CLIENT_SECRET": CLIENT_SECRET,
        "ALVARIA_API_KEY": API_KEY,
    }
    settings = AlvariaSettings.load(None, env)
    settings.validate()
    assert settings.resolved_endpoint() == "https://acme.via.aspect-cloud.net"
    assert settings.resolved_token_url() == "https://myaspect.na1.id.aspect-cloud.net/tokenservice/oauth2/access_token"
    assert CLIENT_SECRET not in repr(settings)
    assert API_KEY not in repr(settings)
    with pytest.raises(ConfigurationError, match="alvaria:timeoutSeconds"):
        AlvariaSettings.load(None, {**env, "ALVARIA_TIMEOUT_SECONDS": "0"})


def test_the_pickled_provider_carries_nothing() -> None:
    provider = _provider()
    blob = pickle.dumps(provider)
    assert CLIENT_SECRET.encode() not in blob
    assert API_KEY.encode() not in blob
    assert pickle.loads(blob)._settings is None
