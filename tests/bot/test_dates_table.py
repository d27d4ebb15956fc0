"""The date reader against a table of what people type, in three timezones, for every intent.

"Now" is Wednesday 4 November 2026, 10:30 in the person's own timezone. Each row is
`phrase | intent | expected` with an optional fourth column for month-first readers (New York:
the console's default order for an America/New_York timezone). The intents are I (an
interview: the nearest occurrence), N (a next-contact date: today or later) and S (a snooze:
after now). An interview with no time gets 10:00 and a snooze the nudge hour (09:00), as the
handlers ask. An expected reading is "Fri 6 Nov 2026 15:00", "… 14:00-15:00" for a range, or
a day alone for a next-contact date; "!words" is a refusal whose message contains the words;
"~words" after a reading is a note it must carry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.date_order import effective_order
from bot.dates import FARTHEST, Intent, read
from bot.domain import DateOrder
from bot.errors import BadInput

ZONES = ("Europe/Berlin", "America/New_York", "Asia/Kolkata")
INTENTS = {"I": Intent.INTERVIEW, "N": Intent.NEXT_CONTACT, "S": Intent.SNOOZE}
DEFAULTS: dict[str, time | None] = {"I": time(10, 0), "N": None, "S": time(9, 0)}

TABLE = """
monday at 10            | I | Mon 2 Nov 2026 10:00
friday at 3             | I | Fri 6 Nov 2026 15:00 ~read 3 as 15:00
Nov 1 10:00             | I | Sun 1 Nov 2026 10:00
3.12.2026 14:00         | I | Thu 3 Dec 2026 14:00
12/03 14:00             | I | Fri 12 Mar 2027 14:00 | Thu 3 Dec 2026 14:00
tomorrow 2-3pm          | I | Thu 5 Nov 2026 14:00-15:00
14:00 - 15:00 tomorrow  | I | Thu 5 Nov 2026 14:00-15:00
this afternoon          | I | Wed 4 Nov 2026 14:00 ~14:00
tomorrow evening        | I | Thu 5 Nov 2026 18:00
tomorrow at 3           | I | Thu 5 Nov 2026 15:00 ~read 3 as 15:00
tmrw 10am               | I | Thu 5 Nov 2026 10:00
Thurs 2pm               | I | Thu 5 Nov 2026 14:00
midday                  | I | Wed 4 Nov 2026 12:00
4 o'clock               | I | Wed 4 Nov 2026 16:00 ~read 4 as 16:00
a week from monday      | I | Mon 16 Nov 2026 10:00
9999-12-31 23:30        | I | !too far
10am-11:30am            | I | Wed 4 Nov 2026 10:00-11:30
from 10 to 11:30        | I | Wed 4 Nov 2026 10:00-11:30
2pm-3pm                 | I | Wed 4 Nov 2026 14:00-15:00
14:00–15:30             | I | Wed 4 Nov 2026 14:00-15:30
tues 10am               | I | Tue 3 Nov 2026 10:00
next Tuesday 3pm        | I | Tue 10 Nov 2026 15:00
in 2 weeks              | I | Wed 18 Nov 2026 10:00
last friday 2pm         | I | Fri 30 Oct 2026 14:00
yesterday 3pm           | I | Tue 3 Nov 2026 15:00
noon                    | I | Wed 4 Nov 2026 12:00
morning                 | I | Wed 4 Nov 2026 09:00
tomorrow morning        | I | Thu 5 Nov 2026 09:00
this morning            | I | Wed 4 Nov 2026 09:00
this evening            | I | Wed 4 Nov 2026 18:00
tonight                 | I | Wed 4 Nov 2026 19:00
tomorrow                | I | Thu 5 Nov 2026 10:00 ~no time given
today                   | I | Wed 4 Nov 2026 10:00
yesterday               | I | Tue 3 Nov 2026 10:00
friday                  | I | Fri 6 Nov 2026 10:00
monday                  | I | Mon 2 Nov 2026 10:00
sunday                  | I | Sun 1 Nov 2026 10:00
saturday                | I | Sat 7 Nov 2026 10:00
wednesday 9am           | I | Wed 4 Nov 2026 09:00
next friday             | I | Fri 13 Nov 2026 10:00 ~of next week
this friday             | I | Fri 6 Nov 2026 10:00
this monday             | I | Mon 2 Nov 2026 10:00
last monday             | I | Mon 2 Nov 2026 10:00
last wednesday          | I | Wed 28 Oct 2026 10:00
on thursday at 2        | I | Thu 5 Nov 2026 14:00 ~read 2 as 14:00
monday 10               | I | Mon 2 Nov 2026 10:00
friday 3                | I | Fri 6 Nov 2026 15:00 ~read 3 as 15:00
2026-12-01              | I | Tue 1 Dec 2026 10:00
2026-12-01 14:00        | I | Tue 1 Dec 2026 14:00
2026-12-01T14:00        | I | Tue 1 Dec 2026 14:00
2026-11-02 09:30-10:30  | I | Mon 2 Nov 2026 09:30-10:30
3 Dec 14:00             | I | Thu 3 Dec 2026 14:00
Dec 3 2pm               | I | Thu 3 Dec 2026 14:00
December 3rd at 3       | I | Thu 3 Dec 2026 15:00
3rd of December         | I | Thu 3 Dec 2026 10:00
fri 6 nov 15:00         | I | Fri 6 Nov 2026 15:00
friday, 6 november      | I | Fri 6 Nov 2026 10:00
thu 6 nov               | I | !is a Friday
6/11                    | I | Fri 6 Nov 2026 10:00 | Thu 11 Jun 2026 10:00
11/6                    | I | Thu 11 Jun 2026 10:00 | Fri 6 Nov 2026 10:00
25/12                   | I | Fri 25 Dec 2026 10:00
12/25                   | I | Fri 25 Dec 2026 10:00 ~can't be a month | Fri 25 Dec 2026 10:00
1/1                     | I | Fri 1 Jan 2027 10:00
31.10.                  | I | Sat 31 Oct 2026 10:00
3.12.                   | I | Thu 3 Dec 2026 10:00
04.11.2026 09:00        | I | Wed 4 Nov 2026 09:00
11-06-2026              | I | Thu 11 Jun 2026 10:00 | Fri 6 Nov 2026 10:00
6/11/2026 2pm           | I | Fri 6 Nov 2026 14:00 | Thu 11 Jun 2026 14:00
30/2                    | I | !not a day of the calendar
13/13                   | I | !not a date
Nov 31                  | I | !not a day of the calendar
at 3                    | I | Wed 4 Nov 2026 15:00 ~read 3 as 15:00
at 10                   | I | Wed 4 Nov 2026 10:00
at 7                    | I | Wed 4 Nov 2026 07:00
at 12                   | I | Wed 4 Nov 2026 12:00
at 13                   | I | Wed 4 Nov 2026 13:00
at 24                   | I | !not a time of day
3pm                     | I | Wed 4 Nov 2026 15:00
3 pm                    | I | Wed 4 Nov 2026 15:00
3 p.m.                  | I | Wed 4 Nov 2026 15:00
15:00                   | I | Wed 4 Nov 2026 15:00
9:30                    | I | Wed 4 Nov 2026 09:30
3:30                    | I | Wed 4 Nov 2026 15:30 ~read 3:30 as 15:30
03:30                   | I | Wed 4 Nov 2026 03:30
at 14.30                | I | Wed 4 Nov 2026 14:30
25:00                   | I | !not a time of day
13pm                    | I | !not a time of day
2-3                     | I | Wed 4 Nov 2026 14:00-15:00 ~as 14:00–15:00
11-1pm                  | I | Wed 4 Nov 2026 11:00-13:00
10am-2                  | I | Wed 4 Nov 2026 10:00-14:00
between 2 and 4pm       | I | Wed 4 Nov 2026 14:00-16:00
9-5                     | I | Wed 4 Nov 2026 09:00-17:00
3-2pm                   | I | !over ten hours
4pm-3pm                 | I | !ends before it starts
tomorrow 10:00-11:30    | I | Thu 5 Nov 2026 10:00-11:30
friday 10:00 to 11:00   | I | Fri 6 Nov 2026 10:00-11:00
in 3 days               | I | Sat 7 Nov 2026 10:00
2 days ago              | I | Mon 2 Nov 2026 10:00
a week ago              | I | Wed 28 Oct 2026 10:00
in a week               | I | Wed 11 Nov 2026 10:00
in 2 hours              | I | Wed 4 Nov 2026 12:30
next week               | I | Mon 9 Nov 2026 10:00 ~next week
end of the week         | I | Fri 6 Nov 2026 10:00
this weekend            | I | Sat 7 Nov 2026 10:00
the day after tomorrow  | I | Fri 6 Nov 2026 10:00
monday week             | I | Mon 16 Nov 2026 10:00
in 9999 weeks           | I | !more than a year
in 1000 days            | I | !more than a year
10                      | I | !a day, a month or an hour
3                       | I | !a day, a month or an hour
the 5th                 | I | !a day, a month or an hour
qwerty                  | I | !couldn't read
sometime-ish maybe      | I | !couldn't read
2027-06-01              | I | Tue 1 Jun 2027 10:00
2028-01-10              | I | !more than a year
2025-01-10              | I | !more than a year
3 Jun                   | I | Wed 3 Jun 2026 10:00
midnight                | I | !midnight
3pm 4pm                 | I | !two times
tomorrow at 10 at 11    | I | !two times
Nov 3                   | N | !has passed
sent next Nov 5         | N | !couldn't read
Nov 5                   | N | Thu 5 Nov 2026
friday                  | N | Fri 6 Nov 2026
wednesday               | N | Wed 4 Nov 2026
monday                  | N | Mon 9 Nov 2026
next friday             | N | Fri 13 Nov 2026
end of next week        | N | Fri 13 Nov 2026
a week from monday      | N | Mon 16 Nov 2026
in 2 weeks              | N | Wed 18 Nov 2026
2 weeks from now        | N | Wed 18 Nov 2026
yesterday               | N | !in the past
last friday             | N | !in the past
1 Dec                   | N | Tue 1 Dec 2026
12/1                    | N | Tue 12 Jan 2027 | Tue 1 Dec 2026
3/11                    | N | !has passed | Thu 11 Mar 2027
tomorrow                | N | Thu 5 Nov 2026
tmrw                    | N | Thu 5 Nov 2026
today                   | N | Wed 4 Nov 2026
next month              | N | Tue 1 Dec 2026
end of the month        | N | Mon 30 Nov 2026
in 3 months             | N | Thu 4 Feb 2027
in 7 months             | N | !six months
2026-10-30              | N | !in the past
tomorrow 2-3pm          | N | !range
3 Jun                   | N | !type the year
3 Jun 2027              | N | Thu 3 Jun 2027
early december          | N | !couldn't read
after christmas         | N | !couldn't read
tonight                 | S | Wed 4 Nov 2026 19:00
until friday            | S | Fri 6 Nov 2026 09:00
until tomorrow          | S | Thu 5 Nov 2026 09:00
till thurs              | S | Thu 5 Nov 2026 09:00
3h                      | S | Wed 4 Nov 2026 13:30
2 days                  | S | Fri 6 Nov 2026 10:30
1w                      | S | Wed 11 Nov 2026 10:30
in 90 minutes           | S | Wed 4 Nov 2026 12:00
in 2 hours              | S | Wed 4 Nov 2026 12:30
this afternoon          | S | Wed 4 Nov 2026 14:00
this morning            | S | !not in the future
morning                 | S | Thu 5 Nov 2026 09:00 ~passed today
at 9                    | S | Thu 5 Nov 2026 09:00 ~passed today
at 3                    | S | Wed 4 Nov 2026 15:00
10am                    | S | Thu 5 Nov 2026 10:00
noon                    | S | Wed 4 Nov 2026 12:00
wednesday               | S | Wed 11 Nov 2026 09:00
wednesday 4pm           | S | Wed 4 Nov 2026 16:00
wednesday 9am           | S | Wed 11 Nov 2026 09:00 ~passed today
today                   | S | !not in the future
yesterday               | S | !not in the future
tomorrow evening        | S | Thu 5 Nov 2026 18:00
monday                  | S | Mon 9 Nov 2026 09:00
next week               | S | Mon 9 Nov 2026 09:00
end of next week        | S | Fri 13 Nov 2026 09:00
a week from today       | S | Wed 11 Nov 2026 09:00
2026-11-04 10:00        | S | !not in the future
1 Dec                   | S | Tue 1 Dec 2026 09:00
Nov 1                   | S | !has passed
2-3pm                   | S | !range
"""


@dataclass(frozen=True)
class Row:
    phrase: str
    intent: str
    dmy: str
    mdy: str

    def expected(self, order: DateOrder) -> str:
        return self.mdy if order is DateOrder.MDY else self.dmy


def _rows() -> list[Row]:
    rows = []
    for line in TABLE.strip().splitlines():
        cells = [cell.strip() for cell in line.split("|")]
        phrase, intent, dmy = cells[:3]
        rows.append(Row(phrase, intent, dmy, cells[3] if len(cells) > 3 else dmy))
    return rows


ROWS = _rows()
NOW = {name: datetime(2026, 11, 4, 10, 30, tzinfo=ZoneInfo(name)) for name in ZONES}


def _shown(start: datetime, end: datetime | None, has_time: bool) -> str:
    text = f"{start:%a} {start.day} {start:%b} {start.year}"
    if has_time or end is not None:
        text += f" {start:%H:%M}"
    if end is not None:
        text += f"-{end:%H:%M}"
    return text


def reading_of(phrase: str, intent: str, tz_name: str) -> tuple[str, tuple[str, ...]]:
    """The reader's answer in the table's notation, and its notes (or the refusal's words)."""
    tz = ZoneInfo(tz_name)
    order = effective_order(None, None, tz_name)
    default = DEFAULTS[intent]
    try:
        reading = read(
            phrase,
            INTENTS[intent],
            tz=tz,
            now=NOW[tz_name],
            order=order,
            usage="u",
            example="e",
            default_time=default,
        )
    except BadInput as problem:
        return "!", (problem.problem,)
    return _shown(
        reading.start, reading.end, reading.has_time or default is not None
    ), reading.notes


def test_the_table_is_big_enough() -> None:
    assert len(ROWS) >= 120
    assert len({(r.phrase, r.intent) for r in ROWS}) == len(ROWS)


def test_the_console_default_orders() -> None:
    assert effective_order(None, None, "Europe/Berlin") is DateOrder.DMY
    assert effective_order(None, None, "Asia/Kolkata") is DateOrder.DMY
    assert effective_order(None, None, "America/New_York") is DateOrder.MDY


@pytest.mark.parametrize("tz_name", ZONES)
@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r.intent}:{r.phrase}")
def test_phrase(row: Row, tz_name: str) -> None:
    order = effective_order(None, None, tz_name)
    assert order is not None
    expected = row.expected(order)
    got, notes = reading_of(row.phrase, row.intent, tz_name)
    reading, _, note = expected.partition(" ~")
    if reading.startswith("!"):
        assert got == "!", f"{row.phrase!r} should be refused, was read as {got} {notes}"
        assert reading[1:].lower() in notes[0].lower(), notes[0]
        return
    assert got == reading, f"{row.phrase!r} ({row.intent}) read as {got} {notes}"
    if note:
        assert any(note in n for n in notes), notes


