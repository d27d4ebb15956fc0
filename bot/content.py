"""The coaching content: what each follow-up email must do, its checklist, and a draft.

Everything here is pure text built from the follow-up method: a follow-up always adds
something the employer can use, asks permission for the next contact, and is worded so it
can be forwarded up the chain unchanged. Nothing is escaped (adapters handle markup);
whatever the user still has to supply is marked as a gap, ⟨like this⟩.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain import Interviewer, Step, Variant

GAP_OPEN, GAP_CLOSE = "⟨", "⟩"

# Word counts a finished email should aim for (quoted in the checklists) ...
WORD_TARGETS: dict[tuple[Step, bool], tuple[int, int]] = {
    (Step.THANK_YOU, False): (100, 180),
    (Step.VALUE_ADD, False): (100, 200),
    (Step.INSIGHT, False): (120, 220),
    (Step.CLOSE_LOOP, True): (50, 120),
    (Step.CLOSE_LOOP, False): (60, 150),
    (Step.CHECK_BACK, False): (70, 160),
}
# ... and the wider range outside which `review` calls it too short or too long.
WORD_LIMITS: dict[tuple[Step, bool], tuple[int, int]] = {
    (Step.THANK_YOU, False): (50, 250),
    (Step.VALUE_ADD, False): (60, 280),
    (Step.INSIGHT, False): (70, 300),
    (Step.CLOSE_LOOP, True): (30, 170),
    (Step.CLOSE_LOOP, False): (40, 200),
    (Step.CHECK_BACK, False): (40, 220),
}


def _key(step: Step, after_rejection: bool) -> tuple[Step, bool]:
    return (step, after_rejection and step is Step.CLOSE_LOOP)


def word_target(step: Step, *, after_rejection: bool = False) -> tuple[int, int]:
    """The length (in words) a finished email for this step should aim for."""
    return WORD_TARGETS[_key(step, after_rejection)]


def word_limits(step: Step, *, after_rejection: bool = False) -> tuple[int, int]:
    """The length (in words) outside which a draft is flagged as too short or too long."""
    return WORD_LIMITS[_key(step, after_rejection)]


def gap(text: str) -> str:
    """Mark `text` as something the user must fill in: ⟨text⟩."""
    clean = text.replace(GAP_OPEN, "").replace(GAP_CLOSE, "").strip()
    return f"{GAP_OPEN}{clean}{GAP_CLOSE}"


# --------------------------------------------------------------------------- checklists


@dataclass(frozen=True)
class StepGuide:
    """What one follow-up email must do, as a title, a one-line purpose and a checklist."""

    step: Step
    title: str
    purpose: str
    checklist: tuple[str, ...]


def _length_item(step: Step, after_rejection: bool = False) -> str:
    low, high = word_target(step, after_rejection=after_rejection)
    return f"Keep it short: about {low}–{high} words. Brevity is part of respecting their time."


def _thank_you_guide() -> StepGuide:
    return StepGuide(
        step=Step.THANK_YOU,
        title="Thank-you email",
        purpose=(
            "Thank each interviewer for the time they set aside, show you are encouraged and "
            "keen, and get their permission to follow up."
        ),
        checklist=(
            "Write one separate email to each person who interviewed you, never one group email.",
            "Open by thanking them for the time they made for you.",
            "Say plainly that the conversation left you encouraged and that you are very "
            "interested in the role.",
            "Mention one specific point from the conversation so it is clearly not a template.",
            _length_item(Step.THANK_YOU),
            "End by asking when you may follow up (their permission for the next contact), "
            "and note the date they give you.",
            "Name the role and the company, so the email makes sense if it is forwarded.",
            "Send it within a few hours of the round, and no later than noon the next day.",
        ),
    )


def _value_add_guide(no_agreed_date: bool) -> StepGuide:
    if no_agreed_date:
        ask = (
            "You have no agreed date yet: ask for one outright this time (for example, "
            '"When would be a good time for me to get in touch again?").'
        )
    else:
        ask = "Close by asking for the next date you may get in touch, and record it."
    return StepGuide(
        step=Step.VALUE_ADD,
        title="Value-add follow-up",
        purpose=(
            "Tell them the thing the interview didn't cover, with numbers, in a form they can "
            "forward upward unchanged."
        ),
        checklist=(
            "Pick one experience your resume doesn't show that answers something you learned "
            "about the role in the interview.",
            "Quantify it: a count, an amount of money, a percentage, a timeframe or a place.",
            "Tie it explicitly to a need, goal or market they mentioned.",
            "Write it so it could be forwarded unchanged to the hiring manager or their boss: "
            "name the role and company, and avoid anything that only makes sense to the two of you.",
            'No "just checking in": the new information is the reason you are writing.',
            _length_item(Step.VALUE_ADD),
            ask,
        ),
    )


def _insight_guide(hiring_manager: bool) -> StepGuide:
    items = [
        "Share one piece of industry knowledge they may not have: how clients behave, or a "
        "disruptive shift you experienced first-hand.",
        "Back it with your own hands-on experience and, where you can, a result in numbers.",
        "Say what the insight could mean for the company's plans.",
        "Assume a vice-president who has never seen your resume reads it: say in one line who "
        "you are, which role this is about and why you fit.",
        "Make it one concise email that sells you, with a single idea and no padding.",
        _length_item(Step.INSIGHT),
        "Ask permission for the next contact, or for the next step.",
    ]
    if hiring_manager:
        items.insert(
            0,
            "This is also your thank-you after the first round with the hiring manager: thank "
            "them for their time and say you are encouraged and very interested.",
        )
        return StepGuide(
            step=Step.INSIGHT,
            title="Insight email (thank-you to the hiring manager)",
            purpose=(
                "Thank the hiring manager, then give them an industry insight they can pass "
                "upward, in one concise email that sells you."
            ),
            checklist=tuple(items),
        )
    return StepGuide(
        step=Step.INSIGHT,
        title="Insight email",
        purpose=(
            "Share industry knowledge the employer may lack, in one concise email that sells you "
            "to a reader who has never seen your resume."
        ),
        checklist=tuple(items),
    )


def _close_loop_guide(after_rejection: bool) -> StepGuide:
    if after_rejection:
        return StepGuide(
            step=Step.CLOSE_LOOP,
            title="Closing the loop after a no",
            purpose=(
                "Thank them graciously, wish them well and leave the door open for a later "
                "conversation."
            ),
            checklist=(
                "Thank them for the chance to interview and for letting you know their decision.",
                "Wish them, and the person they chose, every success, with no trace of "
                "disappointment.",
                "Say you would welcome talking again as the business grows or their needs change.",
                "Ask whether you may stay in touch; a check-back is planned for about three "
                "months from now.",
                "Name the role and the company so the note stands on its own.",
                _length_item(Step.CLOSE_LOOP, after_rejection=True),
                "Send it promptly, ideally the morning after you hear.",
            ),
        )
    return StepGuide(
        step=Step.CLOSE_LOOP,
        title="Closing the loop after silence",
        purpose=(
            "After about six weeks without a reply, send one short, gracious note that answers "
            "any doubt and leaves the door open."
        ),
        checklist=(
            "Before writing, think about why they went quiet: a doubt about your experience, "
            "the culture fit, or no personal connection with the hiring manager.",
            "If your experience may be the doubt, answer it in one or two clear sentences with "
            "a concrete example and a number.",
            "If it is fit or connection, don't argue the point: stay warm and patient, because "
            "organisations change.",
            "Check whether the job is still advertised; if it is, the door may still be open.",
            'Bring one thing of value, never a bare "just checking in", and don\'t complain '
            "about the silence.",
            "Say you are still interested, name the role and company, and ask if you may stay "
            "in touch.",
            _length_item(Step.CLOSE_LOOP),
        ),
    )


def _check_back_guide() -> StepGuide:
    return StepGuide(
        step=Step.CHECK_BACK,
        title="Check-back, about 90 days on",
        purpose="Offer yourself as the answer if the person they hired has not worked out.",
        checklist=(
            "Send it about 90 days after your close-the-loop note.",
            "Know why it can work: hires are usually made at around an 80% fit, and as many as "
            "50% of new hires leave within their first six months.",
            "Never ask about, hint at or criticise the person they hired; no gloating.",
            "Share a recent result or update, with a number, so the email brings something new.",
            "Offer to help: say you are still interested and available if their needs have "
            "changed.",
            _length_item(Step.CHECK_BACK),
            "Name the role and company, and ask whether a short conversation would be welcome.",
        ),
    )


def guide(
    step: Step,
    *,
    after_rejection: bool = False,
    hiring_manager: bool = False,
    no_agreed_date: bool = False,
) -> StepGuide:
    """The guide for one step. `after_rejection` picks the close-loop after a no (otherwise the
    one after silence); `hiring_manager` makes the insight email the thank-you to the hiring
    manager; `no_agreed_date` makes the value-add checklist insist on asking for a date."""
    step = Step(step)
    if step is Step.THANK_YOU:
        return _thank_you_guide()
    if step is Step.VALUE_ADD:
        return _value_add_guide(no_agreed_date)
    if step is Step.INSIGHT:
        return _insight_guide(hiring_manager)
    if step is Step.CLOSE_LOOP:
        return _close_loop_guide(after_rejection)
    return _check_back_guide()


# --------------------------------------------------------------------------- drafts


@dataclass(frozen=True)
class EmailDraft:
    """A draft email. `gaps` lists, in order of first appearance, the gap texts the user must
    still fill in (each appears as ⟨text⟩ in the subject or body)."""

    subject: str
    body: str
    gaps: tuple[str, ...]

    def as_text(self) -> str:
        return f"Subject: {self.subject}\n\n{self.body}"


_HONORIFICS = frozenset(
    {"dr", "dr.", "mr", "mr.", "ms", "ms.", "mrs", "mrs.", "mx", "mx.", "prof", "prof."}
)


def first_name(name: str) -> str | None:
    """How to greet someone: their first name, or title and surname ("Dr. Okafor")."""
    tokens = name.split()
    if not tokens:
        return None
    if tokens[0].casefold() in _HONORIFICS:
        return f"{tokens[0]} {tokens[-1]}" if len(tokens) > 1 else None
    return tokens[0]


_THANK_YOU = (
    "Thank you — {role} interview at {company}",
    """Hi {name},

