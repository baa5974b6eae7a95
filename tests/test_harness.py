"""Proves the engine-protocol harness with the toy dynamic provider (tests/harness/toy.py)."""

from __future__ import annotations

import json
import os
import re
import stat
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import grpc  # type: ignore[import-untyped, unused-ignore]
import pulumi
import pytest

from pulumi_iotcomms.resources._partial import STATUS_DETAILS_KEY, status_details
from pulumi_iotcomms.testing.harness import (
    UNKNOWN,
    CheckFailedError,
    Harness,
    HarnessError,
    OperationResult,
    PartialFailureError,
    ProgramError,
    ProviderError,
    Secret,
)
from pulumi_iotcomms.testing.harness.host import init_error_message, rpc_status
from pulumi_iotcomms.testing.harness.props import go_property_string
from pulumi_iotcomms.testing.harness.scenario import HarnessRunner, Scenario, run_scenario
from tests.harness.toy import PARTIAL_CREATE, PARTIAL_UPDATE, TYPE_TOKEN, Plain, Thing, partial_reasons
from tests.harness.toy_scenarios import (
    API_KEY,
    CHECK_FAILURE_A,
    PARTIAL_PASSWORD,
    alias_scenario,
    lifecycle_scenario,
    live_records,
    pair_program,
    partial_failure_scenario,
    partial_program,
    removal_scenario,
    toy_config,
)


def _children() -> set[int]:
    """PIDs of this process's live child processes (Linux /proc)."""
    me = os.getpid()
    kids: set[int] = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == me and fields[0] != "Z":
            kids.add(int(entry.name))
    return kids


@pytest.fixture(autouse=True)
def no_leaked_processes() -> Iterator[None]:
    """Every provider host started by a test must be gone when the test ends."""
    before = _children()
    yield
    assert _children() - before == set()


@pytest.fixture
def harness(tmp_path: Path) -> Harness:
    """A harness for the toy provider, storing objects in ``tmp_path/store``."""
    return Harness(state_dir=tmp_path / "state", project="toytest", config=toy_config(tmp_path))


def _methods(result: OperationResult, name: str) -> list[str]:
    return [call.method for call in result.calls_for(name=name)]


def _assert_host_gone(result: OperationResult) -> None:
    assert result.host_pid is not None
    with pytest.raises(ProcessLookupError):
        os.kill(result.host_pid, 0)


# -- scenarios shared with tests/automation -------------------------------------------------------


@pytest.mark.parametrize(
    "scenario",
    [lifecycle_scenario(), removal_scenario(), alias_scenario(), partial_failure_scenario()],
    ids=lambda s: s.name,
)
def test_toy_scenario(scenario: Scenario, tmp_path: Path) -> None:
    run_scenario(scenario, HarnessRunner(), tmp_path)


# -- protocol details ---------------------------------------------------------------------------------


def test_type_token_and_state_layout(harness: Harness, tmp_path: Path) -> None:
    result = harness.up(pair_program("one"))
    _assert_host_gone(result)
    assert result.plain_outputs["a_value"] == "one"
    state = json.loads(harness.state_path.read_text())
    a = state["resources"]["urn:pulumi:dev::toytest::" + TYPE_TOKEN + "::a"]
    b = next(r for urn, r in state["resources"].items() if urn.endswith("::b"))
    assert a["type"] == TYPE_TOKEN
    assert a["id"] == b["inputs"]["ref"]
    assert b["dependencies"] == [next(urn for urn in state["resources"] if urn.endswith("::a"))]
    assert "token" in a["secret_outputs"]
    assert "__provider" in a["secret_outputs"]
    # Configure got the whole stack config, namespaced, with secrets marked
    configure = result.calls_for("Configure")[0]
    assert configure.request["args"] == {"toy:dir": str(tmp_path / "store"), "toy:apiKey": API_KEY}


def test_preview_calls_only_check_and_sees_unknowns(harness: Harness, tmp_path: Path) -> None:
    result = harness.preview(pair_program("one"))
    assert result.changes == {"a": "create", "b": "create"}
    assert {call.method for call in result.calls} == {"Configure", "Check"}
    (b_check,) = result.calls_for("Check", "b")
    assert b_check.request["news"]["ref"] is UNKNOWN  # a.id is not known before a exists
    assert result.outputs["a_value"] == "one"  # an echoed input stays known
    assert result.outputs["a_token"] is UNKNOWN  # a provider-computed output does not
    assert not harness.state_path.exists()
    assert live_records(tmp_path / "store") == {}


