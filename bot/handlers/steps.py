"""Handlers for the current follow-up step: sent, heard, snooze, skip, checklist, draft, review."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot import commands as c
from bot import formatting, views
from bot.actions import Verb, action
from bot.catalogue import BY_NAME
from bot.content import draft_for, guide, guide_for
from bot.dates import Intent
from bot.domain import Application, Event, EventKind, Plan, Status, Task, Variant
from bot.errors import BadInput
from bot.handlers.context import Context
from bot.messages import Message, Tone
from bot.method import current_cycle, people_named
from bot.review import review_draft
from bot.review_reply import review_message
from bot.timing import at_nudge_hour, deliverable

LONGEST_SNOOZE = timedelta(days=365)
MOST_DATE_WORDS = 5


def _current(app: Application, plan: Plan, command: str) -> Task:
    if plan.current is None:
        spec = BY_NAME[command]
        reason = plan.closed_reason or "There is no follow-up step pending."
        raise BadInput(f"{app.label}: nothing to do here. {reason}", spec.usage, spec.example)
    return plan.current


def _already_done(app: Application, plan: Plan) -> Message:
    """The answer to a press on a step that is no longer pending: nothing changes."""
    now_step = f" The current step is the {plan.current.variant.label}." if plan.current else ""
    return Message(
        title=f"{app.label}: already marked",
        body=f"That step is already done or has passed, so nothing changed.{now_step}",
    )


def _task(app: Application, plan: Plan, command: str, key: str | None) -> Task | Message:
    """The task a command acts on: the one its button was for, else the current one."""
    if key is None:
        return _current(app, plan, command)
    return plan.task(key) or _already_done(app, plan)


def _next_line(app: Application, ctx: Context) -> str:
    plan = ctx.plan(app)
    outline = views.plan_outline(app, plan, ctx.settings, ctx.now)
    parts = [views.budget_line(app, plan)]
    if outline:
        parts.append("Next\n" + "\n".join(f"  {line}" for line in outline[:3]))
    return "\n".join(parts)


def _not_due_yet(app: Application, task: Task, ctx: Context) -> str | None:
    """Why marking `task` sent now would be early, or None when it is due."""
    if task.variant.is_thank_you and task.round_seq is not None:
        rnd = app.round(task.round_seq)
        if rnd is not None and ctx.now < rnd.ends_at:
            return (
                "That round hasn't ended yet (it ends "
                f"{formatting.when(rnd.ends_at, ctx.settings, ctx.now)})."
            )
        return None
    if (
        formatting.local(task.due_at, ctx.settings).date()
        > formatting.local(ctx.now, ctx.settings).date()
    ):
        return (
            f"The {task.variant.label} isn't due until "
            f"{formatting.when(task.due_at, ctx.settings, ctx.now)}."
        )
    return None


def _agreed_day(text: str, ctx: Context, command: str) -> tuple[date, str]:
    """A next-contact day (today or later), and what was assumed to read it."""
    reading = ctx.read_date(text, Intent.NEXT_CONTACT, command)
    return reading.day, formatting.assumptions(reading.notes)


def _person(task: Task, name: str | None, command: str) -> str | None:
    """The interviewer `name` means among the task's people (None: everyone)."""
    if name is None:
        return None
    spec = BY_NAME[command]
    if not task.variant.is_thank_you or not task.everyone:
        raise BadInput(
            f"The current step, the {task.variant.label}, is one email, so it takes no name "
            "(every thank-you of the round is already marked).",
            spec.usage,
            spec.example,
        )
    matches = people_named(task, name)
    if len(matches) != 1:
        listed = ", ".join(p.name for p in task.everyone)
        problem = "matches more than one person" if matches else "isn't one of the people"
        raise BadInput(
            f"“{name[:40]}” {problem} in that round: {listed}.", spec.usage, spec.example
        )
    return matches[0].name


