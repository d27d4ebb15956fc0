"""The console adapter end to end: a piped script with --now, :advance, :as, :press, --json."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
from pathlib import Path

import pytest

from adapters.cli import main
from adapters.config import Config
from adapters.console.runner import ConsoleUsageError, run_console
from adapters.logs import configure_logging

SCRIPT = """\
add Acme Corp; Data Engineer; tomorrow 10:00; Jane Doe, Engineering Manager
:advance 1d
:press Sent
:as bob
show 1
:press Sent
add <!channel> @everyone Corp; QA; tomorrow 09:00
:as alice
status 1 rejected
:advance 1d
export ics
forget-me
:press Yes, delete everything
yes
list
:quit
this line is never read
"""


async def _run(
    tmp_path: Path,
    script: str,
    *,
    json_lines: bool = True,
    now: str | None = "2026-11-25T18:00:00+01:00",
) -> list[dict]:
    out = io.StringIO()
    config = Config(FOLLOWUP_DATABASE_URL=f"sqlite:///{tmp_path / 'console.db'}")
    await run_console(
        config,
        user="alice",
        timezone="Europe/Berlin",
        now=now,
        json_lines=json_lines,
        stdin=io.StringIO(script),
        stdout=out,
    )
    if not json_lines:
        return [{"text": out.getvalue()}]
    return [json.loads(line) for line in out.getvalue().splitlines()]


async def test_piped_script_with_simulated_clock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    records = await _run(tmp_path, SCRIPT)
    kinds = [(r["kind"], r["user"]) for r in records]
    assert kinds[:3] == [("reply", "alice"), ("dm", "alice"), ("reply", "alice")]
    assert all(set(r) == {"kind", "user", "channel", "at", "text", "actions"} for r in records)

    added, nudge, pressed = records[:3]
    assert added["at"] == "2026-11-25T18:00:00+01:00"
    assert "thank-you to Jane Doe" in added["text"]
    assert nudge["at"] == "2026-11-26T12:00:00+01:00"  # delivered at its due time while advancing
    assert [a["label"] for a in nudge["actions"]] == [
        "Sent",
        "Snooze 1 day",
        "Checklist",
        "Draft",
        "Skip",
    ]
    assert "☐ " in nudge["text"]  # the checklist is part of the text
    assert "thank-you marked sent" in pressed["text"]

    bob = [r for r in records if r["user"] == "bob"]
    assert "You have no application #1" in bob[0]["text"]  # bob can't see alice's #1
    assert "No recent message of yours" in bob[1]["text"]  # nor press her buttons
    assert "<!channel> @everyone Corp" in bob[2]["text"]  # shown as text, stored as typed

    close_loop = next(r for r in records if r["kind"] == "dm" and "close" in r["text"].lower())
    assert close_loop["at"] == "2026-11-27T09:00:00+01:00"  # next morning after the rejection
    ics = next(r for r in records if "BEGIN:VCALENDAR" in r["text"])
    assert (
        "Saved to" in ics["text"]
        and (tmp_path / "console-data" / "exports" / "followup-alice.ics").exists()
    )
    assert "No active applications" in records[-1]["text"]
    assert not any("never read" in r["text"] for r in records)


async def test_text_mode_prints_a_banner_and_dm_headers(tmp_path: Path) -> None:
    [out] = await _run(
        tmp_path, "add Acme; Engineer; tomorrow 10:00; Jane\n:advance 2d\n", json_lines=False
    )
    assert "Type `help` for commands" in out["text"]
    assert "── direct message to alice · Thu 26 Nov 12:00 ──" in out["text"]


async def test_advance_needs_a_simulated_clock(tmp_path: Path) -> None:
    records = await _run(tmp_path, ":advance 1d\n", now=None)
    assert "needs a simulated clock" in records[0]["text"]


async def test_bad_options_are_explained(tmp_path: Path) -> None:
    config = Config(FOLLOWUP_DATABASE_URL=f"sqlite:///{tmp_path / 'c.db'}")
    with pytest.raises(ConsoleUsageError, match="Europe/Berlin"):
        await run_console(
            config,
            user="a",
            timezone="Nowhere/Land",
            now=None,
            json_lines=True,
            stdin=io.StringIO(""),
            stdout=io.StringIO(),
        )
    with pytest.raises(ConsoleUsageError, match="ISO-8601"):
        await run_console(
            config,
            user="a",
            timezone=None,
            now="next week",
            json_lines=True,
            stdin=io.StringIO(""),
            stdout=io.StringIO(),
        )


def test_cli_help_lists_subcommands_and_bot_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["help"]) == 0
    out = capsys.readouterr().out
    for word in ("run", "console", "db", "--now", "add <company>; <role>; <when>", "forget-me"):
        assert word in out
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "console" in capsys.readouterr().out


def test_cli_db_upgrade(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FOLLOWUP_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    assert main(["db", "upgrade"]) == 0
    assert "up to date" in capsys.readouterr().out
    assert (tmp_path / "cli.db").exists()


async def test_buttons_are_pressed_by_number_label_start_or_yes(tmp_path: Path) -> None:
    records = await _run(tmp_path, """\
