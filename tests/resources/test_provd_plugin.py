"""ProvdPlugin through the engine protocol: the acceptance lifecycle (install after updating the list,
upgrade within a family, uninstalled elsewhere, replaced, uninstalled), a failing install naming its
failing sub-operation, replacement where the server offers no upgrade, adoption, progress in the log,
and the password absent from state and logs."""

from __future__ import annotations

from pathlib import Path

import pytest

from pulumi_iotcomms.errors import ConfigurationError
from pulumi_iotcomms.provd import ProvdPlugin
from pulumi_iotcomms.resources._provd_config import ProvdSettings
from pulumi_iotcomms.resources.provd_plugin import ProvdPluginProvider
from pulumi_iotcomms.testing.harness import Harness, ProviderError
from pulumi_iotcomms.testing.harness.scenario import HarnessRunner, run_scenario
from tests._provd import INSTALL, PASSWORD, USER, ProvdClient, monitors, provd, provd_config, provd_server
from tests.reliability._util import CapturingHarness
from tests.resources._lifecycle import state_text
from tests.resources._provd_lifecycle import plugin_scenario

__all__ = ["provd", "provd_server"]


def test_lifecycle(provd: ProvdClient, tmp_path: Path) -> None:
    run_scenario(plugin_scenario(provd), HarnessRunner(), tmp_path)


def _stack(provd: ProvdClient, tmp_path: Path) -> CapturingHarness:
    return CapturingHarness(state_dir=tmp_path, project="iotcomms-tests", config=provd_config(provd))


def test_a_failed_install_fails_naming_the_sub_operation_and_leaves_no_monitor(
    provd: ProvdClient, tmp_path: Path
) -> None:
    provd.control(failInstall={"xivo-cisco-spa-7.5.5": "download"})
    stack = _stack(provd, tmp_path)
    with pytest.raises(ProviderError) as info:
        stack.up(lambda: ProvdPlugin("cisco", plugin_id="xivo-cisco-spa-7.5.5"))
    assert "install of xivo-cisco-spa-7.5.5 failed in its 'download' sub-operation" in info.value.details
    assert monitors(provd) == []
    assert "xivo-cisco-spa-7.5.5" not in provd.installed()
    assert [r for r in stack.state.resources.values() if r.name == "cisco"] == []


def test_progress_is_logged_and_the_password_is_in_no_log_or_state(provd: ProvdClient, tmp_path: Path) -> None:
    stack = _stack(provd, tmp_path)
    stack.up(lambda: ProvdPlugin("cisco", plugin_id="xivo-cisco-spa-7.5.5"))
    log = "\n".join(stack.stderr)
    assert "info: install of xivo-cisco-spa-7.5.5: install/download 0/8192" in log
    assert "update of the installable plugins: update 3/3 (success)" in log
    stack.destroy()
    assert PASSWORD not in "\n".join(stack.stderr)
    assert PASSWORD not in state_text(tmp_path)


def test_without_upgrades_a_new_version_replaces_the_plugin(provd: ProvdClient, tmp_path: Path) -> None:
    provd.control(optionalServices=["update"])
    stack = _stack(provd, tmp_path)
    stack.up(lambda: ProvdPlugin("polycom", plugin_id="xivo-polycom-4.0.4"))
    assert stack.state.by_name("polycom").outputs["upgrade_offered"] is False
    provd.clear_requests()
    assert stack.up(lambda: ProvdPlugin("polycom", plugin_id="xivo-polycom-4.0.9")).changes == {"polycom": "replace"}
    assert [w for w in provd.provd_writes() if w[0] == "POST"] == [
        ("POST", f"{INSTALL}/install", {"id": "xivo-polycom-4.0.9"}),
        ("POST", f"{INSTALL}/uninstall", {"id": "xivo-polycom-4.0.4"}),
    ]
    stack.destroy()
    assert "xivo-polycom-4.0.9" not in provd.installed()


