"""Tests of the Discord adapter: real discord.py against the fake Discord in `tests/fakes`."""
