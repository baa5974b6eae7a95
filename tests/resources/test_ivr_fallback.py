"""IvrFallback: the acceptance lifecycle through the engine protocol; expiry (a period and a unix timestamp)
seen as gone by refresh and recreated by up, without waiting (the emulator's clock is moved); and, at
provider level, validation, whole-object writes, the write-only ``expiration``, ownership and lost answers."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pulumi.runtime.rpc import UNKNOWN

import pulumi_iotcomms.resources.ivr_fallback as ivr_module
from pulumi_iotcomms import IvrFallback
from pulumi_iotcomms.api.cache import EXPIRATION_PERIODS
from pulumi_iotcomms.errors import ConflictingObjectError, ServerError
from pulumi_iotcomms.resources import _claims
from pulumi_iotcomms.resources._config import Settings
from pulumi_iotcomms.resources.ivr_fallback import IvrFallbackProvider
from pulumi_iotcomms.testing.harness import Harness, ProviderError
from pulumi_iotcomms.testing.harness.scenario import HarnessRunner, run_scenario
from tests.emulator_client import DOMAIN, TOKEN, EmulatorClient
from tests.resources._lifecycle import Lifecycle, config_for, lifecycle_scenario
from tests.resources._provider_cases import writes

NUMBER = "4612345"
URL = f"/cache/{DOMAIN}/ivrfallback"
AT = 4_102_444_800
"""2100-01-01, unix seconds: a fixed expiry, so the stored object is the same in every run."""
COMMAND: dict[str, Any] = {
    "action": {"type": "call", "dest_addr": "sip:on-call@pbx.example.com", "max_ring_time": 30},
    "phrases": [{"file_name": "closed.wav", "google_tts_parameters": {"voice": {"languageCode": "sv-SE"}}}],
}
COMMAND_WIRE: dict[str, Any] = {
    "action": {"type": "call", "destAddr": "sip:on-call@pbx.example.com", "maxRingTime": 30},
    "phrases": [{"fileName": "closed.wav", "googleTTSParameters": {"voice": {"languageCode": "sv-SE"}}}],
}
INPUTS: dict[str, Any] = {"number": NUMBER, "mode": "onError", "expiration": AT, "command": COMMAND}
WIRE: dict[str, Any] = {"mode": "onError", "expiration": AT, "command": COMMAND_WIRE}


def _edit(emulator: EmulatorClient, number: str) -> None:
    action = {**COMMAND_WIRE["action"], "destAddr": "sip:someone-else@pbx.example.com"}
    emulator.ok("PUT", f"{URL}/{number}", json={**WIRE, "command": {**COMMAND_WIRE, "action": action}})


LIFE = Lifecycle(
    resource=IvrFallback,
    inputs=INPUTS,
    update={"mode": "always"},
    update_write=("PUT", {**WIRE, "mode": "always"}),
    url=lambda number: f"{URL}/{number}",
    edit=_edit,
    remove=lambda emulator, number: emulator.ok("DELETE", f"{URL}/{number}"),
    replace={"number": "4699999"},
)


def test_lifecycle(emulator: EmulatorClient, tmp_path: Path) -> None:
    run_scenario(lifecycle_scenario(LIFE, emulator), HarnessRunner(), tmp_path)


# -- expiry through the engine protocol ----------------------------------------------------------------


def _stack(emulator: EmulatorClient, tmp_path: Path) -> Harness:
    return Harness(state_dir=tmp_path, project="iotcomms-tests", config=config_for(emulator))


def _program(**overrides: Any) -> Callable[[], None]:
    def run() -> None:
        IvrFallback("fallback", domain=DOMAIN, **{**INPUTS, **overrides})

    return run


def _ttl(emulator: EmulatorClient, number: str = NUMBER) -> int:
    return int(emulator.ok("GET", f"{URL}/{number}")["data"]["ttl"])


def test_an_expired_period_is_gone_for_refresh_and_up_sets_it_again(emulator: EmulatorClient, tmp_path: Path) -> None:
    stack = _stack(emulator, tmp_path)
    assert stack.up(_program(expiration="DAY")).changes == {"fallback": "create"}
    first = _ttl(emulator)
    assert abs(first - (time.time() + 86400)) < 60
    assert stack.state.by_name("fallback").outputs["ttl"] == first
    assert stack.refresh().changes == {}

    emulator.set_clock_offset(2 * 86400)  # two days later, for the service
    assert stack.refresh().changes == {"fallback": "drop"}
    assert stack.preview().changes == {"fallback": "create"}
    assert stack.up().changes == {"fallback": "create"}
    assert _ttl(emulator) - first >= 2 * 86400 - 60  # a new day, from the service's now
    assert stack.preview().changes == {}
    emulator.set_clock_offset(0)
    stack.destroy()
    assert emulator.objects() == {}


def test_an_expired_timestamp_is_gone_and_a_new_one_is_needed(emulator: EmulatorClient, tmp_path: Path) -> None:
    soon = int(time.time()) + 3600
    stack = _stack(emulator, tmp_path)
    stack.up(_program(expiration=soon))
    assert _ttl(emulator) == soon

    emulator.set_clock_offset(7200)  # the timestamp has passed for the service (not yet for us)
    assert stack.refresh().changes == {"fallback": "drop"}
    emulator.clear_requests()
    with pytest.raises(ProviderError) as info:
        stack.up()  # written with a timestamp the service has passed: gone at once, and said so
    assert f"IvrFallback {DOMAIN}/{NUMBER} was gone right after it was written" in info.value.details
    assert [m for m, _, _ in writes(emulator)] == ["PUT", "DELETE"]  # the failed create cleans up after itself
    assert stack.state.resources == {}

    later = soon + 86400
    assert stack.up(_program(expiration=later)).changes == {"fallback": "create"}
    assert _ttl(emulator) == later
    emulator.set_clock_offset(0)
    stack.destroy()


def test_a_timestamp_that_has_passed_fails_the_preview_naming_it(emulator: EmulatorClient, tmp_path: Path) -> None:
    from pulumi_iotcomms.testing.harness import CheckFailedError

    with pytest.raises(CheckFailedError) as info:
        _stack(emulator, tmp_path).preview(_program(expiration=1_600_000_000))
    [(prop, reason)] = info.value.failures
    assert prop == "expiration"
    assert "1600000000 has passed" in reason
    assert writes(emulator) == []


# -- provider level ----------------------------------------------------------------------------------


@pytest.fixture
def provider(emulator: EmulatorClient) -> IvrFallbackProvider:
    provider = IvrFallbackProvider()
    provider._settings = Settings(endpoint=emulator.url, token=TOKEN, domain=DOMAIN)
    return provider


@pytest.fixture
def clock() -> Iterator[list[float]]:
    """The provider's clock as a list of one offset in seconds (0 at first), restored afterwards."""
    offset = [0.0]
    saved = ivr_module._clock
    ivr_module._clock = lambda: time.time() + offset[0]
    yield offset
    ivr_module._clock = saved