Thank you for the time you spent with me {met} talking about the {role} role at {company}. \
I appreciated hearing about ⟨one specific thing you discussed⟩, and it gave me a much clearer \
picture of what the team needs.

I came away encouraged and very interested in the position. My experience with \
⟨a relevant skill or achievement⟩ lines up well with ⟨a priority they mentioned⟩, and I would \
be glad to bring it to {company}.

I know how full your calendar is, so I will keep this brief and make sure any future note is \
worth reading. When would be a good time for me to follow up with you about the next steps?

Best regards,
{sender}""",
)

_VALUE_ADD_OPEN_AGREED = (
    "Thank you for suggesting I get back in touch around now about the {role} position at "
    "{company}."
)
_VALUE_ADD_OPEN_NO_DATE = (
    "Thank you again for our conversation about the {role} position at {company}."
)
_VALUE_ADD_ASK_AGREED = (
    "Could you tell me a good date for me to get in touch next about the process?"
)
_VALUE_ADD_ASK_NO_DATE = (
    "We did not set a date for the next step last time, so may I ask now: when would be a good "
    "time for me to get in touch again? ⟨a date about a week from now⟩ would suit me, if that "
    "works for you."
)
_VALUE_ADD = (
    "{role} at {company} — one more relevant result",
    """Hi {name},

