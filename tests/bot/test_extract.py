"""Reading an interview out of a message (`bot.extract`): recruiters' emails, scheduling
tools' notices, calendar notifications pasted in a chat; and, as properties, that any text
gives a draft within the form's limits without failing."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import commands as c
from bot import forms
from bot.dates import FARTHEST
from bot.domain import DateOrder, Interviewer, InvitationRef, RoundKind
from bot.extract import Draft, extract, of_proposal
from bot.forms import FormErrors
from bot.limits import MAX_NAME, MAX_PEOPLE, MAX_PERSON
from tests.harness import World, person

ALICE = person("alice")

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday


def read(text: str, order: DateOrder | None = DateOrder.DMY) -> Draft:
    return extract(text, tz=BERLIN, now=NOW, order=order)


RECRUITER = """Hi Alex,

Thanks for your interest in the Senior Data Engineer role at Northwind Traders. We'd love to
invite you to a technical interview with Priya Shah (Staff Engineer) and Tom Becker,
Engineering Manager.

Would Tuesday, November 10 at 2:00 PM PT work for you? The call is on Zoom, 60 minutes.

Best,
Sarah Kim
Talent Acquisition | Northwind
sarah.kim@northwind.com"""

GOOGLE_NOTICE = """Invitation: Phone screen - Acme Corp @ Thu 12 Nov 2026 10:00 - 10:30 (CET) (alex@gmail.com)
Organizer: jobs@acme-corp.com
Join with Google Meet: meet.google.com/abc-defg-hij"""  # noqa: E501 (the notice's own lines)

GREENHOUSE = """Hello Alex! Your hiring manager interview for the Product Designer position is
confirmed for 2026-11-09 from 15:00-16:00. You'll meet with Dana Whitfield.
This invitation was sent by Greenhouse on behalf of Globex (no-reply@greenhouse.io)."""

ONSITE = """Your onsite at Contoso is confirmed for Friday 13th November, 9am–1pm.
Interviewers:
- Lena Park, Head of Data
- Marco Rossi (Senior Analyst)
- Ji-woo Han"""

LABELLED = """*Company:* Initech
*Role:* Backend Developer
*When:* tomorrow 11:00"""

OUTLOOK_NOTICE = """Interview: Fabrikam - Platform Engineer
When: Wednesday, November 11, 2026 3:00 PM-4:00 PM (UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna
Where: Microsoft Teams Meeting
Organizer: Olivia Brandt <olivia.brandt@fabrikam.com>"""  # noqa: E501 (the notice's own lines)

CALENDLY = """A new event has been scheduled.
Event Type: 30 Minute Interview with Tailspin Toys
Invitee: Alex Morgan
Event Date/Time: 09:30am - 10:00am, Thursday, November 12, 2026 (Eastern Time - US & Canada)
Description: Chat with Ravi Patel about the Site Reliability Engineer opening."""

CHAT_NOTE = (
    "Hi Alex — great speaking with you! Next step is a 45 min call with our VP of Engineering, "
    "Maria Lopez, next Tuesday at 4pm. I'll send the invite from lever. — Jordan, Recruiter at "
    "Wingtip"
)

DOTTED = "Termin bestätigt: Vorstellungsgespräch am 12.11.2026 um 14:00 Uhr mit Anna Schmidt."

US_NUMERIC = "Final round with Initech on 11/10 at 3pm ET. Ask for Bill Lumbergh at reception."


def test_a_recruiters_email_gives_company_role_time_and_interviewers_with_titles() -> None:
    draft = read(RECRUITER)
    assert (draft.company, draft.role) == ("Northwind Traders", "Senior Data Engineer")
    # 14:00 in Los Angeles is 23:00 in Berlin; the form shows the person's own time.
    assert (draft.day, draft.start, draft.end) == (date(2026, 11, 10), time(23, 0), None)
    assert "23:00 your time" in " ".join(draft.notes)
    assert draft.interviewers == (
        Interviewer("Priya Shah", "Staff Engineer"),
        Interviewer("Tom Becker", "Engineering Manager"),
    )
    # the sender and the greeting
    assert all(p.name not in {"Sarah Kim", "Alex"} for p in draft.interviewers)


def test_a_calendar_notice_gives_the_company_from_its_text_and_the_range() -> None:
    draft = read(GOOGLE_NOTICE)
    assert draft.company == "Acme Corp"  # the text's spelling, confirmed by the employer's domain
    assert (draft.day, draft.start, draft.end, draft.kind) == (
        date(2026, 11, 12),
        time(10, 0),
        time(10, 30),
        RoundKind.PHONE,
    )


def test_a_scheduling_tools_message_names_the_employer_not_the_tool() -> None:
    draft = read(GREENHOUSE)
    assert (draft.company, draft.role, draft.kind) == (
        "Globex",
        "Product Designer",
        RoundKind.HIRING_MANAGER,
    )
    assert (draft.day, draft.start, draft.end) == (date(2026, 11, 9), time(15, 0), time(16, 0))
    assert [p.name for p in draft.interviewers] == ["Dana Whitfield"]


def test_a_listed_panel_keeps_every_name_and_title() -> None:
    draft = read(ONSITE)
    assert draft.company == "Contoso" and draft.kind is RoundKind.PANEL
    assert (draft.day, draft.start, draft.end) == (date(2026, 11, 13), time(9, 0), time(13, 0))
    assert draft.interviewers == (
        Interviewer("Lena Park", "Head of Data"),
        Interviewer("Marco Rossi", "Senior Analyst"),
        Interviewer("Ji-woo Han", ""),
    )


def test_labelled_fields_in_chat_markup_are_read_as_written() -> None:
    draft = read(LABELLED)
    assert (draft.company, draft.role) == ("Initech", "Backend Developer")
    assert (draft.day, draft.start) == (date(2026, 11, 3), time(11, 0))


def test_an_outlook_notice_with_an_offset_zone_is_read_in_that_zone() -> None:
    draft = read(OUTLOOK_NOTICE)
    assert draft.company == "Fabrikam"  # the summary's and the organizer's domain
    assert (draft.day, draft.start, draft.end) == (date(2026, 11, 11), time(15, 0), time(16, 0))
    assert draft.notes == ()  # UTC+01:00 is Berlin's own time that day: nothing to say


def test_a_scheduling_tools_confirmation_names_the_company_not_a_person() -> None:
    draft = read(CALENDLY)
    assert (draft.company, draft.role) == ("Tailspin Toys", "Site Reliability Engineer")
    # not "Tailspin Toys", nor the invitee
    assert [p.name for p in draft.interviewers] == ["Ravi Patel"]
    # 09:30 in New York, written out as "Eastern Time", is 15:30 in Berlin.
    assert (draft.day, draft.start, draft.end) == (date(2026, 11, 12), time(15, 30), time(16, 0))
    assert "15:30 your time" in " ".join(draft.notes)


def test_a_chat_note_gives_the_title_before_the_name_and_the_recruiters_company() -> None:
    draft = read(CHAT_NOTE)
    assert draft.company == "Wingtip" and draft.interviewers == (
        Interviewer("Maria Lopez", "VP of Engineering"),
    )
    # Tuesday of next week, as typed dates are read
    assert (draft.day, draft.start) == (date(2026, 11, 10), time(16, 0))


def test_a_dotted_date_is_read_in_any_language() -> None:
    draft = read(DOTTED)
    assert (draft.day, draft.start) == (date(2026, 11, 12), time(14, 0))


@pytest.mark.parametrize(
    ("order", "day"), [(DateOrder.MDY, date(2026, 11, 10)), (DateOrder.DMY, date(2026, 10, 11))]
)
def test_numeric_dates_follow_the_persons_date_order(order: DateOrder, day: date) -> None:
    draft = read(US_NUMERIC, order)
    assert draft.day == day and draft.kind is RoundKind.FINAL and draft.company == "Initech"
    assert draft.start == time(21, 0)  # 15:00 in New York


def test_an_ambiguous_date_is_left_for_the_person_to_pick() -> None:
    assert read("Interview at Acme on 3/4 at 10:00", order=None).day is None


def test_a_message_about_something_else_fills_in_nothing() -> None:
    draft = read("Lunch on Friday? The new place near the office.")
    assert (draft.company, draft.role, draft.interviewers, draft.start) == ("", "", (), None)
    assert not read("ok, thanks!").found_anything


def test_a_proposal_opens_as_the_forms_values() -> None:
    ref = InvitationRef("k" * 24, 2)
    proposed = c.Add(
        "Acme",
        "Data Engineer",
        "2026-11-10 14:00-15:00",
        (Interviewer("Jane Doe", "CTO"),),
        RoundKind.PANEL,
        invitation=ref,
    )
    draft = of_proposal(proposed)
    assert (draft.company, draft.role, draft.day, draft.start, draft.end, draft.kind) == (
        "Acme",
        "Data Engineer",
        date(2026, 11, 10),
        time(14),
        time(15),
        RoundKind.PANEL,
    )
    assert draft.interviewers == proposed.interviewers
    overnight = of_proposal(c.LogRound(3, "2026-11-10 23:00"))
    assert (overnight.company, overnight.day, overnight.start, overnight.end) == (
        "",
        date(2026, 11, 10),
        time(23),
        None,
    )
    assert of_proposal(c.LogRound(3, "next tuesday")).day is None


# ---------------------------------------------------------------- properties

PIECES = [
    RECRUITER,
    GOOGLE_NOTICE,
    GREENHOUSE,
    ONSITE,
    LABELLED,
    US_NUMERIC,
    OUTLOOK_NOTICE,
    CALENDLY,
    CHAT_NOTE,
    DOTTED,
    "(UTC+05:30)",
    "(UTC-13:00)",
    "GMT+14",
    "Pacific Standard Time",
    "with ",
    "Interviewers: ",
    "\n- ",
    " at ",
    "Jane Doe",
    "(Head of Data)",
    ", Engineering Manager",
    "Acme Corp",
    "@acme.com",
    "role",
    "position of ",
    "Tuesday",
    "Nov 31",
    "31 February 2026",
    "25:99",
    "2pm-1pm PT",
    "9999-99-99",
    "13/13",
    "tomorrow",
    "*",
    "_",
    "`",
    "<@U123>",
    "<!channel>",
    "&amp;",
    "\u202e",
    "\x00",
    "😀",
]
texts = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=40)), max_size=12).map("".join)


@settings(max_examples=200, deadline=None)
@given(
    texts,
    st.sampled_from([DateOrder.DMY, DateOrder.MDY, None]),
    st.sampled_from(["Europe/Berlin", "America/Los_Angeles", "Asia/Kolkata", "UTC"]),
)
def test_any_text_gives_a_draft_within_the_forms_limits(
    text: str, order: DateOrder | None, zone: str
) -> None:
    draft = extract(text, tz=ZoneInfo(zone), now=NOW, order=order)
    assert len(draft.company) <= MAX_NAME and len(draft.role) <= MAX_NAME
    assert len(draft.interviewers) <= MAX_PEOPLE
    assert all(
        p.name and len(p.name) <= MAX_PERSON and len(p.title) <= MAX_PERSON
        for p in draft.interviewers
    )
    if draft.day is not None:
        assert abs(draft.day - NOW.date()) <= FARTHEST + timedelta(days=1)
    if draft.start is None:
        assert draft.end is None
    if draft.end is not None:
        assert draft.start is not None and draft.end > draft.start
    # What the form would submit unchanged is an `add`, or errors by field: never a failure.
    when = f"{draft.day} {draft.start:%H:%M}" if draft.day and draft.start else "tomorrow 10:00"
    people = "\n".join(f"{p.name}, {p.title}" if p.title else p.name for p in draft.interviewers)
    built = forms.read_add(
        draft.company or "Acme",
        draft.role or "Engineer",
        when,
        kind=draft.kind.value,
        interviewers=people,
    )
    assert isinstance(built, c.Add | FormErrors)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=texts)
async def test_reading_a_message_for_the_form_stores_nothing(world: World, text: str) -> None:
    """The core's entry point (`Followup.draft_from`), for someone known and someone new:
    a draft comes back and not one row changes, not even a first-contact user."""
    await world.say(ALICE, "add Acme; Data Engineer; yesterday 10:00")
    before = await world.row_counts()
    for who in (ALICE, person("newcomer")):
        draft = await world.runtime.followup.draft_from(who, text)
        assert isinstance(draft, Draft)
    assert await world.row_counts() == before
