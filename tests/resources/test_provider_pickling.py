"""The pickled providers that travel in every resource's state (``__provider``): class only, any number."""

from __future__ import annotations

import pickle
import pickletools
import sys

import pytest
from pulumi.dynamic.dynamic import serialize_provider

from pulumi_iotcomms.resources import __all__ as resource_names
from pulumi_iotcomms.resources._config import Settings
from pulumi_iotcomms.resources._provider import IotcommsProvider
from pulumi_iotcomms.resources.device import DeviceProvider
from tests.emulator_client import TOKEN

PROVIDERS = [
    cls
    for name in resource_names
    if name.endswith("Provider") and isinstance(cls := getattr(sys.modules["pulumi_iotcomms.resources"], name), type)
]
_PATCHED = ("_batch_setitems", "save_dict")


@pytest.fixture
def sdk_pickler() -> object:
    """Undo the pickler patches the SDK's ``serialize_provider`` leaves behind (one per call)."""
    saved = {name: vars(pickle._Pickler).get(name) for name in _PATCHED}
    yield None
    for name, method in saved.items():
        setattr(pickle._Pickler, name, method)


@pytest.mark.parametrize("provider_class", PROVIDERS, ids=lambda c: c.__name__)
def test_a_configured_provider_pickles_as_its_class_only(provider_class: type[IotcommsProvider]) -> None:
    provider = provider_class()
    provider._settings = Settings(endpoint="http://127.0.0.1:9", token=TOKEN)
    blob = pickle.dumps(provider)
    assert TOKEN.encode() not in blob
    assert "BUILD" not in [op.name for op, _, _ in pickletools.genops(blob)]  # no state at all
    restored = pickle.loads(blob)
    assert type(restored) is provider_class
    assert restored._settings is None


def test_providers_pickled_by_the_earlier_release_still_load() -> None:
    # 0.1.0's __getstate__ returned {}: its pickles carry an empty state that __setstate__ receives.
    blob = pickle.dumps(DeviceProvider())
    old_blob = blob.replace(b"N.", b"}b.") if blob.endswith(b"N.") else blob
    assert type(pickle.loads(old_blob)) is DeviceProvider


def test_a_program_can_declare_thousands_of_resources(sdk_pickler: object) -> None:
    # The SDK wraps the pickler's dict saving once more per serialized provider and never unwraps it;
    # a provider pickling a dict walked the whole chain and overflowed at about 960 resources.
    for _ in range(3000):
        serialize_provider(DeviceProvider())
