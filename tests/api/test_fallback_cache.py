"""``pulumi_iotcomms.api.cache.FallbackCacheApi``: the reads of the fallback cache against the emulator (IVR fallback
numbers, a number's SIPREC fallback status) and answers the emulator does not give (a scripted server)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from pulumi_iotcomms._transport import Transport
from pulumi_iotcomms.api.cache import FallbackCacheApi
from pulumi_iotcomms.errors import ApiError, ServerError
from tests._http_server import Reply
from tests.api._util import scripted_transport
from tests.emulator_client import DOMAIN, OTHER_DOMAIN, OTHER_TOKEN, EmulatorClient


@pytest.fixture
def api(transport: Transport) -> FallbackCacheApi:
    return FallbackCacheApi(transport)


def put_ivr(emulator: EmulatorClient, number: str, domain: str = DOMAIN, **body: Any) -> None:
    token = None if domain == DOMAIN else OTHER_TOKEN
    emulator.ok("PUT", f"/cache/{domain}/ivrfallback/{number}", json={"mode": "always", **body}, token=token)


def test_ivr_fallback_numbers_lists_the_live_numbers_of_the_domain(
    api: FallbackCacheApi, emulator: EmulatorClient
) -> None:
    assert api.ivr_fallback_numbers(DOMAIN) == []
    put_ivr(emulator, "4690")
    put_ivr(emulator, "4680", expiration="DAY")
    put_ivr(emulator, "4670", expiration=int(time.time()) - 10)  # already expired: gone
    put_ivr(emulator, "4660", domain=OTHER_DOMAIN)
    emulator.clear_requests()
    assert sorted(api.ivr_fallback_numbers(DOMAIN)) == ["4680", "4690"]
    assert [(r["method"], r["path"]) for r in emulator.requests()] == [("GET", f"/cache/{DOMAIN}/ivrfallback")]


def test_siprec_in_cache_reports_the_status(api: FallbackCacheApi, emulator: EmulatorClient) -> None:
    emulator.seed_siprec("4612345")
    assert api.siprec_in_cache(DOMAIN, "4612345") is True
    assert api.siprec_in_cache(DOMAIN, "4699999") is False  # the emulator answers {"inCache": false}
    emulator.seed_siprec("4655555", domain=OTHER_DOMAIN)
    assert api.siprec_in_cache(DOMAIN, "4655555") is False  # another domain's number
    assert {r["method"] for r in emulator.requests()} == {"GET"}


def test_a_404_for_a_siprec_number_is_not_in_cache() -> None:
    """DECISIONS["siprecfallback.get"]: a server that answers 404 for an unknown number means "not cached"."""
    reply = Reply(404, json={"success": False, "reason": "number: not found"})
    with scripted_transport(reply) as t:
        assert FallbackCacheApi(t).siprec_in_cache(DOMAIN, "4699999") is False


def test_other_failures_of_a_siprec_read_are_raised() -> None:
    reply = Reply(500, json={"success": False, "reason": "boom"})
    with scripted_transport(reply) as t, pytest.raises(ServerError):
        FallbackCacheApi(t).siprec_in_cache(DOMAIN, "4699999")


@pytest.mark.parametrize(
    ("answer", "call", "field"),
    [
        ({"deleted": True}, "siprec", "inCache"),
        ({"inCache": "perhaps"}, "siprec", "inCache"),
        ({"data": "4690", "success": True}, "ivr", "data"),
        ({"data": ["4690", 4680], "success": True}, "ivr", "data[1]"),
    ],
)
def test_an_answer_of_another_shape_is_an_api_error_naming_the_field(answer: Any, call: str, field: str) -> None:
    with scripted_transport(Reply(json=answer)) as t:
        api = FallbackCacheApi(t)
        with pytest.raises(ApiError) as info:
            api.siprec_in_cache(DOMAIN, "1") if call == "siprec" else api.ivr_fallback_numbers(DOMAIN)
    assert f"unexpected answer: {field}:" in str(info.value)