add Acme Corp; Data Engineer; tomorrow 10:00; Jane Doe
:advance 1d
:press [4 Draft]
:press sk
yes
:press s
forget-me
no
forget-me
yes
list
""")
    nudge = next(r for r in records if r["kind"] == "dm")
    draft, question, skipped, ambiguous = records[
        records.index(nudge) + 1 : records.index(nudge) + 5
    ]
    assert draft["text"].startswith("Draft")  # button 4 of the latest message with buttons
    assert question["text"].startswith("Skip this email?")  # Skip destroys a step: it asks first
    assert "skipped" in skipped["text"]  # the unique start of "Skip", once confirmed
    assert "could be" in ambiguous["text"]  # "s" starts "Sent", "Snooze 1 day" and "Skip"
    kept, _, gone, empty = records[-4:]
    assert "Nothing was deleted" in kept["text"]
    assert "I have deleted everything" in gone["text"]
    assert "No active applications" in empty["text"]


async def test_a_destructive_press_runs_only_after_yes(tmp_path: Path) -> None:
    records = await _run(tmp_path, """\
add Acme Corp; Data Engineer; tomorrow 10:00; Jane Doe
show 1
:press Delete
no
:press Delete
list
:press Delete
yes
list
""")
    texts = [r["text"] for r in records]
    asked = [t for t in texts if t.startswith("Delete this application?")]
    assert len(asked) == 3 and "Type yes to delete it, or no to keep it." in asked[0]
    assert "Not pressed: nothing changed." in texts[3]
    # `list` after an unanswered question: still there
    assert "Your applications (1 active)" in texts[5]
    assert texts[-2].startswith("Deleted #1 Acme Corp")
    assert "No active applications" in texts[-1]


async def test_yes_is_a_command_only_after_a_question(tmp_path: Path) -> None:
    records = await _run(tmp_path, "yes\n")
    assert "I don't know the command “yes”" in records[0]["text"]


async def test_text_mode_numbers_the_buttons(tmp_path: Path) -> None:
    [out] = await _run(
        tmp_path, "add Acme; Engineer; tomorrow 10:00; Jane\n:advance 2d\nhelp\n", json_lines=False
    )
    assert "[1 Sent] [2 Snooze 1 day] [3 Checklist] [4 Draft] [5 Skip]" in out["text"]
    assert ":press 1" in out["text"]  # help explains the buttons
    assert "\x1b[" not in out["text"]  # no colour when piped


DRAFT = """\
Subject: Thank you — Data Engineer conversation

Hi Jane,

Thank you for the time you set aside today. I left encouraged and very interested in the role.

When may I follow up with you?

