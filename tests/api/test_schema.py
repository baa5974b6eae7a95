"""pulumi_iotcomms.api._schema: wire models, field behaviour metadata, constrained types and error formatting."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any, Literal

import pytest
from pydantic import Field, ValidationError, model_validator

from pulumi_iotcomms.api._schema import (
    COMPUTED,
    REPLACE,
    SECRET,
    WRITE_ONLY,
    Behaviour,
    HttpsUrl,
    HttpUrl,
    Int32,
    IpAddress,
    Regex,
    RestAuthentication,
    WireModel,
    behaviour,
    format_errors,
    validate_wire,
)


class Inner(WireModel):
    """A nested object with a cross-field rule."""

    max_ring_time: float | None = None
    dest_addr: str | None = None

    @model_validator(mode="after")
    def _rule(self) -> Inner:
        if self.max_ring_time == 13:
            raise ValueError("destAddr: required when maxRingTime is 13")
        if self.max_ring_time == 14:
            raise ValueError("these fields do not go together")
        return self


class Sample(WireModel):
    """Every kind of field the API models use."""

    device_id: Annotated[str, REPLACE, Field(max_length=8)]
    description: str | None = None
    password: Annotated[str | None, SECRET] = None
    api_token: Annotated[str | None, WRITE_ONLY] = None
    heartbeat_status: Annotated[str | None, COMPUTED] = None
    heartbeat_interval: Annotated[float | None, Field(ge=0), Behaviour(server_default=300000)] = None
    use_vpn: Annotated[bool | None, Field(alias="useVPN"), Behaviour(server_default=False)] = None
    count: Int32 | None = None
    pattern: Regex | None = None
    callback: HttpsUrl | None = None
    endpoint: HttpUrl | None = None
    address: IpAddress | None = None
    inner: Inner | None = None
    inners: list[Inner] | None = None
    labels: dict[str, int] | None = None
    choice: int | str | None = None
    mode: Literal["onError", "always"] | None = None


# -- Behaviour -------------------------------------------------------------------------------------


def test_behaviour_defaults_to_neutral() -> None:
    """A bare Behaviour changes nothing about a field."""
    neutral = Behaviour()
    assert (neutral.replace, neutral.secret, neutral.computed, neutral.write_only) == (False, False, False, False)
    assert neutral.server_default is None


def test_behaviour_constants() -> None:
    """Each constant sets one flag; WRITE_ONLY is also secret (it is never returned, so it is a credential)."""
    assert Behaviour(replace=True) == REPLACE
    assert Behaviour(secret=True) == SECRET
    assert Behaviour(computed=True) == COMPUTED
    assert Behaviour(secret=True, write_only=True) == WRITE_ONLY


def test_behaviour_is_immutable() -> None:
    """Shared constants cannot be changed by accident."""
    with pytest.raises(dataclasses.FrozenInstanceError):
        REPLACE.secret = True  # type: ignore[misc]
    assert REPLACE.secret is False


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("device_id", REPLACE),
        ("password", SECRET),
        ("api_token", WRITE_ONLY),
        ("heartbeat_status", COMPUTED),
        ("heartbeat_interval", Behaviour(server_default=300000)),
        ("use_vpn", Behaviour(server_default=False)),
        ("description", Behaviour()),
        ("count", Behaviour()),
        ("pattern", Behaviour()),
    ],
)
def test_behaviour_reads_the_declared_metadata(field: str, expected: Behaviour) -> None:
    """behaviour() finds the Behaviour among a field's other metadata, or returns a neutral one."""
    assert behaviour(Sample, field) == expected


def test_behaviour_keeps_a_falsy_server_default() -> None:
    """server_default=False is a value, distinct from no default (None)."""
    assert behaviour(Sample, "use_vpn").server_default is False
    assert behaviour(Sample, "description").server_default is None


def test_behaviour_of_an_unknown_field_is_a_key_error() -> None:
    """Field names are the snake_case attribute names; anything else is unknown."""
    with pytest.raises(KeyError):
        behaviour(Sample, "deviceId")


def test_behaviour_of_rest_authentication() -> None:
    """RestAuthentication's secret is a secret; its other fields are plain."""
    assert behaviour(RestAuthentication, "secret") == SECRET
    for name in ("type", "sub", "scope", "request_headers"):
        assert behaviour(RestAuthentication, name) == Behaviour()


# -- WireModel names -------------------------------------------------------------------------------


def test_wire_names_are_camel_case_aliases() -> None:
    """Attribute names are snake_case; the generated alias is camelCase unless a field sets its own."""
    aliases = {name: info.alias for name, info in Sample.model_fields.items()}
    assert aliases["device_id"] == "deviceId"
    assert aliases["heartbeat_interval"] == "heartbeatInterval"
    assert aliases["use_vpn"] == "useVPN"
    assert aliases["description"] == "description"
    assert RestAuthentication.model_fields["request_headers"].alias == "requestHeaders"


