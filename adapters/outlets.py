"""A platform's outlet: how the core reaches people when no one asked (nudges, channel posts).

`Outlet` pairs a platform's `Notifier` (direct messages) and `ChannelPoster` (group channel
posts) with `live`, whether the platform can be sent to now (its adapter is started). Both are
built once, by `adapters.bootstrap`, before the core.

`Available` is what the core is handed: a read-only mapping, fixed at bootstrap, that shows the
notifiers (or posters) of the platforms that are live at the moment it is read. So the
dispatchers claim nudges and digests only for platforms that are up, and a channel post for a
platform that is down says so, without anything being registered or removed at run time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TypeVar

from bot.ports import ChannelPoster, Notifier

T = TypeVar("T")


def _always() -> bool:
    return True


@dataclass(frozen=True)
class Outlet:
    notifier: Notifier
    poster: ChannelPoster
    live: Callable[[], bool] = _always


class Available(Mapping[str, T]):
    def __init__(self, items: Mapping[str, T], outlets: Mapping[str, Outlet]) -> None:
        self._items = dict(items)
        self._outlets = dict(outlets)

    def _live(self, name: str) -> bool:
        return name in self._items and self._outlets[name].live()

    def __getitem__(self, name: str) -> T:
        if not self._live(name):
            raise KeyError(name)
        return self._items[name]

    def __iter__(self) -> Iterator[str]:
        return (name for name in self._items if self._outlets[name].live())

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._live(name)
