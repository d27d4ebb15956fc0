"""`/followup`: one app-command group, one subcommand per command, the group
channel commands included.

Each subcommand turns its typed options into the same `bot.commands` dataclass the text
parser builds and hands it to the `Responder`; descriptions come from `bot.catalogue`.
Application ids autocomplete from the user's own applications, the timezone from IANA names,
and every date option with the bot's reading of what is typed so far ("Fri 6 Nov 2026 15:00").

Two text forms have an `off` alternative with different arguments (`digest <weekday> <HH:MM>
[tz] | digest off`, `share <id> | share off`); each alternative is its own subcommand
(`digest-off`, `share-off`), so Discord itself enforces the required options of the other
and nobody meets a "give either this or that" error. `channel` takes an optional
`state:on|off`; without it, it shows the channel's settings.

The personal commands (`FollowupGroup`, `/followup …`) can be installed to a server and to a
person's account; the group channel commands (`adapters.discord.channels`,
`/followup-group …`) only to a server, because they post in its channels. Discord sets where
a command may be installed and used per top-level command, hence two groups.
"""

from typing import Literal

import discord
from discord import Interaction, app_commands
from discord.app_commands import AppCommandContext, AppInstallationType, Choice, Range

from adapters.discord import options as o
from adapters.discord.respond import Responder
from bot import commands as c
from bot.catalogue import BY_NAME, COMMANDS, GROUP_COMMANDS
from bot.dates import Intent
from bot.domain import RoundKind, Status, Step
from bot.groups import WEEKDAYS
from bot.limits import MAX_NAME, MAX_PEOPLE_TEXT, MAX_PERSON, MAX_WHEN

DESCRIPTION = 100
Id = Range[int, 1, 999_999_999]
Name = Range[str, 1, MAX_NAME]
Person = Range[str, 1, MAX_PERSON]
When = Range[str, 1, MAX_WHEN]
MAX_CHOICE = 100  # Discord's limit for a choice's name and value
SNOOZES = ("3h", "1d", "2d", "3d", "1w", "2w", "tomorrow 09:00", "next monday 09:00")


def about(name: str) -> str:
    summary = BY_NAME[name].summary
    return summary if len(summary) <= DESCRIPTION else summary[: DESCRIPTION - 1].rstrip() + "…"


def _choices(values: list[str]) -> list[Choice[str]]:
    return [Choice(name=v, value=v) for v in values]


KINDS = _choices([k.value for k in RoundKind])
STATUSES = _choices([s.value for s in Status])
STEPS = _choices([s.value for s in Step])
TOPICS = _choices([spec.name for spec in COMMANDS + GROUP_COMMANDS])
DAYS = [Choice(name=day.title(), value=day) for day in WEEKDAYS]
ID_HELP = "Application id (start typing the company)"
PEOPLE_HELP = "More interviewers: Name, Title; Name, Title"


class Commands(app_commands.Group):
    """A command group answered by the `Responder`, with the autocompletes both groups use.
    `personal`: installable to people as well as servers, and usable in DMs and group DMs."""

    def __init__(
        self, responder: Responder, *, name: str, description: str, personal: bool
    ) -> None:
        super().__init__(
            name=name,
            description=description,
            allowed_contexts=AppCommandContext(
                guild=True, dm_channel=personal, private_channel=personal
            ),
            allowed_installs=AppInstallationType(guild=True, user=personal),
        )
        self.responder = responder

    async def ids(self, interaction: Interaction, current: str) -> list[Choice[int]]:
        return await self.responder.application_choices(interaction, str(current or ""))

    async def zones(self, interaction: Interaction, current: str) -> list[Choice[str]]:
        return self.responder.timezone_choices(str(current or ""))