def test_an_installed_plugin_is_taken_over_only_with_adopt(provd: ProvdClient, tmp_path: Path) -> None:
    stack = _stack(provd, tmp_path)
    with pytest.raises(ProviderError) as info:
        stack.up(lambda: ProvdPlugin("aastra", plugin_id="xivo-aastra-3.3.1-SP2"))
    assert "ConflictingObjectError: ProvdPlugin xivo-aastra-3.3.1-SP2 is already installed" in info.value.details
    assert provd.provd_writes() == []
    assert stack.up(lambda: ProvdPlugin("aastra", plugin_id="xivo-aastra-3.3.1-SP2", adopt=True)).changes == {
        "aastra": "create"
    }
    assert provd.provd_writes() == []
    stack.destroy()
    assert "xivo-aastra-3.3.1-SP2" not in provd.installed()


def test_a_plugin_that_cannot_be_installed_says_what_is_installable(provd: ProvdClient, tmp_path: Path) -> None:
    stack = _stack(provd, tmp_path)
    with pytest.raises(ProviderError, match=r"plugin_id: xivo-nothing-1\.0 is not installable"):
        stack.up(lambda: ProvdPlugin("x", plugin_id="xivo-nothing-1.0"))


@pytest.mark.parametrize(
    ("inputs", "prop"),
    [
        ({"plugin_id": "../etc"}, "plugin_id"),
        ({"plugin_id": 5}, "plugin_id"),
        ({}, "plugin_id"),
        ({"plugin_id": "null", "adopt": "yes"}, "adopt"),
        ({"plugin_id": "null", "domain": "x"}, "domain"),
    ],
)
def test_check_names_the_invalid_property_and_sends_nothing(
    provd: ProvdClient, inputs: dict[str, object], prop: str
) -> None:
    provider = ProvdPluginProvider()
    provider._provd_settings = ProvdSettings(endpoint=provd.url, username=USER, password=PASSWORD)
    failures = provider.check({}, {"resource_name": "p", **inputs}).failures
    assert prop in [f.property for f in failures]
    assert provd.provd_requests() == []


def test_configuration_errors_fail_the_preview_naming_the_key(tmp_path: Path) -> None:
    provider = ProvdPluginProvider()
    provider._provd_settings = ProvdSettings(endpoint=None)
    with pytest.raises(ConfigurationError, match="provd:endpoint"):
        provider.check({}, {"resource_name": "p", "plugin_id": "null"})
    provider._provd_settings = ProvdSettings(endpoint="http://127.0.0.1:9", username=USER)
    with pytest.raises(ConfigurationError, match="provd:password"):
        provider.check({}, {"resource_name": "q", "plugin_id": "null"})
    assert "password=" not in repr(ProvdSettings(endpoint="http://x", username=USER, password=PASSWORD))
    harness = Harness(state_dir=tmp_path, config={"provd:endpoint": "not a url"})
    with pytest.raises(Exception, match="provd:endpoint"):
        harness.preview(lambda: ProvdPlugin("p", plugin_id="null"))


def test_a_pickled_provider_carries_no_configuration(provd: ProvdClient) -> None:
    import pickle
    from types import SimpleNamespace

    provider = ProvdPluginProvider()
    provider.configure(SimpleNamespace(config={"provd:endpoint": provd.url, "provd:password": PASSWORD}))  # type: ignore[arg-type]
    assert provider.provd_settings.password == PASSWORD
    data = pickle.dumps(provider)
    assert PASSWORD.encode() not in data
    assert type(pickle.loads(data)) is ProvdPluginProvider


def test_an_operation_whose_answer_was_lost_is_started_again() -> None:
    from pulumi_iotcomms.errors import ServerError
    from pulumi_iotcomms.resources.provd_plugin import _started

    answers: list[object] = [
        ServerError("502", method="POST", path="/x", status=502),
        "/provd/pg_mgr/install/install/9",
    ]

    def start() -> str:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return str(answer)

    assert _started(start) == "/provd/pg_mgr/install/install/9"

    def always_lost() -> str:
        raise ServerError("503", method="POST", path="/x", status=503)

    with pytest.raises(ServerError):
        _started(always_lost)
