"""Resources of other packages (``aws:sns/topic:Topic``...) in a harness program.

The harness runs dynamic resources through the SDK's real provider host; a program that also declares
resources of another provider package (an AWS topic next to our ``NotificationSettings``) gives the
harness a :class:`ForeignProvider` per package (``Harness(providers={"aws": ...})``), which the step
generator calls with the same operations as the dynamic host. A subclass implements ``create``,
``delete`` and optionally ``read``/``update`` against a real service (moto, for AWS).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Protocol

from .host import CheckOutcome, DiffOutcome, ReadOutcome, urn_name_and_type
from .props import PropertyMap, changed_keys

__all__ = ["ForeignProvider", "StepProvider"]


class StepProvider(Protocol):
    """What the step generator calls: the dynamic-provider host or a :class:`ForeignProvider`."""

    def check(self, urn: str, olds: PropertyMap, news: PropertyMap, *, allow_unknowns: bool) -> CheckOutcome: ...

    def diff(
        self,
        urn: str,
        id_: str,
        old_inputs: PropertyMap,
        old_outputs: PropertyMap,
        new_inputs: PropertyMap,
        *,
        allow_unknowns: bool,
        ignore_changes: Sequence[str] = (),
    ) -> DiffOutcome: ...

    def create(self, urn: str, inputs: PropertyMap) -> tuple[str, PropertyMap]: ...

    def update(
        self,
        urn: str,
        id_: str,
        old_inputs: PropertyMap,
        old_outputs: PropertyMap,
        new_inputs: PropertyMap,
        *,
        ignore_changes: Sequence[str] = (),
    ) -> PropertyMap: ...

    def delete(self, urn: str, id_: str, inputs: PropertyMap, outputs: PropertyMap) -> None: ...

    def read(self, urn: str, id_: str, inputs: PropertyMap, outputs: PropertyMap) -> ReadOutcome: ...


class ForeignProvider(ABC):
    """A provider package's resources, implemented by the test against a real service.

    ``check`` passes the inputs through; ``diff`` compares inputs, and a changed key in
    :attr:`replace_keys` (``"*"``: any) replaces the resource, any other change updates it; ``read``
    reports the resource unchanged unless overridden.
    """

    replace_keys: Sequence[str] = ("*",)

    @staticmethod
    def name_and_type(urn: str) -> tuple[str, str]:
        """``(resource name, type token)`` of ``urn``."""
        return urn_name_and_type(urn)

    def check(self, urn: str, olds: PropertyMap, news: PropertyMap, *, allow_unknowns: bool) -> CheckOutcome:
        """The inputs, unchanged."""
        del urn, olds, allow_unknowns
        return CheckOutcome(inputs=dict(news), failures=[])

    def diff(
        self,
        urn: str,
        id_: str,
        old_inputs: PropertyMap,
        old_outputs: PropertyMap,
        new_inputs: PropertyMap,
        *,
        allow_unknowns: bool,
        ignore_changes: Sequence[str] = (),
    ) -> DiffOutcome:
        """Changed input keys; those in :attr:`replace_keys` replace."""
        del urn, id_, old_outputs, allow_unknowns
        keys = [k for k in changed_keys(old_inputs, new_inputs) if k not in ignore_changes]
        replaces = [k for k in keys if "*" in self.replace_keys or k in self.replace_keys]
        return DiffOutcome(changes="some" if keys else "none", replaces=replaces, diffs=keys)

    @abstractmethod
    def create(self, urn: str, inputs: PropertyMap) -> tuple[str, PropertyMap]:
        """Create the resource; ``(id, outputs)``."""

    def update(
        self,
        urn: str,
        id_: str,
        old_inputs: PropertyMap,
        old_outputs: PropertyMap,
        new_inputs: PropertyMap,
        *,
        ignore_changes: Sequence[str] = (),
    ) -> PropertyMap:
        """Update in place; by default every change replaces, so this is never called."""
        raise NotImplementedError(f"{type(self).__name__} cannot update {urn}")

    @abstractmethod
    def delete(self, urn: str, id_: str, inputs: PropertyMap, outputs: PropertyMap) -> None:
        """Delete the resource."""

    def read(self, urn: str, id_: str, inputs: PropertyMap, outputs: PropertyMap) -> ReadOutcome:
        """Refresh: by default the resource is as recorded."""
        del urn
        return ReadOutcome(id=id_, outputs=dict(outputs), inputs=dict(inputs))