async def mark_sent(cmd: c.MarkSent, ctx: Context) -> Message:
    app = await ctx.application(cmd.number, "sent")
    plan = ctx.plan(app)
    task = _task(app, plan, "sent", cmd.task)
    if isinstance(task, Message):
        return task
    person = _person(task, cmd.person, "sent")
    if person is not None and person not in {p.name for p in task.people}:
        return _already_done(app, plan)
    agreed, assumed = _agreed_day(cmd.next_when, ctx, "sent") if cmd.next_when else (None, "")
    early = None if cmd.confirmed else _not_due_yet(app, task, ctx)
    if early is not None:
        return Message(
            title=f"{app.label}: did you already send the {task.variant.label}?",
            body=f"{early} If you did send it, press the button and I'll mark it; otherwise "
            "nothing changes.",
            actions=(action(Verb.SENT_EARLY, app.id, task.key),),
        )
    event = Event(
        EventKind.SENT,
        ctx.now,
        task.cycle,
        step=task.step,
        agreed_date=agreed,
        person=person,
        task=task.key,
    )
    app = await ctx.uow.applications.add_event(app.id, event)
    await ctx.replan(app)
    agreed_note = ""
    if agreed:
        agreed_note = (
            " They agreed you may get in touch on "
            f"{formatting.on_day(agreed, formatting.local(ctx.now, ctx.settings).date())}."
        )
        agreed_note += f" ({assumed})" if assumed else ""
    still = tuple(p for p in task.people if p.name != person) if person else ()
    owed = f" Still to thank: {views.names(still)}." if still else ""
    whom = f" to {person}" if person else ""
    return Message(
        title=f"{app.label}: {task.variant.label}{whom} marked sent",
        body=f"Well done.{agreed_note}{owed}\n{_next_line(app, ctx)}",
        tone=Tone.SUCCESS,
        changed=True,
    )


def _date_in(text: str, ctx: Context) -> tuple[date, str] | None:
    """The future date that starts right after “next” in `text`, with the words it took."""
    words = text.split()[1:]
    for count in range(min(MOST_DATE_WORDS, len(words)), 0, -1):
        phrase = " ".join(words[:count])
        # "next" is the command's word first ("next friday": the coming Friday, as for `sent`);
        # part of the date only when the rest alone isn't one ("next week").
        for candidate in (phrase, f"next {phrase}"):
            try:
                day, _ = _agreed_day(candidate, ctx, "heard")
            except BadInput:
                continue
            return day, " ".join(text.split()[: count + 1])
    return None


async def heard(cmd: c.Heard, ctx: Context) -> Message:
    app = await ctx.application(cmd.number, "heard")
    note, agreed = cmd.note, None
    if cmd.next_when:
        found = _date_in(cmd.next_when, ctx)
        if found is None:
            spec = BY_NAME["heard"]
            raise BadInput(
                f"I couldn't read a future date after “next” in “{cmd.next_when[:60]}”.",
                spec.usage,
                spec.example,
            )
        agreed, taken = found
        if note.startswith(cmd.next_when):  # the date came first: the rest is the note
            note = note[len(taken) :].strip()
    cycle = current_cycle(app, ctx.now) or "r0"
    event = Event(EventKind.HEARD, ctx.now, cycle, note=note, agreed_date=agreed)
    app = await ctx.uow.applications.add_event(app.id, event)
    await ctx.replan(app)
    lead = "They replied — that's interest, so your follow-up budget is back."
    if app.status is not Status.ACTIVE:
        lead = "Noted."
    if agreed is not None:
        today = formatting.local(ctx.now, ctx.settings).date()
        lead += (
            f" Your next contact is on {formatting.on_day(agreed, today)}; I'll nudge you "
            "that morning."
        )
    return Message(
        title=f"{app.label}: reply recorded",
        body=f"{lead}\n{_next_line(app, ctx)}",
        tone=Tone.SUCCESS,
        changed=True,
    )


def _snooze_until(text: str, ctx: Context) -> tuple[datetime, str]:
    reading = ctx.read_date(
        text,
        Intent.SNOOZE,
        "snooze",
        default_time=ctx.settings.nudge_hour,
        default_label="your nudge hour",
    )
    until = reading.start if reading.has_time else at_nudge_hour(reading.day, ctx.settings)
    if until - ctx.now > LONGEST_SNOOZE:
        spec = BY_NAME["snooze"]
        raise BadInput("That is more than a year away.", spec.usage, spec.example)
    return deliverable(until, ctx.settings), formatting.assumptions(reading.notes)


def _snooze_target(plan: Plan, task: Task, key: str | None, now: datetime) -> str:
    """What a snooze moves: the nudge its button was on; typed, the task's next nudge (the
    "still silent?" check while it is still ahead, so the close-the-loop date stays put)."""
    if key is not None:
        return key
    if task.check_key and any(n.task == task.check_key and n.due_at > now for n in plan.nudges):
        return task.check_key
    return task.key