def test_populate_by_name_and_by_alias() -> None:
    """Python code may use either name; both give the same object."""
    by_name = Sample(device_id="d1", use_vpn=True, heartbeat_interval=1.0)
    by_alias = Sample.model_validate({"deviceId": "d1", "useVPN": True, "heartbeatInterval": 1.0})
    assert by_name == by_alias
    assert by_alias.device_id == "d1"
    assert by_alias.use_vpn is True
    assert Sample.model_validate({"device_id": "d1"}).device_id == "d1"


def test_to_wire_uses_camel_case_and_omits_unset_fields() -> None:
    """to_wire is the API body: wire names, only the fields that were given (an explicit None included)."""
    model = Sample(device_id="d1", use_vpn=False, description=None, inner=Inner(max_ring_time=5, dest_addr="x"))
    assert model.to_wire() == {
        "deviceId": "d1",
        "useVPN": False,
        "description": None,
        "inner": {"maxRingTime": 5, "destAddr": "x"},
    }


def test_unknown_fields_are_kept() -> None:
    """A document store keeps fields it does not know; so does the model, and to_wire sends them back."""
    model = Sample.model_validate({"deviceId": "d1", "futureField": {"a": 1}, "inner": {"extraInner": 2}})
    assert model.model_extra == {"futureField": {"a": 1}}
    assert model.to_wire() == {"deviceId": "d1", "futureField": {"a": 1}, "inner": {"extraInner": 2}}


def test_validation_is_strict() -> None:
    """No coercion: a string is not a number, a bool is not an int; an int is a valid float."""
    for bad in ({"count": "5"}, {"count": True}, {"deviceId": 5}, {"useVPN": "true"}):
        with pytest.raises(ValidationError):
            Sample.model_validate({"deviceId": "d1", **bad})
    assert Sample.model_validate({"deviceId": "d1", "heartbeatInterval": 5}).heartbeat_interval == 5


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan")])
def test_non_finite_numbers_are_rejected(value: float) -> None:
    """JSON has no Infinity or NaN: such a number is a validation error, never sent."""
    with pytest.raises(ValidationError, match="finite"):
        Sample.model_validate({"deviceId": "d1", "heartbeatInterval": value})


# -- validate_wire ----------------------------------------------------------------------------------


def test_validate_wire_returns_the_model() -> None:
    """A valid wire body gives the model instance and no errors."""
    model, errors = validate_wire(Sample, {"deviceId": "d1", "useVPN": True})
    assert errors == []
    assert isinstance(model, Sample)
    assert model.use_vpn is True


def test_validate_wire_accepts_only_wire_names() -> None:
    """A snake_case key on the wire is an unknown field, not the attribute: the required deviceId is missing."""
    assert validate_wire(Sample, {"device_id": "d1"}) == (None, [("deviceId", "Field required")])
    model, errors = validate_wire(Sample, {"deviceId": "d1", "use_vpn": True})
    assert errors == []
    assert isinstance(model, Sample)
    assert model.use_vpn is None
    assert model.model_extra == {"use_vpn": True}


