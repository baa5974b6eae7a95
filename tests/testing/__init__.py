"""Tests of the testing kit (pulumi_iotcomms.testing): the plugin as a user project runs it."""
