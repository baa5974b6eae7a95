"""Statistics, SIP logs and the current user's profile."""

from __future__ import annotations

from typing import Any

import pytest

from tests.emulator.samples import PROFILE, url
from tests.emulator_client import EmulatorClient

PROFILE_SAMPLE = {
    "firstName": "A",
    "lastName": "B",
    "emailConsent": 0,
    "phone": "+46",
    "company": "C",
    "email": "a@b.c",
}
CREATE_SAMPLE = {
    "authProvider": "cognito",
    **PROFILE_SAMPLE,
    "otherInfo": "o",
    "useCase": "alarms",
    "termsAgreed": 1700000000,
    "profileReviewed": True,
    "deploymentSize": "10",
}


@pytest.mark.parametrize("bucketsize", ["hour", "day", "month"])
def test_statistics_per_bucket_size(emulator: EmulatorClient, bucketsize: str) -> None:
    assert emulator.ok(*url("statistics.get", bucketsize=bucketsize)) == {"success": True, "statistics": []}


@pytest.mark.parametrize(("params", "field"), [({"type": "cdr"}, "type"), ({"bucketsize": "week"}, "bucketsize")])
def test_statistics_reject_unsupported_values(emulator: EmulatorClient, params: dict[str, str], field: str) -> None:
    emulator.fail(*url("statistics.get", **params), 400, field)


@pytest.mark.parametrize("body", [{}, {"filterPattern": "INVITE", "limit": 0, "startTime": 0, "endTime": 2**31 - 1}])
def test_sip_logs_answer_the_documented_shape(emulator: EmulatorClient, body: dict[str, Any]) -> None:
    assert emulator.ok(*url("logs.sip"), json=body) == {"success": True, "logItems": []}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"limit": "10"}, "limit"),
        ({"limit": -1}, "limit"),
        ({"startTime": 2**31}, "startTime"),
        ({"endTime": 1.5}, "endTime"),
        ({"filterPattern": 1}, "filterPattern"),
        (["INVITE"], "(body)"),
    ],
)
def test_sip_log_filter_is_validated(emulator: EmulatorClient, body: Any, field: str) -> None:
    emulator.fail(*url("logs.sip"), 400, field, json=body)


def test_profile_lifecycle(emulator: EmulatorClient) -> None:
    emulator.fail("GET", PROFILE, 404, "profile")
    assert emulator.ok("POST", PROFILE, json=CREATE_SAMPLE) == {"success": True}
    got = emulator.ok("GET", PROFILE)
    assert set(got) == {"success", "profile"}
    assert set(PROFILE_SAMPLE) <= set(got["profile"])
    emulator.fail("POST", PROFILE, 409, "profile", json=CREATE_SAMPLE)
    assert emulator.ok("PATCH", PROFILE, json={"phone": "+47"}) == {"success": True}
    assert emulator.ok("GET", PROFILE)["profile"] == {**CREATE_SAMPLE, "phone": "+47"}
    assert emulator.ok("PUT", PROFILE, json=PROFILE_SAMPLE) == {"success": True}
    assert emulator.ok("GET", PROFILE)["profile"] == PROFILE_SAMPLE


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH"])
@pytest.mark.parametrize(
    ("change", "field"),
    [({"emailConsent": "yes"}, "emailConsent"), ({"emailConsent": 2**31}, "emailConsent"), ({"email": 1}, "email")],
)
def test_profile_fields_are_validated(
    emulator: EmulatorClient, method: str, change: dict[str, Any], field: str
) -> None:
    if method != "POST":
        emulator.ok("POST", PROFILE, json=PROFILE_SAMPLE)
    emulator.fail(method, PROFILE, 400, field, json={**PROFILE_SAMPLE, **change})
    if method != "POST":
        assert emulator.ok("GET", PROFILE)["profile"] == PROFILE_SAMPLE


@pytest.mark.parametrize(
    ("change", "field"), [({"termsAgreed": "now"}, "termsAgreed"), ({"profileReviewed": 1}, "profileReviewed")]
)
def test_profile_create_fields_are_validated(emulator: EmulatorClient, change: dict[str, Any], field: str) -> None:
    emulator.fail("POST", PROFILE, 400, field, json={**CREATE_SAMPLE, **change})
    emulator.fail("GET", PROFILE, 404, "profile")
