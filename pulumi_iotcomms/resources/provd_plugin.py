"""``ProvdPlugin``: a phone plugin installed on a XiVO provd server (``/provd/pg_mgr/install``)."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure, CreateResult, DiffResult, ReadResult, UpdateResult

from pulumi_iotcomms.api._schema import Behaviour
from pulumi_iotcomms.api.provd import Package, PluginState, ProvdApi, family_of
from pulumi_iotcomms.errors import ConflictingObjectError, IotcommsError

from . import _claims
from ._engine import is_unknown
from ._generated.provd_plugin import ProvdPlugin
from ._provd import ProvdProvider, ProvdSpec
from ._provider import AMBIGUOUS, INTERNAL, RECONCILE_ATTEMPTS

__all__ = ["ProvdPlugin", "ProvdPluginProvider"]

_PLUGIN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$")


class ProvdPluginProvider(ProvdProvider):
    """Install on create (updating the installable list first when the plugin is not on it), following
    the operation in progress with its progress in the log; uninstall on delete. A new ``plugin_id`` of
    the same family upgrades in place where the server offers upgrades (recorded as ``upgrade_offered``),
    else it replaces the plugin (the new one installed before the old one is uninstalled)."""

    spec = ProvdSpec(
        name="ProvdPlugin",
        model=PluginState,
        id_input="plugin_id",
        extra={
            "plugin_id": Behaviour(
                required=True,
                annotation="str",
                doc="the plugin package's id, e.g. ``xivo-polycom-4.0.4``. Another id of the same family (the id"
                " without its trailing version) upgrades the plugin in place where the server offers upgrades;"
                " any other id replaces it.",
            ),
            "adopt": replace(
                INTERNAL["adopt"],
                doc="take over a plugin that is already installed (destroying the resource then uninstalls it),"
                " instead of failing (creation only).",
            ),
        },
        noun="provd plugin",
        doc="A phone plugin installed on a XiVO provd server: ``from pulumi_iotcomms.provd import ProvdPlugin``"
        " (configured by ``provd:endpoint``, ``provd:username`` and the secret ``provd:password``).\n\n"
        "Pulumi id: the ``plugin_id`` first installed. Creating installs the plugin, first updating the"
        " server's list of installable plugins when it is not on it, and follows the operation in progress"
        " (its progress, e.g. ``download 10/100``, in the log) until it ends; a failed install fails naming"
        " the failing sub-operation. Refresh reads the installed list: a plugin uninstalled elsewhere is gone"
        " and ``up`` installs it again. A new ``plugin_id`` of the same family (``xivo-polycom-4.0.4`` ->"
        " ``xivo-polycom-4.0.9``) is an upgrade in place where the server offers upgrades, else a"
        " replacement. Destroying uninstalls the plugin. A plugin already installed is refused unless"
        " ``adopt=True``.",
    )

    def check_inputs(self, olds: Mapping[str, Any], inputs: dict[str, Any]) -> list[CheckFailure]:
        value = inputs.get("plugin_id")
        failures = []
        if value is None:
            failures.append(CheckFailure("plugin_id", "required: the plugin package's id, e.g. xivo-polycom-4.0.4"))
        elif not is_unknown(value) and not (isinstance(value, str) and _PLUGIN_ID.fullmatch(value)):
            failures.append(
                CheckFailure(
                    "plugin_id",
                    f"must be a package id such as xivo-polycom-4.0.4 ({_PLUGIN_ID.pattern}), got {value!r}",
                )
            )
        adopt = inputs.get("adopt")
        if adopt is not None and not is_unknown(adopt) and not isinstance(adopt, bool):
            failures.append(CheckFailure("adopt", "must be true or false"))
        return failures

    def diff(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> DiffResult:
        """Pure: a new ``plugin_id`` of the same family is an update (an upgrade) when the server offered
        upgrades at the last create or refresh; any other new id replaces."""
        old, new = _olds.get("plugin_id"), _news.get("plugin_id")
        if not is_unknown(new) and old == new:
            return DiffResult(changes=False, replaces=[], stables=[], delete_before_replace=False)
        upgrade = (
            isinstance(old, str)
            and isinstance(new, str)
            and family_of(old) == family_of(new)
            and _olds.get("upgrade_offered") is True
        )
        replaces = [] if upgrade else ["plugin_id"]
        return DiffResult(changes=True, replaces=replaces, stables=[], delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Install the plugin and wait for the operation to end; an installed one needs ``adopt=True``."""
        api, plugin_id = self.provd(), str(props["plugin_id"])
        installed = api.installed()
        services = api.services()
        if plugin_id in installed:
            if not props.get("adopt"):
                raise ConflictingObjectError(
                    f"ProvdPlugin {plugin_id} is already installed on the provd server; this resource did not"
                    " install it, so it is not taken over and nothing was done. Set adopt=True to manage (and on"
                    " destroy uninstall) it, or remove this resource. (Left by an earlier `up` of this stack whose"
                    " install outlived its wait? The install went on on the server: set adopt=True once.)"
                )
        else:
            self._install(api, plugin_id, services, "install")
        _claims.record_owned((self.spec.name, self.provd_settings.endpoint, plugin_id))
        return CreateResult(plugin_id, self._outputs_of(props, api, services))

    def _install(self, api: ProvdApi, plugin_id: str, services: frozenset[str], operation: str) -> None:
        installable = api.installable()
        if plugin_id not in installable and "update" in services:
            pulumi.log.info(
                f"{plugin_id} is not installable yet: updating the provd server's list of installable plugins"
            )
            api.follow(
                _started(api.update),
                what="update of the installable plugins",
                on_progress=pulumi.log.info,
                **self._wait(),
            )
            installable = api.installable()
        if plugin_id not in installable:
            known = ", ".join(sorted(installable)) or "none"
            raise IotcommsError(
                f"plugin_id: {plugin_id} is not installable on the provd server (installable: {known}); check the"
                " plugin_id, or the plugin_server parameter (ProvdConfigParam) that the list is read from"
            )
        start = api.upgrade if operation == "upgrade" else api.install
        api.follow(
            _started(lambda: start(plugin_id)),
            what=f"{operation} of {plugin_id}",
            on_progress=pulumi.log.info,
            **self._wait(),
        )

    def _wait(self) -> dict[str, Any]:
        return {"timeout_seconds": self.provd_settings.operation_timeout_seconds}

    def _outputs_of(self, props: Mapping[str, Any], api: ProvdApi, services: frozenset[str]) -> dict[str, Any]:
        plugin_id = str(props["plugin_id"])
        package = api.installed().get(plugin_id) or Package(plugin_id)
        outs = {k: v for k, v in props.items() if k != "__provider"}
        outs.update(version=package.version, description=package.description, upgrade_offered="upgrade" in services)
        return outs

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """The installed list: a plugin not on it is gone (uninstalled elsewhere)."""
        api = self.provd()
        plugin_id = str(props.get("plugin_id") or id_)
        if plugin_id not in api.installed():
            return ReadResult("", {})
        inputs: dict[str, Any] = {"plugin_id": plugin_id}
        if props.get("adopt") is not None:
            inputs["adopt"] = props["adopt"]
        return ReadResult(id_, self._outputs_of(inputs, api, api.services()), inputs=inputs)

    def update(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> UpdateResult:
        """Upgrade to the new ``plugin_id`` (diff only updates within a family, when upgrades were offered);
        a server that stopped offering upgrades gets the new plugin installed and the old one uninstalled."""
        api = self.provd()
        old, new = str(_olds["plugin_id"]), str(_news["plugin_id"])
        services = api.services()
        if old != new and new not in api.installed():
            if "upgrade" in services and old in api.installed():
                self._install(api, new, services, "upgrade")
            else:
                self._install(api, new, services, "install")
        if old != new and old in api.installed():
            api.uninstall(old)
        return UpdateResult(self._outputs_of(_news, api, services))

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """Uninstall the plugin; one already uninstalled counts as deleted."""
        api = self.provd()
        plugin_id = str(_props.get("plugin_id") or _id)
        if _claims.owned_here((self.spec.name, self.provd_settings.endpoint, plugin_id)):
            # A create of this deployment took it over (a rename without aliases, and adopt=True): it is
            # that resource's now.
            logging.getLogger(__name__).warning("ProvdPlugin %s is not uninstalled: another resource took it over", _id)
            return
        if plugin_id in api.installed():
            api.uninstall(plugin_id)


def _started(start: Callable[[], str]) -> str:
    """Start an operation, sending its POST again when the answer was lost (a 5xx or a dropped connection):
    installing, upgrading or updating twice does no harm, while a lost answer leaves no monitor to follow.
    (The monitor of a lost answer is never deleted: its path is unknown.)"""
    for attempt in range(RECONCILE_ATTEMPTS):
        try:
            return start()
        except AMBIGUOUS as exc:
            if attempt == RECONCILE_ATTEMPTS - 1:
                raise
            logging.getLogger(__name__).warning("starting a provd operation failed (%s); sending it again", exc)
    raise AssertionError("unreachable")