def test_preview_of_update_hides_computed_outputs(harness: Harness) -> None:
    harness.up(pair_program("one"))
    result = harness.preview(pair_program("two"))
    assert result.changes == {"a": "update"}
    assert "Update" not in {call.method for call in result.calls}
    assert result.outputs["a_value"] == "two"
    assert result.outputs["a_token"] is UNKNOWN
    assert result.outputs["b_ref"] == harness.state.by_name("a").id  # b unchanged: old outputs


def test_second_preview_is_empty_and_refresh_is_clean(harness: Harness) -> None:
    harness.up(pair_program("one"))
    second = harness.preview(pair_program("one"))
    assert second.changes == {}
    assert second.changed() is False
    assert harness.refresh().changes == {}


def test_replace_create_before_delete(harness: Harness) -> None:
    harness.up(pair_program("one"))
    old_id = harness.state.by_name("a").id
    result = harness.up(pair_program("one", kind_a="fancy"))
    assert result.changes == {"a": "replace", "b": "update"}
    assert _methods(result, "a") == ["Check", "Diff", "Check", "Create", "Delete"]
    first_check, second_check = result.calls_for("Check", "a")
    assert first_check.request["olds"]["kind"] == "basic"
    assert second_check.request["olds"] == {}  # replacement: Check again without olds
    methods = [(c.method, c.urn.rsplit("::", 1)[-1]) for c in result.calls]
    assert methods.index(("Update", "b")) < methods.index(("Delete", "a"))  # old a deleted last
    assert result.calls_for("Delete", "a")[0].request["id"] == old_id
    assert harness.state.pending_deletes == []


def test_replace_delete_before_replace(harness: Harness) -> None:
    harness.up(pair_program("one"))
    result = harness.up(pair_program("one", kind_a="fancy", dbr_a=True))
    assert result.changes == {"a": "replace", "b": "update"}
    assert result.step("a").delete_before_replace is True
    assert _methods(result, "a") == ["Check", "Diff", "Check", "Delete", "Create"]


def test_delete_before_replace_resource_option(harness: Harness) -> None:
    def program(kind: str) -> Callable[[], None]:
        def run() -> None:
            Thing("a", "v", kind=kind, opts=pulumi.ResourceOptions(delete_before_replace=True))

        return run

    harness.up(program("basic"))
    result = harness.up(program("fancy"))
    assert _methods(result, "a") == ["Check", "Diff", "Check", "Delete", "Create"]


def test_replace_recomputes_auto_name(harness: Harness) -> None:
    def program(value: str, kind: str) -> Callable[[], None]:
        def run() -> None:
            Thing("auto", value, kind=kind)

        return run

    harness.up(program("v1", "basic"))
    first = harness.state.by_name("auto").outputs["physical_name"]
    harness.up(program("v2", "basic"))
    assert harness.state.by_name("auto").outputs["physical_name"] == first  # Check kept olds' name
    harness.up(program("v2", "fancy"))
    assert harness.state.by_name("auto").outputs["physical_name"] != first  # recomputed on replace


def test_replace_on_changes_and_ignore_changes(harness: Harness) -> None:
    def program(value: str, opts: pulumi.ResourceOptions) -> Callable[[], None]:
        def run() -> None:
            Plain("p", value, opts=opts)
            Thing("t", value, physical_name="thing-t", opts=opts)

        return run

    replace_on_value = pulumi.ResourceOptions(replace_on_changes=["value"])
    harness.up(program("one", replace_on_value))
    result = harness.up(program("two", replace_on_value))
    # Plain's diff() has no opinion, so the engine diffs the inputs and knows "value" changed;
    # Thing's diff() answers DIFF_SOME and the dynamic host never fills DiffResponse.diffs, so
    # replaceOnChanges has no changed key to match: an in-place update, as with the real engine.
    assert result.changes == {"p": "replace", "t": "update"}
    ignored = harness.up(program("three", pulumi.ResourceOptions(ignore_changes=["value"])))
    assert ignored.changes == {}
    assert harness.state.by_name("t").inputs["value"] == "two"


def test_program_exception_is_reported_and_nothing_is_deleted(harness: Harness) -> None:
    harness.up(pair_program("one"))

    def broken() -> None:
        Thing("a", "one", physical_name="thing-a")
        raise ValueError("boom")

    with pytest.raises(ProgramError, match="boom"):
        harness.up(broken)
    assert sorted(r.name for r in harness.state.resources.values()) == ["a", "b"]