def _checked(provider: IvrFallbackProvider, olds: dict[str, Any] | None = None, **overrides: Any) -> dict[str, Any]:
    result = provider.check(olds or {}, {"resource_name": "fallback", **INPUTS, **overrides})
    assert [(f.property, f.reason) for f in result.failures] == []
    return dict(result.inputs)


def _created(provider: IvrFallbackProvider, **overrides: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    inputs = _checked(provider, **overrides)
    result = provider.create(inputs)
    _claims.reset()
    assert result.id == f"{DOMAIN}/{inputs['number']}"
    return inputs, dict(result.outs or {})


def _failures(provider: IvrFallbackProvider, **overrides: Any) -> dict[str, str]:
    news = {k: v for k, v in {"resource_name": "fallback", **INPUTS, **overrides}.items() if v is not None}
    return {f.property: f.reason for f in provider.check({}, news).failures}


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        ({"mode": "never"}, "mode"),
        ({"mode": None}, "mode"),
        ({"command": None}, "command"),
        ({"command": "hangup"}, "command"),
        ({"command": {"action": "call"}}, "command.action"),
        ({"command": {"action": {"max_ring_time": "30"}}}, "command.action.max_ring_time"),
        ({"command": {"action": {"max_ring_time": -1}}}, "command.action.max_ring_time"),
        ({"command": {"action": {"sip_pai": 5}}}, "command.action.sip_pai"),
        ({"command": {"action": {"copy_headers": "X-Customer"}}}, "command.action.copy_headers"),
        ({"command": {"action": {"destAddr": "sip:a@b.c"}}}, "command.action.destAddr"),
        ({"command": {"phrases": {"file_name": "a.wav"}}}, "command.phrases"),
        ({"command": {"phrases": [{"refresh_cache": "yes"}]}}, "command.phrases[0].refresh_cache"),
        ({"expiration": "FORTNIGHT"}, "expiration"),
        ({"expiration": "day"}, "expiration"),
        ({"expiration": str(AT)}, "expiration"),
        ({"expiration": -1}, "expiration"),
        ({"expiration": 1.5}, "expiration"),
        ({"expiration": AT * 1000}, "expiration"),
        ({"expiration": int(time.time()) - 60}, "expiration"),
        ({"number": None}, "number"),
        ({"number": "9" * 65}, "number"),
        ({"number": "46 123"}, "number"),
        ({"number": ".."}, "number"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_check_names_the_invalid_property(provider: IvrFallbackProvider, overrides: dict[str, Any], path: str) -> None:
    assert path in _failures(provider, **overrides)


def test_check_explains_the_expiration_it_refuses(provider: IvrFallbackProvider) -> None:
    assert "looks like milliseconds" in _failures(provider, expiration=AT * 1000)["expiration"]
    periods = "'DAY', 'WEEK', 'MONTH', 'QUARTER', 'HALF-YEAR' or 'YEAR'"
    assert periods in _failures(provider, expiration="FORTNIGHT")["expiration"]
    assert "give a later one, or a period" in _failures(provider, expiration=1_600_000_000)["expiration"]


@pytest.mark.parametrize("expiration", [*EXPIRATION_PERIODS, AT, float(AT), None])
def test_check_accepts_each_documented_expiration_form(provider: IvrFallbackProvider, expiration: Any) -> None:
    assert _failures(provider, expiration=expiration) == {}


def test_a_recorded_timestamp_that_has_passed_still_checks(provider: IvrFallbackProvider) -> None:
    """A stack whose fallback expired keeps previewing; only a new past timestamp is refused."""
    passed = int(time.time()) - 60
    recorded = {**_checked(provider), "expiration": passed}
    assert _checked(provider, recorded, expiration=passed)["expiration"] == passed


def test_check_skips_values_unknown_in_a_preview(provider: IvrFallbackProvider) -> None:
    unknown = dict.fromkeys(["number", "mode", "expiration", "command", "domain"], UNKNOWN)
    assert _failures(provider, **unknown) == {}


def test_create_puts_the_whole_object_and_reads_it_back(
    provider: IvrFallbackProvider, emulator: EmulatorClient
) -> None:
    inputs, outs = _created(provider)
    assert writes(emulator) == [("PUT", f"{URL}/{NUMBER}", WIRE)]
    assert outs["ttl"] == AT
    assert emulator.ok("GET", f"{URL}/{NUMBER}")["data"] == {
        **{k: v for k, v in WIRE.items() if k != "expiration"},
        "ttl": AT,
    }
    assert provider.diff(f"{DOMAIN}/{NUMBER}", outs, inputs).changes is False
    read = provider.read(f"{DOMAIN}/{NUMBER}", outs)
    assert read.inputs == inputs
    assert provider.diff(f"{DOMAIN}/{NUMBER}", dict(read.outs or {}), inputs).changes is False


def test_without_expiration_the_documented_default_is_sent(
    provider: IvrFallbackProvider, emulator: EmulatorClient
) -> None:
    inputs, outs = _created(provider, expiration=None)
    assert writes(emulator) == [("PUT", f"{URL}/{NUMBER}", {**WIRE, "expiration": "HALF-YEAR"})]
    assert abs(outs["ttl"] - (time.time() + 182 * 86400)) < 60
    # Giving the default explicitly is no change; removing a given period resets it to the default.
    assert provider.diff("x", outs, {**inputs, "expiration": "HALF-YEAR"}).changes is False
    emulator.ok("PUT", f"{URL}/{NUMBER}", json={**WIRE, "expiration": "DAY"})
    olds = {**inputs, "expiration": "DAY"}
    assert provider.diff("x", olds, inputs).changes is True
    emulator.clear_requests()
    provider.update("x", olds, inputs)
    assert writes(emulator) == [("PUT", f"{URL}/{NUMBER}", {**WIRE, "expiration": "HALF-YEAR"})]


def test_every_change_is_one_put_of_the_whole_object(provider: IvrFallbackProvider, emulator: EmulatorClient) -> None:
    inputs, outs = _created(provider)
    for change in ({"mode": "always"}, {"expiration": "WEEK"}, {"command": {"action": {"type": "hangup"}}}):
        news = {**inputs, **change}
        diff = provider.diff("x", outs, news)
        assert (diff.changes, diff.replaces) == (True, [])
        emulator.clear_requests()
        outs = dict(provider.update("x", outs, news).outs or {})
        ((method, path, body),) = writes(emulator)
        assert (method, path) == ("PUT", f"{URL}/{NUMBER}")
        assert body == provider.spec.model.model_validate({**WIRE, **body}, by_alias=True).to_wire()
        assert set(body) == {"mode", "expiration", "command"}
        assert provider.diff("x", outs, news).changes is False
        inputs = news
    emulator.clear_requests()
    provider.update("x", outs, inputs)
    assert writes(emulator) == []


@pytest.mark.parametrize(("name", "value"), [("domain", "other.example"), ("number", "4600000")])
def test_identity_changes_replace_the_new_object_first(provider: IvrFallbackProvider, name: str, value: str) -> None:
    olds = _checked(provider)
    diff = provider.diff("x", olds, {**olds, name: value})
    assert (diff.changes, diff.replaces, diff.delete_before_replace) == (True, [name], False)


def test_another_expiration_written_elsewhere_is_drift(provider: IvrFallbackProvider, emulator: EmulatorClient) -> None:
    inputs, outs = _created(provider)
    emulator.ok("PUT", f"{URL}/{NUMBER}", json={**WIRE, "expiration": AT + 86400})
    read = provider.read(f"{DOMAIN}/{NUMBER}", outs)
    assert read.inputs is not None
    assert "expiration" not in read.inputs  # not the server's: the next diff sends ours again
    refreshed = dict(read.outs or {})
    assert refreshed["ttl"] == AT + 86400
    assert provider.diff("x", refreshed, inputs).changes is True
    emulator.clear_requests()
    provider.update("x", refreshed, inputs)
    assert writes(emulator) == [("PUT", f"{URL}/{NUMBER}", WIRE)]
    assert _ttl(emulator) == AT


def test_a_period_rewritten_elsewhere_is_drift(provider: IvrFallbackProvider, emulator: EmulatorClient) -> None:
    inputs, outs = _created(provider, expiration="MONTH")
    assert provider.read("x", outs).inputs == inputs  # the ttl of our own write
    emulator.ok("PUT", f"{URL}/{NUMBER}", json={**WIRE, "expiration": "YEAR"})
    read = provider.read("x", outs)
    assert read.inputs is not None
    assert "expiration" not in read.inputs
    assert provider.diff("x", dict(read.outs or {}), inputs).changes is True


def test_an_object_past_its_ttl_is_gone_even_when_the_server_still_answers_it(
    provider: IvrFallbackProvider, emulator: EmulatorClient, clock: list[float]
) -> None:
    """A cache may purge expired entries late: the client goes by ``ttl``."""
    inputs, outs = _created(provider, expiration="DAY")
    clock[0] = 2 * 86400
    assert emulator.call("GET", f"{URL}/{NUMBER}").status_code == 200
    assert provider.read(f"{DOMAIN}/{NUMBER}", outs).id == ""
    # Gone is not an existing object: a create needs no adopt, and writes it again.
    clock[0] = 86400 + 60
    emulator.clear_requests()
    with pytest.raises(Exception, match="was gone right after it was written"):
        provider.create(inputs)  # a day from now has passed too, on this clock
    assert emulator.objects() == {}  # and it was deleted
    clock[0] = 0
    _claims.reset()
    assert provider.create(inputs).id == f"{DOMAIN}/{NUMBER}"
    assert [m for m, _, _ in writes(emulator)] == ["PUT", "DELETE", "PUT"]


def test_create_refuses_an_existing_object_unless_adopting(
    provider: IvrFallbackProvider, emulator: EmulatorClient
) -> None:
    emulator.ok("PUT", f"{URL}/{NUMBER}", json={**WIRE, "mode": "always"})
    inputs = _checked(provider)
    emulator.clear_requests()
    with pytest.raises(
        ConflictingObjectError,
        match=r"(?s)IvrFallback acme.example/4612345 already exists.*differs in: mode.*adopt=True",
    ):
        provider.create(inputs)
    assert writes(emulator) == []
    provider.create({**inputs, "adopt": True})
    assert writes(emulator) == [("PUT", f"{URL}/{NUMBER}", WIRE)]


def test_a_create_whose_answers_are_lost_undoes_its_write(
    provider: IvrFallbackProvider, emulator: EmulatorClient
) -> None:
    inputs = _checked(provider)
    provider._settings = dataclasses.replace(provider.settings, max_retries=0)
    emulator.faults(apply_then_fail_rate=1.0, methods=["PUT"])  # every PUT lands, then answers 502
    with pytest.raises(ServerError) as info:
        provider.create(inputs)
    assert "may have written was undone" in str(info.value.__notes__)
    emulator.faults()
    # Each attempt read the object again and wrote it whole once more; then the write was undone.
    assert [m for m, _, _ in writes(emulator)] == ["PUT", "PUT", "PUT", "DELETE"]
    assert emulator.objects() == {}
    assert provider.create(inputs).id == f"{DOMAIN}/{NUMBER}"


def test_import_by_id_and_delete(provider: IvrFallbackProvider, emulator: EmulatorClient) -> None:
    inputs, outs = _created(provider)
    read = provider.read(f"{DOMAIN}/{NUMBER}", {})
    assert read.id == f"{DOMAIN}/{NUMBER}"
    assert read.inputs is not None
    assert {k: read.inputs[k] for k in ("domain", "number", "mode", "command")} == {
        k: inputs[k] for k in ("domain", "number", "mode", "command")
    }
    provider.delete(f"{DOMAIN}/{NUMBER}", outs)
    assert emulator.objects() == {}
    provider.delete(f"{DOMAIN}/{NUMBER}", outs)  # gone counts as deleted
    assert provider.read(f"{DOMAIN}/{NUMBER}", outs).id == ""
