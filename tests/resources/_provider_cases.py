"""Provider-level lifecycle scenarios shared by every resource, run against the real emulator over HTTP.

A per-resource test module describes its resource as a :class:`Case` and subclasses
:class:`ProviderLifecycle` (or :class:`ServiceLifecycle` for collections with a provisory space):

    class TestCloudSipUaProvider(ServiceLifecycle):
        case = Case(provider=CloudSipUaProvider, resource=CloudSipUa, ...)

The provider class is called directly (check/diff/create/read/update/delete), configured with
``provider._settings``; no Pulumi engine is involved.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pytest
from pulumi.dynamic import CreateResult
from pulumi.runtime.rpc import UNKNOWN

from pulumi_iotcomms.resources import _claims
from pulumi_iotcomms.resources._config import Settings
from pulumi_iotcomms.resources._engine import fields_of, to_wire
from pulumi_iotcomms.resources._provider import ConflictingObjectError, IotcommsProvider
from tests.emulator_client import DOMAIN, OTHER_DOMAIN, TOKEN, EmulatorClient

NAME = "res"
"""The Pulumi resource name used by the scenarios."""


@dataclass(frozen=True)
class Case:
    """One resource type as the shared scenarios see it.

    Args:
        provider: the provider class under test.
        resource: the program-side ``pulumi.dynamic.Resource`` class.
        collection: the emulator's store collection (``emulator.objects()[domain]``).
        path: the collection's API path without domain, e.g. ``/provisioning/mediaservice``.
        inputs: valid program inputs (no ``domain``, no id); must set ``edit``'s field.
        change: one field's new value, for the update scenario.
        change_ops: the exact RFC 6902 operations that update must send for ``change``.
        edit: ``(state field, new value)`` changed out of band (a ``replace`` operation).
        invalid: ``(input overrides, failing property path)`` pairs that ``check`` must reject.
        unknown: input overrides set to an unknown (preview) value that ``check`` must accept.
        defaults: wire fields the server fills in when absent.
        computed: output names the server generates (non-empty after create).
    """

    provider: type[IotcommsProvider]
    resource: type[Any]
    collection: str
    path: str
    inputs: Mapping[str, Any]
    change: Mapping[str, Any]
    change_ops: list[dict[str, Any]]
    edit: tuple[str, Any]
    invalid: list[tuple[dict[str, Any], str]]
    unknown: tuple[str, ...] = ()
    defaults: Mapping[str, Any] = field(default_factory=dict)
    computed: tuple[str, ...] = ()

    @property
    def id_input(self) -> str:
        assert self.provider.spec.id_input is not None
        return self.provider.spec.id_input

    @property
    def item_key(self) -> str:
        api = self.provider.spec.api
        assert api is not None
        assert api.item_key is not None
        return api.item_key

    def url(self, local_id: str, domain: str = DOMAIN) -> str:
        return f"{self.path}/{domain}/{local_id}"

    def wire(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        """The wire object the inputs describe."""
        return to_wire(self.provider.spec.model, self.provider.spec.schema_state(inputs))


# -- helpers -----------------------------------------------------------------------------------------


def writes(emulator: EmulatorClient) -> list[tuple[str, str, Any]]:
    """``(method, path, body)`` of every logged request that is not a GET."""
    return [(r["method"], r["path"], r["body"]) for r in emulator.requests() if r["method"] != "GET"]


def server_doc(emulator: EmulatorClient, case: Case, local_id: str, *, provisory: bool = False) -> dict[str, Any]:
    """The object as the emulator answers a GET."""
    params = {"provisory": "true"} if provisory else None
    return dict(emulator.ok("GET", case.url(local_id), params=params)[case.item_key])


def seed(emulator: EmulatorClient, case: Case, local_id: str, wire: Mapping[str, Any]) -> None:
    """Create the object out of band, as another tool would."""
    if case.provider.spec.api is not None and case.provider.spec.api.body_id_field is None:
        emulator.ok("PUT", case.url(local_id), json=dict(wire))
    else:
        emulator.ok("POST", f"{case.path}/{DOMAIN}", json={**wire, "id": local_id})


def assert_matches(case: Case, doc: Mapping[str, Any], inputs: Mapping[str, Any]) -> None:
    """Every desired field is on the server as desired; write-only fields are never stored."""
    aliases = {f.alias: f for f in fields_of(case.provider.spec.model).values()}
    for key, value in case.wire(inputs).items():
        if aliases[key].behaviour.write_only:
            assert key not in doc, f"write-only {key} was stored"
        else:
            assert doc.get(key) == value, (key, doc.get(key), value)


# -- scenarios ----------------------------------------------------------------------------------------


class ProviderLifecycle:
    """Scenarios every id-addressed resource passes; subclasses set ``case``."""

    case: ClassVar[Case]
    identity: ClassVar[tuple[str, ...]] = ("domain",)
    """Provider-side inputs whose change replaces the object (the id input is added)."""

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        if "invalid" in metafunc.fixturenames:
            metafunc.parametrize("invalid", self.case.invalid, ids=[path for _, path in self.case.invalid])
        if "identity_change" in metafunc.fixturenames:
            values = {"domain": OTHER_DOMAIN, self.case.id_input: "another-id", "provisory": True}
            names = [*self.identity, self.case.id_input]
            metafunc.parametrize("identity_change", [(n, values[n]) for n in names], ids=names)

    @pytest.fixture
    def provider(self, emulator: EmulatorClient) -> IotcommsProvider:
        provider = self.case.provider()
        provider._settings = Settings(endpoint=emulator.url, token=TOKEN, domain=DOMAIN)
        return provider

    def checked(self, provider: IotcommsProvider, **overrides: Any) -> dict[str, Any]:
        """Inputs after a successful ``check`` (domain from config, id assigned)."""
        result = provider.check({}, {"resource_name": NAME, **self.case.inputs, **overrides})
        assert [(f.property, f.reason) for f in result.failures] == []
        return dict(result.inputs)

    def created(self, provider: IotcommsProvider, **overrides: Any) -> tuple[dict[str, Any], CreateResult]:
        """Check and create, as one deployment; later calls act as later deployments (``pulumi up``
        creates and deletes the same object in one deployment only for a delete-first replacement)."""
        inputs = self.checked(provider, **overrides)
        result = provider.create(inputs)
        _claims.reset()
        return inputs, result

    # -- check -------------------------------------------------------------------------------------

    def test_check_assigns_an_id_derived_from_stack_and_name_and_keeps_it(self, provider: IotcommsProvider) -> None:
        news = {"resource_name": NAME, "owner": "proj/dev", **self.case.inputs}
        first = provider.check({}, news).inputs
        local_id = first[self.case.id_input]
        assert re.fullmatch(rf"{NAME}-[a-z0-9]{{7}}", local_id)
        assert first["domain"] == DOMAIN
        # The same resource of the same stack gets the same id again (a failed create is found again)...
        assert provider.check({}, news).inputs[self.case.id_input] == local_id
        # ...another stack or another resource never does.
        assert provider.check({}, {**news, "owner": "proj/prod"}).inputs[self.case.id_input] != local_id
        other = provider.check({}, {**news, "resource_name": "other"}).inputs[self.case.id_input]
        assert other.startswith("other-")
        assert other.split("-")[-1] != local_id.split("-")[-1]
        # The recorded id stays, also across a rename (aliases hand the old inputs over as olds).
        assert provider.check(first, news).inputs[self.case.id_input] == local_id
        assert provider.check(first, {**news, "resource_name": "other"}).inputs[self.case.id_input] == local_id
        explicit = provider.check(first, {**news, self.case.id_input: "my-id"}).inputs[self.case.id_input]
        assert explicit == "my-id"

    def test_check_names_the_invalid_property(
        self, provider: IotcommsProvider, invalid: tuple[dict[str, Any], str]
    ) -> None:
        overrides, path = invalid
        result = provider.check({}, {"resource_name": NAME, **self.case.inputs, **overrides})
        assert path in [f.property for f in result.failures], [(f.property, f.reason) for f in result.failures]

    def test_check_rejects_unknown_properties_and_bad_ids(self, provider: IotcommsProvider) -> None:
        news = {"resource_name": NAME, **self.case.inputs, "bogus": 1, self.case.id_input: "bad id"}
        assert sorted(f.property for f in provider.check({}, news).failures) == sorted(["bogus", self.case.id_input])

    def test_check_skips_values_unknown_in_a_preview(self, provider: IotcommsProvider) -> None:
        unknown = dict.fromkeys([*self.case.unknown, self.case.id_input, "domain"], UNKNOWN)
        news = {"resource_name": NAME, **self.case.inputs, **unknown}
        result = provider.check({}, news)
        assert [(f.property, f.reason) for f in result.failures] == []
        olds = self.checked(provider)
        diff = provider.diff("x", olds, dict(result.inputs))
        assert diff.changes is True
        assert set(diff.replaces or []) == {"domain", self.case.id_input}

    # -- create / read / update --------------------------------------------------------------------

    def test_create_matches_the_server_and_server_defaults_cause_no_diff(
        self, provider: IotcommsProvider, emulator: EmulatorClient
    ) -> None:
        inputs, result = self.created(provider)
        local_id = inputs[self.case.id_input]
        assert result.id == f"{DOMAIN}/{local_id}"
        doc = server_doc(emulator, self.case, local_id)
        assert_matches(self.case, doc, inputs)
        assert {k: doc.get(k) for k in self.case.defaults} == dict(self.case.defaults)
        outs = dict(result.outs or {})
        assert all(outs.get(name) for name in self.case.computed), outs
        assert provider.diff(result.id, outs, inputs).changes is False
        refreshed = provider.read(result.id, outs)
        assert provider.diff(result.id, dict(refreshed.outs or {}), inputs).changes is False

    def test_update_sends_one_minimal_patch(self, provider: IotcommsProvider, emulator: EmulatorClient) -> None:
        inputs, result = self.created(provider)
        outs = dict(result.outs or {})
        news = {**inputs, **self.case.change}
        assert provider.diff(result.id, outs, news).changes is True
        emulator.clear_requests()
        updated = dict(provider.update(result.id, outs, news).outs or {})
        local_id = inputs[self.case.id_input]
        assert writes(emulator) == [("PATCH", self.case.url(local_id), self.case.change_ops)]
        assert_matches(self.case, server_doc(emulator, self.case, local_id), news)
        assert {n: updated[n] for n in self.case.computed} == {n: outs[n] for n in self.case.computed}
        assert provider.diff(result.id, updated, news).changes is False

    def test_update_without_changes_writes_nothing(self, provider: IotcommsProvider, emulator: EmulatorClient) -> None:
        inputs, result = self.created(provider)
        emulator.clear_requests()
        provider.update(result.id, dict(result.outs or {}), inputs)
        assert writes(emulator) == []

    def test_read_without_drift_returns_the_previous_inputs(self, provider: IotcommsProvider) -> None:
        inputs, result = self.created(provider)
        read = provider.read(result.id, dict(result.outs or {}))
        assert read.id == result.id
        assert read.inputs == inputs
        assert all((read.outs or {}).get(name) for name in self.case.computed)

    def test_out_of_band_edit_is_read_diffed_and_corrected(
        self, provider: IotcommsProvider, emulator: EmulatorClient
    ) -> None:
        inputs, result = self.created(provider)
        name, value = self.case.edit
        alias = fields_of(self.case.provider.spec.model)[name].alias
        local_id = inputs[self.case.id_input]
        emulator.ok("PATCH", self.case.url(local_id), json=[{"op": "replace", "path": f"/{alias}", "value": value}])
        read = provider.read(result.id, dict(result.outs or {}))
        assert read.inputs is not None
        assert read.inputs[name] == value
        refreshed = dict(read.outs or {})
        assert provider.diff(result.id, refreshed, inputs).changes is True
        emulator.clear_requests()
        provider.update(result.id, refreshed, inputs)
        back = [{"op": "replace", "path": f"/{alias}", "value": self.case.wire(inputs)[alias]}]
        assert writes(emulator) == [("PATCH", self.case.url(local_id), back)]
        assert_matches(self.case, server_doc(emulator, self.case, local_id), inputs)

    def test_out_of_band_delete_reads_as_gone(self, provider: IotcommsProvider, emulator: EmulatorClient) -> None:
        inputs, result = self.created(provider)
        emulator.ok("DELETE", self.case.url(inputs[self.case.id_input]))
        read = provider.read(result.id, dict(result.outs or {}))
        assert read.id == ""

    def test_import_by_id_reads_the_object_as_the_program_declares_it(self, provider: IotcommsProvider) -> None:
        inputs, result = self.created(provider)
        read = provider.read(result.id, {})
        assert read.id == result.id
        assert read.inputs is not None
        assert read.inputs[self.case.id_input] == inputs[self.case.id_input]
        assert read.inputs["domain"] == DOMAIN
        assert provider.diff(result.id, dict(read.outs or {}), inputs).changes is False

    # -- diff ----------------------------------------------------------------------------------------

    def test_identity_change_replaces_the_new_object_first(
        self, provider: IotcommsProvider, identity_change: tuple[str, Any]
    ) -> None:
        name, value = identity_change
        olds = self.checked(provider)
        diff = provider.diff(f"{DOMAIN}/x", olds, {**olds, name: value})
        assert (diff.changes, diff.replaces, diff.delete_before_replace) == (True, [name], False)

    def test_field_change_updates_in_place(self, provider: IotcommsProvider) -> None:
        olds = self.checked(provider)
        diff = provider.diff(f"{DOMAIN}/x", olds, {**olds, **self.case.change})
        assert (diff.changes, diff.replaces) == (True, [])

    # -- adopt ---------------------------------------------------------------------------------------

    def test_create_refuses_an_equal_object_unless_adopting(
        self, provider: IotcommsProvider, emulator: EmulatorClient
    ) -> None:
        inputs = self.checked(provider)
        local_id = inputs[self.case.id_input]
        seed(emulator, self.case, local_id, self.case.wire(inputs))
        before = emulator.objects()
        emulator.clear_requests()
        with pytest.raises(ConflictingObjectError) as info:
            provider.create(inputs)
        message = str(info.value)
        assert f"{DOMAIN}/{local_id} already exists on the server (identical to this declaration)" in message
        assert "aliases=[pulumi.Alias(name=" in message
        assert "adopt=True" in message
        assert writes(emulator) == []
        assert emulator.objects() == before
        result = provider.create({**inputs, "adopt": True})
        assert writes(emulator) == []
        assert result.id == f"{DOMAIN}/{local_id}"
        assert all((result.outs or {}).get(name) for name in self.case.computed)

    def test_create_refuses_a_different_object_unless_adopting(
        self, provider: IotcommsProvider, emulator: EmulatorClient
    ) -> None:
        inputs = self.checked(provider)
        local_id = inputs[self.case.id_input]
        name, value = self.case.edit
        alias = fields_of(self.case.provider.spec.model)[name].alias
        seed(emulator, self.case, local_id, {**self.case.wire(inputs), alias: value})
        with pytest.raises(ConflictingObjectError, match=rf"(?s)differs in: {name}\b.*adopt=True"):
            provider.create(inputs)
        emulator.clear_requests()
        adopted = {**inputs, "adopt": True}
        provider.create(adopted)
        back = [{"op": "replace", "path": f"/{alias}", "value": self.case.wire(inputs)[alias]}]
        assert writes(emulator) == [("PATCH", self.case.url(local_id), back)]
        assert_matches(self.case, server_doc(emulator, self.case, local_id), inputs)

    def test_adopt_only_affects_creation(self, provider: IotcommsProvider) -> None:
        olds = self.checked(provider)
        assert provider.diff(f"{DOMAIN}/x", olds, {**olds, "adopt": True}).changes is False
        assert provider.diff(f"{DOMAIN}/x", {**olds, "adopt": True}, olds).changes is False
        assert provider.diff(f"{DOMAIN}/x", olds, {**olds, "resource_name": "renamed"}).changes is False

    def test_create_failing_after_its_write_removes_what_it_made(
        self, provider: IotcommsProvider, emulator: EmulatorClient
    ) -> None:
        inputs = self.checked(provider)
        local_id = inputs[self.case.id_input]
        provider._settings = dataclasses.replace(provider.settings, max_retries=0)
        # Every read after the first fails: the create cannot read back what it wrote, so it gives up.
        emulator.faults(seed=1, error_rate=1.0, error_statuses=[503], methods=["GET"], skip=1)
        with pytest.raises(Exception, match="was undone"):
            provider.create(inputs)
        emulator.faults()
        assert emulator.objects() == {}
        # The next `up` creates it again at the same id.
        provider.create(self.checked(provider))
        assert emulator.call("GET", self.case.url(local_id)).status_code == 200

    # -- delete --------------------------------------------------------------------------------------

    def test_delete_leaves_nothing_and_tolerates_a_gone_object(
        self, provider: IotcommsProvider, emulator: EmulatorClient
    ) -> None:
        _, result = self.created(provider)
        outs = dict(result.outs or {})
        provider.delete(result.id, outs)
        assert emulator.objects() == {}
        provider.delete(result.id, outs)
        provider.delete(result.id, {})


class ServiceLifecycle(ProviderLifecycle):
    """Scenarios of collections with a provisory space (``?provisory=true``)."""

    identity = ("domain", "provisory")

    def test_provisory_objects_live_in_the_provisory_space_only(
        self, provider: IotcommsProvider, emulator: EmulatorClient
    ) -> None:
        inputs, result = self.created(provider, provisory=True)
        local_id = inputs[self.case.id_input]
        assert list(emulator.objects()[DOMAIN]) == [f"{self.case.collection}#provisory"]
        assert emulator.call("GET", self.case.url(local_id)).status_code == 404
        outs = dict(result.outs or {})
        read = provider.read(result.id, outs)
        assert read.inputs == inputs
        emulator.clear_requests()
        provider.update(result.id, outs, {**inputs, **self.case.change})
        assert [(r["method"], r["query"]) for r in emulator.requests() if r["method"] != "GET"] == [
            ("PATCH", "provisory=true")
        ]
        assert_matches(
            self.case, server_doc(emulator, self.case, local_id, provisory=True), {**inputs, **self.case.change}
        )
        provider.delete(result.id, outs)
        assert emulator.objects() == {}

    def test_live_and_provisory_objects_with_one_id_are_distinct(
        self, provider: IotcommsProvider, emulator: EmulatorClient
    ) -> None:
        inputs, _ = self.created(provider)
        provisory = {**inputs, "provisory": True}
        emulator.clear_requests()
        provider.create(provisory)
        assert [r["query"] for r in emulator.requests() if r["method"] != "GET"] == ["provisory=true"]
        collections = emulator.objects()[DOMAIN]
        assert set(collections) == {self.case.collection, f"{self.case.collection}#provisory"}