def test_dependency_order_for_create_and_delete(harness: Harness) -> None:
    created = harness.up(pair_program("one"))
    order = [(c.method, c.urn.rsplit("::", 1)[-1]) for c in created.calls if c.method == "Create"]
    assert order == [("Create", "a"), ("Create", "b")]

    removed = harness.up(lambda: None)
    assert removed.changes == {"a": "delete", "b": "delete"}
    assert [c.urn.rsplit("::", 1)[-1] for c in removed.calls_for("Delete")] == ["b", "a"]
    assert harness.state.resources == {}

    harness.up(pair_program("one"))
    destroyed = harness.destroy()
    assert [c.urn.rsplit("::", 1)[-1] for c in destroyed.calls_for("Delete")] == ["b", "a"]


def test_secrets_are_encrypted_in_state(harness: Harness, tmp_path: Path) -> None:
    password = "hunter2-" + "p4ssw0rd"

    def program() -> None:
        thing = Thing("s", "visible", password=pulumi.Output.secret(password), physical_name="thing-s")
        pulumi.export("token", thing.token)
        pulumi.export("password", thing.password)

    result = harness.up(program)
    token = live_records(tmp_path / "store")["thing-s"][1]["token"]
    text = harness.state_path.read_text()
    for plaintext in (token, password, API_KEY):
        assert plaintext not in text
    assert "visible" in text
    assert result.outputs["token"] == Secret(token)
    state = harness.state
    res = state.by_name("s")
    assert res.outputs["token"] == Secret(token)
    assert res.inputs["password"] == Secret(password)
    assert res.outputs["password"] == Secret(password)  # annotateSecrets: secret in -> secret out
    assert state.outputs["token"] == Secret(token)
    assert sorted(json.loads(text)["secret_outputs"]) == ["password", "token"]
    assert stat.S_IMODE(harness.store.key_path.stat().st_mode) == 0o600
    assert harness.preview(program).changes == {}


def test_check_failure_surfaces_with_property_path(harness: Harness) -> None:
    with pytest.raises(CheckFailedError, match=CHECK_FAILURE_A) as info:
        harness.preview(pair_program(""))
    assert info.value.failures == [("value", "value must be a non-empty string")]
    with pytest.raises(CheckFailedError):
        harness.up(pair_program(""))
    assert harness.state.resources == {}


def test_property_values_print_as_the_engine_prints_them() -> None:
    # Each expectation is what resource.PropertyValue.RedactSecrets() printed (Go, pulumi sdk v3.274.1).
    values = {"a": "x", "n": 300000.0, "b": True, "l": ["p", 1.5, None], "o": {"z": "1", "y": []}}
    assert go_property_string("") == "{}"
    assert go_property_string("x") == "{x}"
    assert [go_property_string(v) for v in (300000.0, 1e6, 1234567.0, 1e-05, 0.0001, 5, -2.25)] == [
        "{300000}",
        "{1e+06}",
        "{1.234567e+06}",
        "{1e-05}",
        "{0.0001}",
        "{5}",
        "{-2.25}",
    ]
    assert go_property_string(True) == "{true}"
    assert go_property_string(None) == "{<nil>}"
    assert go_property_string(Secret("hide")) == "{[secret]}"
    assert go_property_string(UNKNOWN) == "output<string>{}"
    assert go_property_string(["p", 1.5, None]) == "{[{p} {1.5} {<nil>}]}"
    assert go_property_string({**values, "s": Secret("hide"), "u": UNKNOWN}) == (
        "{map[a:{x} b:{true} l:{[{p} {1.5} {<nil>}]} n:{300000} o:{map[y:{[]} z:{1}]} s:{[secret]} u:output<string>{}]}"
    )


def test_check_failures_read_as_the_engines_diagnostics() -> None:
    urn = f"urn:pulumi:dev::p::comp:index:Parent${TYPE_TOKEN}::a::b"
    inputs = {"value": "", "password": Secret("hunter2"), "nested": {"x": 1.0}}
    err = CheckFailedError(
        urn,
        [("value", "must not be empty"), ("password", "too short"), ("nested.x", "too small"), ("", "bad")],
        inputs,
    )
    assert str(err).splitlines() == [
        f"{TYPE_TOKEN} resource 'a::b': property value value {{}} has a problem: must not be empty",
        f"{TYPE_TOKEN} resource 'a::b': property password value {{[secret]}} has a problem: too short",
        f"{TYPE_TOKEN} resource 'a::b': property nested.x value {{<nil>}} has a problem: too small",
        f"{TYPE_TOKEN} resource 'a::b' has a problem: bad",
    ]
    assert "hunter2" not in str(err)
    assert (err.method, err.urn, err.message) == ("Check", urn, str(err))


