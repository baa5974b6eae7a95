"""What every route shares: CORS preflight, bearer auth, error bodies, 404s, pagination, RFC 6902 PATCH."""

from __future__ import annotations

from typing import Any

import jsonpatch
import pytest

from pulumi_iotcomms.api.contract import ROUTES, SERVICE_KINDS
from tests.emulator.samples import KIND_IDS, KINDS, PARAMS, SERVICE_MINIMAL, Kind, url, walk
from tests.emulator_client import OTHER_TOKEN, EmulatorClient


@pytest.mark.parametrize("path", sorted({r.path for r in ROUTES}))
def test_every_path_answers_cors_preflight_without_auth(emulator: EmulatorClient, path: str) -> None:
    headers = {"Origin": "https://app.example", "Access-Control-Request-Method": "PUT"}
    resp = emulator.call("OPTIONS", path.format(**PARAMS), auth=False, headers=headers)
    assert resp.status_code == 200, resp.text
    assert resp.headers["access-control-allow-origin"] == "*"
    assert {"GET", "PUT", "POST", "PATCH", "DELETE"} <= set(resp.headers["access-control-allow-methods"].split(","))
    assert "Authorization" in resp.headers["access-control-allow-headers"]


_AUTH_CASES = [
    pytest.param(r.name, header, status, id=f"{r.name}-{status}-{i}")
    for r in ROUTES
    for i, (header, status) in enumerate(
        [(None, 401), ("Bearer wrong", 401), ("Basic dXNlcjpwYXNz", 401), (f"Bearer {OTHER_TOKEN}", 403)]
    )
    if status == 401 or "{domain}" in r.path  # the profile belongs to whoever calls
]


@pytest.mark.parametrize(("name", "header", "status"), _AUTH_CASES)
def test_every_route_checks_the_bearer_first(
    emulator: EmulatorClient, name: str, header: str | None, status: int
) -> None:
    method, path = url(name)
    headers = {} if header is None else {"Authorization": header}
    emulator.fail(method, path, status, "Authorization", auth=False, headers=headers, json={})
    assert emulator.objects() == {}


_MISSING: list[tuple[str, str, Any]] = [
    ("device.get", "deviceId", None),
    ("device.delete", "deviceId", None),
    ("device.patch", "deviceId", []),
    ("device.bulk_get", "bulkId", None),
    ("trunk.get", "trunkId", None),
    ("trunk.delete", "trunkId", None),
    ("trunk.patch", "trunkId", []),
    *[(f"{k}.{op}", "id", None) for k in SERVICE_KINDS for op in ("get", "delete")],
    *[(f"{k}.put", "id", SERVICE_MINIMAL[k]) for k in SERVICE_KINDS],
    *[(f"{k}.patch", "id", []) for k in SERVICE_KINDS],
    ("apikey.delete", "keyId", None),
    ("host.drain", "hostId", {}),
    ("host.decommission", "hostId", None),
    ("ivrfallback.get", "number", None),
    ("ivrfallback.delete", "number", None),
    ("profile.get", "profile", None),
    ("profile.put", "profile", {}),
    ("profile.patch", "profile", {}),
]


@pytest.mark.parametrize(("name", "field", "body"), _MISSING, ids=[m[0] for m in _MISSING])
def test_unknown_id_is_404_naming_the_id(emulator: EmulatorClient, name: str, field: str, body: Any) -> None:
    method, path = url(name)
    emulator.fail(method, path, 404, field, json=body)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/provisioning/nothing/here", 404), ("GET", "/", 404), ("POST", url("device.get")[1], 405)],
)
def test_unknown_route_and_method_use_the_error_body(
    emulator: EmulatorClient, method: str, path: str, status: int
) -> None:
    emulator.fail(method, path, status)


def test_405_names_every_method_of_the_path_in_allow(emulator: EmulatorClient) -> None:
    """The device path has one route per method; Allow lists them all, not the first one matched."""
    resp = emulator.call("POST", url("device.get")[1])
    assert resp.status_code == 405
    assert resp.headers["allow"] == "DELETE, GET, HEAD, OPTIONS, PATCH"
    resp = emulator.call("DELETE", "/_emulator/reset")
    assert (resp.status_code, resp.headers["allow"]) == (405, "POST")


@pytest.mark.parametrize(
    ("raw", "content_type"), [("{not json", "application/json"), ("", "application/json"), ("\xff", "text/plain")]
)
def test_a_body_that_is_not_json_is_400(emulator: EmulatorClient, raw: str, content_type: str) -> None:
    reason = emulator.fail("PUT", url("device.put")[1], 400, "(body)", content=raw.encode("latin-1"))
    assert "JSON" in reason


def test_answers_carry_the_cors_header(emulator: EmulatorClient) -> None:
    for resp in (emulator.call(*url("device.list")), emulator.call(*url("device.get"))):
        assert resp.headers["access-control-allow-origin"] == "*"
        assert resp.headers["content-type"] == "application/json"


