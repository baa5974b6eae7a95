"""A toy dynamic provider and its scenarios, for testing the engine-protocol harness
(:mod:`pulumi_iotcomms.testing.harness`) itself and comparing it with the real engine."""
