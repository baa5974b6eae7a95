"""MediaService provider against the emulator: the shared lifecycle plus media-service specifics."""

from __future__ import annotations

from pulumi_iotcomms.resources._provider import IotcommsProvider
from pulumi_iotcomms.resources.media_service import MediaService, MediaServiceProvider
from tests.emulator_client import EmulatorClient
from tests.resources._provider_cases import Case, ServiceLifecycle, server_doc

AUTH = {"type": "RS256", "sub": "svc", "secret": "s3cret", "request_headers": {"x-functions-key": "k"}}


class TestMediaServiceProvider(ServiceLifecycle):
    case = Case(
        provider=MediaServiceProvider,
        resource=MediaService,
        collection="mediaservice",
        path="/provisioning/mediaservice",
        inputs={
            "name": "ivr",
            "destination_match": "^46",
            "callback_base_url": "https://ivr.example.com/cb",
            "rest_authentication": [AUTH],
            "description": "first",
            "offered_codecs": ["opus", "PCMA"],
            "google_service_key": {"client_email": "a@b.c", "private_key_id": "k1"},
        },
        change={"offered_codecs": ["opus", "PCMU"]},
        change_ops=[{"op": "replace", "path": "/offeredCodecs/1", "value": "PCMU"}],
        edit=("description", "changed elsewhere"),
        invalid=[
            ({"callback_base_url": "http://ivr.example.com"}, "callback_base_url"),
            ({"ivr_refresher_expiration": -1}, "ivr_refresher_expiration"),
            ({"offered_codecs": ["G729"]}, "offered_codecs[0]"),
            ({"rest_authentication": [{**AUTH, "secret": 5}]}, "rest_authentication[0].secret"),
            ({"rest_authentication": [{"bogus": 1}]}, "rest_authentication[0].bogus"),
            ({"destination_match": "("}, "destination_match"),
            ({"name": None}, "name"),
            ({"provisory": "yes"}, "provisory"),
            ({"id": "x"}, "id"),
        ],
        unknown=("callback_base_url", "name"),
        computed=("callback_id",),
    )

    def test_free_form_keys_travel_verbatim(self, provider: IotcommsProvider, emulator: EmulatorClient) -> None:
        inputs, _ = self.created(provider)
        doc = server_doc(emulator, self.case, inputs["media_service_id"])
        assert doc["restAuthentication"] == [
            {"type": "RS256", "sub": "svc", "secret": "s3cret", "requestHeaders": {"x-functions-key": "k"}}
        ]
        assert doc["googleServiceKey"] == {"client_email": "a@b.c", "private_key_id": "k1"}
        assert doc["id"] == inputs["media_service_id"]
