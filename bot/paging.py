"""Pages: a long `list`, `today`, `show` or Home cut into pages that each fit every platform.

**Size.** A page is measured in weighted characters: what its text may grow to once an adapter
escapes it (Slack writes `&` as `&amp;` and `<`, `>` as `&lt;`, `&gt;`; Discord puts a backslash
before each markdown character), so the budget holds whatever people typed. `MESSAGE` keeps a
page — title, body, checklist, fields, footer and button labels together — under 3,500 of them
and 25 lines: below Discord's 4,096 characters of embed description and 6,000 per embed, and
below Slack's 3,000 per section (the adapter splits the body, so at most two sections), its
50 blocks per message and the ~12,000 characters of cumulative block text past which
`chat.postMessage` answers `msg_blocks_too_long`. `HOME` is for Slack's Home tab (100 blocks, a
section and a row of actions per item): 15 items and 10,000 weighted characters a page.

**Pages are deterministic.** They are cut greedily in order, so the same data gives the same
pages; every line is on exactly one page (a section's heading comes again on the page its
lines continue on), and a single line too big for a page on its own is shortened with "…"
rather than dropped. A message that fits is left as it was: no page footer, no buttons.

**Buttons.** Next and Previous are `fu:page:<ref>:<view>.<n>` (`bot.actions`): `ref` is the
presser's own user id (list, today, home) or the application's id (show), checked by the core
like any other button's; `n` is the page to show, clamped to the last page when the data has
shrunk since the message was sent. The last page's footer says that `export` has everything.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TypeVar

from bot.actions import Verb, action
from bot.content import copy_text
from bot.messages import Action, Message, Page

T = TypeVar("T")

ELLIPSIS = "…"
MOST_PAGES = 9999
_TARGET = re.compile(r"^(?P<view>[a-z]{1,10})\.(?P<page>[1-9][0-9]{0,3})$")
# How much an adapter's escaping may grow a character, at most (one character is 1).
_WEIGHTS = {"&": 5, "<": 4, ">": 4}
_MARKDOWN = frozenset("\\*_~|`[]()#-!:")
# Every character that weighs more than 1, to find them without a Python step per character.
_HEAVY = re.compile("[" + re.escape("".join(sorted(_MARKDOWN | _WEIGHTS.keys()))) + "]")


class View(StrEnum):
    LIST = "list"
    TODAY = "today"
    SHOW = "show"
    HOME = "home"


@dataclass(frozen=True)
class Budget:
    """What one page may hold: weighted characters in all, and lines (items)."""

    chars: int
    lines: int


MESSAGE = Budget(chars=3500, lines=25)
HOME = Budget(chars=10_000, lines=15)
# The least room a page's lines get, however long its title and fields.
MIN_ROOM = 500


@dataclass(frozen=True)
class Section:
    """A heading (or none) and its lines, each shown after `indent`."""

    heading: str
    lines: tuple[str, ...]
    indent: str = "  "


def weight(text: str) -> int:
    """`text`'s length once escaped by the most expensive adapter."""
    return len(text) + sum(_WEIGHTS.get(ch, 2) - 1 for ch in _HEAVY.findall(text))


def size(message: Message) -> int:
    """Everything of `message` a platform shows as text, weighted."""
    parts = [message.title, message.body, message.footer, *message.checklist]
    parts += [f"{f.label}{f.value}" for f in message.fields]
    parts += [a.label for a in message.actions]
    return sum(weight(part) + 1 for part in parts)


def line_count(message: Message) -> int:
    return sum(1 for line in message.body.splitlines() if line.strip())


def clip(text: str, room: int) -> str:
    """`text` if it weighs at most `room`, else its head and "…"."""
    if weight(text) <= room:
        return text
    kept, used = [], weight(ELLIPSIS)
    for ch in text:
        used += weight(ch)
        if used > room:
            break
        kept.append(ch)
    return "".join(kept).rstrip() + ELLIPSIS


def render(sections: Iterable[Section]) -> str:
    """The body the sections make: each heading, its indented lines, a blank line between."""
    parts = []
    for section in sections:
        lines = [f"{section.indent}{line}" for line in section.lines]
        parts.append("\n".join(([section.heading] if section.heading else []) + lines))
    return "\n\n".join(parts)