def test_partial_failure_keeps_successful_steps(harness: Harness, tmp_path: Path) -> None:
    with pytest.raises(ProviderError, match=r"toy refuses to create thing-b: fail-create now") as info:
        harness.up(pair_program("one", value_b="fail-create now"))
    err = info.value
    assert err.method == "Create"
    assert err.urn.endswith("::b")
    assert err.result.changes == {"a": "create"}  # type: ignore[attr-defined]
    assert [r.name for r in harness.state.resources.values()] == ["a"]
    assert set(live_records(tmp_path / "store")) == {"thing-a"}

    result = harness.up(pair_program("one"))
    assert result.changes == {"b": "create"}


def test_failed_delete_of_replaced_resource_stays_pending(harness: Harness, tmp_path: Path) -> None:
    harness.up(pair_program("one"))
    old = harness.state.by_name("a")
    old_file = tmp_path / "store" / f"{old.id}.json"
    old_file.write_text(json.dumps({**json.loads(old_file.read_text()), "locked": True}))

    with pytest.raises(ProviderError, match=r"is locked") as info:
        harness.up(pair_program("one", kind_a="fancy"))
    assert info.value.method == "Delete"
    state = harness.state
    assert state.by_name("a").id != old.id  # the replacement was created and kept
    assert [(r.name, r.id) for r in state.pending_deletes] == [("a", old.id)]
    assert harness.preview().changes == {"a": "delete"}  # the leftover is retried...

    old_file.write_text(json.dumps({**json.loads(old_file.read_text()), "locked": False}))
    retry = harness.up()
    assert retry.changes == {"a": "delete"}
    assert retry.calls_for("Delete")[0].request["id"] == old.id
    assert harness.state.pending_deletes == []
    assert not old_file.exists()


def test_failed_up_does_not_delete_unseen_resources(harness: Harness) -> None:
    harness.up(pair_program("one"))
    with pytest.raises(CheckFailedError):
        harness.up(pair_program("", with_b=False))
    assert sorted(r.name for r in harness.state.resources.values()) == ["a", "b"]


def test_hung_provider_call_hits_the_deadline(tmp_path: Path) -> None:
    harness = Harness(state_dir=tmp_path / "state", project="toyhang", config=toy_config(tmp_path), call_timeout=2.0)

    def program() -> None:
        Thing("slow", "sleep-create:60")

    started = time.monotonic()
    with pytest.raises(ProviderError, match=r"timed out after 2\.0s") as info:
        harness.up(program)
    assert time.monotonic() - started < 30
    _assert_host_gone(info.value.result)  # type: ignore[attr-defined]


def test_directory_program_with_provider_pickled_by_value(tmp_path: Path) -> None:
    program_dir = tmp_path / "example"
    program_dir.mkdir()
    (program_dir / "helper.py").write_text("def shout(text):\n    return text.upper() + '!'\n")
    (program_dir / "__main__.py").write_text(
        textwrap.dedent(
            """
            import os

            import pulumi
            from pulumi.dynamic import ConfigureRequest, CreateResult, Resource, ResourceProvider

            import helper


            class EchoProvider(ResourceProvider):
                def configure(self, req: ConfigureRequest) -> None:
                    self.greeting = req.config.get("greeting")        # project namespace
                    self.token = req.config.get("echo:token")         # secret, unwrapped

                def create(self, props):
                    return CreateResult(
                        "echo-" + props["text"],
                        {
                            "text": props["text"],
                            "shout": helper.shout(props["text"]),
                            "greeting": self.greeting,
                            "token_length": len(self.token),
                            "env": os.environ.get("HARNESS_DEMO_ENDPOINT"),
                        },
                    )


            class Echo(Resource, module="demo", name="Echo"):
                def __init__(self, name, text):
                    props = {"text": text, "shout": None, "greeting": None, "token_length": None, "env": None}
                    super().__init__(EchoProvider(), name, props)


            echo = Echo("e", pulumi.Config().require("text"))
            pulumi.export("shout", echo.shout)
            pulumi.export("greeting", echo.greeting)
            pulumi.export("token_length", echo.token_length)
            pulumi.export("env", echo.env)
            """
        )
    )
    harness = Harness(
        program_dir,
        state_dir=tmp_path / "state",
        project="demo",
        config={"text": "yo", "greeting": "hello", "echo:token": Secret("abcdef")},
        env={"HARNESS_DEMO_ENDPOINT": "http://127.0.0.1:9"},
    )
    result = harness.up()
    assert result.outputs == {
        "shout": "YO!",
        "greeting": "hello",
        "token_length": 6,
        "env": "http://127.0.0.1:9",
    }
    assert harness.state.by_name("e").type == "pulumi-python:dynamic/demo:Echo"
    assert harness.preview().changes == {}
    assert harness.destroy().changes == {"e": "delete"}