{open} Since we spoke, I have been thinking about ⟨a need or goal they described⟩, and there is \
one part of my background the resume does not show that speaks directly to it.

At ⟨employer⟩, I ⟨what you did⟩ in ⟨place or market⟩. Within ⟨timeframe⟩ that produced \
⟨the result in numbers: a count, money or a percentage⟩. I would expect to apply the same \
approach to ⟨the matching challenge⟩ at {company}.

Please feel free to share this note with anyone else involved in the decision. {ask}

Best regards,
{sender}""",
)

_INSIGHT_MIDDLE = """Over the past ⟨period⟩ I have watched ⟨a shift in client behaviour or a \
disruptive industry trend⟩. At ⟨employer⟩ I responded by ⟨what you did⟩, which \
⟨the result, with a number⟩. For {company}, I believe this trend means ⟨what it could mean \
for them⟩.

In brief: I am ⟨one line on who you are and what you bring⟩, and I would welcome the chance \
to apply this experience as your {role}. Please feel free to pass this note on to colleagues \
involved in the hire."""

_INSIGHT = (
    "An industry observation for the {role} role at {company}",
    """Hi {name},

Thank you for your time during the process for the {role} position at {company}. I would like \
to share one observation from ⟨number⟩ years in ⟨your industry⟩ that may be useful as \
{company} ⟨a plan or goal they mentioned⟩.

