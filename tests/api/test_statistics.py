"""``pulumi_iotcomms.api.statistics``: StatisticsApi.read against the emulator (buckets recorded through its admin
endpoint), the documented argument values, and answers of another shape (a scripted server)."""

from __future__ import annotations

from typing import Any

import pytest

from pulumi_iotcomms._transport import Transport
from pulumi_iotcomms.api.statistics import BUCKET_SIZES, STATISTICS_TYPES, StatisticsApi, StatisticsBucket
from pulumi_iotcomms.errors import ApiError, InputError
from tests._http_server import Reply
from tests.api._util import scripted_transport
from tests.emulator_client import DOMAIN, OTHER_DOMAIN, EmulatorClient


def bucket(name: str, calls: int = 2, total: float = 30, **extra: Any) -> dict[str, Any]:
    return {"name": name, "min_duration": 5, "max_duration": 25, "sum_duration": total, "num_calls": calls, **extra}


@pytest.fixture
def api(transport: Transport) -> StatisticsApi:
    return StatisticsApi(transport)


def test_documented_values() -> None:
    assert STATISTICS_TYPES == ("cdr_siprec",)
    assert BUCKET_SIZES == ("hour", "day", "month")


def test_read_answers_the_recorded_buckets_typed_in_order(api: StatisticsApi, emulator: EmulatorClient) -> None:
    emulator.set_statistics([bucket("2024-05-02", 4, 100, average_duration=25), bucket("2024-05-01")])
    emulator.clear_requests()
    got = api.read(DOMAIN, "cdr_siprec", "day")
    assert got == [
        StatisticsBucket(
            name="2024-05-02", num_calls=4, min_duration=5, max_duration=25, sum_duration=100, average_duration=25
        ),
        StatisticsBucket(
            name="2024-05-01", num_calls=2, min_duration=5, max_duration=25, sum_duration=30, average_duration=15
        ),
    ]
    assert isinstance(got[0].num_calls, int)
    assert [(r["method"], r["path"]) for r in emulator.requests()] == [
        ("GET", f"/provisioning/statistics/{DOMAIN}/cdr_siprec/day")
    ]


def test_read_is_per_domain_type_and_bucket_size(api: StatisticsApi, emulator: EmulatorClient) -> None:
    emulator.set_statistics([bucket("2024-05")], bucketsize="month")
    emulator.set_statistics([bucket("other")], domain=OTHER_DOMAIN)
    assert api.read(DOMAIN, "cdr_siprec", "day") == []
    assert [b.name for b in api.read(DOMAIN, "cdr_siprec", "month")] == ["2024-05"]


@pytest.mark.parametrize(
    ("stat_type", "bucket_size", "path"),
    [("cdr", "day", "type"), ("cdr_siprec", "week", "bucket_size"), ("cdr_siprec", "Day", "bucket_size")],
)
def test_undocumented_arguments_are_refused_before_sending(
    api: StatisticsApi, emulator: EmulatorClient, stat_type: str, bucket_size: str, path: str
) -> None:
    with pytest.raises(InputError) as info:
        api.read(DOMAIN, stat_type, bucket_size)
    assert info.value.path == path
    assert emulator.requests() == []


@pytest.mark.parametrize(
    ("answer", "field"),
    [
        ({"success": True, "statistics": {"name": "x"}}, "statistics"),
        ({"success": True, "statistics": [{"name": "x", "num_calls": "many"}]}, "statistics[0].num_calls"),
        ({"success": True, "statistics": [bucket("a"), {"name": 7}]}, "statistics[1].name"),
    ],
)
def test_an_answer_of_another_shape_is_an_api_error_naming_the_field(answer: Any, field: str) -> None:
    with scripted_transport(Reply(json=answer)) as t, pytest.raises(ApiError) as info:
        StatisticsApi(t).read(DOMAIN, "cdr_siprec", "hour")
    assert f"unexpected answer: {field}:" in str(info.value)
    assert info.value.path == f"/provisioning/statistics/{DOMAIN}/cdr_siprec/hour"


def test_a_read_takes_whole_floats_as_counts_and_keeps_unknown_fields() -> None:
    answer = {"statistics": [{"name": "a", "num_calls": 3.0, "p95_duration": 9}]}
    with scripted_transport(Reply(json=answer)) as t:
        (got,) = StatisticsApi(t).read(DOMAIN, "cdr_siprec", "hour")
    assert got.num_calls == 3
    assert got.average_duration is None  # absent: None, not computed by the client
    assert got.model_extra == {"p95_duration": 9}
