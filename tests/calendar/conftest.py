"""The calendar tests use the core's whole-bot fixture."""

from tests.core.conftest import world

__all__ = ["world"]