def paginate(
    items: Sequence[T], cost: Callable[[T], int], budget: Budget, fixed: int = 0
) -> list[tuple[T, ...]]:
    """`items` in order, cut into pages of at most `budget.lines` items whose costs add up to
    at most `budget.chars - fixed` (an item bigger than that has a page of its own). For
    adapters that lay out items themselves (Slack's Home: a section and buttons per item)."""
    room = max(budget.chars - fixed, MIN_ROOM)
    pages: list[tuple[T, ...]] = []
    page: list[T] = []
    used = 0
    for item in items:
        need = cost(item)
        if page and (used + need > room or len(page) >= budget.lines):
            pages.append(tuple(page))
            page, used = [], 0
        page.append(item)
        used += need
    if page or not pages:
        pages.append(tuple(page))
    return pages


def split(sections: Sequence[Section], budget: Budget, fixed: int = 0) -> list[tuple[Section, ...]]:
    """The sections cut into pages (see the module's docstring); `fixed` is what the rest of
    the message (title, fields, footer, buttons) already weighs."""
    room = max(budget.chars - fixed, MIN_ROOM)
    pages: list[tuple[Section, ...]] = []
    page: list[Section] = []
    used = count = 0
    for section in sections:
        head = weight(section.heading) + 3  # the heading, its newline, the blank line before
        indent = weight(section.indent) + 1  # the indent and the line's newline
        opened = False  # whether this section has begun on the current page
        for line in section.lines or ("",):
            line = clip(line, room - head - indent) if section.lines else ""
            need = indent + weight(line) if section.lines else 0
            if page and (
                used + need + (0 if opened else head) > room
                or (section.lines and count >= budget.lines)
            ):
                pages.append(tuple(page))
                page, used, count, opened = [], 0, 0, False
            if opened:
                last = page[-1]
                page[-1] = Section(last.heading, (*last.lines, line), last.indent)
            else:
                page.append(
                    Section(section.heading, (line,) if section.lines else (), section.indent)
                )
                used += head
                opened = True
            used += need
            count += 1 if section.lines else 0
    if page or not pages:
        pages.append(tuple(page))
    return pages


def clamp(number: int, count: int) -> int:
    """A page number within 1..count: a stale press on a page that no
    longer exists shows the last."""
    return min(max(number, 1), max(count, 1))


def target(task: str | None) -> tuple[View, int] | None:
    """The view and page a page button's task (`list.2`) asks for, or None if malformed."""
    match = _TARGET.match(task or "")
    if match is None:
        return None
    try:
        return View(match["view"]), int(match["page"])
    except ValueError:
        return None


def page_actions(view: View, ref: int, number: int, count: int) -> tuple[Action, ...]:
    """Previous and Next for page `number` of `count` (only the ones that lead somewhere)."""
    words = copy_text()["pages"]
    buttons = []
    if number > 1:
        buttons.append(action(Verb.PAGE, ref, f"{view}.{number - 1}", label=words["previous"]))
    if number < count:
        buttons.append(action(Verb.PAGE, ref, f"{view}.{number + 1}", label=words["next"]))
    return tuple(buttons)


def page_footer(number: int, count: int) -> str:
    words = copy_text()["pages"]
    line = words["footer"].format(number=number, count=count)
    return f"{line} {words['whole']}" if number == count else line


_FOOTER_ROOM = 120  # the page footer and the two page buttons, at most


def paged(
    message: Message,
    sections: Sequence[Section],
    view: View,
    ref: int,
    number: int = 1,
    budget: Budget = MESSAGE,
) -> Message:
    """`message` with the body the sections make, or with page `number` of it (clamped) when
    it would not fit in `budget`: the page's footer and Next/Previous added."""
    whole = replace(message, body=render(sections))
    if size(whole) <= budget.chars and sum(len(s.lines) for s in sections) <= budget.lines:
        return whole
    pages = split(sections, budget, size(message) + _FOOTER_ROOM)
    count = min(len(pages), MOST_PAGES)
    number = clamp(number, count)
    footer = "\n".join(filter(None, (message.footer, page_footer(number, count))))
    return replace(
        message,
        body=render(pages[number - 1]),
        footer=footer,
        actions=(*message.actions, *page_actions(view, ref, number, count)),
        page=Page(view=view.value, number=number, count=count),
    )
