"""``CloudSipUa``: a cloud SIP user agent controlled through HTTPS callbacks (``/provisioning/cloudsipua``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi.dynamic

from pulumi_iotcomms.api.cloudsipua import CloudSipUa as CloudSipUaModel
from pulumi_iotcomms.api.cloudsipua import CloudSipUaApi

from ._provider import IotcommsProvider, service_spec
from ._resource import resource_args

__all__ = ["CloudSipUa", "CloudSipUaProvider"]


class CloudSipUaProvider(IotcommsProvider):
    """Lifecycle of cloud SIP user agents: POST creates, PATCH updates, ``provisory`` selects the provisory space."""

    spec = service_spec("CloudSipUa", CloudSipUaModel, CloudSipUaApi, "cloud_sip_ua_id")


class CloudSipUa(pulumi.dynamic.Resource, module="iotcomms", name="CloudSipUa"):
    """A cloud SIP user agent of a tenant domain.

    Pulumi id: ``<domain>/<cloud_sip_ua_id>``. ``cloud_sip_ua_id`` defaults to ``<resource name>-<7 characters>``
    derived from the stack and name, kept across updates and aliased renames. Changing ``domain``,
    ``cloud_sip_ua_id`` or ``provisory`` replaces the user agent. The server generates ``callback_id``.
    """

    domain: pulumi.Output[str]
    cloud_sip_ua_id: pulumi.Output[str]
    provisory: pulumi.Output[bool | None]
    name: pulumi.Output[str]
    destination_match: pulumi.Output[str]
    callback_base_url: pulumi.Output[str]
    description: pulumi.Output[str | None]
    rest_authentication: pulumi.Output[Sequence[Mapping[str, Any]] | None]
    callback_timeout: pulumi.Output[float | None]
    callback_name: pulumi.Output[str | None]
    callback_description: pulumi.Output[str | None]
    callback_id: pulumi.Output[str | None]

    def __init__(
        self,
        resource_name: str,
        *,
        name: pulumi.Input[str],
        destination_match: pulumi.Input[str],
        callback_base_url: pulumi.Input[str],
        cloud_sip_ua_id: pulumi.Input[str] | None = None,
        domain: pulumi.Input[str] | None = None,
        provisory: pulumi.Input[bool] | None = None,
        description: pulumi.Input[str] | None = None,
        rest_authentication: pulumi.Input[Sequence[pulumi.Input[Mapping[str, Any]]]] | None = None,
        callback_timeout: pulumi.Input[float] | None = None,
        callback_name: pulumi.Input[str] | None = None,
        callback_description: pulumi.Input[str] | None = None,
        adopt: pulumi.Input[bool] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare a cloud SIP user agent.

        Args:
            resource_name: the Pulumi resource name.
            name: a name identifying this service.
            destination_match: regular expression selecting the incoming calls this service handles.
            callback_base_url: HTTPS base URL the callback requests are sent to (must start with https://).
            cloud_sip_ua_id: id of the user agent in the domain; defaults to ``<resource name>-<7 chars>``.
            domain: tenant domain; defaults to the ``iotcomms:domain`` config.
            provisory: store in the provisory configuration (not used by the service) instead.
            description: description of the service.
            rest_authentication: objects signing the callback requests, tried in order: ``{"type" (e.g.
                ``RS256``), "sub", "scope", "secret" (secret), "request_headers" (keys verbatim)}``.
            callback_timeout: maximum time in milliseconds before a callback request times out.
            callback_name: a name identifying the callback resource.
            callback_description: a description identifying the callback resource.
            adopt: take over an existing user agent with this id and converge it, instead of failing.
            opts: Pulumi resource options.
        """
        props, options = resource_args(
            CloudSipUaProvider.spec,
            resource_name,
            {
                "domain": domain,
                "cloud_sip_ua_id": cloud_sip_ua_id,
                "provisory": provisory,
                "name": name,
                "destination_match": destination_match,
                "callback_base_url": callback_base_url,
                "description": description,
                "rest_authentication": rest_authentication,
                "callback_timeout": callback_timeout,
                "callback_name": callback_name,
                "callback_description": callback_description,
                "adopt": adopt,
            },
            opts,
        )
        super().__init__(CloudSipUaProvider(), resource_name, props, options)
