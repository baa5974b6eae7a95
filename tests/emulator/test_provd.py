"""The emulated provd server over raw HTTP: digest and basic auth once a user is given, the vendor media
type, the docs' samples, operations in progress that advance, fail and outlive their monitors, the admin
control, faults and reset."""

from __future__ import annotations

import time

import httpx
import pytest

from pulumi_iotcomms.api.provd import parse_oip_status
from pulumi_iotcomms.emulator import Emulator, EmulatorServer
from pulumi_iotcomms.emulator.__main__ import parse_args
from tests._provd import INSTALL, PASSWORD, USER, ProvdClient, provd, provd_server

__all__ = ["provd", "provd_server"]

MEDIA = "application/vnd.proformatique.provd+json"

#: The docs' "Get the Configuration" sample, verbatim.
CONFIGURE_SAMPLE = {
    "params": [
        {
            "description": "The plugins repository URL",
            "id": "plugin_server",
            "links": [{"href": "/provd/configure/plugin_server", "rel": "srv.configure.param"}],
            "value": "http://provd.xivo.solutions/plugins/1/stable",
        },
        {
            "description": 'The proxy for HTTP requests. Format is "http://[user:password@]host:port"',
            "id": "http_proxy",
            "links": [{"href": "/provd/configure/http_proxy", "rel": "srv.configure.param"}],
            "value": None,
        },
        {
            "description": 'The proxy for FTP requests. Format is "http://[user:password@]host:port"',
            "id": "ftp_proxy",
            "links": [{"href": "/provd/configure/ftp_proxy", "rel": "srv.configure.param"}],
            "value": None,
        },
        {
            "description": 'The proxy for HTTPS requests. Format is "host:port"',
            "id": "https_proxy",
            "links": [{"href": "/provd/configure/https_proxy", "rel": "srv.configure.param"}],
            "value": None,
        },
        {
            "description": "The current locale. Example: fr_FR",
            "id": "locale",
            "links": [{"href": "/provd/configure/locale", "rel": "srv.configure.param"}],
            "value": None,
        },
        {
            "description": "Set to 1 if all the devices are behind a NAT.",
            "id": "NAT",
            "links": [{"href": "/provd/configure/NAT", "rel": "srv.configure.param"}],
            "value": 0,
        },
    ]
}

INSTALL_SERVICE_SAMPLE = {
    "links": [
        {"href": f"{INSTALL}/install", "rel": "srv.install.install"},
        {"href": f"{INSTALL}/uninstall", "rel": "srv.install.uninstall"},
        {"href": f"{INSTALL}/installed", "rel": "srv.install.installed"},
        {"href": f"{INSTALL}/installable", "rel": "srv.install.installable"},
        {"href": f"{INSTALL}/upgrade", "rel": "srv.install.upgrade"},
        {"href": f"{INSTALL}/update", "rel": "srv.install.update"},
    ]
}


def test_without_credentials_a_digest_challenge_is_answered(provd: ProvdClient) -> None:
    resp = httpx.get(f"{provd.url}/provd/configure")
    assert resp.status_code == 401
    challenge = resp.headers["www-authenticate"]
    assert challenge.startswith('Digest realm="provd", qop="auth", nonce="')


def test_digest_and_basic_credentials_are_accepted_and_wrong_ones_refused(provd: ProvdClient) -> None:
    assert httpx.get(f"{provd.url}/provd/configure", auth=httpx.DigestAuth(USER, PASSWORD)).status_code == 200
    assert httpx.get(f"{provd.url}/provd/configure", auth=(USER, PASSWORD)).status_code == 200
    assert httpx.get(f"{provd.url}/provd/configure", auth=httpx.DigestAuth(USER, "nope")).status_code == 401
    assert httpx.get(f"{provd.url}/provd/configure", auth=(USER, "nope")).status_code == 401
    provd.control(authScheme="basic")
    assert httpx.get(f"{provd.url}/provd/configure").headers["www-authenticate"] == 'Basic realm="provd"'


def test_a_digest_on_a_nonce_the_server_forgot_is_stale(provd: ProvdClient) -> None:
    assert provd.provd.get("/provd/configure").status_code == 200
    provd.reset()  # forgets its nonces
    resp = provd.provd.get("/provd/configure")  # httpx answers the stale challenge again
    assert resp.status_code == 200


def test_no_user_no_auth() -> None:
    with EmulatorServer(Emulator()) as server:
        resp = httpx.get(f"{server.url}/provd/configure")
    assert resp.status_code == 200


def test_answers_are_the_docs_samples_in_the_vendor_media_type(provd: ProvdClient) -> None:
    resp = provd.provd.get("/provd/configure")
    assert resp.headers["content-type"] == MEDIA
    assert resp.json() == CONFIGURE_SAMPLE
    assert provd.get("/provd/configure/NAT") == {"param": {"value": 0}}
    assert provd.get(INSTALL) == INSTALL_SERVICE_SAMPLE
    assert sorted(provd.installable()) == ["null", "xivo-aastra-3.3.1-SP2"]
    assert sorted(provd.installed()) == ["xivo-aastra-3.3.1-SP2"]
    assert "dsize" not in provd.installed()["xivo-aastra-3.3.1-SP2"]


