"""Fallback cache: ``/cache/{domain}/ivrfallback`` and ``/cache/{domain}/siprecfallback``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from ._schema import WireModel

__all__ = ["EXPIRATION_PERIODS", "FallbackAction", "FallbackInstruction", "IvrFallback"]

#: Period names accepted for ``expiration`` with their length in days (see contract.DECISIONS).
EXPIRATION_PERIODS: dict[str, int] = {
    "DAY": 1,
    "WEEK": 7,
    "MONTH": 30,
    "QUARTER": 91,
    "HALF-YEAR": 182,
    "YEAR": 365,
}


class FallbackAction(WireModel):
    """What the media service does for the number when the customer cannot be reached."""

    type: Literal["call", "hangup", "play"] | str | None = None
    dest_addr: str | None = None
    max_ring_time: float | None = None
    x_headers: dict[str, Any] | None = None
    copy_headers: list[str] | None = None


class FallbackInstruction(WireModel):
    """An action and the phrases to play."""

    action: FallbackAction | None = None
    phrases: list[dict[str, Any]] | None = None


class IvrFallback(WireModel):
    """IVR fallback configuration for one number."""

    mode: Literal["onError", "always"] | None = None
    expiration: Annotated[
        Literal["DAY", "WEEK", "MONTH", "QUARTER", "HALF-YEAR", "YEAR"] | Annotated[int, Field(ge=0)] | None,
        Field(union_mode="left_to_right"),
    ] = None
    command: FallbackInstruction | None = None
