"""Profile models: Profile (PUT/PATCH), ProfileCreate (POST) and LogFilter (POST /logs/{domain}/sip)."""

from __future__ import annotations

from typing import Any

import pytest

from pulumi_iotcomms.api._schema import WireModel
from pulumi_iotcomms.api.profile import LogFilter, Profile, ProfileCreate
from pulumi_iotcomms.resources._engine import fields_of, secret_fields, validate_state
from tests.api._util import problems, round_trip

PROFILE_SAMPLE: dict[str, Any] = {
    "firstName": "string",
    "lastName": "string",
    "emailConsent": 0,
    "phone": "string",
    "company": "string",
    "email": "string",
}
"""The docs' request sample for PUT and PATCH /currentuser/profile."""

CREATE_SAMPLE: dict[str, Any] = {
    "authProvider": "string",
    "firstName": "string",
    "lastName": "string",
    "otherInfo": "string",
    "useCase": "string",
    "termsAgreed": 0,
    "emailConsent": 0,
    "phone": "string",
    "company": "string",
    "profileReviewed": True,
    "deploymentSize": "string",
    "email": "string",
}
"""The docs' request sample for POST /currentuser/profile."""

LOG_FILTER_SAMPLE: dict[str, Any] = {"filterPattern": "string", "limit": 0, "startTime": 0, "endTime": 0}
"""The docs' request sample for POST /logs/{domain}/sip."""

INT32_FIELDS: list[tuple[type[WireModel], str]] = [
    (Profile, "emailConsent"),
    (ProfileCreate, "emailConsent"),
    (ProfileCreate, "termsAgreed"),
    (LogFilter, "startTime"),
    (LogFilter, "endTime"),
]
"""The documented ``integer <int32>`` fields that may be negative."""


def test_wire_names_are_the_documented_camel_case_names() -> None:
    profile = {
        "first_name": "firstName",
        "last_name": "lastName",
        "email_consent": "emailConsent",
        "phone": "phone",
        "company": "company",
        "email": "email",
    }
    assert {n: f.alias for n, f in fields_of(Profile).items()} == profile
    assert {n: f.alias for n, f in fields_of(ProfileCreate).items()} == {
        **profile,
        "auth_provider": "authProvider",
        "other_info": "otherInfo",
        "use_case": "useCase",
        "terms_agreed": "termsAgreed",
        "profile_reviewed": "profileReviewed",
        "deployment_size": "deploymentSize",
    }
    assert {n: f.alias for n, f in fields_of(LogFilter).items()} == {
        "filter_pattern": "filterPattern",
        "limit": "limit",
        "start_time": "startTime",
        "end_time": "endTime",
    }


@pytest.mark.parametrize(
    ("model", "sample"),
    [(Profile, PROFILE_SAMPLE), (ProfileCreate, CREATE_SAMPLE), (LogFilter, LOG_FILTER_SAMPLE)],
    ids=["Profile", "ProfileCreate", "LogFilter"],
)
def test_docs_request_samples_are_accepted_and_serialized_verbatim(
    model: type[WireModel], sample: dict[str, Any]
) -> None:
    assert round_trip(model, sample) == sample


@pytest.mark.parametrize("model", [Profile, ProfileCreate, LogFilter], ids=lambda m: m.__name__)
def test_every_field_is_optional_and_nothing_is_secret(model: type[WireModel]) -> None:
    assert problems(model, {}) == []
    assert secret_fields(model) == frozenset()


def test_a_profile_built_from_snake_case_names_serializes_to_camel_case() -> None:
    created = ProfileCreate.model_validate(
        {"first_name": "Ada", "terms_agreed": 1_700_000_000, "profile_reviewed": False}
    )
    assert created.to_wire() == {"firstName": "Ada", "termsAgreed": 1_700_000_000, "profileReviewed": False}
    log_filter = LogFilter.model_validate({"filter_pattern": "INVITE", "start_time": 1, "end_time": 2})
    assert log_filter.to_wire() == {"filterPattern": "INVITE", "startTime": 1, "endTime": 2}


@pytest.mark.parametrize(("model", "field"), INT32_FIELDS, ids=lambda v: v if isinstance(v, str) else v.__name__)
@pytest.mark.parametrize("value", [-(2**31), 0, 2**31 - 1])
def test_int32_fields_accept_the_whole_int32_range(model: type[WireModel], field: str, value: int) -> None:
    assert problems(model, {field: value}) == []


@pytest.mark.parametrize(("model", "field"), INT32_FIELDS, ids=lambda v: v if isinstance(v, str) else v.__name__)
@pytest.mark.parametrize("value", [-(2**31) - 1, 2**31, 1.5, 1.0, "0", True])
def test_int32_fields_reject_other_values(model: type[WireModel], field: str, value: object) -> None:
    assert problems(model, {field: value}) == [field]


@pytest.mark.parametrize("value", [0, 100, 2**31 - 1])
def test_log_limit_accepts_non_negative_int32(value: int) -> None:
    assert problems(LogFilter, {"limit": value}) == []


@pytest.mark.parametrize("value", [-1, 2**31, 10.5, "100"])
def test_log_limit_rejects_negative_or_non_int32(value: object) -> None:
    assert problems(LogFilter, {"limit": value}) == ["limit"]


@pytest.mark.parametrize(
    ("model", "body", "path"),
    [
        (Profile, {"firstName": 1}, "firstName"),
        (Profile, {"email": ["a@example.com"]}, "email"),
        (ProfileCreate, {"profileReviewed": "yes"}, "profileReviewed"),
        (ProfileCreate, {"deploymentSize": 100}, "deploymentSize"),
        (LogFilter, {"filterPattern": None, "endTime": "now"}, "endTime"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_each_constraint_rejects_naming_the_field(model: type[WireModel], body: dict[str, Any], path: str) -> None:
    assert problems(model, body) == [path]


def test_state_problems_use_the_snake_case_paths() -> None:
    state = {"terms_agreed": 2**31, "email_consent": "now", "first_name": "Ada"}
    assert sorted(p for p, _ in validate_state(ProfileCreate, state)) == ["email_consent", "terms_agreed"]
