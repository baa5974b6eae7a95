"""Runs the harness scenarios through the real Pulumi CLI (Automation API), when installed."""
