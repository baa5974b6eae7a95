"""``MediaService``: an IVR service destination driven by HTTPS callbacks (``/provisioning/mediaservice``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi.dynamic

from pulumi_iotcomms.api.mediaservice import MediaService as MediaServiceModel
from pulumi_iotcomms.api.mediaservice import MediaServiceApi

from ._provider import IotcommsProvider, service_spec
from ._resource import resource_args

__all__ = ["MediaService", "MediaServiceProvider"]


class MediaServiceProvider(IotcommsProvider):
    """Lifecycle of media services: POST creates, PATCH updates, ``provisory`` selects the provisory space."""

    spec = service_spec("MediaService", MediaServiceModel, MediaServiceApi, "media_service_id")


class MediaService(pulumi.dynamic.Resource, module="iotcomms", name="MediaService"):
    """A media service (IVR) of a tenant domain.

    Pulumi id: ``<domain>/<media_service_id>``. ``media_service_id`` defaults to ``<resource name>-<7 characters>``
    derived from the stack and name, kept across updates and aliased renames. Changing ``domain``,
    ``media_service_id`` or ``provisory`` replaces the service. The server generates ``callback_id``.
    """

    domain: pulumi.Output[str]
    media_service_id: pulumi.Output[str]
    provisory: pulumi.Output[bool | None]
    name: pulumi.Output[str]
    destination_match: pulumi.Output[str]
    callback_base_url: pulumi.Output[str]
    rest_authentication: pulumi.Output[Sequence[Mapping[str, Any]]]
    description: pulumi.Output[str | None]
    callback_name: pulumi.Output[str | None]
    callback_description: pulumi.Output[str | None]
    callback_timeout: pulumi.Output[float | None]
    disable_late_offer: pulumi.Output[bool | None]
    ivr_refresher_expiration: pulumi.Output[float | None]
    reply_session_expiration: pulumi.Output[float | None]
    rtp_timeout: pulumi.Output[float | None]
    offered_codecs: pulumi.Output[Sequence[str] | None]
    network_id: pulumi.Output[str | None]
    google_apikey: pulumi.Output[str | None]
    google_service_key: pulumi.Output[Mapping[str, Any] | None]
    callback_id: pulumi.Output[str | None]

    def __init__(
        self,
        resource_name: str,
        *,
        name: pulumi.Input[str],
        destination_match: pulumi.Input[str],
        callback_base_url: pulumi.Input[str],
        rest_authentication: pulumi.Input[Sequence[pulumi.Input[Mapping[str, Any]]]],
        media_service_id: pulumi.Input[str] | None = None,
        domain: pulumi.Input[str] | None = None,
        provisory: pulumi.Input[bool] | None = None,
        description: pulumi.Input[str] | None = None,
        callback_name: pulumi.Input[str] | None = None,
        callback_description: pulumi.Input[str] | None = None,
        callback_timeout: pulumi.Input[float] | None = None,
        disable_late_offer: pulumi.Input[bool] | None = None,
        ivr_refresher_expiration: pulumi.Input[float] | None = None,
        reply_session_expiration: pulumi.Input[float] | None = None,
        rtp_timeout: pulumi.Input[float] | None = None,
        offered_codecs: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        network_id: pulumi.Input[str] | None = None,
        google_apikey: pulumi.Input[str] | None = None,
        google_service_key: pulumi.Input[Mapping[str, Any]] | None = None,
        adopt: pulumi.Input[bool] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare a media service.

        Args:
            resource_name: the Pulumi resource name.
            name: a name identifying this service destination.
            destination_match: regular expression selecting the incoming calls this service handles.
            callback_base_url: HTTPS base URL the callback requests are sent to (must start with https://).
            rest_authentication: objects signing the callback requests, tried in order: ``{"type" (e.g.
                ``RS256``), "sub", "scope", "secret" (secret), "request_headers" (keys verbatim)}``.
            media_service_id: id of the service in the domain; defaults to ``<resource name>-<7 chars>``.
            domain: tenant domain; defaults to the ``iotcomms:domain`` config.
            provisory: store in the provisory configuration (not used by the service) instead.
            description: description of the service destination.
            callback_name: a name identifying the callback resource.
            callback_description: a description identifying the callback resource.
            callback_timeout: maximum time in milliseconds, retransmissions included, before a callback times out.
            disable_late_offer: send a normal INVITE with a fake media endpoint instead of a late offer.
            ivr_refresher_expiration: seconds; act as session refresher with this Session-Expires (>= 0).
            reply_session_expiration: seconds; Session-Expires of calls originated by the service (>= 0).
            rtp_timeout: seconds of RTP silence before the IVR participant is disconnected (default 90).
            offered_codecs: codecs offered when an INVITE has no SDP: ``opus``, ``PCMA``, ``PCMU``.
            network_id: the network the media service is bound to.
            google_apikey: API key for Google text to speech (secret).
            google_service_key: Google service key object for text to speech, keys verbatim (secret).
            adopt: take over an existing service with this id and converge it, instead of failing.
            opts: Pulumi resource options.
        """
        props, options = resource_args(
            MediaServiceProvider.spec,
            resource_name,
            {
                "domain": domain,
                "media_service_id": media_service_id,
                "provisory": provisory,
                "name": name,
                "destination_match": destination_match,
                "callback_base_url": callback_base_url,
                "rest_authentication": rest_authentication,
                "description": description,
                "callback_name": callback_name,
                "callback_description": callback_description,
                "callback_timeout": callback_timeout,
                "disable_late_offer": disable_late_offer,
                "ivr_refresher_expiration": ivr_refresher_expiration,
                "reply_session_expiration": reply_session_expiration,
                "rtp_timeout": rtp_timeout,
                "offered_codecs": offered_codecs,
                "network_id": network_id,
                "google_apikey": google_apikey,
                "google_service_key": google_service_key,
                "adopt": adopt,
            },
            opts,
        )
        super().__init__(MediaServiceProvider(), resource_name, props, options)