"""
    + _INSIGHT_MIDDLE
    + """

Would it be all right if I got in touch again on ⟨a date⟩?

Best regards,
{sender}""",
)

_INSIGHT_HIRING_MANAGER = (
    "Thank you — {role} conversation at {company}",
    """Hi {name},

Thank you for meeting with me {met} about the {role} position at {company}. I left our \
conversation encouraged and very interested, and I would like to add one observation from \
⟨number⟩ years in ⟨your industry⟩ that bears on ⟨a plan or goal you discussed⟩.

"""
    + _INSIGHT_MIDDLE
    + """

When would be a good time for me to follow up with you?

Best regards,
{sender}""",
)

_CLOSE_LOOP_REJECTED = (
    "Thank you — {role} at {company}",
    """Hi {name},

Thank you for letting me know your decision on the {role} position, and for the time you and \
the team at {company} gave me. I especially valued ⟨something you valued in the process⟩.

I wish you and your new colleague every success. As {company} grows and your needs change, I \
would be very glad to talk again about future roles. Would it be all right if I stayed in touch?

Best wishes,
{sender}""",
)

_CLOSE_LOOP_DARK = (
    "{role} at {company} — still very interested",
    """Hi {name},

Thank you again for considering me for the {role} position at {company}. I know hiring takes \
time and priorities move, so I will keep this short.

One point I could have made clearer in our conversations: ⟨a clear answer to a likely doubt \
about your experience, with an example and a number⟩.

I remain very interested in the role and in {company}. If the timing is not right at the \
moment, I would welcome the chance to reconnect whenever your needs change. May I get in touch \
again around ⟨a date about a month from now⟩?

Best regards,
{sender}""",
)

_CHECK_BACK = (
    "{role} at {company} — glad to help",
    """Hi {name},

It has been about three months since we spoke about the {role} position at {company}, and I \
hope the team is doing well.

Since then I have ⟨a recent result or project, with a number⟩, and my interest in {company} \
is as strong as it was. Teams and priorities often shift in the first months after a hire. \
If yours have, or you need extra help on ⟨an area from the interviews⟩, I would be glad to be \
part of the solution.

Would a short conversation in the next few weeks be welcome?

