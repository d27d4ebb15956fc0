"""Between Discord interactions and the core: run the command, answer the interaction.

Discord wants the first response within 3 seconds. The core usually answers in a few
milliseconds and the answer *is* the response (one request). When it takes longer than
`DEFER_AFTER` (a burst of commands queueing for the database), the interaction is deferred
at once ("thinking…", or a silent acknowledgement for buttons) and the answer follows by
editing the original response, so the deadline holds whatever the load.

Every reply is private (ephemeral) except in the person's own DM with the bot: in a server,
and — through a user install — in other DMs and group DMs, where a normal message would be
seen by everyone in the conversation. The core says what kind of answer it gives
(`Message.reply`) and this follows it: a form opens as a modal (`add`, `review <id>` with no
draft), and a press whose answer replaces the pressed message (a nudge marked sent, skipped,
snoozed; the next page; the answer to a question) edits it; Checklist and Draft answer with a
new message and leave the nudge as it was; a press that is refused (someone else's button)
answers only the presser, privately.

Before group mode is turned on in a channel, the bot's own permissions there are checked
(`permissions.missing_to_post`): without them the core is not called and nothing changes.
Posts for the whole channel are the core's, made after the command is stored, through the
`DiscordChannelPoster`; the reply to the person who asked stays ephemeral.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace

import discord
from discord import app_commands
from discord.utils import MISSING

from adapters.discord.buttons import confirm_view
from adapters.discord.form import (
    AddForm,
    AddValues,
    RetryForm,
    ReviewForm,
    RoundForm,
    RoundValues,
    retry_add,
)
from adapters.discord.identity import (
    PLATFORM,
    WORKSPACE,
    identity_of,
    in_bot_dm,
    in_guild,
    place_of,
    private_reply,
)
from adapters.discord.invitations import (
    ProposalView,
    add_values,
    is_calendar,
    refusal,
    round_values,
    shown,
)
from adapters.discord.options import add as add_command
from adapters.discord.options import draft as draft_command
from adapters.discord.options import log_round as round_command
from adapters.discord.permissions import cannot_post, missing_to_post
from adapters.discord.render import render
from bot import commands as c
from bot import views
from bot.actions import confirmation, decode
from bot.dates import Intent
from bot.errors import BadInput
from bot.messages import Field, Form, FormKind, Message, Reply, Tone
from bot.service import Followup

log = logging.getLogger(__name__)

Build = Callable[[], c.Command]
DEFER_AFTER = 0.15  # seconds the core may take before the interaction is deferred
CHOICE_NAME = 100
SOMETHING_WRONG = Message(
    title="Something went wrong on my side.",
    body="Please try again in a moment. If it keeps happening, `/followup help` shows other ways "
    "in.",
    tone=Tone.ERROR,
)


class Responder:
    def __init__(self, followup: Followup, *, defer_after: float = DEFER_AFTER) -> None:
        self._followup = followup
        self._defer_after = defer_after

    async def run(self, interaction: discord.Interaction, build: Build) -> None:
        """Build the core command from the options and answer with what the core says."""
        try:
            command = build()
        except BadInput as problem:
            await self.reply(interaction, views.error(problem))
            return
        if isinstance(command, c.ChannelMode) and command.on and in_guild(interaction):
            missing = missing_to_post(interaction)
            if missing:
                await self.reply(interaction, cannot_post(missing))
                return
        work = self._followup.handle_command(
            identity_of(interaction.user, interaction.locale), command, place_of(interaction)
        )
        message = await self._in_time(interaction, work)
        # a deferred answer can't open one
        if message.form is not None and not interaction.response.is_done():
            await interaction.response.send_modal(self._modal(message.form))
            return
        await self._answer(interaction, message)

    def _modal(self, form: Form) -> discord.ui.Modal:
        """The modal for the form the core asked for."""
        if form.kind is FormKind.REVIEW and form.number is not None:
            return ReviewForm(self.submit_review, form.number)
        if form.kind is FormKind.ROUND and form.number is not None:
            return RoundForm(self._round_submitter(None), RoundValues(form.number, "", "", ""))
        return AddForm(self.submit_add)

    async def press(
        self, interaction: discord.Interaction, action_id: str, *, confirmed: bool = False
    ) -> None:
        """A button: asked about first when it destroys something, unless this is the "yes"."""
        try:
            who = identity_of(interaction.user, interaction.locale)
            ref = decode(action_id)
            question = confirmation(ref.verb) if ref is not None and not confirmed else None
            if question is not None:
                refused = await self._followup.refusal(who, action_id)
                if refused is not None:
                    await self.reply(interaction, refused, private=True)
                    return
                asked = Message(title=question.title, body=question.text, tone=Tone.WARNING)
                await self.reply(
                    interaction, asked, extra=confirm_view(action_id, question), private=True
                )
                return
            work = self._followup.handle_action(who, action_id, place_of(interaction))
            message = await self._in_time(interaction, work, silently=True)
            # the "yes" replaces its question with the answer, whatever it is
            edit = message.reply is Reply.EDIT
            await self._answer(interaction, message, edit=confirmed or edit)
            if confirmed and edit:
                await self._refresh_origin(interaction, message)
        except Exception:
            log.exception("button %s failed", action_id)
            await self.fail(interaction)

    async def _refresh_origin(self, interaction: discord.Interaction, message: Message) -> None:
        """After a confirmed press in the bot's DM, the message whose button asked (a nudge, the
        forget-me question) shows the new state too, as an unconfirmed press's does. Discord
        names it in the question's `interaction_metadata`; elsewhere it is someone's private
        (ephemeral) message, which the bot can't edit, and it stays as it was."""
        asked = (
            interaction.message.interaction_metadata if interaction.message is not None else None
        )
        origin = asked.interacted_message_id if asked is not None else None
        channel = interaction.channel
        if (
            origin is None
            or not in_bot_dm(interaction)
            or not isinstance(channel, discord.DMChannel | discord.PartialMessageable)
        ):
            return
        shown = render(message)
        try:
            await channel.get_partial_message(origin).edit(embed=shown.embed, view=shown.view)
        except discord.HTTPException:
            log.info("could not refresh the message a confirmed button was on")

    async def decline(self, interaction: discord.Interaction, action_id: str) -> None:
        """ "No" to a destructive button's question: the question goes, nothing is pressed."""
        try:
            await self.reply(interaction, views.not_pressed(), edit=True)
        except Exception:
            log.exception("declining %s failed", action_id)
            await self.fail(interaction)

    async def fail(self, interaction: discord.Interaction) -> None:
        """Tell the user something broke on our side (never "This interaction failed")."""
        try:
            await self.reply(interaction, SOMETHING_WRONG, private=True)
        except discord.HTTPException:
            log.warning("could not tell the user about a failure")

    async def submit_add(self, interaction: discord.Interaction, values: AddValues) -> None:
        try:
            await self._submit_add(interaction, values)
        except Exception:
            log.exception("the add form failed")
            await self.fail(interaction)

    async def _submit_add(self, interaction: discord.Interaction, values: AddValues) -> None:
        try:
            command = add_command(
                values.company, values.role, values.when, others=values.interviewers
            )
        except BadInput as problem:
            message = views.error(problem)
        else:
            work = self._followup.handle_command(
                identity_of(interaction.user, interaction.locale), command, place_of(interaction)
            )
            message = await self._in_time(interaction, work)
        if message.is_error:
            shown = replace(
                message, fields=(*message.fields, Field("What you entered", values.summary()))
            )
            await self.reply(
                interaction, shown, extra=retry_add(self.submit_add, values), private=True
            )
            return
        await self._answer(interaction, message)

    async def run_import(self, interaction: discord.Interaction, file: discord.Attachment) -> None:
        """`/followup import file:`: read the attachment, show the core's proposal with buttons."""
        refused = refusal(file)
        if refused is not None:
            await self.reply(interaction, refused, private=True)
            return
        await interaction.response.defer(ephemeral=private_reply(interaction), thinking=True)
        try:
            data = await file.read()
        except (discord.HTTPException, discord.NotFound):
            log.warning("could not fetch an attachment")
            await self.reply(
                interaction,
                Message(
                    title="I couldn't fetch that file from Discord.",
                    body="Nothing was logged: try again in a moment.",
                    tone=Tone.ERROR,
                ),
            )
            return
        command = c.ImportInvitation(data=data, filename=file.filename[:200])
        message = await self._followup.handle_command(
            identity_of(interaction.user, interaction.locale), command, place_of(interaction)
        )
        if message.proposal is None:
            await self.reply(interaction, message)
            return
        view = ProposalView(
            message.proposal, self.run_proposal, self.edit_proposal, owner=interaction.user.id
        )
        await self.reply(interaction, shown(message), extra=view)

    async def import_attachment(self, message: discord.Message) -> None:
        """A .ics file attached to a message in the bot's DM: the same proposal as the command's."""
        files = [a for a in message.attachments if is_calendar(a)]
        if not files:
            return
        refused = refusal(files[0])
        if refused is not None:
            await message.channel.send(embed=render(refused).embed)
            return
        try:
            data = await files[0].read()
        except (discord.HTTPException, discord.NotFound):
            log.warning("could not fetch an attachment")
            return
        command = c.ImportInvitation(data=data, filename=files[0].filename[:200])
        reply = await self._followup.handle_command(identity_of(message.author), command)
        if reply.proposal is None:
            shown_reply = render(reply)
            await message.channel.send(embed=shown_reply.embed, view=shown_reply.view or MISSING)
            return
        view = ProposalView(
            reply.proposal, self.run_proposal, self.edit_proposal, owner=message.author.id
        )
        await message.channel.send(embed=render(shown(reply)).embed, view=view)

    async def run_proposal(self, interaction: discord.Interaction, command: c.Command) -> None:
        try:
            work = self._followup.handle_command(
                identity_of(interaction.user, interaction.locale), command, place_of(interaction)
            )
            await self._answer(
                interaction, await self._in_time(interaction, work, silently=True), edit=True
            )
        except Exception:
            log.exception("confirming an import failed")
            await self.fail(interaction)

    async def edit_proposal(
        self, interaction: discord.Interaction, proposed: c.Add | c.LogRound
    ) -> None:
        """"Edit first": the add form (a new application) or the round form (a further round)
        filled in from the invitation, which the submitted command still carries."""
        if isinstance(proposed, c.LogRound):
            await interaction.response.send_modal(
                RoundForm(self._round_submitter(proposed), round_values(proposed))
            )
            return

        async def submit(inner: discord.Interaction, typed: AddValues) -> None:
            try:
                built = add_command(
                    typed.company, typed.role, typed.when, others=typed.interviewers
                )
            except BadInput as problem:
                await self.reply(inner, views.error(problem), private=True)
                return
            assert isinstance(built, c.Add)
            await self.run(
                inner, lambda: replace(built, kind=proposed.kind, invitation=proposed.invitation)
            )

        await interaction.response.send_modal(AddForm(submit, add_values(proposed)))

    def _round_submitter(
        self, proposed: c.LogRound | None
    ) -> Callable[[discord.Interaction, RoundValues], Awaitable[None]]:
        """The round form's submit: a bad field (or a date the core can't read) answers
        privately with what was entered and "Edit and try again", as the add form does.
        `proposed`: the imported invitation's round the form was filled in from."""

        async def submit(inner: discord.Interaction, typed: RoundValues) -> None:
            try:
                built = round_command(
                    typed.number, typed.when, kind=typed.kind or None, others=typed.interviewers
                )
            except BadInput as problem:
                message = views.error(problem)
            else:
                command = replace(
                    built, invitation=proposed.invitation if proposed is not None else None
                )
                work = self._followup.handle_command(
                    identity_of(inner.user, inner.locale), command, place_of(inner)
                )
                message = await self._in_time(inner, work)
            if message.is_error:
                shown = replace(
                    message, fields=(*message.fields, Field("What you entered", typed.summary()))
                )
                await self.reply(
                    inner, shown, extra=RetryForm(lambda: RoundForm(submit, typed)), private=True
                )
                return
            await self._answer(inner, message)

        return submit

    async def submit_review(self, interaction: discord.Interaction, number: int, text: str) -> None:
        try:
            await self.run(interaction, lambda: draft_command(number, text, form_if_empty=False))
        except Exception:
            log.exception("the review form failed")
            await self.fail(interaction)

    async def left_server(self, guild: discord.Guild) -> None:
        """The bot was removed from a server (kicked, or the server deleted): its group
        channels go, with their members, shares and digest. The channels are the ones
        discord.py still holds for the guild as it hands it over (the `guilds` intent keeps
        them cached); people's own data stays, as it is not tied to one server."""
        channels = [str(channel.id) for channel in (*guild.channels, *guild.threads)]
        try:
            await self._followup.drop_channels(PLATFORM, WORKSPACE, channels)
        except Exception:
            log.exception("could not drop the group channels of a server the bot left")

    async def application_choices(
        self, interaction: discord.Interaction, typed: str
    ) -> list[app_commands.Choice[int]]:
        found = await self._followup.application_choices(
            identity_of(interaction.user, interaction.locale), typed
        )
        return [
            app_commands.Choice(name=label[:CHOICE_NAME], value=number) for number, label in found
        ]

    async def date_reading(
        self, interaction: discord.Interaction, typed: str, intent: Intent
    ) -> str:
        """The bot's reading of a date typed so far, to show before it is sent."""
        return await self._followup.date_preview(
            identity_of(interaction.user, interaction.locale), typed, intent
        )

    def timezone_choices(self, typed: str) -> list[app_commands.Choice[str]]:
        return [
            app_commands.Choice(name=zone, value=zone)
            for zone in self._followup.timezone_choices(typed)
        ]

    async def _in_time(
        self, interaction: discord.Interaction, work: Awaitable[Message], *, silently: bool = False
    ) -> Message:
        """The core's answer; if it is slow, the interaction is deferred first (`silently`:
        without a "thinking…" message, for buttons that may edit their own message)."""
        task = asyncio.ensure_future(work)
        try:
            return await asyncio.wait_for(asyncio.shield(task), self._defer_after)
        except TimeoutError:
            if silently:
                await interaction.response.defer()
            else:
                await interaction.response.defer(
                    ephemeral=private_reply(interaction), thinking=True
                )
            return await task

    async def _answer(
        self, interaction: discord.Interaction, message: Message, *, edit: bool = False
    ) -> None:
        await self.reply(interaction, message, edit=edit)

    async def reply(
        self,
        interaction: discord.Interaction,
        message: Message,
        *,
        edit: bool = False,
        extra: discord.ui.View | None = None,
        private: bool = False,
    ) -> None:
        shown = render(message)
        view = extra or shown.view
        ephemeral = private or private_reply(interaction)
        deferred = interaction.response.type
        if deferred is discord.InteractionResponseType.deferred_channel_message or (
            deferred is discord.InteractionResponseType.deferred_message_update and edit
        ):
            await interaction.edit_original_response(
                embed=shown.embed, view=view, attachments=shown.files
            )
        elif interaction.response.is_done():
            await interaction.followup.send(
                embed=shown.embed,
                view=view or MISSING,
                files=shown.files or MISSING,
                ephemeral=ephemeral,
            )
        elif edit and interaction.message is not None:
            await interaction.response.edit_message(
                embed=shown.embed, view=view, attachments=shown.files
            )
        else:
            await interaction.response.send_message(
                embed=shown.embed,
                view=view or MISSING,
                files=shown.files or MISSING,
                ephemeral=ephemeral,
            )