# -- partial failures (pulumi_iotcomms.resources._partial.fail_with_state) ---------------------------


def test_init_errors_read_as_the_engines_message() -> None:
    # plugin.InitError.Error(): the reasons listed by hashicorp/go-multierror
    assert init_error_message([]) == "resource init failed"
    assert init_error_message(["one"]) == "1 error occurred:\n\t* one\n\n"
    assert init_error_message(["one", "two"]) == "2 errors occurred:\n\t* one\n\t* two\n\n"


class _FakeRpcError:
    """What :func:`rpc_status` uses of a ``grpc.RpcError``."""

    def __init__(self, code: grpc.StatusCode, details: str, trailers: tuple[tuple[str, bytes], ...]) -> None:
        self._code, self._details, self._trailers = code, details, trailers

    def code(self) -> grpc.StatusCode:
        return self._code

    def details(self) -> str:
        return self._details

    def trailing_metadata(self) -> tuple[tuple[str, bytes], ...]:
        return self._trailers


def test_status_details_are_read_as_grpc_go_reads_them() -> None:
    details = status_details("id-1", {"x": 1}, ["why"], "the provider's message", {"y": 2})
    trailer = (STATUS_DETAILS_KEY, details)
    status = rpc_status(_FakeRpcError(grpc.StatusCode.UNKNOWN, "Traceback ...", (trailer,)))
    assert (status.code, status.message) == (grpc.StatusCode.UNKNOWN, "the provider's message")
    assert status.init_failed is not None
    assert (status.init_failed.id, list(status.init_failed.reasons)) == ("id-1", ["why"])
    # another code in the trailer than the call's: grpc-go fails the call with INTERNAL, no details
    mismatch = rpc_status(_FakeRpcError(grpc.StatusCode.INTERNAL, "boom", (trailer,)))
    assert mismatch.code == grpc.StatusCode.INTERNAL
    assert mismatch.message.startswith("grpc-status-details-bin mismatch")
    assert mismatch.init_failed is None
    # no trailer, or one that is not a google.rpc.Status: the call's own status
    plain = rpc_status(_FakeRpcError(grpc.StatusCode.UNKNOWN, "boom", ()))
    assert (plain.code, plain.message, plain.init_failed) == (grpc.StatusCode.UNKNOWN, "boom", None)
    garbage = rpc_status(_FakeRpcError(grpc.StatusCode.UNKNOWN, "boom", ((STATUS_DETAILS_KEY, b"\xff\xff"),)))
    assert (garbage.message, garbage.init_failed) == ("boom", None)


def test_partially_failed_create_is_recorded_and_updated_next(harness: Harness, tmp_path: Path) -> None:
    value = f"{PARTIAL_CREATE} one"
    with pytest.raises(PartialFailureError) as info:
        harness.up(partial_program(value))
    err = info.value
    reasons = partial_reasons("created", "thing-a", value)
    assert (err.method, err.reasons) == ("Create", reasons)
    assert str(err).endswith(init_error_message(reasons))  # the engine's message: the reasons
    assert "RuntimeError" in err.details  # the provider's traceback is kept aside
    assert err.result.changes == {"a": "create"}  # type: ignore[attr-defined]
    _, record = live_records(tmp_path / "store")["thing-a"]

    state = harness.state.by_name("a")
    assert state.id == record["id"] == err.id
    assert state.init_errors == reasons
    assert state.inputs["value"] == value  # the checked inputs (the error's are not used)
    assert state.outputs["revision"] == 1
    assert state.outputs["token"] == Secret(record["token"])  # additional secret output
    assert state.outputs["password"] == Secret(PARTIAL_PASSWORD)  # secret input -> secret output
    text = harness.state_path.read_text()
    assert json.loads(text)["resources"][state.urn]["init_errors"] == reasons  # the checkpoint's initErrors
    for plaintext in (record["token"], PARTIAL_PASSWORD):
        assert plaintext not in text

    preview = harness.preview()
    assert preview.changes == {"a": "update"}
    assert "Update" not in _methods(preview, "a")
    retry = harness.up()
    assert retry.changes == {"a": "update"}
    (diff,) = retry.calls_for("Diff", "a")
    assert diff.error is None  # the toy's diff found no change; the init errors made it an update
    assert retry.calls_for("Update", "a")[0].request["news"]["value"] == value
    assert harness.state.by_name("a").init_errors == []
    assert "init_errors" not in json.loads(harness.state_path.read_text())["resources"][state.urn]
    assert live_records(tmp_path / "store")["thing-a"][1]["revision"] == 2
    assert harness.preview().changes == {}


