"""Pages: whatever the applications, each page of `list`, `today`, `show` and Home fits the
budget below every platform's limits, and the pages together show every line exactly once.
Then the pages end to end: Next and Previous, a stale page, someone else's page button."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import dashboard, paging
from bot.actions import Verb, decode
from bot.domain import Application, Identity, Interviewer, Round, RoundKind, Status
from bot.handlers.applications import show_sections, summary_lines
from bot.limits import MAX_NAME, MAX_PEOPLE, MAX_PERSON
from bot.messages import Field, Message
from bot.method import next_rejection_cycle, plan
from bot.paging import Section, View
from tests.builders import settings as delivery
from tests.builders import status as status_event
from tests.harness import START, World, person

# Any text a person could type into one field: no line breaks (a field is one line).
TYPED = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=MAX_NAME
)
PERSON = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=MAX_PERSON
)
SETTINGS = delivery("Europe/Berlin")


@st.composite
def applications(draw: st.DrawFn) -> list[Application]:
    count = draw(st.integers(0, 70))
    apps = []
    for number in range(1, count + 1):
        rounds = []
        for seq in range(1, draw(st.integers(1, 5)) + 1):
            start = START + timedelta(hours=draw(st.integers(-24 * 60, 24 * 14)))
            people = tuple(
                Interviewer(draw(PERSON), draw(st.none() | PERSON))
                for _ in range(draw(st.integers(0, MAX_PEOPLE)))
            )
            rounds.append(
                Round(
                    seq=seq,
                    kind=draw(st.sampled_from(RoundKind)),
                    starts_at=start,
                    ends_at=start + timedelta(hours=1),
                    interviewers=people,
                )
            )
        app = Application(
            id=number, user_id=1, number=number, company=draw(TYPED), role=draw(TYPED),
            status=Status.ACTIVE, created_at=START - timedelta(days=60), rounds=tuple(rounds),
        )
        chosen = draw(st.sampled_from(Status))
        if chosen is not Status.ACTIVE:  # a status comes with its event, as the handler records it
            event = status_event(chosen, START - timedelta(hours=1), next_rejection_cycle(app))
            app = replace(app, status=chosen, events=(event,))
        apps.append(app)
    return apps


def _pages(
    message: Message, sections: list[Section], view: View, budget: paging.Budget = paging.MESSAGE
) -> list[Message]:
    first = paging.paged(message, sections, view, 1, 1, budget)
    count = first.page.count if first.page else 1
    return [paging.paged(message, sections, view, 1, n, budget) for n in range(1, count + 1)]


def _assert_fits(pages: list[Message], budget: paging.Budget) -> None:
    for page in pages:
        assert paging.size(page) <= budget.chars
        assert len(page.actions) <= 25  # Discord: 5 rows of 5 buttons


def _assert_each_once(sections: list[Section], budget: paging.Budget, fixed: int) -> None:
    """Every line on exactly one page, in order (a line too long for any page keeps its head)."""
    pages = paging.split(sections, budget, fixed)
    shown = [line for page in pages for section in page for line in section.lines]
    wanted = [line for section in sections for line in section.lines]
    assert len(shown) == len(wanted)
    for got, line in zip(shown, wanted, strict=True):
        assert got == line or (got.endswith(paging.ELLIPSIS) and line.startswith(got[:-1].rstrip()))
    for page in pages:
        assert sum(len(s.lines) for s in page) <= budget.lines


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(applications())
def test_list_pages_fit_and_show_every_application_once(apps: list[Application]) -> None:
    lines = summary_lines([(app, plan(app, SETTINGS, START)) for app in apps], SETTINGS, START)
    sections = [Section("", lines, "")]
    message = Message(title=f"Your applications ({len(lines)} active)")
    pages = _pages(message, sections, View.LIST)
    _assert_fits(pages, paging.MESSAGE)
    _assert_each_once(sections, paging.MESSAGE, paging.size(message) + 120)
    numbers = [line.split(" ", 1)[0] for page in pages for line in page.body.splitlines()]
    # each once, none lost
    assert sorted(numbers) == sorted(line.split(" ", 1)[0] for line in lines)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(applications().filter(bool))
def test_show_pages_fit_and_show_every_line_once(apps: list[Application]) -> None:
    app = max(apps, key=lambda a: sum(len(r.interviewers) for r in a.rounds))
    the_plan = plan(app, SETTINGS, START)
    sections = show_sections(app, the_plan, [], SETTINGS, START)
    message = Message(
        title=app.label, fields=(Field("Status", app.status.value), Field("Budget", "x" * 200))
    )
    pages = _pages(message, sections, View.SHOW)
    _assert_fits(pages, paging.MESSAGE)
    _assert_each_once(sections, paging.MESSAGE, paging.size(message) + 120)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.text(max_size=40), st.lists(TYPED, max_size=60)), max_size=5),
    st.sampled_from([paging.MESSAGE, paging.HOME]),
    st.text(max_size=400),
)
def test_any_sections_page_within_the_budget(
    raw: list[tuple[str, list[str]]], budget: paging.Budget, title: str
) -> None:
    sections = [Section(heading.replace("\n", " "), tuple(lines)) for heading, lines in raw]
    message = Message(title=title)
    pages = _pages(message, sections, View.TODAY, budget)
    _assert_fits(pages, budget)
    _assert_each_once(sections, budget, paging.size(message) + 120)
    assert pages == _pages(message, sections, View.TODAY, budget)  # deterministic


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.sampled_from("a Zé—\n\\*_~|`[]()#-!:&<>."), max_size=80)
    | st.text(max_size=80)
)
def test_a_texts_weight_is_what_each_character_may_grow_to(text: str) -> None:
    """`&` may become `&amp;` (5), `<` and `>` `&lt;` and `&gt;` (4), a markdown character gains
    a backslash (2), anything else stays one character."""
    grown = {"&": 5, "<": 4, ">": 4, **{ch: 2 for ch in "\\*_~|`[]()#-!:"}}
    assert paging.weight(text) == sum(grown.get(ch, 1) for ch in text)


def test_a_message_that_fits_is_left_alone() -> None:
    message = paging.paged(
        Message(title="t"), [Section("Due now", ("one", "two"))], View.TODAY, 1, 3
    )
    assert (
        message.page is None
        and message.body == "Due now\n  one\n  two"
        and not message.actions
        and not message.footer
    )


def test_page_buttons_and_footer() -> None:
    sections = [Section("", tuple(f"#{n} line" for n in range(60)), "")]
    first, middle, last = (
        paging.paged(Message(title="t"), sections, View.LIST, 7, n) for n in (1, 2, 99)
    )
    assert first.page is not None and (first.page.number, first.page.count) == (1, 3)
    assert [a.label for a in first.actions] == ["Next ›"] and first.actions[
        0
    ].id == "fu:page:7:list.2"
    assert [a.id for a in middle.actions] == ["fu:page:7:list.1", "fu:page:7:list.3"]
    # a stale page number shows the last page
    assert last.page is not None and last.page.number == 3
    assert "Page 3 of 3" in last.footer and "export" in last.footer
    assert "export" not in first.footer


def test_page_targets_are_read_strictly() -> None:
    assert paging.target("list.2") == (View.LIST, 2)
    for bad in (
        None,
        "",
        "list.0",
        "list.-1",
        "list.2.3",
        "lists.2",
        "list.10000",
        "LIST.2",
        "show.01",
    ):
        assert paging.target(bad) is None
    ref = decode("fu:page:12:today.3")
    assert ref is not None and ref.verb is Verb.PAGE and paging.target(ref.task) == (View.TODAY, 3)


ALICE, BOB = person("alice"), person("bob")


async def _many(world: World, who: Identity, count: int) -> None:
    for n in range(count):
        reply = await world.say(
            who, f"add Company {n:02d} & Sons <Ltd>; Analyst; tomorrow 10:00; Jane Doe, Director"
        )
        assert not reply.is_error, reply.title


async def test_list_pages_end_to_end(world: World) -> None:
    await _many(world, ALICE, 60)
    first = await world.say(ALICE, "list")
    assert first.page is not None and first.page.count >= 2
    nxt = next(a for a in first.actions if a.label == "Next ›")
    second = await world.press(ALICE, nxt.id)
    assert second.page is not None and second.page.number == 2
    seen: list[str] = []
    for n in range(1, first.page.count + 1):
        page = await world.press(ALICE, f"fu:page:{nxt.id.split(':')[2]}:list.{n}")
        seen += page.body.splitlines()
    assert sorted(line.split(" ", 1)[0] for line in seen) == sorted(f"#{n}" for n in range(1, 61))
    stale = await world.press(ALICE, nxt.id.replace("list.2", "list.40"))
    assert stale.page is not None and stale.page.number == first.page.count
    # bob presses alice's page button: refused, nothing of hers shown
    refused = await world.press(BOB, nxt.id)
    assert refused.is_error and "Company" not in refused.as_text()


async def test_today_show_and_home_page_end_to_end(world: World) -> None:
    await _many(world, ALICE, 40)
    world.clock.set(world.clock.now() + timedelta(days=1, hours=3))
    today = await world.say(ALICE, "today")
    assert today.page is not None and paging.size(today) <= paging.MESSAGE.chars
    again = await world.press(ALICE, next(a.id for a in today.actions if a.label == "Next ›"))
    assert again.page is not None and again.page.view == "today" and again.page.number == 2
    home = await world.runtime.followup.home(ALICE)
    assert home.page is not None and home.page.count == 3 and len(home.cards) <= paging.HOME.lines
    assert sum(dashboard.weight(card) for card in home.cards) <= paging.HOME.chars
    [nxt] = home.pager
    turned = await world.press(ALICE, nxt.id)
    assert turned.page is not None and (turned.page.view, turned.page.number) == ("home", 2)
    second = await world.runtime.followup.home(ALICE, turned.page.number)
    assert not {c.number for c in second.cards} & {c.number for c in home.cards}
    assert (await world.press(BOB, nxt.id)).is_error
    people = "; ".join(
        f"Interviewer Number {i} With A Long Name, Head of Something Important {i}"
        for i in range(10)
    )
    for seq in range(4):
        assert not (
            await world.say(ALICE, f"round 1; in {seq + 2} days 10:00; panel; {people}")
        ).is_error
    show = await world.say(ALICE, "show 1")
    assert show.page is not None and paging.size(show) <= paging.MESSAGE.chars
    nxt = next(a.id for a in show.actions if a.label == "Next ›")
    assert (await world.press(BOB, nxt)).is_error
    later = await world.press(ALICE, nxt)
    assert later.page is not None and later.page.view == "show" and later.page.number == 2
    assert any(a.label == "Delete" and a.confirm is not None for a in later.actions)



async def test_home_pages_are_cut_as_their_cards_weigh(world: World) -> None:
    """Home weighs every card to cut its pages but makes buttons only for the page shown: the
    pages are the ones its whole cards, buttons and all, would be cut into."""
    for n in range(30):  # cards heavy enough that their weight, not their number, cuts the pages
        company = f"Initech [{n}] " + "&" * (100 + 9 * (n % 10))
        assert not (
            await world.say(ALICE, f"add {company}; R&D <{n}>; yesterday 10:00; Kim Lee")
        ).is_error
    for number in (2, 5, 25):
        assert not (await world.say(ALICE, f"status {number} rejected")).is_error
    first = await world.runtime.followup.home(ALICE)
    assert first.page is not None
    pages = [first.cards] + [
        (await world.runtime.followup.home(ALICE, n)).cards for n in range(2, first.page.count + 1)
    ]
    every = [card for page in pages for card in page]
    assert sorted(card.number for card in every) == list(range(1, 31))
    assert paging.paginate(every, dashboard.weight, paging.HOME) == pages


async def test_home_as_one_message_keeps_the_summarys_tone_and_text(world: World) -> None:
    stranger = await world.runtime.followup.home(person("nobody"))
    assert dashboard.as_message(stranger).title == "Welcome to Followup"
    assert dashboard.as_message(stranger).body == stranger.summary.body
    await _many(world, ALICE, 3)
    one = dashboard.as_message(await world.runtime.followup.home(ALICE))
    assert (
        not one.is_error
        and one.page is not None
        and one.page.count == 1
        and len(one.body.splitlines()) == 3
    )
