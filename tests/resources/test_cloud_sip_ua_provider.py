"""CloudSipUa provider against the emulator: the shared lifecycle."""

from __future__ import annotations

from pulumi_iotcomms.resources.cloud_sip_ua import CloudSipUa, CloudSipUaProvider
from tests.resources._provider_cases import Case, ServiceLifecycle


class TestCloudSipUaProvider(ServiceLifecycle):
    case = Case(
        provider=CloudSipUaProvider,
        resource=CloudSipUa,
        collection="cloudsipua",
        path="/provisioning/cloudsipua",
        inputs={
            "name": "ua",
            "destination_match": "^47",
            "callback_base_url": "https://ua.example.com/cb",
            "callback_name": "ua-callbacks",
        },
        change={"callback_timeout": 5000},
        change_ops=[{"op": "add", "path": "/callbackTimeout", "value": 5000}],
        edit=("callback_name", "renamed elsewhere"),
        invalid=[
            ({"callback_base_url": "https://"}, "callback_base_url"),
            ({"callback_base_url": "ftp://ua.example.com"}, "callback_base_url"),
            ({"destination_match": "(?<"}, "destination_match"),
            ({"callback_timeout": "soon"}, "callback_timeout"),
            ({"rest_authentication": [{"bogus": 1}]}, "rest_authentication[0].bogus"),
            ({"callback_base_url": None}, "callback_base_url"),
        ],
        unknown=("destination_match", "callback_timeout"),
        computed=("callback_id",),
    )