def test_partially_failed_update_keeps_the_old_inputs(harness: Harness, tmp_path: Path) -> None:
    harness.up(partial_program("one"))
    old = harness.state.by_name("a")
    value = f"{PARTIAL_UPDATE} two"
    with pytest.raises(PartialFailureError, match=re.escape(partial_reasons("updated", "thing-a", value)[0])) as info:
        harness.up(partial_program(value))
    assert info.value.method == "Update"
    assert info.value.result.changes == {"a": "update"}  # type: ignore[attr-defined]
    state = harness.state.by_name("a")
    assert state.id == old.id
    assert state.inputs == old.inputs  # engine/update.go: old inputs, new outputs
    assert state.outputs["value"] == value
    assert state.outputs["revision"] == 2
    assert state.outputs["token"] == old.outputs["token"]
    assert isinstance(state.outputs["token"], Secret)
    assert state.init_errors == partial_reasons("updated", "thing-a", value)

    # a refresh whose Read succeeds clears the init errors (RefreshStep.Apply)
    refreshed = harness.refresh()
    assert refreshed.changes == {"a": "refresh"}  # the inputs read are the new ones
    assert harness.state.by_name("a").init_errors == []
    assert harness.up().changes == {}


def test_partially_failed_replacement_leaves_the_old_instance_pending(harness: Harness, tmp_path: Path) -> None:
    harness.up(partial_program("one"))
    old = harness.state.by_name("a")
    value = f"{PARTIAL_CREATE} fancy"
    with pytest.raises(PartialFailureError) as info:
        harness.up(partial_program(value, kind="fancy"))
    assert info.value.result.changes == {"a": "replace"}  # type: ignore[attr-defined]
    state = harness.state
    new = state.by_name("a")
    assert new.id != old.id
    assert (new.outputs["kind"], new.init_errors) == ("fancy", partial_reasons("created", "thing-a", value))
    # CreateStep.Apply marks the replaced instance for deletion even when the create failed partially
    assert [(r.name, r.id) for r in state.pending_deletes] == [("a", old.id)]

    retry = harness.up()
    assert [(step.name, step.kind) for step in retry.steps] == [("a", "update"), ("a", "delete")]
    assert retry.calls_for("Delete")[0].request["id"] == old.id
    assert harness.state.pending_deletes == []
    assert harness.state.by_name("a").init_errors == []


def test_init_errors_with_replace_on_changes_star_replace(harness: Harness) -> None:
    def program(value: str) -> Callable[[], None]:
        def run() -> None:
            Thing("a", value, opts=pulumi.ResourceOptions(replace_on_changes=["*"]))

        return run

    harness.up(program("one"))
    with pytest.raises(PartialFailureError):
        harness.up(program(f"{PARTIAL_UPDATE} x"))  # the dynamic diff names no key: an update
    # applyReplaceOnChanges: "*" matches the "#initerror" key of a resource with init errors
    assert harness.preview().changes == {"a": "replace"}
    result = harness.up()
    assert result.changes == {"a": "replace"}
    assert result.step("a").replace_keys == ["#initerror"]
    assert harness.state.by_name("a").init_errors == []


# -- aliases (renames) ------------------------------------------------------------------------------

GROUP_TYPE = "test:index:Group"


def _urn(name: str, type_: str = TYPE_TOKEN) -> str:
    return f"urn:pulumi:dev::toytest::{type_}::{name}"


def _thing(
    name: str, value: str = "v", *, kind: str | None = None, aliases: list[str | pulumi.Alias] | None = None
) -> Callable[[], None]:
    """A program with one auto-named Thing (so a kept ``physical_name`` proves Check got the olds)."""

    def run() -> None:
        Thing(name, value, kind=kind, opts=pulumi.ResourceOptions(aliases=aliases))

    return run


