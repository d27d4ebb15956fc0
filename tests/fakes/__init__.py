"""Fakes of the platforms' HTTP and websocket APIs, served on 127.0.0.1 for protocol-level tests."""