Best regards,
{sender}""",
)

_TOKEN = re.compile(r"\{(name|company|role|sender|open|ask|met)\}|⟨([^⟨⟩]*)⟩")


def _render(template: str, values: dict[str, str]) -> str:
    return _TOKEN.sub(lambda m: values[m.group(1)] if m.group(1) else m.group(0), template)


def _gaps_of(template: str, nested: dict[str, str], missing: dict[str, str]) -> list[str]:
    """The gap texts a template will show, in order: its literal gaps, the fields left
    unknown, and the gaps of the nested templates it includes."""
    found: list[str] = []
    for match in _TOKEN.finditer(template):
        field_name, literal = match.group(1), match.group(2)
        if field_name is None:
            found.append(literal)
        elif field_name in missing:
            found.append(missing[field_name])
        elif field_name in nested:
            found.extend(_gaps_of(nested[field_name], nested, missing))
    return found


def _value(text: str | None, fallback: str, missing: dict[str, str], key: str) -> str:
    text = (text or "").strip()
    if text:
        return text
    missing[key] = fallback
    return gap(fallback)


def draft_email(
    step: Step,
    *,
    company: str,
    role: str,
    interviewer: Interviewer | None,
    sender_name: str,
    after_rejection: bool = False,
    hiring_manager: bool = False,
    no_agreed_date: bool = False,
    met: str = "today",
) -> EmailDraft:
    """A draft for one step, filled with the interviewer's first name, company, role and sender
    name; anything unknown, and everything only the user can supply, is left as a ⟨gap⟩."""
    step = Step(step)
    if step is Step.THANK_YOU:
        subject_t, body_t = _THANK_YOU
    elif step is Step.VALUE_ADD:
        subject_t, body_t = _VALUE_ADD
    elif step is Step.INSIGHT:
        subject_t, body_t = _INSIGHT_HIRING_MANAGER if hiring_manager else _INSIGHT
    elif step is Step.CLOSE_LOOP:
        subject_t, body_t = _CLOSE_LOOP_REJECTED if after_rejection else _CLOSE_LOOP_DARK
    else:
        subject_t, body_t = _CHECK_BACK

    missing: dict[str, str] = {}
    greet = first_name(interviewer.name) if interviewer else None
    values = {
        "name": _value(greet, "name", missing, "name"),
        "company": _value(company, "company", missing, "company"),
        "role": _value(role, "role", missing, "role"),
        "sender": _value(sender_name, "your name", missing, "sender"),
        "met": met,
    }
    # The value-add's opening and ask depend on whether a date was agreed; they are templates
    # too, filled before the body that includes them.
    nested = {
        "open": _VALUE_ADD_OPEN_NO_DATE if no_agreed_date else _VALUE_ADD_OPEN_AGREED,
        "ask": _VALUE_ADD_ASK_NO_DATE if no_agreed_date else _VALUE_ADD_ASK_AGREED,
    }
    for key, template in nested.items():
        values[key] = _render(template, values)

    gaps: list[str] = []
    for template in (subject_t, body_t):
        for item in _gaps_of(template, nested, missing):
            if item not in gaps:
                gaps.append(item)
    return EmailDraft(
        subject=_render(subject_t, values),
        body=_render(body_t, values),
        gaps=tuple(gaps),
    )


# --------------------------------------------------------------------------- by variant


def _flags(variant: Variant) -> dict[str, bool]:
    return {
        "after_rejection": variant is Variant.CLOSE_LOOP_REJECTED,
        "hiring_manager": variant is Variant.THANK_YOU_INSIGHT,
    }


def guide_for(variant: Variant, *, no_agreed_date: bool = False) -> StepGuide:
    """The guide for the variant of a step the method chose."""
    return guide(variant.step, no_agreed_date=no_agreed_date, **_flags(variant))


def draft_for(
    variant: Variant,
    *,
    company: str,
    role: str,
    interviewer: Interviewer | None,
    sender_name: str,
    no_agreed_date: bool = False,
    met: str = "today",
) -> EmailDraft:
    """The draft for the variant of a step the method chose."""
    return draft_email(
        variant.step,
        company=company,
        role=role,
        interviewer=interviewer,
        sender_name=sender_name,
        no_agreed_date=no_agreed_date,
        met=met,
        **_flags(variant),
    )