def test_rename_with_alias_is_a_same_step(harness: Harness, tmp_path: Path) -> None:
    harness.up(_thing("old"))
    old = harness.state.by_name("old")
    renamed = _thing("new", aliases=[pulumi.Alias(name="old")])

    preview = harness.preview(renamed)
    assert preview.kinds == {"new": "same"}
    result = harness.up(renamed)
    assert result.kinds == {"new": "same"}
    assert _methods(result, "new") == ["Check", "Diff"]
    assert {call.method for call in result.calls} == {"Configure", "Check", "Diff"}  # no Create/Delete
    assert result.calls_for("Check", "new")[0].request["olds"]["physical_name"] == old.inputs["physical_name"]
    state = harness.state
    assert list(state.resources) == [_urn("new")]
    assert state.by_name("new").id == old.id
    assert state.by_name("new").outputs["physical_name"] == old.outputs["physical_name"]
    assert set(live_records(tmp_path / "store")) == {old.outputs["physical_name"]}
    assert harness.preview(_thing("new")).changes == {}  # the alias has done its job


def test_rename_with_alias_and_input_change_updates_in_place(harness: Harness, tmp_path: Path) -> None:
    harness.up(_thing("old", "v1"))
    old = harness.state.by_name("old")
    result = harness.up(_thing("new", "v2", aliases=[pulumi.Alias(name="old")]))
    assert result.changes == {"new": "update"}
    assert _methods(result, "new") == ["Check", "Diff", "Update"]
    new = harness.state.by_name("new")
    assert (new.urn, new.id, new.outputs["value"], new.outputs["revision"]) == (_urn("new"), old.id, "v2", 2)
    assert list(harness.state.resources) == [_urn("new")]
    _, record = live_records(tmp_path / "store")[old.outputs["physical_name"]]
    assert (record["id"], record["value"], record["revision"]) == (old.id, "v2", 2)


def test_rename_with_alias_and_replacement_deletes_the_old_instance(harness: Harness, tmp_path: Path) -> None:
    harness.up(_thing("old"))
    old = harness.state.by_name("old")
    result = harness.up(_thing("new", kind="fancy", aliases=[pulumi.Alias(name="old")]))
    assert result.changes == {"new": "replace"}
    assert [(c.method, c.urn) for c in result.calls if c.method in ("Create", "Delete")] == [
        ("Create", _urn("new")),
        ("Delete", _urn("old")),  # the old instance, under the URN it was created with
    ]
    assert result.calls_for("Delete")[0].request["id"] == old.id
    state = harness.state
    assert list(state.resources) == [_urn("new")]
    assert state.pending_deletes == []
    assert state.by_name("new").id != old.id
    assert [r["kind"] for _, r in live_records(tmp_path / "store").values()] == ["fancy"]


def test_alias_given_as_a_full_urn(harness: Harness) -> None:
    harness.up(_thing("old"))
    old = harness.state.by_name("old")
    result = harness.up(_thing("new", aliases=[_urn("nowhere"), _urn("old")]))
    assert result.kinds == {"new": "same"}
    assert [(r.urn, r.id) for r in harness.state.resources.values()] == [(_urn("new"), old.id)]


def test_rename_without_alias_creates_and_deletes(harness: Harness, tmp_path: Path) -> None:
    def program(suffix: str, *, alias: bool) -> Callable[[], None]:
        def run() -> None:
            Thing(f"plain{suffix}", "v", physical_name="thing-plain")
            Thing(
                f"aliased{suffix}",
                "v",
                physical_name="thing-aliased",
                opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(name="aliased")] if alias else None),
            )

        return run

    harness.up(program("", alias=False))
    before = {r.name: r.id for r in harness.state.resources.values()}
    result = harness.up(program("2", alias=True))
    assert result.kinds == {"plain2": "create", "aliased2": "same", "plain": "delete"}
    assert [(c.method, c.urn) for c in result.calls if c.method in ("Create", "Delete")] == [
        ("Create", _urn("plain2")),
        ("Delete", _urn("plain")),
    ]
    assert result.calls_for("Delete")[0].request["id"] == before["plain"]
    state = harness.state
    assert sorted(state.resources) == sorted([_urn("plain2"), _urn("aliased2")])
    assert state.by_name("aliased2").id == before["aliased"]
    assert state.by_name("plain2").id != before["plain"]
    assert set(live_records(tmp_path / "store")) == {"thing-plain", "thing-aliased"}


