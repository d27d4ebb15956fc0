"""The console adapter: the bot in a terminal, interactive or piped, text or JSON lines.

It is a real product surface (try the bot with no Slack or Discord) and the harness that
drives the whole bot end to end in tests, with a simulated clock.
"""

from adapters.console.session import ConsoleSession

__all__ = ["ConsoleSession"]
