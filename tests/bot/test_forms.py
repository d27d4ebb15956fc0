"""The one form reader (`bot.forms`): the same limits and messages as the text parser, every
problem reported under its own field."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot import commands as c
from bot import forms
from bot.domain import Interviewer, RoundKind
from bot.errors import BadInput
from bot.forms import FormErrors
from bot.limits import MAX_NAME, MAX_PEOPLE, MAX_WHEN
from bot.parser import parse


def _parsed_problem(line: str) -> str:
    try:
        parse(line)
    except BadInput as problem:
        return problem.problem
    raise AssertionError(f"{line!r} was accepted")


def test_each_bad_field_is_reported_under_its_own_name_with_the_parsers_message() -> None:
    found = forms.read_add(
        "  ",
        "r" * (MAX_NAME + 1),
        "w" * (MAX_WHEN + 1),
        kind="brunch",
        interviewers="\n".join(f"P {i}" for i in range(11)),
    )
    assert isinstance(found, FormErrors)
    assert set(found.by_field) == {"company", "role", "when", "kind", "interviewers"}
    assert found.by_field["company"] == _parsed_problem("add  ; Engineer; tomorrow 10:00")
    assert found.by_field["role"] == _parsed_problem(
        f"add Acme; {'r' * (MAX_NAME + 1)}; tomorrow 10:00"
    )
    assert found.by_field["when"] == _parsed_problem(f"add Acme; Engineer; {'w' * (MAX_WHEN + 1)}")
    people = "; ".join(f"P {i}" for i in range(MAX_PEOPLE + 1))
    assert found.by_field["interviewers"] == _parsed_problem(
        f"add Acme; Engineer; tomorrow 10:00; {people}"
    )
    assert "brunch" in found.by_field["kind"] and "hiring-manager" in found.by_field["kind"]


def test_a_good_form_gives_the_same_command_as_the_typed_line() -> None:
    read = forms.read_add(
        "Acme  Corp",
        "Data Engineer",
        "tomorrow 10:00",
        kind="hiring manager",
        interviewers="Jane Doe, EM\nSam Lee",
    )
    assert read == parse(
        "add Acme Corp; Data Engineer; tomorrow 10:00; hiring-manager; Jane Doe, EM; Sam Lee"
    )
    assert read == c.Add(
        "Acme Corp",
        "Data Engineer",
        "tomorrow 10:00",
        (Interviewer("Jane Doe", "EM"), Interviewer("Sam Lee")),
        RoundKind.HIRING_MANAGER,
    )


def test_the_round_form_reads_like_round_and_says_when_it_lost_its_application() -> None:
    assert forms.read_round(3, "friday 14:00", kind="panel", interviewers="Bo Li") == parse(
        "round 3; friday 14:00; panel; Bo Li"
    )
    lost = forms.read_round(None, "friday 14:00")
    assert isinstance(lost, FormErrors) and "lost track" in lost.by_field["when"]


def test_the_errors_as_one_message_carry_the_commands_form() -> None:
    found = forms.read_add("", "", "tomorrow")
    assert isinstance(found, FormErrors)
    problem = found.bad_input()
    assert "company name is missing" in problem.problem and "role is missing" in problem.problem
    assert problem.usage is not None and problem.usage.startswith("add")


def _sized(limit: int) -> st.SearchStrategy[str]:
    """Texts of any length up to just past `limit`, spaces included (and folded by both)."""
    return st.tuples(st.integers(0, limit + 5), st.sampled_from(["a", "ab ", " a  b"])).map(
        lambda t: (t[1] * t[0])[: t[0]]
    )


_text = _sized(MAX_NAME)
_when = _sized(MAX_WHEN)


@given(company=_text, role=_text, when=_when)
def test_the_form_and_the_typed_line_accept_and_refuse_the_same_values(
    company: str, role: str, when: str
) -> None:
    read = forms.read_add(company, role, when)
    try:
        typed: c.Command | str = parse(f"add {company}; {role}; {when}")
    except BadInput as problem:
        typed = problem.problem
    if isinstance(read, FormErrors):
        assert isinstance(typed, str)
        # the parser stops at the first, in the same order
        assert typed == next(iter(read.by_field.values()))
    else:
        assert read == typed
