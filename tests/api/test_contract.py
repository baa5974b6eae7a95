"""pulumi_iotcomms.api.contract: the route table, its lookup and the recorded decisions; the emulator serves it."""

from __future__ import annotations

import dataclasses
import inspect
import re
from collections import Counter

import pytest

import pulumi_iotcomms.api as api_package
from pulumi_iotcomms.api import contract
from pulumi_iotcomms.api._ops import paginate
from pulumi_iotcomms.api.contract import DECISIONS, ROUTES, SERVICE_KINDS, Route, route
from tests.emulator_client import EmulatorClient

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
BASES = ("/provisioning", "/hybridadmin", "/cache")
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
PATHS = sorted({r.path for r in ROUTES})


def segments(path: str) -> list[str]:
    """The segments of a path template."""
    return path.strip("/").split("/")


def is_placeholder(segment: str) -> bool:
    """Whether a template segment is a whole ``{name}`` placeholder."""
    return PLACEHOLDER.fullmatch(segment) is not None


def filled(path: str) -> str:
    """A concrete request path for a template: every placeholder replaced by a harmless value."""
    return PLACEHOLDER.sub("x1", path)


# -- module surface --------------------------------------------------------------------------------


def test_all_and_the_package_reexports() -> None:
    """pulumi_iotcomms.api re-exports contract's names as the same objects."""
    for name in contract.__all__:
        assert getattr(api_package, name) is getattr(contract, name)


def test_route_is_immutable() -> None:
    """A Route cannot be changed after the table is built."""
    r = route("device.get")
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.method = "POST"  # type: ignore[misc]
    assert r.method == "GET"


# -- ROUTES ----------------------------------------------------------------------------------------


def test_route_names_are_unique() -> None:
    """Each operation name appears once."""
    duplicates = [name for name, n in Counter(r.name for r in ROUTES).items() if n > 1]
    assert duplicates == []


def test_route_names_are_kind_dot_operation() -> None:
    """Names are "<kind>.<operation>", lowercase, e.g. device.bulk_put."""
    for r in ROUTES:
        assert re.fullmatch(r"[a-z]+\.[a-z_]+", r.name), r.name


@pytest.mark.parametrize("r", ROUTES, ids=[r.name for r in ROUTES])
def test_route_method_and_path_are_well_formed(r: Route) -> None:
    """Method is an HTTP method; path starts with an API base path and is made of literal or {name} segments."""
    assert r.method in METHODS
    assert r.path.startswith(tuple(f"{base}/" for base in BASES)), r.path
    assert not r.path.endswith("/")
    for segment in segments(r.path):
        assert segment, r.path
        assert is_placeholder(segment) or re.fullmatch(r"[A-Za-z_]+", segment), segment
    names = PLACEHOLDER.findall(r.path)
    assert len(names) == len(set(names)), r.path


def test_every_route_but_the_profile_is_scoped_to_a_domain() -> None:
    """Paths carry {domain}; only the profile belongs to whoever calls (DECISIONS["profile"])."""
    without = sorted(r.name for r in ROUTES if "{domain}" not in r.path)
    assert without == ["profile.create", "profile.get", "profile.patch", "profile.put"]


def test_one_operation_per_method_and_path() -> None:
    """No two operations share a method and path template."""
    pairs = Counter((r.method, r.path) for r in ROUTES)
    assert [pair for pair, n in pairs.items() if n > 1] == []


def test_no_two_path_templates_match_the_same_request() -> None:
    """Routing does not depend on the order of the table: distinct templates never overlap."""

    def overlap(a: str, b: str) -> bool:
        sa, sb = segments(a), segments(b)
        return len(sa) == len(sb) and all(
            x == y or is_placeholder(x) or is_placeholder(y) for x, y in zip(sa, sb, strict=True)
        )

    clashes = [(a, b) for i, a in enumerate(PATHS) for b in PATHS[i + 1 :] if overlap(a, b)]
    assert clashes == []


