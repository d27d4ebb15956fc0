"""The forms: `/followup add` with no options opens the add form; `/followup review id:<n>`
without text opens the review form, one paragraph field (up to Discord's 4,000 characters)
for a whole email with its line breaks; an imported invitation for a further round of an
application opens the round form (when, kind, interviewers) filled in from it.

A bad field (an unreadable date, a name that is too long) can't be answered with the form
again — Discord doesn't allow a modal in reply to a modal — so the reply is a private error
that repeats what was entered and carries an "Edit and try again" button that reopens the
form filled in with those values.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import discord

from adapters.discord.options import MAX_DRAFT
from bot.content import word
from bot.limits import MAX_NAME, MAX_PEOPLE_TEXT, MAX_WHEN

MAX_KIND = 40  # "hiring manager", "phone screen", as people type a kind


@dataclass(frozen=True)
class AddValues:
    company: str = ""
    role: str = ""
    when: str = ""
    interviewers: str = ""

    def summary(self) -> str:
        rows = [
            ("Company", self.company),
            ("Role", self.role),
            ("When", self.when),
            ("Interviewers", self.interviewers),
        ]
        return "\n".join(f"{label}: {value or '—'}" for label, value in rows)


Submit = Callable[[discord.Interaction, AddValues], Awaitable[None]]


class AddForm(discord.ui.Modal, title=word("interview_form", "title")):
    def __init__(self, submit: Submit, values: AddValues | None = None) -> None:
        super().__init__(timeout=900)
        self._submit = submit
        given = values or AddValues()
        self.company: discord.ui.TextInput[Any] = discord.ui.TextInput(
            custom_id="company",
            label=word("interview_form", "company"),
            placeholder=word("interview_form", "company-placeholder"),
            default=given.company or None,
            max_length=MAX_NAME,
        )
        self.role: discord.ui.TextInput[Any] = discord.ui.TextInput(
            custom_id="role",
            label=word("interview_form", "role"),
            placeholder=word("interview_form", "role-placeholder"),
            default=given.role or None,
            max_length=MAX_NAME,
        )
        self.when: discord.ui.TextInput[Any] = discord.ui.TextInput(
            custom_id="when",
            label=word("interview_form", "when"),
            placeholder=word("interview_form", "when-placeholder"),
            default=given.when or None,
            max_length=MAX_WHEN,
        )
        self.interviewers: discord.ui.TextInput[Any] = discord.ui.TextInput(
            custom_id="interviewers",
            label=word("interview_form", "interviewers-optional"),
            placeholder=word("interview_form", "interviewers-optional-placeholder"),
            default=given.interviewers or None,
            required=False,
            max_length=MAX_PEOPLE_TEXT,
            style=discord.TextStyle.paragraph,
        )
        for item in (self.company, self.role, self.when, self.interviewers):
            self.add_item(item)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        values = AddValues(
            self.company.value, self.role.value, self.when.value, self.interviewers.value or ""
        )
        await self._submit(interaction, values)


@dataclass(frozen=True)
class RoundValues:
    """What the round form holds: a further round of application `number`."""

    number: int
    when: str = ""
    kind: str = ""
    interviewers: str = ""

    def summary(self) -> str:
        rows = [("When", self.when), ("Kind", self.kind), ("Interviewers", self.interviewers)]
        return "\n".join(f"{label}: {value or '—'}" for label, value in rows)


RoundSubmit = Callable[[discord.Interaction, RoundValues], Awaitable[None]]
KINDS_HINT = word("interview_form", "kind-placeholder")


class RoundForm(discord.ui.Modal, title=word("interview_form", "round-title-short")):
    def __init__(self, submit: RoundSubmit, values: RoundValues) -> None:
        super().__init__(
            timeout=900, title=word("interview_form", "round-title-long", number=values.number)[:45]
        )
        self._submit = submit
        self._number = values.number
        self.when: discord.ui.TextInput[Any] = discord.ui.TextInput(
            custom_id="when",
            label=word("interview_form", "round-when"),
            placeholder=word("interview_form", "round-when-placeholder"),
            default=values.when or None,
            max_length=MAX_WHEN,
        )
        self.kind: discord.ui.TextInput[Any] = discord.ui.TextInput(
            custom_id="kind",
            label=word("interview_form", "kind"),
            placeholder=KINDS_HINT,
            default=values.kind or None,
            required=False,
            max_length=MAX_KIND,
        )
        self.interviewers: discord.ui.TextInput[Any] = discord.ui.TextInput(
            custom_id="interviewers",
            label=word("interview_form", "interviewers-optional"),
            placeholder=word("interview_form", "round-interviewers-optional-placeholder"),
            default=values.interviewers or None,
            required=False,
            max_length=MAX_PEOPLE_TEXT,
            style=discord.TextStyle.paragraph,
        )
        for item in (self.when, self.kind, self.interviewers):
            self.add_item(item)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        values = RoundValues(
            self._number, self.when.value, self.kind.value or "", self.interviewers.value or ""
        )
        await self._submit(interaction, values)


class RetryForm(discord.ui.View):
    """The button under a rejected form: reopens it with what the user typed."""

    def __init__(self, reopen: Callable[[], discord.ui.Modal]) -> None:
        super().__init__(timeout=900)
        self._reopen = reopen

    @discord.ui.button(label=word("interview_form", "retry"), style=discord.ButtonStyle.primary)
    async def retry(self, interaction: discord.Interaction, _: discord.ui.Button[Any]) -> None:
        await interaction.response.send_modal(self._reopen())


def retry_add(submit: Submit, values: AddValues) -> RetryForm:
    return RetryForm(lambda: AddForm(submit, values))


ReviewSubmit = Callable[[discord.Interaction, int, str], Awaitable[None]]


class ReviewForm(discord.ui.Modal, title=word("review_form", "title")):
    def __init__(self, submit: ReviewSubmit, number: int) -> None:
        super().__init__(timeout=1800)
        self._submit = submit
        self._number = number
        self.draft: discord.ui.TextInput[Any] = discord.ui.TextInput(
            custom_id="draft",
            label=word("review_form", "draft-for", number=number)[:45],
            placeholder=word("review_form", "draft-placeholder"),
            style=discord.TextStyle.paragraph,
            max_length=MAX_DRAFT,
        )
        self.add_item(self.draft)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await self._submit(interaction, self._number, self.draft.value)
