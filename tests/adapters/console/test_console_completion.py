"""Tab completion in the console's line editor: what is offered for the word under the cursor."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from adapters.console.output import Output, Record
from adapters.console.session import ConsoleSession, _Draft
from adapters.console.terminal import ConsoleCompleter
from bot.actions import nudge_actions
from bot.clock import SimulatedClock
from bot.messages import Message


def _completer() -> tuple[ConsoleCompleter, ConsoleSession, Output]:
    output = Output(io.StringIO(), json_lines=False, zone=ZoneInfo("UTC"))
    nothing: Any = None  # completion never reaches the core
    session = ConsoleSession(
        nothing, nothing, SimulatedClock(datetime(2026, 11, 25, tzinfo=UTC)), output, user="alice"
    )
    session.choices = [(1, "Acme Corp — Data Engineer"), (12, "Globex — Analyst")]
    return ConsoleCompleter(session, output), session, output


def _offered(completer: ConsoleCompleter, text: str) -> list[str]:
    return [
        c.text
        for c in completer.get_completions(Document(text), CompleteEvent(completion_requested=True))
    ]


def test_commands_meta_commands_ids_and_zones() -> None:
    completer, session, output = _completer()
    assert _offered(completer, "dr") == ["draft"]
    assert "forget-me" in _offered(completer, "f")
    assert _offered(completer, ":pr") == [":press"]
    assert _offered(completer, "draft ") == ["1", "12"]
    assert _offered(completer, "show 1") == ["12"]
    assert "Europe/Berlin" in _offered(completer, "settings tz Europe/Ber")
    assert _offered(completer, "status 1 rej") == ["rejected"]
    assert _offered(completer, "export ") == ["csv", "ics"]


def test_press_offers_the_latest_buttons() -> None:
    completer, session, output = _completer()
    assert _offered(completer, ":press ") == []
    message = Message(title="Time for your thank-you email", actions=nudge_actions(7))
    output.records.append(Record("dm", "alice", None, datetime(2026, 11, 25, tzinfo=UTC), message))
    offered = _offered(completer, ":press ")
    assert offered[:5] == ["1", "2", "3", "4", "5"] and "snooze" in offered
    output.records.append(
        Record(
            "dm",
            "bob",
            None,
            datetime(2026, 11, 25, tzinfo=UTC),
            Message(title="x", actions=nudge_actions(9)[:1]),
        )
    )
    # bob's message isn't alice's
    assert _offered(completer, ":press ")[:5] == ["1", "2", "3", "4", "5"]


def test_nothing_is_offered_inside_a_draft() -> None:
    completer, session, output = _completer()
    session._draft = _Draft("1", [])
    assert _offered(completer, "dr") == []