def test_a_refusal_says_what_was_understood_and_the_form() -> None:
    with pytest.raises(BadInput) as caught:
        read(
            "Nov 3",
            Intent.NEXT_CONTACT,
            tz=ZoneInfo("Europe/Berlin"),
            now=NOW["Europe/Berlin"],
            usage="sent <id> next <when>",
            example="sent 3 next friday",
        )
    assert "Tue 3 Nov" in caught.value.problem and "2027" in caught.value.problem
    assert (
        caught.value.usage == "sent <id> next <when>"
        and caught.value.example == "sent 3 next friday"
    )


@pytest.mark.parametrize("phrase", ["12/03", "3/4 10:00", "11/06/2026"])
def test_an_unknown_order_asks_instead_of_guessing(phrase: str) -> None:
    # An en-US locale (most platforms' default) on a Berlin clock: the signals disagree.
    order = effective_order(None, "en-US", "Europe/Berlin")
    assert order is None
    with pytest.raises(BadInput) as caught:
        read(
            phrase,
            Intent.INTERVIEW,
            tz=ZoneInfo("Europe/Berlin"),
            now=NOW["Europe/Berlin"],
            order=order,
            usage="u",
            example="e",
        )
    assert "settings dates dmy" in caught.value.problem


def test_an_unknown_order_still_reads_unambiguous_dates() -> None:
    reading = read(
        "25/12 14:00",
        Intent.INTERVIEW,
        tz=ZoneInfo("Europe/Berlin"),
        now=NOW["Europe/Berlin"],
        order=None,
        usage="u",
        example="e",
    )
    assert (reading.start.month, reading.start.day) == (12, 25)


