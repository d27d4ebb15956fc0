"""The console's line editor for a person at a terminal, built on prompt_toolkit.

prompt_toolkit gives what people expect from a shell prompt without us writing terminal code:
arrow keys and Emacs keys for editing, history (Up/Down, Ctrl-R) kept per user in the data
directory, Ctrl-L to clear the screen, and Tab completion of commands, meta-commands, the
speaker's own application ids, button numbers and timezone names. While the prompt waits,
`patch_stdout` prints every nudge that arrives above it and redraws the line being typed, so
nothing typed is lost or garbled.

Ctrl-C drops the line being typed (or a draft being read for `review`); a second Ctrl-C in a
row, or Ctrl-D on an empty line, leaves.

Only used when standard input and output are a terminal: piped input keeps the plain reader in
`runner.py`, line for line as before.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

from prompt_toolkit import PromptSession
from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from prompt_toolkit.patch_stdout import patch_stdout

from adapters.console.output import Output
from adapters.console.session import ConsoleSession
from bot.catalogue import BY_NAME
from bot.dates import timezone_choices
from bot.domain import Status, Step

META = (":press", ":as", ":in", ":dm", ":advance", ":help", ":quit")
_TAKES_ID = frozenset(
    {
        "round",
        "show",
        "checklist",
        "draft",
        "review",
        "sent",
        "heard",
        "snooze",
        "skip",
        "status",
        "delete",
        "share",
    }
)
LEAVE_HINT = "(Ctrl-C again, Ctrl-D or :quit leaves)"


class ConsoleCompleter(Completer):
    """Completes the word under the cursor from what the session knows right now."""

    def __init__(self, session: ConsoleSession, output: Output) -> None:
        self._session = session
        self._output = output

    def get_completions(
        self, document: Document, complete_event: CompleteEvent
    ) -> Iterable[Completion]:
        before = document.text_before_cursor
        words = before.split()
        current = "" if before.endswith((" ", "\t")) or not words else words[-1]
        previous = words[:-1] if current else words
        for candidate, meta in self._candidates(previous, current):
            if candidate.casefold().startswith(current.casefold()) and candidate != current:
                yield Completion(candidate, start_position=-len(current), display_meta=meta)

    def _candidates(self, previous: list[str], current: str) -> list[tuple[str, str]]:
        if self._session.reading_draft:
            return []
        if not previous:
            if current.startswith(":"):
                return [(m, "") for m in META]
            return [(name, spec.summary[:50]) for name, spec in BY_NAME.items()]
        first = previous[0].lower()
        if first == ":press" and len(previous) == 1:
            latest = self._latest_buttons()
            return [(str(n), label) for n, label in enumerate(latest, start=1)] + [
                (label.split()[0].lower(), label) for label in latest
            ]
        if first == "help" and len(previous) == 1:
            return [(name, "") for name in BY_NAME] + [("method", "")]
        if previous[-1].lower() in ("tz", "timezone", "zone"):
            return [(name, "") for name in timezone_choices(current, limit=200)]
        if first == "settings":
            return [(word, "") for word in ("tz", "hour", "quiet", "weekends")]
        if first == "checklist" and len(previous) == 1:
            return self._ids() + [(s.value, "step") for s in Step]
        if first == "status" and len(previous) == 2:
            return [(s.value, "") for s in Status]
        if first == "export" and len(previous) == 1:
            return [("csv", "spreadsheet"), ("ics", "calendar")]
        if first in _TAKES_ID and len(previous) == 1:
            return self._ids()
        return []

    def _ids(self) -> list[tuple[str, str]]:
        return [(str(number), label) for number, label in self._session.choices]

    def _latest_buttons(self) -> list[str]:
        for record in reversed(self._output.records):
            if record.user == self._session.user and record.message.actions:
                return [a.label for a in record.message.actions]
        return []


def history_for(path: Path | None) -> History:
    if path is None:
        return InMemoryHistory()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(exist_ok=True)
    except OSError:
        return InMemoryHistory()  # an unwritable data directory costs the history, not the console
    return FileHistory(str(path))


async def interactive_loop(session: ConsoleSession, output: Output, history: Path | None) -> None:
    """Read and handle lines at a terminal until `:quit`, Ctrl-D or a second Ctrl-C."""
    prompt: PromptSession[str] = PromptSession(
        history=history_for(history),
        completer=ConsoleCompleter(session, output),
        complete_while_typing=False,
        enable_history_search=False,
    )
    interrupted = False
    with patch_stdout(raw=True):
        output.stream = sys.stdout  # the proxy that prints above the prompt
        while not session.finished:
            try:
                line = await prompt.prompt_async("… " if session.reading_draft else "> ")
            except KeyboardInterrupt:
                if session.cancel_draft():
                    output.say("(draft dropped)", "dim")
                    interrupted = False
                    continue
                if interrupted:
                    break
                interrupted = True
                output.say(LEAVE_HINT, "dim")
                continue
            except EOFError:
                break
            interrupted = False
            await session.handle_line(line)
    output.stream = sys.stdout