async def snooze(cmd: c.Snooze, ctx: Context) -> Message:
    app = await ctx.application(cmd.number, "snooze")
    plan = ctx.plan(app)
    task = _task(app, plan, "snooze", cmd.task)
    if isinstance(task, Message):
        return task
    until, assumed = _snooze_until(cmd.until, ctx)
    target = _snooze_target(plan, task, cmd.task, ctx.now)
    event = Event(EventKind.SNOOZED, ctx.now, task.cycle, step=task.step, until=until, task=target)
    app = await ctx.uow.applications.add_event(app.id, event)
    await ctx.replan(app)
    what = "“still silent?” check" if target == task.check_key else task.variant.label
    return Message(
        title=f"{app.label}: snoozed",
        body=f"I'll bring the {what} back {formatting.spelled(until, ctx.settings, ctx.now)}."
        + (f" {assumed}" if assumed else ""),
        tone=Tone.SUCCESS,
        changed=True,
    )


async def skip(cmd: c.Skip, ctx: Context) -> Message:
    app = await ctx.application(cmd.number, "skip")
    plan = ctx.plan(app)
    task = _task(app, plan, "skip", cmd.task)
    if isinstance(task, Message):
        return task
    app = await ctx.uow.applications.add_event(
        app.id, Event(EventKind.SKIPPED, ctx.now, task.cycle, step=task.step, task=task.key)
    )
    await ctx.replan(app)
    return Message(
        title=f"{app.label}: {task.variant.label} skipped",
        body=_next_line(app, ctx),
        tone=Tone.SUCCESS,
        changed=True,
    )


async def checklist(cmd: c.Checklist, ctx: Context) -> Message:
    if cmd.step is not None:
        g = guide(cmd.step)
        return Message(title=f"Checklist — {g.title}", body=g.purpose, checklist=g.checklist)
    app = await ctx.application(cmd.number or 0, "checklist")
    plan = ctx.plan(app)
    task = _task(app, plan, "checklist", cmd.task)
    if isinstance(task, Message):
        return task
    g = guide_for(task.variant, no_agreed_date=task.no_agreed_date)
    return Message(
        title=f"Checklist — {g.title} for {app.company}",
        body=g.purpose,
        checklist=g.checklist,
        actions=(action(Verb.DRAFT, app.id, task.key),),
    )


def _met(app: Application, task: Task, ctx: Context) -> str:
    """When the round was, as the email should say it: today, yesterday, on Monday."""
    rnd = app.round(task.round_seq) if task.round_seq is not None else None
    if rnd is None:
        return "today"
    met, today = (
        formatting.local(rnd.starts_at, ctx.settings).date(),
        formatting.local(ctx.now, ctx.settings).date(),
    )
    if met >= today:
        return "today"
    if (today - met).days == 1:
        return "yesterday"
    return f"on {met:%A}" if (today - met).days < 7 else f"on {met.day} {met:%B}"


async def draft(cmd: c.Draft, ctx: Context) -> Message:
    app = await ctx.application(cmd.number, "draft")
    plan = ctx.plan(app)
    task = _task(app, plan, "draft", cmd.task)
    if isinstance(task, Message):
        return task
    chosen = _person(task, cmd.person, "draft")
    pool = task.people or task.everyone
    if task.variant.is_thank_you:
        person = next((p for p in task.everyone if p.name == chosen), pool[0] if pool else None)
    else:
        latest = app.round(task.round_seq) if task.round_seq is not None else app.latest_round
        person = latest.interviewers[0] if latest and latest.interviewers else None
    email = draft_for(
        task.variant,
        company=app.company,
        role=app.role,
        interviewer=person,
        sender_name=ctx.user.display_name,
        no_agreed_date=task.no_agreed_date,
        met=_met(app, task, ctx),
    )
    footer = (
        "Fill every gap marked ⟨…⟩, then check it with `review " + f"{app.number} <your text>`."
    )
    others = (
        [p for p in pool if person is None or p.name != person.name]
        if task.variant.is_thank_you
        else []
    )
    if others:
        names = ", ".join(f"`draft {app.number} {p.name}`" for p in others)
        footer += f" One email per interviewer — for the others: {names}."
    for_whom = f" to {person.name}" if person and task.variant.is_thank_you else ""
    return Message(
        title=f"Draft — {task.variant.label}{for_whom} for {app.company}",
        body=email.as_text(),
        footer=footer,
        actions=(action(Verb.CHECKLIST, app.id, task.key),),
    )


async def review(cmd: c.Review, ctx: Context) -> Message:
    app = await ctx.application(cmd.number, "review")
    plan = ctx.plan(app)
    task = _current(app, plan, "review")
    step = task.step
    result = review_draft(
        step,
        cmd.text,
        after_rejection=task.variant is Variant.CLOSE_LOOP_REJECTED,
        hiring_manager=task.variant is Variant.THANK_YOU_INSIGHT,
        company=app.company,
        role=app.role,
    )
    return review_message(result, app)
