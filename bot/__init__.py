"""Followup's platform-agnostic core: the follow-up method, commands, and scheduling logic.

Nothing in this package imports a chat platform, a database driver or a scheduler library;
those live in `adapters/` and `storage/` and are handed in through the ports in `bot.ports`.
"""