def test_set_a_parameter_as_documented(provd: ProvdClient) -> None:
    resp = provd.send("PUT", "/provd/configure/NAT", {"param": {"value": 1}})
    assert (resp.status_code, resp.content, resp.headers["content-type"]) == (204, b"", MEDIA)
    assert provd.param("NAT") == 1


@pytest.mark.parametrize(
    ("path", "body", "status", "reason"),
    [
        ("/provd/configure/NAT", {"param": {"value": 2}}, 400, "NAT takes 0 or 1"),
        ("/provd/configure/NAT", {"param": {"value": True}}, 400, "a string, a number or null"),
        ("/provd/configure/locale", {"param": {}}, 400, "param.value: required"),
        ("/provd/configure/nope", {"param": {"value": 1}}, 404, "no configuration parameter"),
    ],
)
def test_bad_writes_are_refused(provd: ProvdClient, path: str, body: object, status: int, reason: str) -> None:
    resp = provd.send("PUT", path, body)
    assert resp.status_code == status
    assert reason in resp.json()["reason"]


def test_a_body_in_another_media_type_is_refused(provd: ProvdClient) -> None:
    resp = provd.provd.put("/provd/configure/NAT", content=b"value=1", headers={"Content-Type": "text/plain"})
    assert resp.status_code == 415


def test_an_install_advances_through_the_documented_grammar_and_outlives_its_monitor(provd: ProvdClient) -> None:
    provd.control(stepSeconds=0.05)
    resp = provd.send("POST", f"{INSTALL}/install", {"id": "null"})
    assert resp.status_code == 201
    monitor = resp.headers["location"]
    assert monitor == f"{INSTALL}/install/1"
    seen = []
    for _ in range(100):
        status = provd.get(monitor)["status"]
        seen.append(parse_oip_status(status))
        if seen[-1].done:
            break
        time.sleep(0.02)
    assert seen[0].state == "progress"
    assert seen[0].subs[0].label == "download"
    assert seen[-1].state == "success"
    assert "null" in provd.installed()
    # Deleting a monitor does not cancel its operation.
    resp = provd.send("POST", f"{INSTALL}/install", {"id": "xivo-aastra-3.3.1-SP2"})
    assert provd.provd.delete(resp.headers["location"]).status_code == 204
    assert provd.provd.get(resp.headers["location"]).status_code == 404
    assert provd.control()["monitors"] == [monitor]


@pytest.mark.parametrize("step", ["download", "install"])
def test_an_install_made_to_fail_fails_in_that_sub_operation(provd: ProvdClient, step: str) -> None:
    provd.control(failInstall={"null": step})
    status = parse_oip_status(provd.run("install", {"id": "null"}))
    assert status.state == "fail"
    assert status.failing() == ("install", step)
    assert "null" not in provd.installed()


def test_update_refreshes_the_installable_list_from_the_catalogue(provd: ProvdClient) -> None:
    assert provd.send("POST", f"{INSTALL}/install", {"id": "xivo-polycom-4.0.4"}).status_code == 400
    assert provd.run("update", {}) == "update|success;3/3"
    assert "xivo-polycom-4.0.4" in provd.installable()
    provd.run("install", {"id": "xivo-polycom-4.0.4"})
    assert provd.run("upgrade", {"id": "xivo-polycom-4.0.9"}).startswith("upgrade|success")
    assert "xivo-polycom-4.0.4" not in provd.installed()
    provd.uninstall("xivo-polycom-4.0.9")
    assert provd.send("POST", f"{INSTALL}/uninstall", {"id": "xivo-polycom-4.0.9"}).status_code == 400


def test_optional_services_can_be_withdrawn(provd: ProvdClient) -> None:
    provd.control(optionalServices=["update"])
    rels = [link["rel"] for link in provd.get(INSTALL)["links"]]
    assert "srv.install.upgrade" not in rels
    assert provd.send("POST", f"{INSTALL}/upgrade", {"id": "null"}).status_code == 404


@pytest.mark.parametrize(
    "body",
    [{"stepSeconds": -1}, {"failInstall": {"null": "boot"}}, {"authScheme": "ntlm"}, {"nope": 1}, []],
)
def test_the_admin_control_refuses_bad_settings(provd: ProvdClient, body: object) -> None:
    assert provd.http.put("/_emulator/provd", json=body).status_code == 400


def test_admin_faults_apply_to_the_provd_routes(provd: ProvdClient) -> None:
    provd.faults(error_rate=1.0, error_statuses=[503])
    assert provd.provd.get("/provd/configure").status_code == 503
    provd.faults()
    assert provd.provd_requests()[-1]["fault"] == "error"


def test_reset_restores_the_samples(provd: ProvdClient) -> None:
    provd.set_param("NAT", 1)
    provd.uninstall("xivo-aastra-3.3.1-SP2")
    provd.reset()
    assert provd.param("NAT") == 0
    assert sorted(provd.installed()) == ["xivo-aastra-3.3.1-SP2"]
    assert provd.control()["stepSeconds"] == 0.1


def test_the_command_line_flag_is_repeatable() -> None:
    args = parse_args(["--provd-user", "a=b", "--provd-user", "c=d=e"])
    assert args.provd_user == [("a", "b"), ("c", "d=e")]
    with pytest.raises(SystemExit):
        parse_args(["--provd-user", "nopassword"])
