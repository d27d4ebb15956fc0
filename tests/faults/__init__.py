"""Fault injection: crashed processes, a restarted database, a misbehaving platform,
malformed payloads, and the whole core under random sequences of commands and clock moves."""
