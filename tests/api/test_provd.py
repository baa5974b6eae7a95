"""The provd API layer against the docs: the OIP status grammar (every documented example, malformed
strings), and the configure and install services through real HTTP to the emulator (digest and basic
auth, the vendor media type, monitors followed and always deleted)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from pulumi_iotcomms._auth import NoAuth, PasswordAuth
from pulumi_iotcomms._transport import Transport
from pulumi_iotcomms.api.provd import (
    MEDIA_TYPE,
    OipStatus,
    OipStatusError,
    OperationFailedError,
    ProvdApi,
    family_of,
    parse_oip_status,
)
from pulumi_iotcomms.errors import ApiError, BadRequestError, DeadlineExceededError, NotFoundError, UnauthorizedError
from tests._provd import FAST, PASSWORD, USER, ProvdClient, monitors, provd, provd_server

__all__ = ["provd", "provd_server"]

S = OipStatus

#: Every example of the docs' "Get Current Status", with the tree it stands for.
DOCUMENTED: list[tuple[str, OipStatus]] = [
    ("progress", S("progress")),
    ("download|progress", S("progress", "download")),
    ("download|progress;10", S("progress", "download", 10)),
    ("download|progress;10/100", S("progress", "download", 10, 100)),
    (
        "download|progress(file_1|progress;20/100)(file_2|waiting;0/50)",
        S("progress", "download", subs=(S("progress", "file_1", 20, 100), S("waiting", "file_2", 0, 50))),
    ),
    (
        "download|progress;20/150(file_1|progress)(file_2|waiting)",
        S("progress", "download", 20, 150, (S("progress", "file_1"), S("waiting", "file_2"))),
    ),
    (
        "op|progress(op1|progress(op11|progress)(op12|waiting))(op2|progress)",
        S(
            "progress",
            "op",
            subs=(
                S("progress", "op1", subs=(S("progress", "op11"), S("waiting", "op12"))),
                S("progress", "op2"),
            ),
        ),
    ),
]


@pytest.mark.parametrize(("text", "tree"), DOCUMENTED, ids=[t for t, _ in DOCUMENTED])
def test_every_documented_status_parses_into_its_tree_and_back(text: str, tree: OipStatus) -> None:
    assert parse_oip_status(text) == tree
    assert str(tree) == text


@pytest.mark.parametrize("state", ["waiting", "progress", "success", "fail"])
def test_the_four_states(state: str) -> None:
    assert parse_oip_status(f"x|{state};1/2").state == state
    assert parse_oip_status(state).done == (state in ("success", "fail"))


MALFORMED = [
    "",
    "done",
    "PROGRESS",
    "progres",
    "|progress",
    "a|b|progress",
    "download|",
    "progress;",
    "progress;a",
    "progress;-1",
    "progress;1/",
    "progress;1/2/3",
    "progress;1.5",
    "progress(",
    "progress()",
    "progress(x|waiting",
    "progress)",
    "progress(x|waiting))",
    "progress (x|waiting)",
    " progress",
    "progress\n",
    "download|progress;10/100(file_1|progress;20/100",
]


@pytest.mark.parametrize("text", MALFORMED, ids=repr)
def test_malformed_statuses_are_refused_saying_where(text: str) -> None:
    with pytest.raises(OipStatusError) as info:
        parse_oip_status(text)
    assert 0 <= info.value.position <= len(text)
    assert repr(text) in str(info.value)


@pytest.mark.parametrize("value", [None, 5, b"progress", ["progress"]])
def test_a_status_that_is_not_a_string_is_refused(value: Any) -> None:
    with pytest.raises(OipStatusError, match="expected a string"):
        parse_oip_status(value)


def test_failing_names_the_path_to_the_innermost_failed_sub_operation() -> None:
    assert parse_oip_status("install|fail(download|fail;5/10)(install|waiting)").failing() == ("install", "download")
    assert parse_oip_status("op|fail(a|success)(b|progress(c|fail))").failing() == ("op", "b", "c")
    assert parse_oip_status("fail").failing() == ("?",)
    assert parse_oip_status("op|progress(a|success)").failing() == ()


def test_progress_lines_read_as_the_log_shows_them() -> None:
    status = parse_oip_status("install|progress(download|progress;10/100)(install|waiting)")
    assert status.progress() == ["install progress", "install/download 10/100", "install/install waiting"]
    assert parse_oip_status("update|success;3/3").progress() == ["update 3/3 (success)"]


@pytest.mark.parametrize(
    ("package", "family"),
    [
        ("xivo-polycom-4.0.4", "xivo-polycom"),
        ("xivo-aastra-3.3.1-SP2", "xivo-aastra"),
        ("xivo-cisco-spa-7.5.5", "xivo-cisco-spa"),
        ("null", "null"),
    ],
)
def test_a_plugin_family_is_its_id_without_the_trailing_version(package: str, family: str) -> None:
    assert family_of(package) == family


# -- over HTTP --------------------------------------------------------------------------------------------


@pytest.fixture
def api(provd: ProvdClient) -> Iterator[ProvdApi]:
    transport = Transport(
        provd.url, PasswordAuth(USER, PASSWORD, config_prefix="provd"), media_type=MEDIA_TYPE, max_retries=1
    )
    with transport:
        yield ProvdApi(transport)


def test_configure_lists_the_documented_parameters(api: ProvdApi) -> None:
    params = {p.id: p for p in api.params()}
    assert list(params) == ["plugin_server", "http_proxy", "ftp_proxy", "https_proxy", "locale", "NAT"]
    assert params["plugin_server"].value == "http://provd.xivo.solutions/plugins/1/stable"
    assert params["NAT"].value == 0
    assert type(params["NAT"].value) is int
    assert params["locale"].value is None
    assert params["NAT"].description == "Set to 1 if all the devices are behind a NAT."


def test_get_and_set_one_parameter_as_documented(api: ProvdApi, provd: ProvdClient) -> None:
    assert api.get_param("NAT") == 0
    provd.clear_requests()
    api.set_param("NAT", 1)
    assert provd.provd_writes() == [("PUT", "/provd/configure/NAT", {"param": {"value": 1}})]
    assert api.get_param("NAT") == 1
    api.set_param("locale", "fr_FR")
    assert api.get_param("locale") == "fr_FR"
    api.set_param("locale", None)
    assert api.get_param("locale") is None


def test_an_unknown_parameter_is_not_found_and_a_bad_value_refused(api: ProvdApi) -> None:
    with pytest.raises(NotFoundError):
        api.get_param("nope")
    with pytest.raises(BadRequestError, match="NAT takes 0 or 1"):
        api.set_param("NAT", 7)


def test_install_service_links_and_package_lists_are_the_documented_samples(api: ProvdApi) -> None:
    assert api.services() == {"install", "uninstall", "installed", "installable", "upgrade", "update"}
    installable = api.installable()
    assert sorted(installable) == ["null", "xivo-aastra-3.3.1-SP2"]
    assert installable["null"].dsize == 1073
    assert installable["null"].sha1sum == "90b2fb6c2b135a9d539488b6a85779dd95e0e876"
    assert installable["xivo-aastra-3.3.1-SP2"].version == "1.1"
    assert installable["xivo-aastra-3.3.1-SP2"].capabilities["Aastra, 6731i, 3.3.1.2235"] == {  # type: ignore[index]
        "sip.lines": 6,
        "switchboard": True,
    }
    installed = api.installed()
    assert list(installed) == ["xivo-aastra-3.3.1-SP2"]
    assert installed["xivo-aastra-3.3.1-SP2"].dsize is None


def test_update_then_install_follows_the_monitors_logs_progress_and_deletes_them(
    api: ProvdApi, provd: ProvdClient
) -> None:
    lines: list[str] = []
    final = api.follow(api.update(), what="update", on_progress=lines.append, first_poll_seconds=0.01)
    assert final.state == "success"
    assert "xivo-polycom-4.0.4" in api.installable()
    provd.clear_requests()
    provd.control(stepSeconds=0.05)
    final = api.follow(
        api.install("xivo-polycom-4.0.4"), what="install", on_progress=lines.append, first_poll_seconds=0.01
    )
    assert final.state == "success"
    assert "xivo-polycom-4.0.4" in api.installed()
    assert any(line.startswith("install: install/download ") and "/24680" in line for line in lines), lines
    writes = provd.provd_writes()
    assert writes[0] == ("POST", "/provd/pg_mgr/install/install", {"id": "xivo-polycom-4.0.4"})
    assert writes[-1][:2] == ("DELETE", "/provd/pg_mgr/install/install/2")
    assert monitors(provd) == []


def test_a_failed_install_names_the_failing_sub_operation_and_its_monitor_is_deleted(
    api: ProvdApi, provd: ProvdClient
) -> None:
    provd.control(failInstall={"null": "download"})
    with pytest.raises(OperationFailedError) as info:
        api.follow(api.install("null"), what="install of null", first_poll_seconds=0.01)
    assert info.value.failing == ("install", "download")
    assert "install of null failed in its 'download' sub-operation" in str(info.value)
    assert monitors(provd) == []
    assert "null" not in api.installed()


def test_a_wait_that_times_out_still_deletes_the_monitor(api: ProvdApi, provd: ProvdClient) -> None:
    provd.control(stepSeconds=60)
    with pytest.raises(DeadlineExceededError, match=r"did not end within 0\.1 s"):
        api.follow(api.install("null"), what="install of null", timeout_seconds=0.1, first_poll_seconds=0.02)
    assert monitors(provd) == []


def test_polling_that_fails_still_deletes_the_monitor(api: ProvdApi, provd: ProvdClient) -> None:
    provd.control(stepSeconds=60)
    monitor = api.install("null")
    provd.faults(error_rate=1.0, error_statuses=[502], methods=["GET"])
    with pytest.raises(ApiError, match="502"):
        api.follow(monitor, what="install of null", first_poll_seconds=0.01)
    provd.faults()
    assert monitors(provd) == []


def test_upgrade_replaces_the_installed_member_of_the_family(api: ProvdApi, provd: ProvdClient) -> None:
    provd.control(stepSeconds=0)
    api.follow(api.update(), what="update")
    api.follow(api.install("xivo-polycom-4.0.4"), what="install")
    api.follow(api.upgrade("xivo-polycom-4.0.9"), what="upgrade")
    installed = api.installed()
    assert "xivo-polycom-4.0.9" in installed
    assert "xivo-polycom-4.0.4" not in installed
    assert installed["xivo-polycom-4.0.9"].version == "1.2"
    api.uninstall("xivo-polycom-4.0.9")
    assert "xivo-polycom-4.0.9" not in api.installed()


def test_optional_services_may_be_missing(api: ProvdApi, provd: ProvdClient) -> None:
    provd.control(optionalServices=[])
    assert api.services() == {"install", "uninstall", "installed", "installable"}
    with pytest.raises(NotFoundError):
        api.update()


@pytest.mark.parametrize("scheme", ["digest", "basic"])
def test_the_credentials_answer_the_scheme_the_server_asks_for(provd: ProvdClient, scheme: str) -> None:
    provd.control(authScheme=scheme)
    auth = PasswordAuth(USER, PASSWORD, config_prefix="provd")
    with Transport(provd.url, auth, media_type=MEDIA_TYPE) as transport:
        assert ProvdApi(transport).get_param("NAT") == 0
        assert ProvdApi(transport).get_param("NAT") == 0  # the second answers the challenge directly
    assert f"scheme='{scheme}'" in repr(auth)
    assert PASSWORD not in repr(auth)
    statuses = [r["status"] for r in provd.provd_requests()]
    assert statuses == [401, 200, 200]


def test_wrong_credentials_fail_once_naming_the_provd_keys(provd: ProvdClient) -> None:
    hints = {401: "check the provd:username and provd:password configuration"}
    auth = PasswordAuth(USER, "not-the-pass-8e2", config_prefix="provd")
    with (
        Transport(provd.url, auth, media_type=MEDIA_TYPE, error_hints=hints) as transport,
        pytest.raises(UnauthorizedError, match="provd:password") as info,
    ):
        ProvdApi(transport).params()
    assert "not-the-pass-8e2" not in str(info.value)
    assert [r["status"] for r in provd.provd_requests()] == [401, 401]


def test_no_credentials_are_refused_by_a_server_with_users(provd: ProvdClient) -> None:
    with Transport(provd.url, NoAuth(), media_type=MEDIA_TYPE) as transport, pytest.raises(UnauthorizedError):
        ProvdApi(transport).params()


def test_credentials_refuse_pickling_and_half_given_ones_name_the_key() -> None:
    import pickle

    from pulumi_iotcomms.errors import ConfigurationError

    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(PasswordAuth(USER, PASSWORD))
    with pytest.raises(ConfigurationError, match="provd:password"):
        PasswordAuth(USER, "", config_prefix="provd")
    with pytest.raises(ConfigurationError, match="provd:username"):
        PasswordAuth("a:b", PASSWORD, config_prefix="provd")


def test_the_pace_is_fast_in_these_tests(provd: ProvdClient) -> None:
    assert provd.control()["stepSeconds"] == FAST


# -- the credentials on their own -------------------------------------------------------------------------


def test_the_digest_answers_rfc_2617s_example(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("pulumi_iotcomms._auth.secrets.token_hex", lambda _n: "0a4f113b")  # the RFC's cnonce
    auth = PasswordAuth("Mufasa", "Circle Of Life")
    assert auth.header_for("GET", "/dir/index.html") is None  # nothing before a challenge
    challenge = (
        'Digest realm="testrealm@host.com", qop="auth,auth-int", '
        'nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"'
    )
    assert auth.answer_challenge(challenge)
    header = auth.header_for("GET", "/dir/index.html") or ""
    assert 'response="6629fae49393a05397450978507c4ef1"' in header
    assert "nc=00000001" in header
    assert 'opaque="5ccc069c403ebaf9f0171e9517f40e41"' in header
    assert "nc=00000002" in (auth.header_for("GET", "/dir/index.html") or "")
    # The same nonce refused again: the credentials are wrong, not worth another try; a stale one is.
    assert not auth.answer_challenge(challenge)
    assert auth.answer_challenge(challenge + ", stale=true")


@pytest.mark.parametrize(
    ("challenge", "scheme"),
    [
        ('Basic realm="provd"', "basic"),
        ('Digest realm="provd", nonce="n", algorithm=SHA-256', "digest"),
        ('Basic realm="x", Digest realm="provd", nonce="n", qop="auth"', "digest"),
        ('Digest realm="provd", nonce="n", algorithm=SHA-512-256, Basic realm="x"', "basic"),
        ("Bearer", None),
        ("", None),
        ('Digest realm="provd"', None),  # no nonce
    ],
)
def test_the_scheme_follows_the_challenge(challenge: str, scheme: str | None) -> None:
    auth = PasswordAuth(USER, PASSWORD)
    assert auth.answer_challenge(challenge) == (scheme is not None)
    header = auth.header_for("GET", "/provd/configure")
    if scheme is None:
        assert header is None
    else:
        assert header is not None
        assert header.lower().startswith(scheme)
        assert PASSWORD not in header
