"""Handlers that create, show, change and delete applications."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot import commands as c
from bot import formatting, paging, views
from bot.actions import Verb, action
from bot.catalogue import BY_NAME
from bot.domain import Application, DeliverySettings, Event, EventKind, Nudge, Plan, Status
from bot.errors import BadInput
from bot.handlers.context import Context
from bot.handlers.imports import remember
from bot.handlers.rounds import DEFAULT_LENGTH, read_round
from bot.messages import Field, Form, FormKind, Message, Reply, Tone
from bot.method import current_cycle, next_rejection_cycle
from bot.paging import Section, View


def _plan_body(app: Application, ctx: Context, lead: str) -> str:
    outline = views.plan_outline(app, ctx.plan(app), ctx.settings, ctx.now)
    lines = [lead] if lead else []
    if outline:
        lines.append("Plan")
        lines.extend(f"  {line}" for line in outline)
    return "\n".join(lines)


def _round_sentence(
    app: Application, ctx: Context, notes: tuple[str, ...], seq: int | None = None
) -> str:
    rnd = app.round(seq) if seq is not None else None
    rnd = rnd or max(app.rounds, key=lambda r: r.seq)
    who = ", ".join(str(p) for p in rnd.interviewers)
    label = "interview" if rnd.kind.value == "interview" else f"{rnd.kind} round"
    end = rnd.ends_at if rnd.ends_at - rnd.starts_at != DEFAULT_LENGTH else None
    sentence = (
        f"{label[0].upper()}{label[1:]} "
        f"{formatting.full(rnd.starts_at, ctx.settings, ctx.now, end)}"
    )
    sentence += (
        f" with {who}."
        if who
        else " (add interviewers' names next time: the thank-you goes to each of them)."
    )
    note = formatting.assumptions(notes)
    return f"{sentence}\n{note}" if note else sentence


async def add(cmd: c.Add, ctx: Context) -> Message:
    new_round, notes = read_round(cmd.when, cmd.kind, cmd.interviewers, ctx, "add")
    app = await ctx.uow.applications.create(ctx.user.id, cmd.company, cmd.role, new_round, ctx.now)
    await remember(ctx, cmd.invitation, app, app.rounds[0].seq)
    plan = await ctx.replan(app)
    return Message(
        title=app.label,
        body=_plan_body(app, ctx, _round_sentence(app, ctx, notes)),
        actions=views.step_actions(app, plan),
        tone=Tone.SUCCESS,
        changed=True,
    )


def add_form(_: c.AddForm) -> Message:
    """`add` alone: the add form opens where there is one; this text is the answer elsewhere."""
    spec = BY_NAME["add"]
    return Message(
        title="Log an interview",
        body="Give me the company, the role and when, separated by “;” (interviewers "
        f"optional).\nForm: {spec.usage}\nExample: {spec.example}",
    )


async def round_form(cmd: c.RoundForm, ctx: Context) -> Message:
    """`round <id>` alone, for the person's own application: the round form opens where there
    is one; this text is the answer elsewhere."""
    app = await ctx.application(cmd.number, "round")
    spec = BY_NAME["round"]
    return Message(
        title=f"Log a round for {app.label}",
        body="Give me when after “;”, then optionally the kind and the interviewers.\nForm: "
        f"{spec.usage}\nExample: round {app.number}; tomorrow 14:00-15:00; hiring-manager; Sam "
        "Lee, Head of Data",
        reply=Reply.FORM,
        form=Form(FormKind.ROUND, app.number),
    )


async def log_round(cmd: c.LogRound, ctx: Context) -> Message:
    app = await ctx.application(cmd.number, "round")
    if app.status is not Status.ACTIVE:
        spec = BY_NAME["round"]
        raise BadInput(
            f"#{app.number} is marked {app.status}. Reopen it first with `status {app.number} "
            "active`.",
            spec.usage,
            spec.example,
        )
    new_round, notes = read_round(cmd.when, cmd.kind, cmd.interviewers, ctx, "round")
    app = await ctx.uow.applications.add_round(app.id, new_round, ctx.now)
    plan = await ctx.replan(app)
    seq = max(r.seq for r in app.rounds)
    await remember(ctx, cmd.invitation, app, seq)
    return Message(
        title=f"{app.label}: round {seq} logged",
        body=_plan_body(app, ctx, _round_sentence(app, ctx, notes, seq)),
        actions=views.step_actions(app, plan),
        tone=Tone.SUCCESS,
        changed=True,
    )


async def _round_of(number: int, seq: int, ctx: Context) -> Application:
    app = await ctx.application(number, "round")
    if app.round(seq) is None:
        spec = BY_NAME["round"]
        have = ", ".join(str(r.seq) for r in app.rounds_in_time_order)
        raise BadInput(
            f"#{app.number} has no round {seq} (its rounds: {have}). `show {app.number}` lists "
            "them.",
            spec.usage,
            spec.example,
        )
    return app


async def change_round(cmd: c.ChangeRound, ctx: Context) -> Message:
    app = await _round_of(cmd.number, cmd.seq, ctx)
    new_round, notes = read_round(cmd.when, cmd.kind, cmd.interviewers, ctx, "round")
    app = await ctx.uow.applications.replace_round(app.id, cmd.seq, new_round, ctx.now)
    await remember(ctx, cmd.invitation, app, cmd.seq)
    plan = await ctx.replan(app)
    return Message(
        title=f"{app.label}: round {cmd.seq} corrected",
        body=_plan_body(app, ctx, _round_sentence(app, ctx, notes, cmd.seq)),
        actions=views.step_actions(app, plan),
        tone=Tone.SUCCESS,
        changed=True,
    )


async def remove_round(cmd: c.RemoveRound, ctx: Context) -> Message:
    app = await _round_of(cmd.number, cmd.seq, ctx)
    if len(app.rounds) == 1:
        spec = BY_NAME["delete"]
        raise BadInput(
            f"Round {cmd.seq} is the only round of #{app.number}: correct it with `round "
            f"{app.number} change {cmd.seq}; <when>`, or delete the application.",
            spec.usage,
            f"delete {app.number}",
        )
    app = await ctx.uow.applications.remove_round(app.id, cmd.seq, ctx.now)
    await remember(ctx, cmd.invitation, app, None)
    plan = await ctx.replan(app)
    return Message(
        title=f"{app.label}: round {cmd.seq} removed",
        body=_plan_body(
            app,
            ctx,
            "Its thank-you and follow-ups are gone; the plan now follows your other rounds.",
        ),
        actions=views.step_actions(app, plan),
        tone=Tone.SUCCESS,
        changed=True,
    )


async def listing(ctx: Context) -> tuple[str, tuple[str, ...]]:
    """The title and one line per application `list` shows: the active ones, and any other
    with an email still to send (a rejection's close-the-loop)."""
    lines = summary_lines(
        [(app, ctx.plan(app)) for app in await ctx.applications()], ctx.settings, ctx.now
    )
    return f"Your applications ({len(lines)} active)", lines


def summary_lines(
    planned: list[tuple[Application, Plan]], settings: DeliverySettings, now: datetime
) -> tuple[str, ...]:
    shown = [(app, plan) for app, plan in planned if app.status is Status.ACTIVE or plan.tasks]
    return tuple(views.application_summary(app, plan, settings, now) for app, plan in shown)


def no_applications() -> Message:
    return Message(
        title="No active applications", body=f"Log your first interview:\n{BY_NAME['add'].example}"
    )


async def list_applications(cmd: c.ListApplications, ctx: Context) -> Message:
    title, lines = await listing(ctx)
    if not lines:
        return no_applications()
    return paging.paged(
        Message(title=title), [Section("", lines, "")], View.LIST, ctx.user.id, cmd.page
    )


async def show(cmd: c.Show, ctx: Context) -> Message:
    app = await ctx.application(cmd.number, "show")
    plan = ctx.plan(app)
    nudges = await ctx.uow.nudges.for_application(app.id)
    sections = show_sections(app, plan, views.failed(nudges), ctx.settings, ctx.now)
    stage = views.step_title(plan.current_step, app, plan) if plan.current_step else "—"
    message = Message(
        title=app.label,
        fields=(
            Field("Status", app.status.value),
            Field("Current step", stage),
            Field("Budget", views.budget_line(app, plan)),
        ),
        actions=(*views.step_actions(app, plan), action(Verb.DELETE, app.id)),
    )
    return paging.paged(message, sections, View.SHOW, app.id, cmd.page)


def show_sections(
    app: Application, plan: Plan, failures: list[Nudge], settings: DeliverySettings, now: datetime
) -> list[Section]:
    """`show`'s body: the rounds, what was done, what is due and planned, delivery problems."""
    sections = [Section("", tuple(views.round_line(app, settings, now)), "")]
    history = views.history_lines(app, settings, now)
    if history:
        sections.append(Section("Done", tuple(history)))
    outline = views.plan_outline(app, plan, settings, now)
    if outline:
        sections.append(Section("Due and planned", tuple(outline)))
    if failures:
        sections.append(
            Section("Delivery problems", tuple(views.failure_line(n, settings) for n in failures))
        )
    return sections


async def delete(cmd: c.Delete, ctx: Context) -> Message:
    app = await ctx.application(cmd.number, "delete")
    await ctx.uow.applications.delete(app.id)
    return Message(
        title=f"Deleted {app.label}",
        body="Its rounds, history and nudges are gone.",
        tone=Tone.SUCCESS,
        changed=True,
    )


async def set_status(cmd: c.SetStatus, ctx: Context) -> Message:
    app = await ctx.application(cmd.number, "status")
    if app.status is cmd.status:
        return Message(
            title=f"{app.label} is already {app.status}.",
            body=views.budget_line(app, ctx.plan(app)),
        )
    reopened = replace(app, status=Status.ACTIVE)
    cycle = (
        next_rejection_cycle(app)
        if cmd.status is Status.REJECTED
        else (current_cycle(reopened, ctx.now) or "r0")
    )
    event = Event(kind=EventKind.STATUS, at=ctx.now, cycle=cycle, status=cmd.status)
    app = await ctx.uow.applications.add_event(app.id, event)
    await ctx.replan(app)
    leads = {
        Status.OFFER: "Congratulations on the offer! I've stopped every follow-up for it.",
        Status.WITHDRAWN: "Withdrawn: I've stopped every follow-up for it.",
        Status.REJECTED: "Sorry to hear it. A gracious note now keeps the door open: roles "
        "reopen more often than you'd think.",
        Status.ACTIVE: "Back to active: follow-ups are planned again.",
    }
    return Message(
        title=f"{app.label}: {cmd.status}",
        body=_plan_body(app, ctx, leads[cmd.status]),
        actions=views.step_actions(app, ctx.plan(app)),
        tone=Tone.SUCCESS,
        changed=True,
    )
