"""The service layer: one handler per command, `(command, context) -> Message`.

Handlers read and write only through the unit of work in the context, and re-plan an
application's nudges after every change, so nothing stale is ever delivered.
"""