@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
def test_delete_removes_the_item(emulator: EmulatorClient, kind: Kind) -> None:
    kind.create(emulator, "gone")
    kind.create(emulator, "kept")
    assert emulator.ok("DELETE", kind.path("gone")) == {"success": True}
    assert [kind.item_id(i) for i in emulator.ok("GET", kind.base)[kind.list_key]] == ["kept"]
    assert emulator.call("GET", kind.path("gone")).status_code == 404
    assert emulator.call("DELETE", kind.path("gone")).status_code == 404


# -- pagination ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
def test_pagination_sees_every_item_once_in_order(emulator: EmulatorClient, kind: Kind) -> None:
    ids = [f"item-{i:03d}" for i in range(250 if kind.name == "device" else 23)]
    for item_id in reversed(ids):  # listing order is by id, not by creation
        kind.create(emulator, item_id)
    for limit in (100, 7, 1):
        assert walk(emulator, kind, limit) == ids
    default = emulator.ok("GET", kind.base)
    assert len(default[kind.list_key]) == min(len(ids), 100)
    assert ("nextToken" in default) == (len(ids) > 100)


@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
@pytest.mark.parametrize(
    ("query", "field"),
    [
        *[({"limit": bad}, "limit") for bad in ("0", "101", "abc", "-1", "1.5", "")],
        *[({"nextToken": bad}, "nextToken") for bad in ("garbage", "!!!", "WzFd", "eyJhZnRlciI6IDF9")],
    ],
)
def test_bad_page_parameters_are_400(emulator: EmulatorClient, kind: Kind, query: dict[str, str], field: str) -> None:
    emulator.fail("GET", kind.base, 400, field, params=query)


# -- PATCH (RFC 6902) ---------------------------------------------------------------------------

_OPS: dict[str, list[dict[str, Any]]] = {
    "add": [{"op": "add", "path": "/note", "value": "n"}],
    "add-nested": [
        {"op": "add", "path": "/extra", "value": {"a": [1]}},
        {"op": "add", "path": "/extra/a/-", "value": 2},
    ],
    "remove": [{"op": "remove", "path": "/description"}],
    "replace": [{"op": "replace", "path": "/description", "value": "second"}],
    "copy": [{"op": "copy", "from": "/description", "path": "/note"}],
    "move": [{"op": "move", "from": "/description", "path": "/note"}],
    "test-pass": [
        {"op": "test", "path": "/description", "value": "first"},
        {"op": "replace", "path": "/description", "value": "second"},
    ],
}


@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
@pytest.mark.parametrize("op", list(_OPS))
def test_patch_applies_each_op(emulator: EmulatorClient, kind: Kind, op: str) -> None:
    kind.create(emulator, "p1")
    before = kind.read(emulator, "p1")
    answer = emulator.ok("PATCH", kind.path("p1"), json=_OPS[op])
    assert answer["success"] is True
    assert kind.read(emulator, "p1") == jsonpatch.apply_patch(before, _OPS[op])


_REPLACE = {"op": "replace", "path": "/description", "value": "changed"}
_PATCH_FAILURES: dict[str, tuple[Any, int, str]] = {
    "test-fail": ([{"op": "test", "path": "/description", "value": "other"}, _REPLACE], 409, "test"),
    "missing-path": ([_REPLACE, {"op": "remove", "path": "/nope"}], 400, "path"),
    "deep-missing-path": ([_REPLACE, {"op": "add", "path": "/a/b/c", "value": 1}], 400, "path"),
    "missing-from": ([_REPLACE, {"op": "move", "from": "/nope", "path": "/x"}], 400, "path"),
    "pointer-without-slash": ([_REPLACE, {"op": "add", "path": "note", "value": 1}], 400, "[1].path"),
    "unknown-op": ([_REPLACE, {"op": "merge", "path": "/note", "value": 1}], 400, "[1].op"),
    "not-an-array": (_REPLACE, 400, "(body)"),
}


@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
@pytest.mark.parametrize("case", list(_PATCH_FAILURES))
def test_failed_patch_changes_nothing(emulator: EmulatorClient, kind: Kind, case: str) -> None:
    ops, status, field = _PATCH_FAILURES[case]
    kind.create(emulator, "p1")
    before = kind.read(emulator, "p1")
    emulator.fail("PATCH", kind.path("p1"), status, field, json=ops)
    assert kind.read(emulator, "p1") == before


@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
@pytest.mark.parametrize("target", ["schema", "identity"])
def test_patch_to_an_invalid_document_is_400(emulator: EmulatorClient, kind: Kind, target: str) -> None:
    if target == "identity" and kind.id_field is None:
        return  # a trunk's id is not part of its document
    field, value = kind.invalid if target == "schema" else (kind.id_field, "other")
    kind.create(emulator, "p1")
    before = kind.read(emulator, "p1")
    emulator.fail(
        "PATCH", kind.path("p1"), 400, field, json=[_REPLACE, {"op": "add", "path": f"/{field}", "value": value}]
    )
    assert kind.read(emulator, "p1") == before
    assert emulator.call("GET", kind.path("other")).status_code == 404
