"""pulumi_iotcomms.api._ops: Collection and Singleton operations against the real emulator over HTTP, and the
generic pagination against a scripted server (for the pages no emulator serves)."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs

import pytest

import pulumi_iotcomms.api as api_package
from pulumi_iotcomms._auth import TokenAuth
from pulumi_iotcomms._transport import Transport
from pulumi_iotcomms.api._ops import Collection, Singleton, paginate
from pulumi_iotcomms.api.alarmbridge import AlarmBridgeApi
from pulumi_iotcomms.api.contract import ROUTES, route
from pulumi_iotcomms.api.device import DeviceApi
from pulumi_iotcomms.api.mediaservice import MediaServiceApi
from pulumi_iotcomms.api.notificationsettings import NotificationSettingsApi
from pulumi_iotcomms.api.siprecservice import SiprecServiceApi
from pulumi_iotcomms.api.trunk import TrunkApi
from pulumi_iotcomms.errors import (
    ApiError,
    BadRequestError,
    ConflictError,
    ForbiddenError,
    InputError,
    NotFoundError,
)
from tests._http_server import Received, Reply, ScriptedServer
from tests.emulator_client import DOMAIN, OTHER_TOKEN, TOKEN, EmulatorClient

MEDIA: dict[str, Any] = {
    "name": "ivr",
    "destinationMatch": "^1",
    "callbackBaseUrl": "https://callbacks.example.com/base",
    "restAuthentication": [],
}
BRIDGE: dict[str, Any] = {"name": "ab", "protocol": "scaip", "protocolMode": "dtmf", "destinationMatch": "^2"}
TRUNK: dict[str, Any] = {
    "destinationTarget": "sip.example.net",
    "destinationTransport": "udp",
    "destinationMatch": "^4",
}
DEVICE: dict[str, Any] = {"authType": "deviceid", "description": "first"}


def query_of(entry: dict[str, Any]) -> dict[str, list[str]]:
    """The parsed query string of a logged request."""
    return parse_qs(str(entry["query"]), keep_blank_values=True)


# -- get ----------------------------------------------------------------------------------------


def test_get_returns_none_for_an_unknown_id(emulator: EmulatorClient, transport: Transport) -> None:
    """A 404 on GET is "does not exist", not an error."""
    for api in (DeviceApi(transport), TrunkApi(transport), MediaServiceApi(transport)):
        assert api.get(DOMAIN, "missing") is None
    assert [e["status"] for e in emulator.requests()] == [404, 404, 404]


def test_get_of_a_top_level_object_drops_the_envelope_fields(emulator: EmulatorClient, transport: Transport) -> None:
    """Devices (item_key None) come back with their fields, without success/reason."""
    emulator.ok("PUT", f"/provisioning/device/{DOMAIN}", json={**DEVICE, "deviceId": "unit-1"})
    raw = emulator.ok("GET", f"/provisioning/device/{DOMAIN}/unit-1")
    assert raw["success"] is True
    got = DeviceApi(transport).get(DOMAIN, "unit-1")
    assert got == {k: v for k, v in raw.items() if k != "success"}
    assert got is not None
    assert got["deviceId"] == "unit-1"
    assert got["description"] == "first"
    assert not {"success", "reason"} & set(got)


def test_drop_fields_is_the_envelope_by_default() -> None:
    """The default envelope fields are success and reason."""
    assert frozenset({"success", "reason"}) == Collection.drop_fields


def test_get_unwraps_the_item_key(emulator: EmulatorClient, transport: Transport) -> None:
    """Trunks and services are wrapped in their item_key on the wire; get returns the inner object."""
    emulator.ok("PUT", f"/provisioning/trunk/{DOMAIN}/t1", json=TRUNK)
    emulator.ok("POST", f"/provisioning/mediaservice/{DOMAIN}", json={**MEDIA, "id": "m1"})
    trunk = TrunkApi(transport).get(DOMAIN, "t1")
    assert trunk == {**TRUNK, "type": "trunk"}
    media = MediaServiceApi(transport).get(DOMAIN, "m1")
    assert media is not None
    assert {k: media[k] for k in MEDIA} == MEDIA
    assert media["id"] == "m1"
    assert "success" not in media
    assert "mediaservice" not in media


# -- create ---------------------------------------------------------------------------------------


def test_create_with_the_post_route_puts_the_id_in_the_body(emulator: EmulatorClient, transport: Transport) -> None:
    """create_route "create": POST to the collection with the id in body_id_field (overriding the doc's)."""
    answer = MediaServiceApi(transport).create(DOMAIN, "m1", {**MEDIA, "id": "ignored"})
    assert answer == {"success": True, "id": "m1"}
    (entry,) = emulator.requests()
    assert (entry["method"], entry["path"]) == ("POST", f"/provisioning/mediaservice/{DOMAIN}")
    assert entry["body"] == {**MEDIA, "id": "m1"}
    assert MediaServiceApi(transport).get(DOMAIN, "m1") is not None
    assert MediaServiceApi(transport).get(DOMAIN, "ignored") is None


def test_create_with_the_post_route_is_not_idempotent(transport: Transport) -> None:
    """POSTing an existing id is a conflict (the caller must overwrite instead)."""
    api = MediaServiceApi(transport)
    api.create(DOMAIN, "m1", MEDIA)
    with pytest.raises(ConflictError) as info:
        api.create(DOMAIN, "m1", MEDIA)
    assert info.value.status == 409
    assert info.value.method == "POST"


def test_create_with_the_put_route_and_id_in_the_path(emulator: EmulatorClient, transport: Transport) -> None:
    """Trunks: create_route "put" sends PUT /trunk/{domain}/{trunkId}; body_id_field None keeps the body as given."""
    api = TrunkApi(transport)
    answer = api.create(DOMAIN, "t1", TRUNK)
    assert answer == {"success": True, "id": "t1"}
    again = api.create(DOMAIN, "t1", {**TRUNK, "description": "again"})  # PUT: idempotent upsert
    assert again == {"success": True, "id": "t1"}
    first, second = emulator.requests()
    assert (first["method"], first["path"]) == ("PUT", f"/provisioning/trunk/{DOMAIN}/t1")
    assert first["body"] == TRUNK
    assert second["body"] == {**TRUNK, "description": "again"}
    assert api.get(DOMAIN, "t1") == {**TRUNK, "description": "again", "type": "trunk"}


def test_create_with_the_put_route_and_id_in_the_body(emulator: EmulatorClient, transport: Transport) -> None:
    """Devices: PUT /device/{domain} (no id placeholder) with the id as deviceId in the body."""
    answer = DeviceApi(transport).create(DOMAIN, "unit-1", DEVICE)
    assert answer == {"success": True, "id": "unit-1"}
    (entry,) = emulator.requests()
    assert (entry["method"], entry["path"]) == ("PUT", f"/provisioning/device/{DOMAIN}")
    assert entry["body"] == {**DEVICE, "deviceId": "unit-1"}


def test_create_returns_the_generated_secret(transport: Transport) -> None:
    """The create response is returned whole, so a once-only generated password reaches the caller."""
    answer = DeviceApi(transport).create(DOMAIN, "unit-1", {"authType": "credentials"})
    assert answer["success"] is True
    assert isinstance(answer["password"], str)
    assert answer["password"]
    stored = DeviceApi(transport).get(DOMAIN, "unit-1")
    assert stored is not None
    assert "password" not in stored
    assert len(stored["ha1"]) == 32


def test_create_does_not_modify_the_callers_doc(transport: Transport) -> None:
    """The id is added to a copy of the document."""
    doc = dict(DEVICE)
    DeviceApi(transport).create(DOMAIN, "unit-1", doc)
    assert doc == DEVICE


def test_create_rejected_by_the_server_raises_bad_request(transport: Transport) -> None:
    """A 400 from the server surfaces as BadRequestError naming the field."""
    with pytest.raises(BadRequestError) as info:
        DeviceApi(transport).create(DOMAIN, "unit-1", {"authType": "nope"})
    assert info.value.reason is not None
    assert info.value.reason.startswith("authType:")


# -- overwrite / patch ------------------------------------------------------------------------------


def test_overwrite_replaces_the_whole_object(emulator: EmulatorClient, transport: Transport) -> None:
    """overwrite is PUT by id with the id in the body; fields left out are gone afterwards."""
    api = MediaServiceApi(transport)
    api.create(DOMAIN, "m1", {**MEDIA, "description": "old"})
    emulator.clear_requests()
    answer = api.overwrite(DOMAIN, "m1", {**MEDIA, "name": "renamed"})
    assert answer == {"success": True, "id": "m1"}
    (entry,) = emulator.requests()
    assert (entry["method"], entry["path"]) == ("PUT", f"/provisioning/mediaservice/{DOMAIN}/m1")
    assert entry["body"] == {**MEDIA, "name": "renamed", "id": "m1"}
    got = api.get(DOMAIN, "m1")
    assert got is not None
    assert got["name"] == "renamed"
    assert "description" not in got


def test_overwrite_of_a_missing_object_raises_not_found(transport: Transport) -> None:
    """Unlike get/delete, overwrite does not swallow a 404."""
    with pytest.raises(NotFoundError):
        MediaServiceApi(transport).overwrite(DOMAIN, "absent", MEDIA)


def test_patch_sends_the_operations_as_given(emulator: EmulatorClient, transport: Transport) -> None:
    """patch PATCHes the RFC 6902 list to the item's path and the server applies it."""
    api = TrunkApi(transport)
    api.create(DOMAIN, "t1", {**TRUNK, "description": "old"})
    emulator.clear_requests()
    ops: list[dict[str, Any]] = [
        {"op": "test", "path": "/description", "value": "old"},
        {"op": "replace", "path": "/description", "value": "new"},
        {"op": "add", "path": "/transcode", "value": True},
    ]
    assert api.patch(DOMAIN, "t1", ops) == {"success": True}
    (entry,) = emulator.requests()
    assert (entry["method"], entry["path"], entry["body"]) == ("PATCH", f"/provisioning/trunk/{DOMAIN}/t1", ops)
    assert api.get(DOMAIN, "t1") == {**TRUNK, "description": "new", "transcode": True, "type": "trunk"}


def test_patch_failures_are_typed(transport: Transport) -> None:
    """A failed test op is a ConflictError; a missing item is a NotFoundError; nothing is changed."""
    api = DeviceApi(transport)
    api.create(DOMAIN, "unit-1", DEVICE)
    before = api.get(DOMAIN, "unit-1")
    with pytest.raises(ConflictError):
        api.patch(DOMAIN, "unit-1", [{"op": "test", "path": "/description", "value": "other"}])
    with pytest.raises(NotFoundError):
        api.patch(DOMAIN, "absent", [{"op": "replace", "path": "/description", "value": "x"}])
    assert api.get(DOMAIN, "unit-1") == before


# -- delete -----------------------------------------------------------------------------------------


def test_delete_reports_whether_the_object_existed(emulator: EmulatorClient, transport: Transport) -> None:
    """delete is True when it removed the object, False (not an error) on a 404."""
    api = AlarmBridgeApi(transport)
    api.create(DOMAIN, "ab1", BRIDGE)
    assert api.delete(DOMAIN, "ab1") is True
    assert api.get(DOMAIN, "ab1") is None
    assert api.delete(DOMAIN, "ab1") is False
    deletes = [e for e in emulator.requests() if e["method"] == "DELETE"]
    path = f"/provisioning/alarmbridge/{DOMAIN}/ab1"
    assert [(e["path"], e["status"]) for e in deletes] == [(path, 200), (path, 404)]


def test_delete_of_a_missing_device_and_trunk_is_false(transport: Transport) -> None:
    """The 404-means-gone rule holds for every collection."""
    assert DeviceApi(transport).delete(DOMAIN, "absent") is False
    assert TrunkApi(transport).delete(DOMAIN, "absent") is False


def test_get_and_delete_do_not_swallow_other_errors(emulator: EmulatorClient) -> None:
    """Only NotFoundError means "absent"/"already gone": a 403 from the server propagates."""
    emulator.ok("POST", f"/provisioning/mediaservice/{DOMAIN}", json={**MEDIA, "id": "m1"})
    with Transport(emulator.url, TokenAuth(OTHER_TOKEN), max_retries=0) as foreign:
        api = MediaServiceApi(foreign)
        with pytest.raises(ForbiddenError):
            api.get(DOMAIN, "m1")
        with pytest.raises(ForbiddenError):
            api.delete(DOMAIN, "m1")
    assert emulator.ok("GET", f"/provisioning/mediaservice/{DOMAIN}/m1")["mediaservice"]["id"] == "m1"


# -- list -------------------------------------------------------------------------------------------


def test_list_follows_next_token_across_pages(emulator: EmulatorClient, transport: Transport) -> None:
    """250 devices come back once each, in id order, from three GETs of limit=100 chained by nextToken."""
    api = DeviceApi(transport)
    ids = [f"unit-{i:03d}" for i in range(250)]
    for device_id in reversed(ids):
        api.create(DOMAIN, device_id, DEVICE)
    emulator.clear_requests()
    listed = list(api.list(DOMAIN))
    assert [d["deviceId"] for d in listed] == ids
    assert all(d["description"] == "first" for d in listed)
    gets = emulator.requests()
    assert [(e["method"], e["path"], e["status"]) for e in gets] == [("GET", f"/provisioning/device/{DOMAIN}", 200)] * 3
    queries = [query_of(e) for e in gets]
    assert [q["limit"] for q in queries] == [["100"]] * 3
    assert "nextToken" not in queries[0]
    tokens = [q["nextToken"][0] for q in queries[1:]]
    assert len(set(tokens)) == 2


def test_list_is_lazy(emulator: EmulatorClient, transport: Transport) -> None:
    """Nothing is requested until the iterator is consumed, and only the pages consumed are fetched."""
    api = DeviceApi(transport)
    for i in range(101):
        api.create(DOMAIN, f"unit-{i:03d}", DEVICE)
    emulator.clear_requests()
    items = api.list(DOMAIN)
    assert emulator.requests() == []
    assert next(items)["deviceId"] == "unit-000"
    assert len(emulator.requests()) == 1
    assert [d["deviceId"] for d in items][-1] == "unit-100"
    assert len(emulator.requests()) == 2


def test_list_of_an_empty_collection(emulator: EmulatorClient, transport: Transport) -> None:
    """An empty domain is one request and no items."""
    assert list(TrunkApi(transport).list(DOMAIN)) == []
    assert len(emulator.requests()) == 1


def test_list_yields_the_items_as_listed(transport: Transport) -> None:
    """list does not unwrap item_key: trunk items keep their trunkId/serviceDestination shape."""
    api = TrunkApi(transport)
    api.create(DOMAIN, "t2", TRUNK)
    api.create(DOMAIN, "t1", TRUNK)
    assert list(api.list(DOMAIN)) == [
        {"trunkId": "t1", "serviceDestination": {**TRUNK, "type": "trunk"}},
        {"trunkId": "t2", "serviceDestination": {**TRUNK, "type": "trunk"}},
    ]


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    """A scripted HTTP server, for pages the emulator never serves (repeated tokens, malformed bodies)."""
    with ScriptedServer() as srv:
        yield srv
        assert srv.errors == []


@pytest.fixture
def scripted(server: ScriptedServer) -> Iterator[Transport]:
    """A Transport to the scripted server; no retries."""
    with Transport(server.url, TokenAuth(TOKEN), max_retries=0) as t:
        yield t


def _pages(tokens: list[str | None]) -> Callable[[Received], Reply]:
    """Page i answers items [i*2, i*2+1] and tokens[i] as nextToken."""

    def reply(req: Received) -> Reply:
        index = 0 if "nextToken" not in req.query else int(req.query["nextToken"].lstrip("t"))
        body: dict[str, Any] = {"success": True, "devices": [{"n": index * 2}, {"n": index * 2 + 1}]}
        if tokens[index] is not None:
            body["nextToken"] = tokens[index]
        return Reply(json=body)

    return reply


def test_paginate_follows_next_token(server: ScriptedServer, scripted: Transport) -> None:
    """Each page asks for ``limit`` items and passes on the previous page's nextToken; the last has none."""
    server.default = _pages(["t1", "t2", None])
    items = list(paginate(scripted, "/device/{domain}", {"domain": "acme.example"}, items_key="devices", limit=2))
    assert [item["n"] for item in items] == [0, 1, 2, 3, 4, 5]
    assert [r.query for r in server.requests] == [
        {"limit": "2"},
        {"limit": "2", "nextToken": "t1"},
        {"limit": "2", "nextToken": "t2"},
    ]


def test_paginate_guards_against_a_repeated_token(server: ScriptedServer, scripted: Transport) -> None:
    """A nextToken seen before stops the listing with an error instead of looping forever."""
    server.default = _pages(["t1", "t1"])
    iterator = paginate(scripted, "/device/{domain}", {"domain": "acme.example"}, items_key="devices")
    with pytest.raises(ApiError, match="same nextToken twice") as info:
        list(iterator)
    assert info.value.path == "/device/acme.example"
    assert len(server.requests) == 2


def test_paginate_rejects_malformed_pages(server: ScriptedServer, scripted: Transport) -> None:
    """Items that are not a list (or not objects) are an error; a page without the key is empty."""
    server.script(
        Reply(json={"devices": "nope"}),
        Reply(json={"devices": [1]}),
        Reply(json={"devices": [], "nextToken": 5}),
        Reply(json={"other": 1}),
    )
    with pytest.raises(ApiError, match="expected a JSON object") as info:
        list(paginate(scripted, "/d", items_key="devices"))
    assert (type(info.value), info.value.status) == (ApiError, 200)
    with pytest.raises(ApiError, match="'devices' contains a non-object item"):
        list(paginate(scripted, "/d", items_key="devices"))
    with pytest.raises(ApiError, match="a non-string nextToken"):
        list(paginate(scripted, "/d", items_key="devices"))
    assert list(paginate(scripted, "/d", items_key="devices")) == []


# -- provisory --------------------------------------------------------------------------------------


def test_provisory_is_a_separate_space(emulator: EmulatorClient, transport: Transport) -> None:
    """With has_provisory, every operation sends ?provisory=true and reaches the provisory copy only."""
    api = MediaServiceApi(transport)
    api.create(DOMAIN, "m1", {**MEDIA, "description": "draft"}, provisory=True)
    assert api.get(DOMAIN, "m1") is None
    assert list(api.list(DOMAIN)) == []
    draft = api.get(DOMAIN, "m1", provisory=True)
    assert draft is not None
    assert draft["description"] == "draft"
    assert [m["id"] for m in api.list(DOMAIN, provisory=True)] == ["m1"]
    api.overwrite(DOMAIN, "m1", {**MEDIA, "description": "v2"}, provisory=True)
    api.patch(DOMAIN, "m1", [{"op": "add", "path": "/note", "value": "n"}], provisory=True)
    got = api.get(DOMAIN, "m1", provisory=True)
    assert got is not None
    assert (got["description"], got["note"]) == ("v2", "n")
    assert api.delete(DOMAIN, "m1") is False
    assert api.delete(DOMAIN, "m1", provisory=True) is True
    log = emulator.requests()
    flagged = [e for e in log if query_of(e).get("provisory") == ["true"]]
    plain = [e for e in log if "provisory" not in query_of(e)]
    assert [e["method"] for e in flagged] == ["POST", "GET", "GET", "PUT", "PATCH", "GET", "DELETE"]
    assert [e["method"] for e in plain] == ["GET", "GET", "DELETE"]


def test_provisory_is_ignored_without_a_provisory_space(emulator: EmulatorClient, transport: Transport) -> None:
    """Collections without has_provisory never send the parameter, so provisory=True reads the live object."""
    api = DeviceApi(transport)
    api.create(DOMAIN, "unit-1", DEVICE, provisory=True)
    assert api.get(DOMAIN, "unit-1", provisory=True) is not None
    assert [d["deviceId"] for d in api.list(DOMAIN, provisory=True)] == ["unit-1"]
    assert all("provisory" not in query_of(e) for e in emulator.requests())


# -- path parameters ---------------------------------------------------------------------------------


def test_ids_are_percent_encoded_in_the_path(emulator: EmulatorClient, transport: Transport) -> None:
    """Reserved characters of an id stay inside its path segment: the server sees the id whole, no query."""
    api = MediaServiceApi(transport)
    with pytest.raises(NotFoundError) as info:
        api.patch(DOMAIN, "a b?c=d#e", [])
    assert info.value.path == f"/provisioning/mediaservice/{DOMAIN}/a%20b%3Fc%3Dd%23e"
    (entry,) = emulator.requests()
    assert entry["path"] == f"/provisioning/mediaservice/{DOMAIN}/a b?c=d#e"
    assert entry["query"] == ""


def test_ids_with_special_characters_round_trip(transport: Transport) -> None:
    """An id using every punctuation character the API allows is created, read, listed and deleted."""
    device_id = "a-b.c_d:e~f+g"
    api = DeviceApi(transport)
    api.create(DOMAIN, device_id, DEVICE)
    got = api.get(DOMAIN, device_id)
    assert got is not None
    assert got["deviceId"] == device_id
    assert [d["deviceId"] for d in api.list(DOMAIN)] == [device_id]
    assert api.delete(DOMAIN, device_id) is True


@pytest.mark.parametrize("bad", ["", "a/b", "..", "a\\b", "%2e%2e", "x%2Fy", "a\nb", "x" * 257])
def test_invalid_ids_are_rejected_before_sending(emulator: EmulatorClient, transport: Transport, bad: str) -> None:
    """Every operation validates the id locally (InputError naming the parameter); nothing reaches the server."""
    api = TrunkApi(transport)
    calls: list[Callable[[], object]] = [
        lambda: api.get(DOMAIN, bad),
        lambda: api.create(DOMAIN, bad, TRUNK),
        lambda: api.overwrite(DOMAIN, bad, TRUNK),
        lambda: api.patch(DOMAIN, bad, []),
        lambda: api.delete(DOMAIN, bad),
    ]
    for call in calls:
        with pytest.raises(InputError) as info:
            call()
        assert info.value.path == "trunkId"
    assert emulator.requests() == []


def test_invalid_domain_is_rejected_before_sending(emulator: EmulatorClient, transport: Transport) -> None:
    """The domain is a path parameter too, for items, listings and singletons alike."""
    with pytest.raises(InputError) as info:
        DeviceApi(transport).get("../other", "unit-1")
    assert info.value.path == "domain"
    with pytest.raises(InputError):
        list(DeviceApi(transport).list("a/b"))
    with pytest.raises(InputError):
        NotificationSettingsApi(transport).get("")
    assert emulator.requests() == []


# -- Singleton --------------------------------------------------------------------------------------

SETTINGS: dict[str, Any] = {
    "httpTimeout": 5,
    "useHttpEvents": True,
    "sipEventsRestEndpoint": "https://events.example.com/sip",
}


@pytest.mark.parametrize("cls", [NotificationSettingsApi, SiprecServiceApi])
def test_singleton_is_empty_before_it_is_set(transport: Transport, cls: type[Singleton]) -> None:
    """get of settings never set is {}, not None and not an error."""
    assert cls(transport).get(DOMAIN) == {}


@pytest.mark.parametrize("cls", [NotificationSettingsApi, SiprecServiceApi])
def test_singleton_put_sets_the_whole_object(
    emulator: EmulatorClient, transport: Transport, cls: type[Singleton]
) -> None:
    """put replaces the settings whole (GET/PUT on the kind's route); get returns them without success."""
    api = cls(transport)
    api.put(DOMAIN, {**SETTINGS, "alarmEventsRestEndpoint": "x"})
    api.put(DOMAIN, SETTINGS)
    assert api.get(DOMAIN) == SETTINGS
    path = route(f"{cls.kind}.get").path.format(domain=DOMAIN)
    assert [(e["method"], e["path"]) for e in emulator.requests()] == [("PUT", path), ("PUT", path), ("GET", path)]


def test_singleton_get_drops_a_success_field(transport: Transport) -> None:
    """A success key in the stored document is treated as envelope and left out."""
    api = NotificationSettingsApi(transport)
    api.put(DOMAIN, {**SETTINGS, "success": True})
    assert api.get(DOMAIN) == SETTINGS


def test_singleton_put_rejected_by_the_server(transport: Transport) -> None:
    """An invalid settings document is a BadRequestError naming the field; nothing is stored."""
    api = SiprecServiceApi(transport)
    with pytest.raises(BadRequestError) as info:
        api.put(DOMAIN, {"sipEventsRestEndpoint": "ftp://x"})
    assert info.value.reason is not None
    assert info.value.reason.startswith("sipEventsRestEndpoint:")
    assert api.get(DOMAIN) == {}


def test_singletons_are_per_domain_and_per_kind(transport: Transport) -> None:
    """Notification settings and SIPREC settings are separate objects."""
    NotificationSettingsApi(transport).put(DOMAIN, SETTINGS)
    assert SiprecServiceApi(transport).get(DOMAIN) == {}


# -- declarations vs the contract -------------------------------------------------------------------


def _collection_classes() -> list[type[Collection]]:
    for module in pkgutil.iter_modules(api_package.__path__):
        importlib.import_module(f"{api_package.__name__}.{module.name}")
    found: list[type[Collection]] = []
    todo = list(Collection.__subclasses__())
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        if cls.__module__.startswith(api_package.__name__):
            found.append(cls)
    return sorted(found, key=lambda c: c.kind)


COLLECTIONS = _collection_classes()


def test_the_api_package_declares_the_expected_collections() -> None:
    """Every id-addressed collection of the API has a Collection subclass."""
    assert {c.kind for c in COLLECTIONS} == {
        "device",
        "trunk",
        "mediaservice",
        "alarmbridge",
        "alarmeventmapper",
        "cloudsipua",
    }


@pytest.mark.parametrize("cls", COLLECTIONS, ids=[c.kind for c in COLLECTIONS])
def test_collection_declarations_match_the_contract(cls: type[Collection]) -> None:
    """Each operation's route exists, the id placeholder is where _ops puts the id, and create carries the id."""
    names = {r.name for r in ROUTES}
    placeholder = f"{{{cls.id_param}}}"
    for op in ("get", "patch", "delete"):
        assert f"{cls.kind}.{op}" in names
        assert placeholder in route(f"{cls.kind}.{op}").path
    assert route(f"{cls.kind}.list").method == "GET"
    assert placeholder not in route(f"{cls.kind}.list").path
    assert cls.create_route in ("create", "put")
    for op in (cls.create_route, "put"):
        r = route(f"{cls.kind}.{op}")
        assert placeholder in r.path or cls.body_id_field is not None, r
    assert isinstance(cls.list_key, str)


@pytest.mark.parametrize("cls", [NotificationSettingsApi, SiprecServiceApi])
def test_singleton_declarations_match_the_contract(cls: type[Singleton]) -> None:
    """A singleton has GET and PUT routes on one path with only the domain in it."""
    get, put = route(f"{cls.kind}.get"), route(f"{cls.kind}.put")
    assert (get.method, put.method) == ("GET", "PUT")
    assert get.path == put.path
    assert get.path.endswith("/{domain}")