@pytest.mark.parametrize(
    ("chosen", "locale", "zone", "expected"),
    [
        (DateOrder.DMY, "en-US", "America/New_York", DateOrder.DMY),
        (DateOrder.MDY, None, "Europe/Berlin", DateOrder.MDY),
        (None, "en-GB", "Europe/London", DateOrder.DMY),
        (None, "en-US", "America/Chicago", DateOrder.MDY),
        (None, "en-US", "UTC", DateOrder.MDY),
        (None, "de", "UTC", DateOrder.DMY),
        (None, None, "UTC", DateOrder.DMY),
        (None, None, "America/Sao_Paulo", DateOrder.DMY),
        (None, None, "America/Mexico_City", DateOrder.DMY),
        (None, None, "America/Toronto", DateOrder.MDY),
        (None, None, "Pacific/Honolulu", DateOrder.MDY),
        (None, None, "US/Eastern", DateOrder.MDY),
        (None, None, "Asia/Manila", DateOrder.MDY),
        (None, "pt-BR", "America/Sao_Paulo", DateOrder.DMY),
        (None, "en-GB", "America/New_York", None),
    ],
)
def test_the_order_rule(
    chosen: DateOrder | None, locale: str | None, zone: str, expected: DateOrder | None
) -> None:
    assert effective_order(chosen, locale, zone) is expected


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(
        alphabet=st.sampled_from(
            list("0123456789 :/.-apmtoday friday nov 2026 at next week in ago")
        ),
        max_size=40,
    ),
    intent=st.sampled_from(list(Intent)),
    tz_name=st.sampled_from(ZONES),
)
def test_any_text_is_read_within_bounds_or_refused(text: str, intent: Intent, tz_name: str) -> None:
    now = NOW[tz_name]
    try:
        reading = read(
            text,
            intent,
            tz=ZoneInfo(tz_name),
            now=now,
            order=effective_order(None, None, tz_name),
            usage="u",
            example="e",
        )
    except BadInput:
        return
    assert abs(reading.start - now) <= FARTHEST
    if intent is Intent.SNOOZE:
        assert reading.start > now
    if intent is Intent.NEXT_CONTACT:
        assert reading.start.date() >= now.date()
    if reading.end is not None:
        assert reading.start < reading.end
