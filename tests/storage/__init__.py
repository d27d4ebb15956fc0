"""Tests for the storage package, on SQLite and PostgreSQL."""
