"""Tests of the Slack adapter against a fake Slack on 127.0.0.1."""
