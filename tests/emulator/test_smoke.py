from tests.emulator_client import DOMAIN, EmulatorClient


def test_device_roundtrip(emulator: EmulatorClient) -> None:
    created = emulator.ok("PUT", f"/provisioning/device/{DOMAIN}", json={"deviceId": "d1", "authType": "credentials"})
    assert created["password"]
    got = emulator.ok("GET", f"/provisioning/device/{DOMAIN}/d1")
    assert got["deviceId"] == "d1"
    assert "password" not in got
    assert len(got["ha1"]) == 32
    assert emulator.objects() == {DOMAIN: {"device": {"d1": {k: v for k, v in got.items() if k != "success"}}}}