def test_undocumented_routes_say_why() -> None:
    """documented=False routes carry a note with the reason; documented ones need none."""
    undocumented = [r for r in ROUTES if not r.documented]
    assert undocumented, "the docs are silent somewhere; the table says where"
    for r in ROUTES:
        assert bool(r.note.strip()) is (not r.documented), r


def test_route_defaults_are_documented_without_note() -> None:
    """A Route is documented unless said otherwise."""
    r = Route("x.get", "GET", "/provisioning/x/{domain}")
    assert (r.documented, r.note) == (True, "")


def test_service_kinds_share_one_crud_shape() -> None:
    """Each service kind has exactly list/create on the collection and get/put/delete/patch by {id}."""
    expected = {
        "list": ("GET", ""),
        "create": ("POST", ""),
        "get": ("GET", "/{id}"),
        "put": ("PUT", "/{id}"),
        "delete": ("DELETE", "/{id}"),
        "patch": ("PATCH", "/{id}"),
    }
    for kind in SERVICE_KINDS:
        ops = {r.name.split(".", 1)[1]: r for r in ROUTES if r.name.split(".", 1)[0] == kind}
        assert set(ops) == set(expected), kind
        for op, (method, suffix) in expected.items():
            assert (ops[op].method, ops[op].path) == (method, f"/provisioning/{kind}/{{domain}}{suffix}")


# -- route() ---------------------------------------------------------------------------------------


def test_route_returns_the_table_entry() -> None:
    """route(name) is the ROUTES entry of that name, for every entry."""
    for r in ROUTES:
        assert route(r.name) is r


def test_route_of_an_unknown_name_is_a_key_error_naming_it() -> None:
    """An unknown operation raises KeyError carrying the name asked for."""
    for name in ("device.frobnicate", "", "DEVICE.GET", "device"):
        with pytest.raises(KeyError) as info:
            route(name)
        assert info.value.args == (name,)


# -- DECISIONS -------------------------------------------------------------------------------------


def test_decision_keys_name_what_they_decide() -> None:
    """Keys are dotted lowercase subjects (e.g. "device.password"); each value is a non-empty sentence."""
    assert DECISIONS
    for key, text in DECISIONS.items():
        assert re.fullmatch(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)*", key), key
        assert isinstance(text, str)
        assert len(text.split()) >= 5, key
        assert text.rstrip().endswith("."), key


def test_decisions_about_a_route_cite_its_method_and_path() -> None:
    """A decision keyed by an operation name (or under it) states that operation's method and path."""
    names = {r.name for r in ROUTES}
    cited = 0
    for key, text in DECISIONS.items():
        parts = key.split(".")
        prefixes = [".".join(parts[:n]) for n in range(len(parts), 0, -1)]
        name = next((p for p in prefixes if p in names), None)
        if name is None:
            continue
        r = route(name)
        base = next(b for b in BASES if r.path.startswith(b))
        assert f"{r.method} {r.path[len(base) :]}" in text, key
        cited += 1
    assert cited >= 4


def test_client_page_size_is_within_the_pagination_decision() -> None:
    """The client's default page size is a limit the contract allows (1..100)."""
    assert 1 <= inspect.signature(paginate).parameters["limit"].default <= 100


# -- served by the emulator ------------------------------------------------------------------------


@pytest.mark.parametrize("path", PATHS)
def test_emulator_serves_exactly_the_contract_methods(emulator: EmulatorClient, path: str) -> None:
    """On each path the emulator routes the contract's methods (to an authenticating handler) and 405s the rest.

    Requests carry no credentials, so nothing is changed: a routed method answers the handler's 401.
    """
    declared = {r.method for r in ROUTES if r.path == path}
    routed: set[str] = set()
    for method in METHODS:
        resp = emulator.call(method, filled(path), auth=False)
        body = resp.json()
        assert body["success"] is False, (method, body)
        if resp.status_code == 405:
            assert body["reason"] == f"method {method} not allowed"
        else:
            assert resp.status_code == 401, (method, resp.status_code, body)
            assert body["reason"].startswith("Authorization:")
            routed.add(method)
    assert routed == declared
    assert emulator.objects() == {}
