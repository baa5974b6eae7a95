"""Usage statistics: ``GET /provisioning/statistics/{domain}/{type}/{bucketsize}`` (read-only)."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import ConfigDict

from pulumi_iotcomms._transport import Transport
from pulumi_iotcomms.errors import InputError

from ._ops import parse_list
from ._schema import ReplyModel
from .contract import route

__all__ = [
    "BUCKET_SIZES",
    "STATISTICS_TYPES",
    "BucketSize",
    "StatisticsApi",
    "StatisticsBucket",
    "StatisticsType",
    "check_statistics_args",
]

StatisticsType = Literal["cdr_siprec"]
"""The documented statistics types."""
BucketSize = Literal["hour", "day", "month"]
"""The documented time bucket sizes."""
STATISTICS_TYPES: tuple[str, ...] = get_args(StatisticsType)
BUCKET_SIZES: tuple[str, ...] = get_args(BucketSize)


def check_statistics_args(stat_type: object, bucket_size: object) -> None:
    """Refuse a statistics type or bucket size the docs do not list.

    Raises:
        InputError: Naming ``type`` or ``bucket_size`` and the documented values.
    """
    if stat_type not in STATISTICS_TYPES:
        allowed = ", ".join(STATISTICS_TYPES)
        raise InputError(f"{stat_type!r} is not a statistics type", path="type", allowed=allowed)
    if bucket_size not in BUCKET_SIZES:
        raise InputError(f"{bucket_size!r} is not a bucket size", path="bucket_size", allowed=", ".join(BUCKET_SIZES))


class StatisticsBucket(ReplyModel):
    """One time bucket of statistics; the wire names are snake_case already (as in the docs' sample)."""

    model_config = ConfigDict(alias_generator=None)

    name: str | None = None
    """The bucket's name (its time span)."""
    num_calls: int | None = None
    """Calls in the bucket."""
    min_duration: float | None = None
    """Shortest call duration."""
    max_duration: float | None = None
    """Longest call duration."""
    sum_duration: float | None = None
    """Sum of the call durations."""
    average_duration: float | None = None
    """Average call duration."""


class StatisticsApi:
    """Service statistics aggregated in time buckets."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    def read(self, domain: str, stat_type: str, bucket_size: str) -> list[StatisticsBucket]:
        """The buckets of ``stat_type`` statistics of ``bucket_size`` for the domain, as the server orders them.

        Raises:
            InputError: ``stat_type`` or ``bucket_size`` is not a documented value (nothing is sent).
            ApiError: The request failed, or the answer is not the documented ``{"statistics": [...]}``.
        """
        check_statistics_args(stat_type, bucket_size)
        r = route("statistics.get")
        params = {"domain": domain, "type": stat_type, "bucketsize": bucket_size}
        body = self.transport.request_json(r.method, r.path, params)
        return parse_list(StatisticsBucket, body, "statistics", "buckets", r.method, r.path, params)