def test_alias_moves_a_resource_into_a_component(harness: Harness) -> None:
    harness.up(_thing("x"))
    old = harness.state.by_name("x")

    def program() -> None:
        group = pulumi.ComponentResource(GROUP_TYPE, "g")
        Thing("x", "v", opts=pulumi.ResourceOptions(parent=group, aliases=[pulumi.Alias(parent=None)]))

    result = harness.up(program)
    assert result.kinds == {"g": "create", "x": "same"}
    assert {call.method for call in result.calls} == {"Configure", "Check", "Diff"}  # no Create/Delete
    state = harness.state
    moved = _urn("x", f"{GROUP_TYPE}${TYPE_TOKEN}")
    assert list(state.resources) == [_urn("g", GROUP_TYPE), moved]
    assert (state.resources[moved].id, state.resources[moved].parent) == (old.id, _urn("g", GROUP_TYPE))


def test_children_inherit_the_alias_of_their_component(harness: Harness) -> None:
    def program(type_: str, name: str, aliases: list[str | pulumi.Alias] | None = None) -> Callable[[], None]:
        def run() -> None:
            group = pulumi.ComponentResource(type_, name, opts=pulumi.ResourceOptions(aliases=aliases))
            Thing(f"{name}-child", "v", opts=pulumi.ResourceOptions(parent=group))

        return run

    harness.up(program(GROUP_TYPE, "g"))
    old = harness.state.by_name("g-child")
    # type and name of the component change; the child (named after it) has no alias of its own
    result = harness.up(program("test:index:Box", "box", [pulumi.Alias(name="g", type_=GROUP_TYPE)]))
    assert result.kinds == {"box": "same", "box-child": "same"}
    assert {call.method for call in result.calls} == {"Configure", "Check", "Diff"}  # no Create/Delete
    state = harness.state
    child = _urn("box-child", f"test:index:Box${TYPE_TOKEN}")
    assert list(state.resources) == [_urn("box", "test:index:Box"), child]
    assert (state.resources[child].id, state.resources[child].parent) == (old.id, _urn("box", "test:index:Box"))


def test_alias_rewrites_references_left_in_the_state(harness: Harness) -> None:
    harness.up(pair_program("one"))

    def program() -> None:
        a = Thing("a2", "one", physical_name="thing-a", opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(name="a")]))
        Thing("b", "", ref=a.id, physical_name="thing-b")  # Check fails: b keeps its old state

    with pytest.raises(CheckFailedError):
        harness.up(program)
    state = harness.state
    assert list(state.resources) == [_urn("a2"), _urn("b")]
    b = state.by_name("b")
    assert b.dependencies == [_urn("a2")]
    assert b.property_dependencies["ref"] == [_urn("a2")]


def test_duplicate_urn_is_the_engines_error(harness: Harness) -> None:
    def program() -> None:
        first = Thing("d", "v")
        Thing("d", "w", opts=pulumi.ResourceOptions(depends_on=[first]))

    with pytest.raises(HarnessError, match=rf"^Duplicate resource URN '{_urn('d')}'; try giving it a unique name$"):
        harness.up(program)


def _duplicate_aliases() -> None:
    first = Thing("n1", "v", opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(name="old")]))
    Thing("n2", "v", opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(name="old")], depends_on=[first]))


def _alias_then_own_urn() -> None:
    first = Thing("n1", "v", opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(name="old")]))
    Thing("old", "v", opts=pulumi.ResourceOptions(depends_on=[first]))


def _own_urn_then_alias() -> None:
    first = Thing("old", "v")
    Thing("n1", "v", opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(name="old")], depends_on=[first]))


@pytest.mark.parametrize(
    ("program", "message"),
    [
        # the engine's diagnostics (diag.GetDuplicateResourceAliasError/...AliasedError), word for word
        (
            _duplicate_aliases,
            r"Duplicate resource alias '\S+::old' applied to resource with URN '\S+::n2' "
            r"conflicting with resource with URN '\S+::n1'",
        ),
        (
            _alias_then_own_urn,
            r"Duplicate resource URN '\S+::old' conflicting with alias on resource with URN '\S+::n1'",
        ),
        (
            _own_urn_then_alias,
            r"Duplicate resource alias '\S+::old' applied to resource with URN '\S+::n1' "
            r"conflicting with resource with URN '\S+::n1'",
        ),
    ],
    ids=["two-aliases", "alias-then-urn", "urn-then-alias"],
)
def test_conflicting_aliases_are_an_error(harness: Harness, program: Callable[[], None], message: str) -> None:
    harness.up(_thing("old"))
    old = harness.state.by_name("old")
    with pytest.raises(HarnessError, match=message) as info:
        harness.up(program)
    assert info.value.result.calls_for("Delete") == []  # type: ignore[attr-defined]
    assert harness.state.resources[_urn("old") if program is _own_urn_then_alias else _urn("n1")].id == old.id
