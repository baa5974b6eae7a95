"""ProvdConfigParam through the engine protocol: the acceptance lifecycle with settings semantics (the value
found before the first write restored by destroy, a number kept a number), typed values, invalid inputs
named before any request, and the password absent from state and logs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pulumi_iotcomms.provd import ProvdConfigParam
from pulumi_iotcomms.resources._provd_config import ProvdSettings
from pulumi_iotcomms.resources.provd_config_param import ProvdConfigParamProvider
from pulumi_iotcomms.testing.harness import ProviderError, Secret
from pulumi_iotcomms.testing.harness.scenario import HarnessRunner, run_scenario
from tests._provd import PASSWORD, USER, ProvdClient, provd, provd_config, provd_server
from tests.reliability._util import CapturingHarness
from tests.resources._lifecycle import state_text
from tests.resources._provd_lifecycle import config_param_scenario

__all__ = ["provd", "provd_server"]


def test_lifecycle(provd: ProvdClient, tmp_path: Path) -> None:
    run_scenario(config_param_scenario(provd), HarnessRunner(), tmp_path)


def _stack(provd: ProvdClient, tmp_path: Path) -> CapturingHarness:
    return CapturingHarness(state_dir=tmp_path, project="iotcomms-tests", config=provd_config(provd))


def test_values_of_each_type_and_null_are_set_and_restored(provd: ProvdClient, tmp_path: Path) -> None:
    proxy = "http://proxy-user:Proxy-Pass-31@proxy.example.com:3128"
    stack = _stack(provd, tmp_path)

    def program() -> None:
        ProvdConfigParam("nat", param_id="NAT", value=1)
        ProvdConfigParam("proxy", param_id="http_proxy", value=proxy)
        ProvdConfigParam("server", param_id="plugin_server", value=None)

    assert stack.up(program).changes == {"nat": "create", "proxy": "create", "server": "create"}
    assert (provd.param("NAT"), provd.param("http_proxy"), provd.param("plugin_server")) == (1, proxy, None)
    assert type(provd.param("NAT")) is int
    recorded = stack.state.by_name("server").outputs["previous_value"]
    assert isinstance(recorded, Secret)
    assert json.loads(recorded.value) == "http://provd.xivo.solutions/plugins/1/stable"
    assert stack.preview(program).changes == {}
    assert stack.refresh().changes == {}
    stack.destroy()
    assert (provd.param("NAT"), provd.param("http_proxy")) == (0, None)
    assert provd.param("plugin_server") == "http://provd.xivo.solutions/plugins/1/stable"
    assert PASSWORD not in state_text(tmp_path)
    assert PASSWORD not in "\n".join(stack.stderr)


def test_a_value_the_server_refuses_fails_and_writes_nothing_else(provd: ProvdClient, tmp_path: Path) -> None:
    stack = _stack(provd, tmp_path)
    with pytest.raises(ProviderError, match="NAT takes 0 or 1"):
        stack.up(lambda: ProvdConfigParam("nat", param_id="NAT", value=3))
    assert provd.param("NAT") == 0


def test_an_unknown_parameter_is_named(provd: ProvdClient, tmp_path: Path) -> None:
    stack = _stack(provd, tmp_path)
    with pytest.raises(ProviderError, match="param_id: the provd server has no parameter 'nope'"):
        stack.up(lambda: ProvdConfigParam("x", param_id="nope", value=1))
    assert provd.provd_writes() == []


@pytest.mark.parametrize(
    ("inputs", "prop"),
    [
        ({"param_id": "NAT", "value": True}, "value"),
        ({"param_id": "NAT", "value": {"a": 1}}, "value"),
        ({"param_id": "NAT", "value": float("nan")}, "value"),
        ({"param_id": "../x", "value": 1}, "param_id"),
        ({"value": 1}, "param_id"),
        ({"param_id": "NAT", "colour": "red"}, "colour"),
    ],
    ids=["bool", "object", "nan", "path", "missing", "unknown"],
)
def test_check_names_the_invalid_property_and_sends_nothing(
    provd: ProvdClient, inputs: dict[str, Any], prop: str
) -> None:
    provider = ProvdConfigParamProvider()
    provider._provd_settings = ProvdSettings(endpoint=provd.url, username=USER, password=PASSWORD)
    failures = provider.check({}, {"resource_name": "p", **inputs}).failures
    assert prop in [f.property for f in failures]
    assert provd.provd_requests() == []


def test_diff_is_pure_and_knows_one_from_one_point_zero() -> None:
    provider = ProvdConfigParamProvider()
    same = provider.diff("NAT", {"param_id": "NAT", "value": 1.0}, {"param_id": "NAT", "value": 1})
    assert not same.changes
    other = provider.diff("NAT", {"param_id": "NAT", "value": 1}, {"param_id": "locale", "value": 1})
    assert other.replaces == ["param_id"]