Best, Alice
."""


async def test_review_alone_reads_the_draft_up_to_a_dot(tmp_path: Path) -> None:
    start = "add Acme Corp; Data Engineer; today 10:00; Jane Doe\nreview 1\n"
    records = await _run(tmp_path, f"{start}{DRAFT}\nlist\n", now="2026-11-25T08:00:00+01:00")
    added, review, listed = records
    assert review["kind"] == "reply" and "thank-you" in review["text"].lower()
    assert "Paste your draft" not in review["text"]
    assert "#1" in listed["text"]  # the line after the dot is a command again

    without_ask = DRAFT.replace("When may I follow up with you?\n", "")
    (tmp_path / "console.db").unlink()
    other = await _run(tmp_path, f"{start}{without_ask}\n", now="2026-11-25T08:00:00+01:00")
    assert other[1]["text"] != review["text"]  # the ask in the draft's last paragraph was read


async def test_a_draft_without_its_dot_is_not_sent_for_review(tmp_path: Path) -> None:
    [out] = await _run(
        tmp_path,
        "add Acme; Engineer; today 10:00; Jane\nreview 1\nHi Jane, thank you.\n",
        json_lines=False,
        now="2026-11-25T08:00:00+01:00",
    )
    assert "end it with a line holding only “.”" in out["text"]
    assert "the draft was not reviewed" in out["text"]


async def test_the_console_survives_the_end_of_the_calendar(tmp_path: Path) -> None:
    records = await _run(
        tmp_path,
        "add Acme; Engineer; tomorrow 10:00; Jane\n:advance 1w\nlist\n",
        now="9999-12-30T12:00:00+00:00",
    )
    assert len(records) == 3
    assert "past the year 9999" in records[1]["text"]
    assert "No active applications" in records[2]["text"]


async def _session(config: Config, script: str, *, user: str, now: str | None) -> list[dict]:
    out = io.StringIO()
    await run_console(
        config,
        user=user,
        timezone="Europe/Berlin",
        now=now,
        json_lines=True,
        stdin=io.StringIO(script),
        stdout=out,
    )
    return [json.loads(line) for line in out.getvalue().splitlines()]


async def test_data_lives_in_the_data_directory_and_a_simulated_clock_never_touches_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, console_data_dir: Path
) -> None:
    work = tmp_path / "checkout"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.delenv("FOLLOWUP_DATABASE_URL", raising=False)
    await _session(
        Config(),
        "add Acme; Engineer; tomorrow 10:00; Jane\n",
        user="alice",
        now="2026-11-25T18:00:00+01:00",
    )
    # the simulated session had its own database
    assert not (console_data_dir / "followup.db").exists()

    real = await _session(
        Config(), "list\nadd Real Co; Analyst; tomorrow 10:00; Sam\n", user="alice", now=None
    )
    assert "No active applications" in real[0]["text"]  # nothing left over from the simulation
    assert (console_data_dir / "followup.db").exists()
    assert list(work.iterdir()) == []  # nothing written to the working directory

    again = await _session(Config(), "list\n", user="alice", now="2026-11-25T18:00:00+01:00")
    assert "No active applications" in again[0]["text"]  # nor the real data in a simulation
    later = await _session(Config(), "list\n", user="alice", now=None)
    assert "Real Co" in later[0]["text"]


async def test_the_console_delivers_only_the_nudges_of_its_own_people(tmp_path: Path) -> None:
    config = Config(FOLLOWUP_DATABASE_URL=f"sqlite:///{tmp_path / 'shared.db'}")
    await _session(
        config,
        "add Acme; Engineer; tomorrow 10:00; Jane\n",
        user="bob",
        now="2026-11-25T18:00:00+01:00",
    )
    alice = await _session(
        config, "list\n:advance 1d\n", user="alice", now="2026-11-27T08:00:00+01:00"
    )
    assert all(r["user"] == "alice" for r in alice)  # bob's due thank-you is not delivered to alice
    bob = await _session(config, "list\n", user="bob", now="2026-11-27T08:00:00+01:00")
    # still his, late
    assert [r["kind"] for r in bob] == ["dm", "reply"] and bob[0]["user"] == "bob"
    assert "Acme" in bob[0]["text"]


@pytest.mark.parametrize("name", ["/../../trav2", "a/b", "..", "Zoë Müller"])
async def test_exports_stay_in_the_exports_directory_whatever_the_name(
    tmp_path: Path, console_data_dir: Path, name: str
) -> None:
    config = Config(FOLLOWUP_DATABASE_URL=f"sqlite:///{tmp_path / 'e.db'}")
    records = await _session(
        config,
        "add Acme; Engineer; tomorrow 10:00; Jane\nexport\nexport ics\n",
        user=name,
        now="2026-11-25T18:00:00+01:00",
    )
    exports = console_data_dir / "exports"
    saved = sorted(p.name for p in exports.iterdir())
    assert len(saved) == 2 and all(p.startswith("followup-") for p in saved)
    assert {Path(p).suffix for p in saved} == {".csv", ".ics"}
    assert len({Path(p).stem for p in saved}) == 1  # one consistent name per person
    assert all("Saved to " + str(exports) in r["text"] for r in records[1:])
    assert [n for n in os.listdir(tmp_path) if n.endswith((".csv", ".ics"))] == []


def test_cli_help_for_one_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["help", "add"]) == 0
    out = capsys.readouterr().out
    assert "Form: add <company>; <role>; <when>" in out and "Example: add Acme Corp" in out
    assert main(["help", "console"]) == 0
    assert "--now" in capsys.readouterr().out
    assert main(["help", "darft"]) == 2
    assert "Did you mean “draft”?" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["run", "console", "db", "help"])
def test_every_subcommand_describes_itself(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main([command, "--help"])
    out = capsys.readouterr().out
    description = out.split("\n\n")[1]
    assert len(description.split()) >= 8, out


def test_db_upgrade_prints_one_human_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FOLLOWUP_DATABASE_URL", f"sqlite:///{tmp_path / 'one.db'}")
    monkeypatch.setenv("FOLLOWUP_LOG_LEVEL", "INFO")
    assert main(["db", "upgrade"]) == 0
    captured = capsys.readouterr()
    assert captured.out == f"Database is up to date: {tmp_path / 'one.db'}\n"
    assert captured.err == ""


@pytest.mark.parametrize(("level", "shown"), [(logging.INFO, False), (logging.DEBUG, True)])
def test_library_chatter_only_at_debug(level: int, shown: bool) -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        configure_logging(Config(), level=level, stream=stream)
        logging.getLogger("apscheduler.executors.default").info("Running job \"sweep\"")
        logging.getLogger("apscheduler.scheduler").warning("Run time of job was missed by 0:00:01")
        logging.getLogger("discord.client").warning(
            "PyNaCl is not installed, voice will NOT be supported"
        )
        logging.getLogger("followup.ours").warning("a warning of ours")
        logging.getLogger("apscheduler.executors.default").error("Job raised an exception")
        try:
            raise asyncio.CancelledError
        except asyncio.CancelledError:
            logging.getLogger("apscheduler.executors.default").exception(
                "Job cancelled at shutdown"
            )
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    out = stream.getvalue()
    assert "a warning of ours" in out and "Job raised an exception" in out
    for chatter in ("Running job", "was missed by", "PyNaCl", "cancelled at shutdown"):
        assert (chatter in out) is shown


def test_colour_only_for_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from adapters.console.output import Output, Record, colour_wanted
    from bot.messages import Action, Message, Tone

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    assert colour_wanted(Terminal(), json_lines=False)
    assert not colour_wanted(Terminal(), json_lines=True)
    assert not colour_wanted(io.StringIO(), json_lines=False)
    monkeypatch.setenv("NO_COLOR", "1")
    assert not colour_wanted(Terminal(), json_lines=False)

    stream = Terminal()
    output = Output(stream, json_lines=False, zone=ZoneInfo("UTC"), colour=True)
    message = Message(
        title="That id is unknown.",
        body="Form: show <id>",
        actions=(Action("fu:sent:1", "Sent"),),
        tone=Tone.ERROR,
    )
    output.emit(Record("reply", "alice", None, datetime(2026, 11, 25, tzinfo=UTC), message))
    assert (
        "\x1b[1;31mThat id is unknown.\x1b[0m\nForm: show <id>\n\x1b[36m[1 Sent]\x1b[0m"
        in stream.getvalue()
    )


async def test_a_pasted_block_is_read_line_by_line(tmp_path: Path) -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from adapters.bootstrap import bootstrap
    from adapters.console.output import Output
    from adapters.console.session import ConsoleNotifier, ConsolePoster, ConsoleSession
    from adapters.outlets import Outlet
    from bot.clock import SimulatedClock

    config = Config(FOLLOWUP_DATABASE_URL=f"sqlite:///{tmp_path / 'paste.db'}")
    clock = SimulatedClock(datetime(2026, 11, 25, 7, tzinfo=UTC))
    output = Output(io.StringIO(), json_lines=True, zone=ZoneInfo("UTC"))
    runtime = await bootstrap(
        config,
        clock=clock,
        outlets={"console": Outlet(ConsoleNotifier(output, clock), ConsolePoster(output, clock))},
    )
    session = ConsoleSession(
        runtime.followup,
        runtime.dispatcher,
        runtime.clock,
        output,
        user="alice",
        export_dir=tmp_path,
    )
    draft = "Hi Jane,\n\nThank you for your time today. When may I follow up?"
    try:
        await session.handle_line("add Acme Corp; Data Engineer; today 10:00; Jane Doe\n")
        await session.handle_line("list\ntoday\n")  # two commands pasted at once
        # a draft pasted after `review 1`
        await session.handle_line(f"review 1\n{draft}\n.\nlist\n")
        await session.handle_line(f"review 1 {draft}\n")  # or with it
    finally:
        await runtime.close()
    texts = [r.message.as_text() for r in output.records]
    assert len(texts) == 6, texts
    assert "Acme Corp" in texts[1] and "Acme Corp" in texts[4]
    assert texts[3] == texts[5] and "Paste your draft" not in texts[3]
