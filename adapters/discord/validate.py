"""The shape of a slash-command payload, checked before discord.py runs the command.

discord.py hands option values to the callbacks as they arrive: a boolean where an integer id
belongs becomes id 1 (`True == 1`), a value outside a fixed set of choices reaches the core's
enums and fails there, and a missing required option or an unknown subcommand ends in a
`CommandSignatureMismatch` / `CommandNotFound`. Discord itself never sends such payloads for
the commands it knows, but a stale command list on a client (after an update) or a forged
request can, so `problem_with` names what is wrong and the tree refuses the command without
calling the core. Lengths are not checked here: the core's own limits say more precisely what
is too long.
"""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.enums import AppCommandOptionType as Kind

from bot.messages import Message, Tone

GROUPING = (Kind.subcommand.value, Kind.subcommand_group.value)
PYTHON_TYPES: dict[Kind, tuple[type, ...]] = {
    Kind.string: (str,),
    Kind.integer: (int,),
    Kind.boolean: (bool,),
    Kind.number: (int, float),
}


def refusal(problem: str) -> Message:
    return Message(
        title="I couldn't read that command.",
        body=f"Nothing changed: {problem}. If Discord shows an old version of `/followup`, "
        "reopen the app and try again; `/followup help` lists the commands.",
        tone=Tone.ERROR,
    )


def problem_with(
    tree: app_commands.CommandTree[Any], interaction: discord.Interaction
) -> str | None:
    """What is wrong with this application-command interaction, or None if it can be run."""
    if interaction.user is discord.utils.MISSING or interaction.user is None:
        return "it came without a user"
    data: Any = interaction.data
    if not isinstance(data, dict) or not isinstance(data.get("name"), str):
        return "it came without a command"
    guild = discord.Object(id=interaction.guild_id) if interaction.guild_id else None
    command = tree.get_command(data["name"]) or (
        tree.get_command(data["name"], guild=guild) if guild else None
    )
    options: Any = data.get("options", [])
    while isinstance(command, app_commands.Group):
        if not isinstance(options, list) or len(options) != 1 or not isinstance(options[0], dict):
            return "no subcommand was chosen"
        chosen = options[0]
        if chosen.get("type") not in GROUPING or not isinstance(chosen.get("name"), str):
            return "no subcommand was chosen"
        command = command.get_command(chosen["name"])
        options = chosen.get("options", [])
    if not isinstance(command, app_commands.Command):
        return "I don't know that command"
    return _options_problem(command, options)


def _options_problem(command: app_commands.Command[Any, ..., Any], options: Any) -> str | None:
    if not isinstance(options, list):
        return "its options are unreadable"
    parameters = {p.display_name: p for p in command.parameters}
    given: set[str] = set()
    for option in options:
        if not isinstance(option, dict) or not isinstance(option.get("name"), str):
            return "one of its options is unreadable"
        name = option["name"]
        parameter = parameters.get(name)
        if parameter is None or name in given:
            return f"“{name[:40]}” is not an option of `{command.name}`"
        given.add(name)
        value = option.get("value")
        wanted = PYTHON_TYPES.get(parameter.type, (str,))
        if (
            option.get("type") != parameter.type.value
            or not isinstance(value, wanted)
            or (isinstance(value, bool) and bool not in wanted)
        ):
            return f"`{name}` is not {_a(parameter.type)}"
        if parameter.choices and value not in {choice.value for choice in parameter.choices}:
            return f"`{name}` is not one of its choices"
    missing = [
        p.display_name for p in command.parameters if p.required and p.display_name not in given
    ]
    if missing:
        return f"`{missing[0]}` is missing"
    return None


def _a(kind: Kind) -> str:
    return {
        Kind.integer: "a whole number",
        Kind.number: "a number",
        Kind.boolean: "true or false",
    }.get(kind, "text")