class FollowupGroup(Commands):
    """`/followup`: the personal commands, installable to a server and to a person's own
    account (a user install), so they work in any server, in the bot's DM and in other DMs
    and group DMs; the replies are private wherever the conversation has others in it."""

    def __init__(self, responder: Responder) -> None:
        description = (
            "Your interview follow-up coach: log interviews, get nudges, drafts and checklists."
        )
        super().__init__(responder, name="followup", description=description, personal=True)

    ids = Commands.ids
    zones = Commands.zones

    async def durations(self, interaction: Interaction, current: str) -> list[Choice[str]]:
        typed = str(current or "").strip()[:MAX_CHOICE]
        matches = [s for s in SNOOZES if s.startswith(typed.lower())]
        reading = (
            await self._reading(interaction, typed, Intent.SNOOZE)
            if typed and typed not in matches
            else []
        )
        return (reading + _choices(matches))[:25]

    async def _reading(
        self, interaction: Interaction, typed: str, intent: Intent
    ) -> list[Choice[str]]:
        """One choice: what was typed, named with the bot's reading of it ("Fri 6 Nov 2026
        15:00"), so a misreading shows before the command is sent."""
        if not typed:
            return []
        shown = await self.responder.date_reading(interaction, typed, intent)
        return [Choice(name=f"{shown}"[:MAX_CHOICE], value=typed)]

    async def interview_dates(self, interaction: Interaction, current: str) -> list[Choice[str]]:
        return await self._reading(
            interaction, str(current or "").strip()[:MAX_CHOICE], Intent.INTERVIEW
        )

    async def contact_dates(self, interaction: Interaction, current: str) -> list[Choice[str]]:
        return await self._reading(
            interaction, str(current or "").strip()[:MAX_CHOICE], Intent.NEXT_CONTACT
        )

    @app_commands.command(name="help", description=about("help"))
    @app_commands.describe(command="A command to explain")
    @app_commands.choices(command=TOPICS)
    async def help_(self, interaction: Interaction, command: str | None = None) -> None:
        await self.responder.run(interaction, lambda: c.Help(command))

    @app_commands.command(name="add", description=about("add"))
    @app_commands.describe(
        company="Company name",
        role="The role you interviewed for",
        when="When: tomorrow 10:00, yesterday 3pm, 2025-03-14 09:30-10:30",
        kind="What kind of round it was",
        interviewer="Interviewer's name",
        title="Interviewer's title",
        more_interviewers=PEOPLE_HELP,
    )
    @app_commands.choices(kind=KINDS)
    @app_commands.autocomplete(when=interview_dates)
    async def add(
        self,
        interaction: Interaction,
        company: Name | None = None,
        role: Name | None = None,
        when: When | None = None,
        kind: str | None = None,
        interviewer: Person | None = None,
        title: Person | None = None,
        more_interviewers: Range[str, 1, MAX_PEOPLE_TEXT] | None = None,
    ) -> None:
        def build() -> c.Command:
            if not any((company, role, when, kind, interviewer, title, more_interviewers)):
                return c.AddForm()
            return o.add(
                company,
                role,
                when,
                kind=kind,
                name=interviewer,
                title=title,
                others=more_interviewers,
            )

        await self.responder.run(interaction, build)

    @app_commands.command(name="round", description=about("round"))
    @app_commands.describe(
        id=ID_HELP,
        when="When: next tuesday 14:00-15:30",
        kind="What kind of round",
        interviewer="Interviewer's name",
        title="Interviewer's title",
        more_interviewers=PEOPLE_HELP,
    )
    @app_commands.choices(kind=KINDS)
    @app_commands.autocomplete(id=ids)
    @app_commands.autocomplete(when=interview_dates)
    async def round_(
        self,
        interaction: Interaction,
        id: Id,
        when: When,
        kind: str = RoundKind.INTERVIEW.value,
        interviewer: Person | None = None,
        title: Person | None = None,
        more_interviewers: Range[str, 1, MAX_PEOPLE_TEXT] | None = None,
    ) -> None:
        await self.responder.run(
            interaction,
            lambda: o.log_round(
                id, when, kind=kind, name=interviewer, title=title, others=more_interviewers
            ),
        )

    @app_commands.command(name="list", description=about("list"))
    async def list_(self, interaction: Interaction) -> None:
        await self.responder.run(interaction, c.ListApplications)

    @app_commands.command(name="show", description=about("show"))
    @app_commands.describe(id=ID_HELP)
    @app_commands.autocomplete(id=ids)
    async def show(self, interaction: Interaction, id: Id) -> None:
        await self.responder.run(interaction, lambda: c.Show(id))

    @app_commands.command(name="today", description=about("today"))
    async def today(self, interaction: Interaction) -> None:
        await self.responder.run(interaction, c.Today)

    @app_commands.command(name="checklist", description=about("checklist"))
    @app_commands.describe(id=ID_HELP, step="Or a step by name")
    @app_commands.choices(step=STEPS)
    @app_commands.autocomplete(id=ids)
    async def checklist(
        self, interaction: Interaction, id: Id | None = None, step: str | None = None
    ) -> None:
        def build() -> c.Command:
            if (id is None) == (step is None):
                raise o.bad("checklist", "Give either an application id or a step, not both.")
            return c.Checklist(number=id) if id is not None else c.Checklist(step=Step(str(step)))

        await self.responder.run(interaction, build)

    @app_commands.command(name="draft", description=about("draft"))
    @app_commands.describe(id=ID_HELP, name="For one interviewer of several (a panel)")
    @app_commands.autocomplete(id=ids)
    async def draft(self, interaction: Interaction, id: Id, name: Person | None = None) -> None:
        await self.responder.run(
            interaction,
            lambda: c.Draft(id, o.optional_text("draft", "interviewer's name", name, MAX_PERSON)),
        )

    @app_commands.command(name="review", description=about("review"))
    @app_commands.describe(
        id=ID_HELP,
        text="Your draft; leave it out to paste a whole email, paragraphs and all, into a form",
    )
    @app_commands.autocomplete(id=ids)
    async def review(
        self, interaction: Interaction, id: Id, text: Range[str, 1, 4000] | None = None
    ) -> None:
        await self.responder.run(interaction, lambda: o.draft(id, text))

    @app_commands.command(name="sent", description=about("sent"))
    @app_commands.describe(
        id=ID_HELP,
        next="The date they agreed you may follow up (e.g. next friday)",
        name="For one interviewer of several (a panel)",
    )
    @app_commands.autocomplete(id=ids)
    @app_commands.autocomplete(next=contact_dates)
    async def sent(
        self, interaction: Interaction, id: Id, next: When | None = None, name: Person | None = None
    ) -> None:
        await self.responder.run(interaction, lambda: c.MarkSent(
            id,
            o.optional_text("sent", "agreed date", next, o.MAX_WHEN),
            person=o.optional_text("sent", "interviewer's name", name, MAX_PERSON),
        ))

    @app_commands.command(name="heard", description=about("heard"))
    @app_commands.describe(
        id=ID_HELP, note="What they said (optional)", next="A date they gave for your next contact"
    )
    @app_commands.autocomplete(id=ids)
    @app_commands.autocomplete(next=contact_dates)
    async def heard(
        self,
        interaction: Interaction,
        id: Id,
        note: Range[str, 1, 1000] | None = None,
        next: When | None = None,
    ) -> None:
        def build() -> c.Command:
            when = o.optional_text("heard", "next contact date", next, o.MAX_WHEN)
            if when is None:
                return c.Heard(id, o.note(note))
            # as `heard <id> next <when> <note>`
            said = o.note(" ".join(filter(None, (f"next {when}", note))))
            return c.Heard(id, said, next_when=said)

        await self.responder.run(interaction, build)

    @app_commands.command(name="snooze", description=about("snooze"))
    @app_commands.describe(
        id=ID_HELP, until="How long (3h, 2d, 1w) or until when (next monday 09:00)"
    )
    @app_commands.autocomplete(id=ids)
    @app_commands.autocomplete(until=durations)
    async def snooze(self, interaction: Interaction, id: Id, until: When) -> None:
        await self.responder.run(
            interaction,
            lambda: c.Snooze(id, o.text("snooze", "duration or date", until, o.MAX_WHEN)),
        )

    @app_commands.command(name="skip", description=about("skip"))
    @app_commands.describe(id=ID_HELP)
    @app_commands.autocomplete(id=ids)
    async def skip(self, interaction: Interaction, id: Id) -> None:
        await self.responder.run(interaction, lambda: c.Skip(id))

    @app_commands.command(name="status", description=about("status"))
    @app_commands.describe(id=ID_HELP, status="The outcome")
    @app_commands.choices(status=STATUSES)
    @app_commands.autocomplete(id=ids)
    async def status(self, interaction: Interaction, id: Id, status: str) -> None:
        await self.responder.run(interaction, lambda: c.SetStatus(id, Status(status)))

    @app_commands.command(name="settings", description=about("settings"))
    @app_commands.describe(
        tz="Your timezone (start typing a city)", hour="When nudges arrive, e.g. 08:30",
        quiet="Quiet hours, e.g. 21:00-07:30", weekends="Deliver nudges on weekends?",
    )
    @app_commands.autocomplete(tz=zones)
    async def settings(
        self,
        interaction: Interaction,
        tz: Range[str, 1, 64] | None = None,
        hour: Range[str, 1, 10] | None = None,
        quiet: Range[str, 1, 20] | None = None,
        weekends: bool | None = None,
    ) -> None:
        await self.responder.run(interaction, lambda: c.Settings(
            timezone=tz.strip() if tz else None, hour=hour.strip() if hour else None,
            quiet=quiet.replace(" ", "") if quiet else None, weekends=weekends,
        ))

    @app_commands.command(name="export", description=about("export"))
    @app_commands.describe(format="csv: your data; ics: your due follow-ups as a calendar")
    async def export(self, interaction: Interaction, format: Literal["csv", "ics"] = "csv") -> None:
        await self.responder.run(interaction, lambda: c.Export(format))

    @app_commands.command(name="import", description=about("import"))
    @app_commands.describe(file="The invitation (.ics) your calendar sent or exported")
    async def import_(self, interaction: Interaction, file: discord.Attachment) -> None:
        await self.responder.run_import(interaction, file)

    @app_commands.command(name="delete", description=about("delete"))
    @app_commands.describe(id=ID_HELP)
    @app_commands.autocomplete(id=ids)
    async def delete(self, interaction: Interaction, id: Id) -> None:
        await self.responder.run(interaction, lambda: c.Delete(id))

    @app_commands.command(name="forget-me", description=about("forget-me"))
    async def forget_me(self, interaction: Interaction) -> None:
        await self.responder.run(interaction, c.ForgetMe)