@pytest.mark.parametrize("body", [None, [], "text", 5, [{"deviceId": "d1"}]])
def test_validate_wire_needs_an_object(body: Any) -> None:
    """Anything but a JSON object is one (body) error."""
    assert validate_wire(Sample, body) == (None, [("(body)", "must be a JSON object")])


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"deviceId": "much-too-long"}, [("deviceId", "String should have at most 8 characters")]),
        ({"heartbeatInterval": -1}, [("heartbeatInterval", "Input should be greater than or equal to 0")]),
        ({"inner": {"destAddr": 1}}, [("inner.destAddr", "Input should be a valid string")]),
        ({"inners": [{}, {"maxRingTime": "x"}]}, [("inners[1].maxRingTime", "Input should be a valid number")]),
        ({"labels": {"k": "v"}}, [("labels.k", "Input should be a valid integer")]),
        ({"choice": 1.5}, [("choice", "Input should be a valid integer; or input should be a valid string")]),
        ({"mode": "never"}, [("mode", "Input should be 'onError' or 'always'")]),
        (
            {"pattern": "("},
            [("pattern", "not a valid regular expression (missing ), unterminated subpattern at position 0)")],
        ),
        ({"callback": "http://x"}, [("callback", "must be a URL starting with https://")]),
    ],
)
def test_errors_name_the_wire_path(extra: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    """Each problem names the field by its wire path: dots for objects, [i] for lists, no validator or union tags."""
    assert validate_wire(Sample, {"deviceId": "d1", **extra}) == (None, expected)


def test_every_problem_is_reported() -> None:
    """All failing fields are listed, in order, not just the first."""
    _, errors = validate_wire(Sample, {"count": "x", "address": "nope"})
    assert [path for path, _ in errors] == ["deviceId", "count", "address"]


def test_model_validator_messages_are_split_into_field_and_problem() -> None:
    """A model-level "field: problem" ValueError is reported under that field, nested under its parent."""
    _, errors = validate_wire(Sample, {"deviceId": "d1", "inner": {"maxRingTime": 13}})
    assert errors == [("inner.destAddr", "required when maxRingTime is 13")]
    _, errors = validate_wire(Inner, {"maxRingTime": 13})
    assert errors == [("destAddr", "required when maxRingTime is 13")]


def test_model_validator_messages_without_a_field_stay_whole() -> None:
    """A message whose head is not a single word is not a field: at top level the path is (body)."""
    _, errors = validate_wire(Inner, {"maxRingTime": 14})
    assert errors == [("(body)", "these fields do not go together")]
    _, errors = validate_wire(Sample, {"deviceId": "d1", "inners": [{"maxRingTime": 14}]})
    assert errors == [("inners[0]", "these fields do not go together")]


def test_format_errors_with_a_prefix() -> None:
    """A prefix is prepended to every path, and stands alone for a whole-object error."""
    with pytest.raises(ValidationError) as info:
        Inner.model_validate({"maxRingTime": 13})
    assert format_errors(info.value, "serviceData.alarmBridge") == [
        ("serviceData.alarmBridge.destAddr", "required when maxRingTime is 13")
    ]
    with pytest.raises(ValidationError) as info:
        Inner.model_validate({"maxRingTime": 14})
    assert format_errors(info.value, "command") == [("command", "these fields do not go together")]


def test_format_errors_strips_the_value_error_prefix() -> None:
    """pydantic's "Value error, " wrapper never reaches the user."""
    with pytest.raises(ValidationError) as info:
        Sample.model_validate({"deviceId": "d1", "address": "1.2.3"})
    assert str(info.value.errors()[0]["msg"]).startswith("Value error, ")
    assert format_errors(info.value) == [("address", "'1.2.3' is not a valid IPv4 or IPv6 address")]


# -- constrained string types ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "^1",
        "/^\\+46\\d+$/",
        "/ab+c/gi",
        "(?<year>\\d{4})-(?<month>\\d{2})",
        "(?<=a)b",
        "(?<!a)b",
        "/",
        "a/b",
        "(?<d>\\d)\\k<d>",  # named backreference
        "/\\p{L}+/u",  # Unicode property escape
        "/^\\P{Lu}$/u",
        "a[^]b",  # [^] is any character in JavaScript
    ],
)
def test_regex_accepts_javascript_expressions(value: str) -> None:
    """JavaScript /body/flags literals, named groups and lookbehinds are valid, and kept as written."""
    model, errors = validate_wire(Sample, {"deviceId": "d1", "pattern": value})
    assert errors == []
    assert model is not None
    assert model.to_wire()["pattern"] == value


@pytest.mark.parametrize(
    ("value", "problem"), [("[", "not a valid regular expression"), ("/(/g", "not a valid"), ("", "at least 1")]
)
def test_regex_rejects_invalid_expressions(value: str, problem: str) -> None:
    """An expression that does not compile (or is empty) is rejected."""
    _, errors = validate_wire(Sample, {"deviceId": "d1", "pattern": value})
    assert len(errors) == 1
    assert errors[0][0] == "pattern"
    assert problem in errors[0][1]


@pytest.mark.parametrize(
    ("value", "ok"), [("https://a.example", True), ("https://", False), ("http://a", False), ("a", False)]
)
def test_https_url(value: str, ok: bool) -> None:
    """HttpsUrl needs https:// and something after it."""
    assert (validate_wire(Sample, {"deviceId": "d1", "callback": value})[1] == []) is ok


@pytest.mark.parametrize(("value", "ok"), [("http://a", True), ("https://a", True), ("ftp://a", False), ("a", False)])
def test_http_url(value: str, ok: bool) -> None:
    """HttpUrl needs http:// or https://."""
    _, errors = validate_wire(Sample, {"deviceId": "d1", "endpoint": value})
    assert (errors == []) is ok
    if not ok:
        assert errors == [("endpoint", "must be a URL starting with http:// or https://")]


@pytest.mark.parametrize(
    ("value", "ok"),
    [("192.0.2.1", True), ("2001:db8::1", True), ("192.0.2.0/24", False), ("256.0.0.1", False), ("", False)],
)
def test_ip_address(value: str, ok: bool) -> None:
    """IpAddress is one IPv4 or IPv6 address (no network)."""
    assert (validate_wire(Sample, {"deviceId": "d1", "address": value})[1] == []) is ok


@pytest.mark.parametrize(
    ("value", "ok"), [(2**31 - 1, True), (-(2**31), True), (0, True), (2**31, False), (-(2**31) - 1, False)]
)
def test_int32_bounds(value: int, ok: bool) -> None:
    """Int32 is a signed 32-bit integer."""
    assert (validate_wire(Sample, {"deviceId": "d1", "count": value})[1] == []) is ok


def test_rest_authentication_round_trips() -> None:
    """The callback authentication object keeps its wire names and any extra headers."""
    body = {"type": "RS256", "sub": "s", "scope": "x", "secret": "k", "requestHeaders": {"x-functions-key": "v"}}
    model, errors = validate_wire(RestAuthentication, body)
    assert errors == []
    assert model is not None
    assert model.to_wire() == body
